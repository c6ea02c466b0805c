"""The Trainer: one model, its optimizer and its data (as tensors already on the device), trained
in mini-batch steps. It talks to the outside only through `Snapshot`s handed to callbacks
(core.training.callbacks) and is steered through its `control` (core.training.control): a stop
or a new learning rate takes effect between two steps. The hot loop checks a single attribute per
step, so a worker thread can train flat out and still react within one step.

One epoch = one pass over the training set in fixed order (or reshuffled, if the spec says so),
then the training and test loss (and accuracy for classification) are measured with dropout off,
as the TensorFlow Playground does. A NaN/inf loss restores the last good weights and reports what
happened and what to try; the trainer stays usable.

Dense networks on the 2-D data sets train on the fast path (core.fastpath, driven from
core.training.fast: whole epochs per call of a compiled kernel, equal to this eager loop within
float32 rounding); everything else, and any machine without a C compiler, trains on the eager
loop here. `Trainer.path` says which, and why. Measuring, probing and saving live in the mixins
of evaluation.py, probing.py and resume.py.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np
import torch

from playground.core import fastpath
from playground.core.model.build import build_model, make_loss, make_optimizer, weight_parameters
from playground.core.data import Dataset, make_dataset
from playground.core.devices import auto_device, is_resource_error, resolve_device
from playground.core.errors import ValidationError
from playground.core.model.shapes import analyze, check_memory, output_activation
from playground.core.model.spec import Project
from playground.core.model.targets import encode_targets, predicted_classes
from playground.core.training.callbacks import Callback
from playground.core.training.control import TrainingControl
from playground.core.training.evaluation import EvaluationMixin
from playground.core.training.fast import FastPathMixin
from playground.core.training.history import HistoryLog, Snapshot
from playground.core.training.probing import ProbingMixin
from playground.core.training.resume import ResumeMixin
from playground.core.training.schedule import schedule_factor
from playground.core.training.weights import KeptWeights

#: Larger data sets measure their test split when that costs at most 1/TEST_EVAL_RATIO of the
#: training time since the last measurement (always on a run's first and last epoch).
TEST_EVAL_RATIO = 100.0


class Trainer(EvaluationMixin, ProbingMixin, ResumeMixin, FastPathMixin):
    """Trains `project`'s model on its data set. Construct it on the thread that will train."""

    def __init__(self, project: Project, *, dataset: Dataset | None = None, device: str | None = None,
                 memory_limit: int | None = None, fast: bool = True) -> None:
        analysis = analyze(project)
        analysis.raise_error()
        check_memory(project, analysis, memory_limit)
        spec = project.training
        if spec.schedule["name"] == "cosine" and not spec.schedule["period"] and not spec.epochs:
            raise ValidationError("training.schedule.period", "set a period: with epochs 0 (until "
                                  "stopped) the cosine schedule cannot use the run's length")
        self.project = project
        self.analysis = analysis
        self.encoding: str = analysis.encoding or "real"
        self.activation = output_activation(project.model)
        requested, self.device_reason = auto_device(project, device or spec.device)
        self.device = resolve_device(requested)
        self.dataset = dataset if dataset is not None else make_dataset(project.data)
        self.model = build_model(project.model, self.dataset.input_shape, seed=spec.seed).to(self.device)
        # Dropout draws from torch's global generator; each trainer keeps its own stream of it, so
        # two trainers (or a probe elsewhere) never change each other's results.
        self._rng_state = self._read_rng()
        classes = self.dataset.num_classes
        self.x_train = torch.as_tensor(self.dataset.x_train, device=self.device)
        self.x_test = torch.as_tensor(self.dataset.x_test, device=self.device)
        self.y_train = encode_targets(self.dataset.y_train, self.encoding, classes).to(self.device)
        self.y_test = encode_targets(self.dataset.y_test, self.encoding, classes).to(self.device)
        self.labels_train = torch.as_tensor(self.dataset.y_train, device=self.device)
        self.labels_test = torch.as_tensor(self.dataset.y_test, device=self.device)
        self.loss_fn = make_loss(spec.loss, self.activation)
        self.base_lr = spec.learning_rate
        self.optimizer = make_optimizer(spec.optimizer, spec.learning_rate, list(self.model.parameters()))
        self._weights = weight_parameters(self.model)
        self._params = list(self.model.parameters())
        # Plain SGD is applied directly (w -= lr·g, one fused op): torch.optim's per-step
        # bookkeeping costs more than the whole step of a tiny network. Same arithmetic.
        self._direct_sgd = spec.optimizer["name"] == "sgd"
        self._x_all = torch.cat([self.x_train, self.x_test])
        self._shuffle = torch.Generator().manual_seed(spec.seed)
        self._fixed_batches = list(zip(self.x_train.split(spec.batch_size), self.y_train.split(spec.batch_size),
                                       self.labels_train.split(spec.batch_size)))
        # Plane data sets are tiny: after each epoch the loss over the whole training set is
        # measured, as the TensorFlow Playground does, and so for every network the fast path could
        # train (what it computes; small enough to measure). Larger data sets report the mean of
        # the epoch's mini-batch losses (and accuracy) instead, which costs nothing extra.
        fits_fast_path = not fastpath.plan(project, torch.device("cpu"), self.encoding, self.activation).unsupported
        self.running_train_metrics = project.data.kind != "plane" and not fits_fast_path
        #: Measure the test split after every epoch whatever it costs (True: the Python API's
        #: val_loss), now and then (False), or never (None: the API fitting without validation rows).
        self.test_every_epoch: bool | None = False
        self._test_seconds = 0.0  # what the last test measurement took
        self._since_test = 0.0    # training seconds since then
        self._column_means: np.ndarray | None = None
        # the epoch's mini-batch losses, sizes and correct counts (tensors stay on the device)
        self._running: tuple[list[torch.Tensor], list[int], list[torch.Tensor]] = ([], [], [])
        self._batches = self._fixed_batches
        self._order: torch.Tensor | None = None  # this epoch's shuffled order
        self.epoch = 0
        self.step = 0
        self.elapsed = 0.0
        self.history = HistoryLog()
        self._next_batch = 0
        self._epoch_seconds = 0.0
        self.kept = KeptWeights(self._state_tensors)
        self.control = TrainingControl()
        # The fast path: whole epochs in a compiled kernel, when the settings are ones it computes
        # exactly; it is built in the background and used from the next epoch.
        self._start_fast_path(fast)

    # ------------------------------------------------------------------ training (worker thread)

    @property
    def learning_rate(self) -> float:
        return self.optimizer.param_groups[0]["lr"]

    def _apply_lr(self) -> None:
        lr = self.base_lr * schedule_factor(self.project.training.schedule, self.epoch,
                                            self.project.training.epochs)
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def _controls(self) -> bool:
        """Apply a requested learning rate; True when a stop was requested."""
        stop, lr = self.control.take()
        if lr is not None:
            self.base_lr = lr
            self._apply_lr()
        return stop

    def train_epoch(self, final: bool = True) -> Snapshot:
        """Train to the end of the current epoch (or until a stop), then measure and report.
        `final`: the last epoch of a run, whose test figures are always measured."""
        spec = self.project.training
        if self._next_batch == 0:
            for values in self._running:
                values.clear()
            self._apply_lr()
            if spec.shuffle:
                self._use_order(torch.randperm(len(self.x_train), generator=self._shuffle))
        outer_rng = self._read_rng()
        self._write_rng(self._rng_state)
        try:
            return self._train_batches(final)
        except RuntimeError as err:
            if not is_resource_error(err, self.device):
                raise
            return self._resource_failed(err)
        finally:
            self._rng_state = self._read_rng()
            self._write_rng(outer_rng)

    def _use_order(self, order: torch.Tensor) -> None:
        self._order = order
        order = order.to(self.device)
        size = self.project.training.batch_size
        self._batches = list(zip(self.x_train[order].split(size), self.y_train[order].split(size),
                                 self.labels_train[order].split(size)))

    def _read_rng(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        cuda = torch.cuda.get_rng_state(self.device) if self.device.type == "cuda" else None
        return torch.get_rng_state(), cuda

    def _write_rng(self, state: tuple[torch.Tensor, torch.Tensor | None]) -> None:
        torch.set_rng_state(state[0])
        if state[1] is not None:
            torch.cuda.set_rng_state(state[1], self.device)

    def _train_batches(self, final: bool = True) -> Snapshot:
        spec = self.project.training
        model, optimizer, loss_fn = self.model, self.optimizer, self.loss_fn
        regularize = spec.regularization != "none" and spec.regularization_rate > 0 and self._weights
        clip = spec.clip_grad_norm
        start = time.perf_counter()
        model.train()
        batches = self._batches
        first = self._next_batch
        for i in range(first, len(batches)):
            if self.control.pending and self._controls():
                self._next_batch = i
                self._epoch_seconds += time.perf_counter() - start
                self.elapsed += time.perf_counter() - start
                self.step += i - first
                return self._report("stopped", "stopped by request")
            xb, yb, lb = batches[i]
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            if self.running_train_metrics:
                self._accumulate(out.detach(), loss.detach(), lb)
            if regularize:
                self._regularize()
            if clip is not None:
                torch.nn.utils.clip_grad_norm_(self._params, clip)
            if self._direct_sgd:
                self._sgd_step(optimizer.param_groups[0]["lr"])
            else:
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
        seconds = self._epoch_seconds + time.perf_counter() - start
        self._epoch_seconds = 0.0
        self.step += len(batches) - first
        self._next_batch = 0
        self.epoch += 1
        self.elapsed += time.perf_counter() - start
        return self._finish_epoch(seconds, final)

    def _accumulate(self, out: torch.Tensor, loss: torch.Tensor, labels: torch.Tensor) -> None:
        """Keep a mini-batch's loss and correct count for the epoch's running figures (a list
        append, summed once at the end of the epoch: the fewest operations per step)."""
        losses, sizes, correct = self._running
        losses.append(loss)
        sizes.append(len(labels))
        if self.encoding != "real":
            correct.append((predicted_classes(out, self.encoding, self.activation) == labels).sum())

    def _sgd_step(self, lr: float) -> None:
        params = [p for p in self._params if p.grad is not None]
        with torch.no_grad():
            torch._foreach_add_(params, [p.grad for p in params], alpha=-lr)
        for p in params:
            p.grad = None

    def _regularize(self) -> None:
        spec = self.project.training
        rate = spec.regularization_rate
        with torch.no_grad():
            for w in self._weights:
                if w.grad is None:
                    continue
                if spec.regularization == "l2":
                    w.grad.add_(w, alpha=rate)
                else:
                    w.grad.add_(torch.sign(w), alpha=rate)

    def _test_due(self, seconds: float, final: bool) -> bool:
        """Whether to measure the test split after this epoch. Always for plane data (tiny) and
        for a run's first and last epoch; otherwise when it costs at most 1/TEST_EVAL_RATIO of
        the training time since the last measurement (the bare loop does not evaluate at all)."""
        self._since_test += seconds
        if self.test_every_epoch is None:
            return False
        if not self.running_train_metrics or final or not self.history or self.test_every_epoch:
            return True
        return self._since_test >= TEST_EVAL_RATIO * self._test_seconds

    def _finish_epoch(self, seconds: float, final: bool = True) -> Snapshot:
        measure = self._test_due(seconds, final)
        start = time.perf_counter()
        (train_loss, train_acc), (test_loss, test_acc) = self.evaluate_splits(test=measure)
        if measure:
            self._test_seconds, self._since_test = time.perf_counter() - start, 0.0
        if not (math.isfinite(train_loss) and (math.isfinite(test_loss) or not measure)):
            return self._diverged(train_loss if not math.isfinite(train_loss) else test_loss)
        self.kept.save_good()
        if measure:
            self.kept.offer_best(self.epoch, test_loss)
        samples_per_second = len(self.x_train) / seconds if seconds > 0 else float("inf")
        snap = Snapshot("epoch", self.epoch, self.step, train_loss, test_loss, train_acc, test_acc,
                        self.learning_rate, samples_per_second, self.elapsed)
        self.history.append(snap)
        return snap

    def _report(self, kind: str, message: str) -> Snapshot:
        last = self.history[-1] if self.history else None
        nan = float("nan")
        return Snapshot(kind, self.epoch, self.step, last.train_loss if last else nan,
                        last.test_loss if last else nan, last.train_accuracy if last else None,
                        last.test_accuracy if last else None, self.learning_rate, 0.0, self.elapsed, message)

    def _diverged(self, bad: float) -> Snapshot:
        what = "NaN" if math.isnan(bad) else "infinite"
        failed_epoch = self.epoch
        self.kept.restore_good()
        self.epoch = self.history[-1].epoch if self.history else 0
        self._reset_optimizer()
        hint = ("lower the learning rate" + ("" if self.project.training.clip_grad_norm else
                                             " or add gradient clipping (training.clip_grad_norm)"))
        message = (f"loss became {what} at epoch {failed_epoch}: {hint}. The weights of epoch "
                   f"{self.epoch} were restored.")
        return self._report("diverged", message)

    def _resource_failed(self, err: RuntimeError) -> Snapshot:
        """Out of memory, a lost device or a driver error: keep the last good weights, say what to do."""
        self._next_batch = 0
        self._epoch_seconds = 0.0
        for p in self._params:
            p.grad = None
        try:
            self.kept.restore_good()
            self._reset_optimizer()
            kept = f"the weights of epoch {self.history[-1].epoch if self.history else 0} are kept"
        except RuntimeError:
            kept = "the device no longer answers"
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        what = "ran out of memory" if "memory" in str(err).lower() else "failed"
        message = (f"{self.device} {what} at epoch {self.epoch + 1} ({first_line[:160]}); {kept}. "
                   "Choose a smaller batch or network, or switch the device to the CPU and continue.")
        return self._report("failed", message)

    def revert_to_best(self) -> int:
        """Put back the weights of the epoch with the lowest test loss (after overfitting or
        divergence); returns that epoch, or 0 when there is none yet. Training goes on from there."""
        epoch = self.kept.restore_best()
        if epoch:
            self._reset_optimizer()
        return epoch

    @property
    def best_epoch(self) -> int:
        """The epoch with the lowest test loss so far (0: none yet)."""
        return self.kept.best_epoch

    def _reset_optimizer(self) -> None:
        """A fresh optimizer (empty state) at the current learning rate."""
        lr = self.learning_rate
        self.optimizer = make_optimizer(self.project.training.optimizer, lr, self._params)

    def _state_tensors(self) -> list[torch.Tensor]:
        return [t for t in self.model.state_dict(keep_vars=True).values()]

    def run(self, epochs: int | None = None, callbacks: Sequence[Callback] = ()) -> Snapshot | None:
        """Train `epochs` more epochs (default: up to the spec's epochs; 0 there means until
        stopped). Returns the last snapshot; ends early on a stop (`control.stop()`, from any
        thread or a callback) or a divergence. Each of `callbacks` is told of every snapshot."""
        if epochs is None:
            total = self.project.training.epochs
            target = total if total else None
        else:
            target = self.epoch + epochs
        last = None
        if not self._fast_waited:
            # Once: a cached kernel loads in milliseconds and a first compile takes ~0.3 s, so
            # waiting a little keeps a seed's results the same from run to run (the paths agree
            # to ~1e-7, not bit for bit); a slower build is not waited for.
            self._fast_waited = True
            self.fast_path_ready(wait=fastpath.BUILD_WAIT)
        while target is None or self.epoch < target:
            if self.control.pending and self._controls():
                return self._report("stopped", "stopped by request")
            if self._next_batch == 0 and self.fast_path_ready():
                limits = [h for h in (hook.horizon(self) for hook in callbacks) if h]
                if target is not None:
                    limits.append(target - self.epoch)
                done = self._fast_epochs(min(limits) if limits else None)
            else:
                done = [self.train_epoch(final=target is not None and self.epoch + 1 >= target)]
            for last in done:
                for hook in callbacks:
                    hook.on_epoch_end(self, last)
                if last.kind != "epoch":
                    return last
        return last
