"""A float64 array that grows by appending, with amortized doubling: the live curves keep many
thousand points as 8 bytes each, not as Python floats in lists."""

from __future__ import annotations

import numpy as np


class GrowingArray:
    def __init__(self, capacity: int = 1024) -> None:
        self._data = np.empty(max(1, capacity), dtype=np.float64)
        self._size = 0

    def extend(self, values) -> None:
        values = np.asarray(values, dtype=np.float64).ravel()
        need = self._size + len(values)
        if need > len(self._data):
            grown = np.empty(max(need, 2 * len(self._data)), dtype=np.float64)
            grown[:self._size] = self._data[:self._size]
            self._data = grown
        self._data[self._size:need] = values
        self._size = need

    def append(self, value: float) -> None:
        self.extend([value])

    @property
    def values(self) -> np.ndarray:
        """A view of the filled part (do not keep it across appends)."""
        return self._data[:self._size]

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, index):
        return self.values[index]
