"""The one way to steer a running trainer from any thread: ask it to stop (it returns between
two steps, and the next `run` continues exactly there, even mid-epoch) or to use another learning
rate from the next step. The window's Pause, Step and Stop, the command line's Ctrl+C and the
tests all go through it; "pause" is a stop, "step" is `run(1)`."""

from __future__ import annotations

import math
import threading

from playground.core.errors import ValidationError


class TrainingControl:
    """Requests for a trainer. The hot loop reads `pending` (one attribute) per step and calls
    `take` only when it is set."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = False
        self._learning_rate: float | None = None
        self.pending = False

    def stop(self) -> None:
        """End the running (or the next) `run` at the next step."""
        with self._lock:
            self._stop = self.pending = True

    def clear_stop(self) -> None:
        """Forget a stop requested while no run was active (call on the training thread)."""
        with self._lock:
            self._stop = False
            self.pending = self._learning_rate is not None

    def set_learning_rate(self, lr: float) -> None:
        """Use `lr` as the base learning rate from the next step on, without a reset (the
        schedule scales it from then on)."""
        if isinstance(lr, bool) or not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise ValidationError("training.learning_rate", f"must be a positive number, not {lr!r}")
        with self._lock:
            self._learning_rate = float(lr)
            self.pending = True

    def take(self) -> tuple[bool, float | None]:
        """(stop requested, new base learning rate or None), clearing both."""
        with self._lock:
            stop, lr = self._stop, self._learning_rate
            self._stop, self._learning_rate, self.pending = False, None, False
            return stop, lr
