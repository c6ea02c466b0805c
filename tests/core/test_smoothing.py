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
    first = inc.extend(values[:20])
    whole = smooth(values, 0.9)
    assert np.allclose(np.concatenate([first, inc.extend(values[20:])]), whole)
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


def test_thinning_array_stays_bounded_keeps_the_newest_and_a_uniform_sample():
    from playground.core.series import ThinningArray

    rows = ThinningArray(width=2, limit=1000)
    twin = ThinningArray(limit=1000)
    for chunk in np.array_split(np.arange(300_000, dtype=float), 311):
        rows.extend(np.stack([chunk, 2 * chunk], axis=1))
        twin.extend(chunk)
    assert len(rows) <= 1000 and rows.stride == 512
    assert list(rows.values[-1]) == [299_999.0, 599_998.0]  # the newest is always kept
    kept = rows.values[:-1, 0]
    assert np.all(np.diff(kept) == rows.stride) and kept[0] == 0  # evenly spaced from the start
    np.testing.assert_array_equal(twin.values, rows.values[:, 0])  # fed alike, thinned alike
    np.testing.assert_array_equal(rows.positions, rows.values[:, 0])
    follower = twin.like(twin.values * 10)
    for v in range(300_000, 301_000):
        twin.append(v)
        follower.append(10 * v)
    np.testing.assert_array_equal(follower.values, twin.values * 10)  # a `like` twin keeps in step
