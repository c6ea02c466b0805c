"""TensorBoard for our runs: a training callback that writes a run's event files (tensorboardX)
into the run's own folder — train and test loss, accuracy and the learning rate per epoch, and
at the end its hyper-parameters with the final metrics as the HParams plugin reads them — so
`tensorboard --logdir runs` shows the curves, the HParams table and its parallel coordinates."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from playground.core.training.callbacks import Callback

#: Snapshot field → TensorBoard tag.
SCALARS = {"train_loss": "loss/train", "test_loss": "loss/test", "train_accuracy": "accuracy/train",
           "test_accuracy": "accuracy/test", "learning_rate": "learning_rate"}


def _plain(value: Any) -> bool | str | float | int:
    """A hyper-parameter value as the HParams plugin takes it (lists and dicts as text)."""
    return value if isinstance(value, (bool, str, int, float)) else str(value)


class TensorBoardLog(Callback):
    """Event files in `folder`; `close(metrics)` adds the hyper-parameters (when given) with the
    finite numbers of `metrics` and closes the file."""

    def __init__(self, folder: str | Path, hyperparameters: dict[str, Any] | None = None) -> None:
        from tensorboardX import SummaryWriter

        Path(folder).mkdir(parents=True, exist_ok=True)
        self.writer = SummaryWriter(str(folder), flush_secs=10, max_queue=1000)
        self.hyperparameters = {k: _plain(v) for k, v in (hyperparameters or {}).items()}

    def on_epoch_end(self, trainer, snapshot) -> None:
        """One event per epoch carrying all its scalars (an event per scalar, as add_scalar writes
        them, cost more than the fast path's epoch itself)."""
        if snapshot.kind != "epoch":
            return
        from tensorboardX.proto.summary_pb2 import Summary

        values = [Summary.Value(tag=tag, simple_value=float(value)) for field, tag in SCALARS.items()
                  if (value := getattr(snapshot, field)) is not None and math.isfinite(value)]
        if values:
            self.writer.file_writer.add_summary(Summary(value=values), snapshot.epoch)

    def close(self, metrics: dict[str, Any]) -> None:
        from tensorboardX.summary import hparams

        finals = {f"final/{k}": float(v) for k, v in metrics.items()
                  if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)}
        if self.hyperparameters:
            experiment, start, end = hparams(self.hyperparameters, finals)
            for summary in (experiment, start, end):
                self.writer.file_writer.add_summary(summary)
        for tag, value in finals.items():
            self.writer.add_scalar(tag, value, int(metrics.get("epochs", 0) or 0))
        self.writer.close()
