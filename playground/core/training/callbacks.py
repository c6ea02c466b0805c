"""What hooks into the training loop: a Callback is told of every snapshot a trainer reports
(the loop itself only loops). Callbacks keep what they must resume with in `state_dict()`.

`Checkpoint` (save every N epochs) serves the command line and the window alike;
`EarlyStopping` ends a run whose test loss stopped improving; the command line's progress bar
is one too (cli.py).
"""

from __future__ import annotations

import math
from typing import Any, Callable


class Callback:
    """Told of each snapshot a trainer reports (kind "epoch", or how the run ended)."""

    def on_epoch_end(self, trainer, snapshot) -> None:  # noqa: ANN001 - a core.training Trainer and Snapshot
        """After every reported snapshot, on the training thread."""

    def horizon(self, trainer) -> int | None:  # noqa: ANN001
        """The most epochs the trainer may train before this callback sees them (None: any).
        The fast path trains many epochs per kernel call; a callback that acts at an exact
        epoch (a checkpoint, an early stop) says how far ahead that is, and no call passes it."""
        return None

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Resume from what `state_dict` gave."""


class Checkpoint(Callback):
    """`save(trainer)` whenever the trainer has passed another multiple of `every` epochs (0:
    never): a resumable checkpoint of a long run, always of the trainer as it is, exactly every
    `every`-th epoch on both paths (its horizon ends the fast path's kernel calls there).
    What is saved and where is the caller's (`playground train` writes DIR/checkpoint.json; the
    window its recovery file)."""

    def __init__(self, every: int, save: Callable[[Any], None]) -> None:
        self.every, self.save = max(0, int(every)), save
        self.last_epoch = 0

    def on_epoch_end(self, trainer, snapshot) -> None:
        if self.every and snapshot.kind == "epoch" and trainer.epoch // self.every > self.last_epoch // self.every:
            self.save(trainer)
            self.last_epoch = trainer.epoch

    def horizon(self, trainer) -> int | None:
        return self.every - trainer.epoch % self.every if self.every else None

    def state_dict(self) -> dict[str, Any]:
        return {"last_epoch": self.last_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.last_epoch = int(state.get("last_epoch", 0))


class EarlyStopping(Callback):
    """Stop the run once `monitor` (a Snapshot field; lower is better unless `mode` is "max")
    has not improved by more than `min_delta` for `patience` epochs that measured it. Epochs
    that did not measure it (a large data set's test split is measured only now and then) do
    not count. `stopped_epoch` says where it stopped (0: it did not); it is the same epoch on
    the fast path (its horizon: no kernel call runs past the epoch that could end the run)."""

    def __init__(self, patience: int, monitor: str = "test_loss", min_delta: float = 0.0,
                 mode: str = "min") -> None:
        if patience < 1:
            raise ValueError("patience must be at least 1 epoch")
        if mode not in ("min", "max"):
            raise ValueError('mode must be "min" or "max"')
        self.patience, self.monitor, self.min_delta, self.mode = int(patience), monitor, float(min_delta), mode
        self.best = math.inf if mode == "min" else -math.inf
        self.wait = 0
        self.stopped_epoch = 0

    def on_epoch_end(self, trainer, snapshot) -> None:
        value = getattr(snapshot, self.monitor) if snapshot.kind == "epoch" else None
        if value is None or not math.isfinite(value):
            return
        better = value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta
        if better:
            self.best, self.wait = value, 0
            return
        self.wait += 1
        if self.wait >= self.patience and not self.stopped_epoch:
            self.stopped_epoch = snapshot.epoch
            trainer.control.stop()

    def horizon(self, trainer) -> int | None:
        return max(1, self.patience - self.wait)

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "wait": self.wait, "stopped_epoch": self.stopped_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = float(state.get("best", self.best))
        self.wait = int(state.get("wait", 0))
        self.stopped_epoch = int(state.get("stopped_epoch", 0))


class LambdaCallback(Callback):
    """A function of each snapshot as a callback: `LambdaCallback(lambda snap: print(snap.epoch))`."""

    def __init__(self, on_snapshot: Callable[[Any], None]) -> None:
        self.on_snapshot = on_snapshot

    def on_epoch_end(self, trainer, snapshot) -> None:
        self.on_snapshot(snapshot)
