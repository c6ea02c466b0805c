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


class ThinningArray:
    """Like GrowingArray, but never more than `limit` rows: when full, every other row is dropped
    and from then on only every `stride`-th value is kept (stride doubles each time), while the
    newest value is always there (the last row is overwritten until the next kept value comes).
    A run of millions of fast epochs keeps its curve's shape in bounded memory. Arrays fed the
    same number of values thin identically, so their rows stay aligned."""

    def __init__(self, width: int | None = None, limit: int = 200_000) -> None:
        if limit < 4:
            raise ValueError("limit must be at least 4")
        self._rows = GrowingArray(width)
        self._index = GrowingArray()  # which value (counting from 0) each row holds
        self.limit = limit
        self.stride = 1
        self.count = 0
        self._provisional = False     # the last row holds a value off the stride (the newest)

    def append(self, value) -> None:
        k = self.count
        self.count += 1
        if self._provisional:
            self._rows.values[-1] = value
            self._index.values[-1] = k
        else:
            self._rows.append(value)
            self._index.append(k)
        self._provisional = k % self.stride != 0
        if len(self._rows) > self.limit:
            self._thin()

    def extend(self, values) -> None:
        values = np.asarray(values, dtype=np.float64).reshape((-1,) + self._rows._shape)
        if self.stride == 1 and not self._provisional and len(self._rows) + len(values) <= self.limit:
            self._rows.extend(values)  # the common case: nothing to thin yet
            self._index.extend(np.arange(self.count, self.count + len(values)))
            self.count += len(values)
            return
        for value in values:
            self.append(value)

    def _thin(self) -> None:
        self.stride *= 2
        index = self._index.values.astype(np.int64)
        keep = index % self.stride == 0
        keep[-1] = True
        rows, kept = self._rows.values[keep].copy(), index[keep]
        self._rows = GrowingArray(None if not self._rows._shape else self._rows._shape[0], capacity=self.limit + 1)
        self._rows.extend(rows)
        self._index = GrowingArray(capacity=self.limit + 1)
        self._index.extend(kept)
        self._provisional = int(kept[-1]) % self.stride != 0

    def like(self, values) -> "ThinningArray":
        """A new array holding `values` (one per row of this one) at this one's positions, so
        the two go on thinning in step."""
        twin = ThinningArray(None if not self._rows._shape else self._rows._shape[0], limit=self.limit)
        twin._rows.extend(values)
        twin._index.extend(self.positions)
        twin.stride, twin.count, twin._provisional = self.stride, self.count, self._provisional
        return twin

    @property
    def values(self) -> np.ndarray:
        """A view of the kept rows (do not keep it across appends)."""
        return self._rows.values

    @property
    def positions(self) -> np.ndarray:
        """Which value (counting from 0) each kept row holds."""
        return self._index.values

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index):
        return self.values[index]
