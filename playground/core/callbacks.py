"""What hooks into the training loop: a Callback is told of every epoch a trainer reports (the
loop itself only loops). Callbacks keep what they must resume with in `state_dict()`.

Built so far: `Checkpoint` (save every N epochs), used by the command line and the window alike.
"""

from __future__ import annotations

from typing import Any, Callable


class Callback:
    """Told of each snapshot a trainer reports (kind "epoch", or how the run ended)."""

    def on_epoch_end(self, trainer, snapshot) -> None:  # noqa: ANN001 - a core.training Trainer and Snapshot
        """After every reported snapshot, on the training thread."""

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Resume from what `state_dict` gave."""


class Checkpoint(Callback):
    """`save(trainer)` whenever the trainer has passed another multiple of `every` epochs (0:
    never): a resumable checkpoint of a long run, always of the trainer as it is. On the eager
    path that is exactly every `every`-th epoch; the fast path reports its epochs after a kernel
    call of many, so the checkpoint comes at the end of the call that crossed the multiple.
    What is saved and where is the caller's (`playground train` writes DIR/checkpoint.json; the
    window its recovery file)."""

    def __init__(self, every: int, save: Callable[[Any], None]) -> None:
        self.every, self.save = max(0, int(every)), save
        self.last_epoch = 0

    def on_epoch_end(self, trainer, snapshot) -> None:
        if self.every and snapshot.kind == "epoch" and trainer.epoch // self.every > self.last_epoch // self.every:
            self.save(trainer)
            self.last_epoch = trainer.epoch

    def state_dict(self) -> dict[str, Any]:
        return {"last_epoch": self.last_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.last_epoch = int(state.get("last_epoch", 0))
