"""TensorBoard for our runs: a training callback that writes a run's event files (tensorboardX)
into the run's own folder — train and test loss, accuracy and the learning rate per epoch, and
at the end its hyper-parameters with the final metrics as the HParams plugin reads them — so
`tensorboard --logdir runs` shows the curves, the HParams table and its parallel coordinates."""

from __future__ import annotations

import math
import time
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
    finite numbers of `metrics` and closes the file.

    Written on this thread by tensorboardX's EventsWriter, one event per epoch with all its
    scalars, buffered and written out every FLUSH_S seconds (TensorBoard shows a long run live):
    SummaryWriter's queue to a writer thread pickles every event and cost a third of a tiny
    network's training; an event per scalar cost more than the fast path's epoch itself."""

    FLUSH_S = 1.0

    def __init__(self, folder: str | Path, hyperparameters: dict[str, Any] | None = None) -> None:
        from tensorboardX.event_file_writer import EventsWriter

        Path(folder).mkdir(parents=True, exist_ok=True)
        self.writer = EventsWriter(str(Path(folder) / "events"))
        self.hyperparameters = {k: _plain(v) for k, v in (hyperparameters or {}).items()}
        self._pending: list = []
        self._written = time.monotonic()

    def _add(self, summary, step: int | None = None) -> None:
        from tensorboardX.proto.event_pb2 import Event

        event = Event(wall_time=time.time(), summary=summary)
        if step is not None:
            event.step = int(step)
        self._pending.append(event)

    def _write(self) -> None:
        for event in self._pending:
            self.writer.write_event(event)
        self._pending.clear()
        self.writer.flush()
        self._written = time.monotonic()

    def on_epoch_end(self, trainer, snapshot) -> None:
        if snapshot.kind != "epoch":
            return
        from tensorboardX.proto.summary_pb2 import Summary

        values = [Summary.Value(tag=tag, simple_value=float(value)) for field, tag in SCALARS.items()
                  if (value := getattr(snapshot, field)) is not None and math.isfinite(value)]
        if values:
            self._add(Summary(value=values), snapshot.epoch)
        if time.monotonic() - self._written >= self.FLUSH_S:
            self._write()

    def close(self, metrics: dict[str, Any]) -> None:
        from tensorboardX.proto.summary_pb2 import Summary
        from tensorboardX.summary import hparams

        finals = {f"final/{k}": float(v) for k, v in metrics.items()
                  if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)}
        if self.hyperparameters:
            for summary in hparams(self.hyperparameters, finals):
                self._add(summary)
        if finals:
            self._add(Summary(value=[Summary.Value(tag=t, simple_value=v) for t, v in finals.items()]),
                      int(metrics.get("epochs", 0) or 0))
        self._write()
        self.writer.close()
