"""Keras's callbacks and History, told of each epoch by the engine's own callback hook (core.
training.callbacks) one epoch at a time, so an early stop or a checkpoint happens at its epoch
on the fast path too."""

from __future__ import annotations

import math
from typing import Any, Callable

from playground.core.training.callbacks import Callback as EngineCallback


class Callback:
    """Subclass and override what you need; `self.model` is the model being fit."""

    model: Any = None

    def set_model(self, model: Any) -> None:
        self.model = model

    def on_train_begin(self, logs: dict | None = None) -> None: ...

    def on_train_end(self, logs: dict | None = None) -> None: ...

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...


class History(Callback):
    """What `fit` returns: `history[name]` per epoch ("loss", "val_loss", "accuracy", …)."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.params: dict[str, Any] = {}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


def _better(mode: str, monitor: str) -> Callable[[float, float], bool]:
    if mode == "auto":
        mode = "max" if "acc" in monitor else "min"
    if mode not in ("min", "max"):
        raise TypeError(f"mode={mode!r}: use 'auto', 'min' or 'max'")
    return (lambda new, best: new > best) if mode == "max" else (lambda new, best: new < best)


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by more than `min_delta` for `patience` epochs; with
    `restore_best_weights`, end with the weights of the best epoch."""

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0, mode: str = "auto",
                 restore_best_weights: bool = False) -> None:
        self.monitor, self.min_delta, self.patience = monitor, abs(float(min_delta)), int(patience)
        self.restore_best_weights = restore_best_weights
        better = _better(mode, monitor)
        maximize = better(1.0, 0.0)
        self._improved = ((lambda new, best: new - self.min_delta > best) if maximize
                          else (lambda new, best: new + self.min_delta < best))
        self.best: float | None = None
        self.wait, self.best_weights, self.stopped_epoch = 0, None, 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.best, self.wait, self.best_weights, self.stopped_epoch = None, 0, None, 0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        value = (logs or {}).get(self.monitor)
        if value is None:
            raise KeyError(f"EarlyStopping monitors {self.monitor!r}, which fit does not report here "
                           f"(it reports {', '.join(logs or {})})")
        if self.best is None or self._improved(value, self.best):
            self.best, self.wait = value, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                self.model.set_weights(self.best_weights)


class LearningRateScheduler(Callback):
    """Before each epoch, the learning rate becomes `schedule(epoch, lr)`."""

    def __init__(self, schedule: Callable[[int, float], float], verbose: int = 0) -> None:
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        lr = float(self.schedule(epoch, self.model.learning_rate))
        if not math.isfinite(lr) or lr <= 0:
            raise ValueError(f"the schedule gave the learning rate {lr!r} for epoch {epoch}; it must be > 0")
        self.model.learning_rate = lr
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr:g}.")


class ModelCheckpoint(Callback):
    """Save the model (model.save) after each epoch, or only when `monitor` improved; `filepath`
    may name the epoch and the logs: "model-{epoch:02d}.json"."""

    def __init__(self, filepath: str, monitor: str = "val_loss", save_best_only: bool = False,
                 mode: str = "auto") -> None:
        self.filepath, self.monitor, self.save_best_only = str(filepath), monitor, save_best_only
        self._better = _better(mode, monitor)
        self.best: float | None = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        if self.save_best_only:
            value = logs.get(self.monitor)
            if value is None or (self.best is not None and not self._better(value, self.best)):
                return
            self.best = value
        self.model.save(self.filepath.format(epoch=epoch + 1, **logs))


class EpochHook(EngineCallback):
    """The engine's side: after each epoch the engine trains, tell the Keras callbacks (and stop
    the engine when one asks). With callbacks that may act (`exact`), horizon 1: the fast path
    hands over every epoch as it ends; History alone takes them as they come."""

    def __init__(self, on_epoch: Callable[[Any, Any], bool], exact: bool = True) -> None:
        self.on_epoch, self.exact = on_epoch, exact

    def on_epoch_end(self, trainer, snapshot) -> None:
        if snapshot.kind == "epoch" and self.on_epoch(trainer, snapshot):
            trainer.control.stop()

    def horizon(self, trainer) -> int | None:
        return 1 if self.exact else None
