"""A float64 array that grows by appending, with amortized doubling: long histories and live
curves keep their points as 8 bytes each, not as Python objects in lists."""

from __future__ import annotations

import numpy as np


class GrowingArray:
    """Values (width None) or rows of `width` values."""

    def __init__(self, width: int | None = None, capacity: int = 1024) -> None:
        self._shape = () if width is None else (width,)
        self._data = np.empty((max(1, capacity),) + self._shape, dtype=np.float64)
        self._size = 0

    def extend(self, values) -> None:
        values = np.asarray(values, dtype=np.float64).reshape((-1,) + self._shape)
        need = self._size + len(values)
        if need > len(self._data):
            grown = np.empty((max(need, 2 * len(self._data)),) + self._shape, dtype=np.float64)
            grown[:self._size] = self._data[:self._size]
            self._data = grown
        self._data[self._size:need] = values
        self._size = need

    def append(self, value) -> None:
        self.extend([value])

    @property
    def values(self) -> np.ndarray:
        """A view of the filled part (do not keep it across appends)."""
        return self._data[:self._size]

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, index):
        return self.values[index]
