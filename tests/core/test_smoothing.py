import numpy as np
import pytest

from playground.core.smoothing import DebiasedEMA, smooth


def test_debiased_ema_starts_at_the_first_value_and_follows_the_formula():
    values = [4.0, 2.0, 3.0, 10.0]
    w = 0.6
    s, out = 0.0, []
    for t, x in enumerate(values, 1):
        s = w * s + (1 - w) * x
        out.append(s / (1 - w ** t))
    assert smooth(values, w) == pytest.approx(out)
    assert smooth(values, w)[0] == 4.0
    assert list(smooth(values, 0.0)) == values


def test_incremental_equals_whole_and_skips_nan():
    values = np.random.default_rng(0).random(50)
    values[10] = np.nan
    inc = DebiasedEMA(0.9)
    inc.extend(values[:20])
    whole = smooth(values, 0.9)
    assert np.allclose(inc.extend(values[20:]), whole)
    assert whole[10] == whole[9]
    with pytest.raises(ValueError):
        DebiasedEMA(1.0)


def test_growing_array_keeps_every_value():
    from playground.core.series import GrowingArray
    values = GrowingArray(capacity=2)
    rows = GrowingArray(width=3, capacity=1)
    rows.extend([[1, 2, 3], [4, 5, 6]])
    rows.append([7, 8, 9])
    assert rows.values.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    for i in range(1000):
        values.append(i)
    values.extend([1000.0, 1001.0])
    assert len(values) == 1002 and values.values.tolist() == list(range(1002)) and values[-1] == 1001
