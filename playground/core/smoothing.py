"""Debiased exponential moving average, as TensorBoard smooths its curves, computed
incrementally so a live curve of many thousand points costs only its new points per frame (the
caller keeps the values)."""

from __future__ import annotations

import math

import numpy as np



class DebiasedEMA:
    """s_t = w·s_{t−1} + (1 − w)·x_t, reported as s_t / (1 − w^t) so early points are not pulled
    towards zero. Non-finite values are skipped (they keep the previous smoothed value)."""

    def __init__(self, weight: float) -> None:
        if not 0.0 <= weight < 1.0:
            raise ValueError(f"smoothing weight must be in [0, 1), not {weight}")
        self.weight = weight
        self._state = 0.0
        self._count = 0
        self._last = math.nan

    def extend(self, new: "np.ndarray | list[float]") -> np.ndarray:
        """Smooth `new` points after those seen so far; returns their smoothed values."""
        w = self.weight
        out = []
        for x in new:
            x = float(x)
            if math.isfinite(x):
                self._count += 1
                self._state = w * self._state + (1 - w) * x
                self._last = self._state / (1 - w ** self._count) if w > 0 else x
            out.append(self._last)
        return np.asarray(out, dtype=np.float64)


def smooth(values: "np.ndarray | list[float]", weight: float) -> np.ndarray:
    """The whole series at once."""
    return DebiasedEMA(weight).extend(values)
