"""What a trainer reports: a `Snapshot` per epoch (or how a run ended), and the `HistoryLog` of
every epoch's figures, compact enough for millions of fast-path epochs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from playground.core.series import ThinningArray

#: Rows the history keeps before it thins itself (see HistoryLog): ~14 MB.
HISTORY_LIMIT = 200_000
HISTORY_FIELDS = ("epoch", "step", "train_loss", "test_loss", "train_accuracy", "test_accuracy",
                  "learning_rate", "samples_per_second", "elapsed")


@dataclass(slots=True)
class Snapshot:
    """What the trainer reports after an epoch (kind "epoch") or when it ends early.

    kind: "epoch", "stopped" (stop requested mid-epoch), "diverged" (NaN/inf) or "failed" (out of
    memory or a device error); for the last two `message` says what happened and what to try, and
    the metrics are those of the last good epoch, whose weights were restored.
    """

    kind: str
    epoch: int
    step: int
    train_loss: float
    test_loss: float
    train_accuracy: float | None
    test_accuracy: float | None
    learning_rate: float
    samples_per_second: float
    elapsed: float
    message: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def _history_value(field: str, number: float):
    if field in ("epoch", "step"):
        return int(number)
    if field in ("train_accuracy", "test_accuracy") and math.isnan(number):
        return None
    return float(number)


class HistoryLog(Sequence):
    """The per-epoch snapshots, stored as one float64 row each (72 bytes an epoch, not a Python
    object). Past HISTORY_LIMIT rows it thins itself (every 2nd, 4th, … epoch kept, the latest
    always): a run of millions of fast epochs stays within a few MB. Reads like a list of Snapshots."""

    def __init__(self, rows: np.ndarray | None = None) -> None:
        self._rows = ThinningArray(width=len(HISTORY_FIELDS), limit=HISTORY_LIMIT)
        if rows is not None:
            self._rows.extend(rows)

    def append(self, snap: Snapshot) -> None:
        values = [getattr(snap, field) for field in HISTORY_FIELDS]
        self._rows.append([math.nan if v is None else v for v in values])

    def column(self, field: str) -> np.ndarray:
        """All values of one field (a view; copy it to keep it)."""
        return self._rows.values[:, HISTORY_FIELDS.index(field)]

    def rows(self) -> np.ndarray:
        return self._rows.values

    def copy(self) -> "HistoryLog":
        return HistoryLog(self.rows().copy())

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index):
        size = len(self._rows)
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(size))]
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("history index out of range")
        row = self._rows[index]
        return Snapshot("epoch", *[_history_value(f, row[i]) for i, f in enumerate(HISTORY_FIELDS)])
