"""Saving and resuming a trainer exactly (`state` / `load_state`), and carrying a trained model
over to a trainer with other settings (`adopt`)."""

from __future__ import annotations

import math

import torch

from playground.core.model.build import make_optimizer
from playground.core.errors import ValidationError
from playground.core.training import history as history_log
from playground.core.training.history import HISTORY_FIELDS, HistoryLog
from playground.core.training.state import TrainingState, check_state


class ResumeMixin:
    """Part of Trainer (core.training.trainer): reads and writes its weights, optimizer, random
    streams, position and history."""

    def state(self) -> TrainingState:
        """Everything needed to resume exactly here: weights, optimizer state, random streams,
        the position inside the epoch, the last good weights and the history (CPU copies)."""
        tensors: dict[str, torch.Tensor] = {}
        groups = [("model.", self.model.state_dict()), ("good.", dict(zip(self.model.state_dict(), self.kept.good)))]
        if self.kept.best is not None:
            groups.append(("best.", dict(zip(self.model.state_dict(), self.kept.best))))
        for prefix, values in groups:
            for key, value in values.items():
                tensors[prefix + key] = value.detach().to("cpu").contiguous().clone()
        optim = self.optimizer.state_dict()
        optim_meta: dict = {"param_groups": optim["param_groups"], "state": {}}
        for index, entries in optim["state"].items():
            optim_meta["state"][str(index)] = {}
            for name, value in entries.items():
                if isinstance(value, torch.Tensor):
                    tensors[f"optim.{index}.{name}"] = value.detach().to("cpu").contiguous().clone()
                    optim_meta["state"][str(index)][name] = "tensor"
                else:
                    optim_meta["state"][str(index)][name] = value
        tensors["rng.torch"] = self._rng_state[0].clone()
        if self._rng_state[1] is not None:
            tensors["rng.cuda"] = self._rng_state[1].clone()
        tensors["rng.shuffle"] = self._shuffle.get_state().clone()
        if self._order is not None and self._next_batch > 0:
            tensors["order"] = self._order.to(torch.int64).clone()
        for field in HISTORY_FIELDS:
            tensors[f"history.{field}"] = torch.from_numpy(self.history.column(field).copy())
        meta = {"epoch": self.epoch, "step": self.step, "elapsed": self.elapsed, "next_batch": self._next_batch,
                "base_lr": self.base_lr, "optimizer": optim_meta, "best_epoch": self.kept.best_epoch,
                "best_test_loss": self.kept.best_test_loss if math.isfinite(self.kept.best_test_loss) else None}
        return TrainingState(tensors, meta)

    def load_state(self, state: TrainingState) -> None:
        """Resume from `state` (made by `state()` for this project's architecture). Every entry is
        checked first (core.training.state.check_state); a ValidationError names the first that
        does not fit, and then nothing is changed."""
        spec = self.project.training
        checked = check_state(state, live=self.model.state_dict(), params=self._params,
                              make_optimizer=lambda params: make_optimizer(spec.optimizer, self.base_lr, params),
                              batches=len(self._fixed_batches), train_samples=len(self.x_train),
                              history_fields=HISTORY_FIELDS, history_limit=history_log.HISTORY_LIMIT)
        groups = self.optimizer.state_dict()["param_groups"]  # the project's settings, not the file's
        try:
            probe = make_optimizer(spec.optimizer, self.base_lr, self._params)
            probe.load_state_dict({"state": checked.optimizer_state, "param_groups": groups})
        except (ValueError, KeyError, TypeError, RuntimeError) as err:
            raise ValidationError("state", f"the saved optimizer state does not fit ({err})") from None
        with torch.no_grad():
            self.model.load_state_dict(checked.model)
            for mine, value in zip(self.kept.good, checked.good):
                mine.copy_(value.to(mine.device))
        self.optimizer = probe
        self.epoch, self.step, self.elapsed = checked.epoch, checked.step, checked.elapsed
        self._next_batch, self.base_lr = checked.next_batch, checked.base_lr
        self.history = HistoryLog(checked.history)
        self.kept.best = [t.to(self.device).clone() for t in checked.best] if checked.best is not None else None
        self.kept.best_epoch, self.kept.best_test_loss = checked.best_epoch, checked.best_test_loss
        cuda = self._rng_state[1]
        if checked.rng_cuda is not None and cuda is not None and checked.rng_cuda.shape == cuda.shape:
            cuda = checked.rng_cuda
        self._rng_state = (checked.rng_torch, cuda)
        self._shuffle.set_state(checked.rng_shuffle)
        if checked.order is not None and spec.shuffle:
            self._use_order(checked.order)
        self._apply_lr()

    def same_architecture(self, other: "ResumeMixin") -> bool:
        """True when `other`'s weights fit this model (same layers and input features)."""
        return self.project.same_architecture(other.project)

    def adopt(self, previous: "ResumeMixin") -> None:
        """Continue where `previous` stopped, under this trainer's settings: its weights, epoch,
        step, history and elapsed time, and its optimizer state when the optimizer is the same.
        This is how a setting that leaves the architecture alone applies without a reset."""
        if not self.same_architecture(previous):
            raise ValidationError("model", "the architecture changed: the trained weights do not fit")
        with torch.no_grad():
            for mine, theirs in zip(self._state_tensors(), previous._state_tensors()):
                mine.copy_(theirs.to(self.device))
        self.kept.save_good()
        self.epoch, self.step, self.elapsed = previous.epoch, previous.step, previous.elapsed
        self.history = previous.history.copy()
        self._rng_state = previous._rng_state if previous.device == self.device else self._rng_state
        if previous.project.training.optimizer == self.project.training.optimizer:
            state = previous.optimizer.state_dict()
            self.optimizer.load_state_dict(state)
            for group in self.optimizer.param_groups:
                group["lr"] = self.base_lr
        self._apply_lr()

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The weights on the CPU, contiguous (ready for safetensors)."""
        return {k: v.detach().to("cpu").contiguous() for k, v in self.model.state_dict().items()}
