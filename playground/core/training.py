"""The Trainer: one model, its optimizer and its data (as tensors already on the device), trained
in mini-batch steps. It talks to the outside only through `Snapshot`s handed to a callback.

Control is thread-safe and takes effect between steps: `pause`, `resume`, `step_epochs` (while
paused), `stop`, `set_learning_rate`. The hot loop checks a single attribute per step, so a worker
thread can train flat out and still react within one step.

One epoch = one pass over the training set in fixed order (or reshuffled, if the spec says so),
then the training and test loss (and accuracy for classification) are measured with dropout off,
as the TensorFlow Playground does. A NaN/inf loss restores the last good weights and reports what
happened and what to try; the trainer stays usable.

Dense networks on the 2-D data sets train on the fast path (core.fastpath: whole epochs per call
of a compiled kernel, equal to this eager loop within float32 rounding); everything else, and any
machine without a C compiler, trains on the eager loop here. `Trainer.path` says which, and why.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np
import torch

from playground.core import fastpath, probes
from playground.core.callbacks import Callback
from playground.core.build import build_model, make_loss, make_optimizer, weight_parameters
from playground.core.data import Dataset, make_dataset
from playground.core.devices import resolve_device
from playground.core.errors import ValidationError
from playground.core.series import ThinningArray
from playground.core.shapes import analyze, check_memory, output_activation
from playground.core.spec import Project
from playground.core.targets import class_probabilities, encode_targets, predicted_classes
from playground.core.training_state import TrainingState, check_state

EVAL_CHUNK = 65_536
#: Larger data sets are evaluated in chunks of this many samples: convolutions run faster on
#: cache-sized batches than on a whole test split at once.
EVAL_BATCH = 128
#: Larger data sets measure their test split when that costs at most 1/TEST_EVAL_RATIO of the
#: training time since the last measurement (always on a run's first and last epoch).
TEST_EVAL_RATIO = 100.0
#: Rows the history keeps before it thins itself (see HistoryLog): ~14 MB.
HISTORY_LIMIT = 200_000
HISTORY_FIELDS = ("epoch", "step", "train_loss", "test_loss", "train_accuracy", "test_accuracy",
                  "learning_rate", "samples_per_second", "elapsed")


def _is_resource_error(err: RuntimeError, device: torch.device) -> bool:
    """Out of memory anywhere, or any error of an accelerator (CUDA, MPS): not a bug of ours."""
    if isinstance(err, torch.cuda.OutOfMemoryError):
        return True
    text = str(err).lower()
    if "out of memory" in text or "can't allocate memory" in text:
        return True
    return device.type != "cpu" and any(word in text for word in ("cuda", "cublas", "cudnn", "mps", "device"))


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


def schedule_factor(schedule: dict, epoch: int, total_epochs: int) -> float:
    """The multiplier of the base learning rate at `epoch` (0-based)."""
    name = schedule["name"]
    if name == "step":
        return schedule["gamma"] ** (epoch // schedule["step_size"])
    if name == "exponential":
        return schedule["gamma"] ** epoch
    if name == "cosine":
        period = schedule["period"] or total_epochs
        t = min(epoch, period) / period
        low = schedule["min_factor"]
        return low + 0.5 * (1 - low) * (1 + math.cos(math.pi * t))
    return 1.0


def auto_device(project: Project, requested: str) -> tuple[str, str]:
    """What "auto" means for this network: a GPU when one is present, except for dense networks
    on the 2-D data sets, which train fastest on the CPU's fast path (a GPU would spend more time
    launching its tiny kernels than computing). Returns (device to resolve, why, or "")."""
    if requested != "auto" or resolve_device("auto").type == "cpu":
        return requested, ""
    if project.data.kind == "plane" and all(layer.type == "dense" for layer in project.model.layers):
        return "cpu", ("auto chose the CPU: a dense network on 2-D data trains fastest on the CPU's fast path "
                       "(on a GPU, launching its tiny kernels costs more than the arithmetic)")
    return requested, ""


class Trainer:
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
        # measured, as the TensorFlow Playground does. Larger data sets report the mean of the
        # epoch's mini-batch losses (and accuracy) instead, which costs nothing extra.
        self.running_train_metrics = project.data.kind != "plane"
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
        self._good = [t.detach().clone() for t in self._state_tensors()]
        self._best: list[torch.Tensor] | None = None
        self.best_epoch = 0
        self.best_test_loss = math.inf
        # Control, shared with other threads.
        self._interrupt = False
        self._cond = threading.Condition()
        self._paused = False
        self._stop = False
        self._allowed_epochs = 0
        self._pending_lr: float | None = None
        # The fast path (core.fastpath): whole epochs in a compiled kernel, when the settings are
        # ones it computes exactly; it is built in the background and used from the next epoch.
        self.fast_plan = fastpath.plan(self) if fast else fastpath.FastPlan("is turned off")
        self._fast_build = fastpath.KernelBuild.shared() if not self.fast_plan.unsupported else None
        self._fast: fastpath.FastDense | None = None
        self._fast_chunk = 1
        self._fast_waited = False

    # ------------------------------------------------------------------ control (any thread)

    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._interrupt = True

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    def step_epochs(self, count: int = 1) -> None:
        """While paused, let `count` more epochs run (finishing the current one first)."""
        with self._cond:
            self._allowed_epochs += count
            self._interrupt = True
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._interrupt = True
            self._cond.notify_all()

    def clear_stop(self) -> None:
        """Forget a stop requested while no run was active (call on the training thread)."""
        with self._cond:
            self._stop = False
            self._interrupt = self._paused or self._pending_lr is not None

    def set_learning_rate(self, lr: float) -> None:
        """Takes effect at the next step, without a reset; the schedule scales it from then on."""
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise ValidationError("training.learning_rate", f"must be a positive number, not {lr!r}")
        with self._cond:
            self._pending_lr = float(lr)
            self._interrupt = True

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
        """Handle pending control requests; wait while paused. True when a stop was requested."""
        with self._cond:
            while True:
                if self._pending_lr is not None:
                    self.base_lr, self._pending_lr = self._pending_lr, None
                    self._apply_lr()
                if not (self._paused and self._allowed_epochs == 0 and not self._stop):
                    break
                self._cond.wait()
            stopping = self._stop
            self._stop = False
            self._interrupt = self._paused
            return stopping

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
            if not _is_resource_error(err, self.device):
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
            if self._interrupt and self._controls():
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
        if not self.running_train_metrics or final or not self.history:
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
        self._save_good()
        if measure and test_loss < self.best_test_loss:
            self.best_test_loss, self.best_epoch = test_loss, self.epoch
            if self._best is None:
                self._best = [t.detach().clone() for t in self._state_tensors()]
            else:
                with torch.no_grad():
                    for best, live in zip(self._best, self._state_tensors()):
                        best.copy_(live)
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
        self._restore_good()
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
            self._restore_good()
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
        if self._best is None:
            return 0
        with torch.no_grad():
            for best, live in zip(self._best, self._state_tensors()):
                live.copy_(best)
        self._save_good()
        self._reset_optimizer()
        return self.best_epoch

    def _reset_optimizer(self) -> None:
        """A fresh optimizer (empty state) at the current learning rate."""
        lr = self.learning_rate
        self.optimizer = make_optimizer(self.project.training.optimizer, lr, self._params)

    def _state_tensors(self) -> list[torch.Tensor]:
        return [t for t in self.model.state_dict(keep_vars=True).values()]

    def _save_good(self) -> None:
        with torch.no_grad():
            for good, live in zip(self._good, self._state_tensors()):
                good.copy_(live)

    def _restore_good(self) -> None:
        with torch.no_grad():
            for good, live in zip(self._good, self._state_tensors()):
                live.copy_(good)

    def outputs(self, x: torch.Tensor, chunk: int = EVAL_CHUNK) -> torch.Tensor:
        """The model's output for `x`, in evaluation mode (dropout off), in chunks, no gradients."""
        self.model.eval()
        with torch.inference_mode():
            return torch.cat([self.model(x[i:i + chunk]) for i in range(0, len(x), chunk)])

    def evaluate_splits(self, test: bool = True) -> tuple[tuple[float, float | None], tuple[float, float | None]]:
        """((train loss, accuracy), (test loss, accuracy)); accuracy None for regression.
        One forward pass over both splits for plane data; for larger data sets the training
        figures are the epoch's running means (see `running_train_metrics`) and the test split
        is measured only when `test` (otherwise its figures are NaN and None)."""
        losses, sizes, correct = self._running
        if self.running_train_metrics and sizes:
            count = sum(sizes)
            weights = torch.tensor(sizes, dtype=torch.float64, device=self.device)
            loss_sum = float(torch.stack(losses).double() @ weights)
            correct = float(torch.stack(correct).sum()) if correct else 0.0
            test_loss, test_acc = math.nan, None
            if test:
                out = self.outputs(self.x_test, chunk=EVAL_BATCH)
                with torch.inference_mode():
                    test_loss = float(self.loss_fn(out, self.y_test))
                    if self.encoding != "real":
                        pred = predicted_classes(out, self.encoding, self.activation)
                        test_acc = int((pred == self.labels_test).sum()) / len(self.labels_test)
            train_acc = correct / count if self.encoding != "real" else None
            return (loss_sum / count, train_acc), (test_loss, test_acc)
        out = self.outputs(self._x_all)
        n = len(self.x_train)
        results = []
        with torch.inference_mode():
            for part, y, labels in ((out[:n], self.y_train, self.labels_train),
                                    (out[n:], self.y_test, self.labels_test)):
                loss = float(self.loss_fn(part, y))
                acc = None
                if self.encoding != "real":
                    pred = predicted_classes(part, self.encoding, self.activation)
                    acc = int((pred == labels).sum()) / len(labels)
                results.append((loss, acc))
        return results[0], results[1]

    def run(self, epochs: int | None = None, callback: Callable[[Snapshot], None] | None = None,
            callbacks: Sequence[Callback] = ()) -> Snapshot | None:
        """Train `epochs` more epochs (default: up to the spec's epochs; 0 there means until
        stopped). Returns the last snapshot; ends early on stop or divergence. After every
        snapshot, `callback(snapshot)` and each of `callbacks` (core.callbacks) is told of it."""
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
            if self._interrupt and self._controls():
                return self._report("stopped", "stopped by request")
            if self._next_batch == 0 and self.fast_path_ready():
                done = self._fast_epochs(None if target is None else target - self.epoch)
            else:
                done = [self.train_epoch(final=target is not None and self.epoch + 1 >= target)]
            for last in done:
                with self._cond:
                    if self._paused and self._allowed_epochs > 0 and last.kind == "epoch":
                        self._allowed_epochs -= 1
                        self._interrupt = True
                if callback is not None:
                    callback(last)
                for hook in callbacks:
                    hook.on_epoch_end(self, last)
                if last.kind != "epoch":
                    return last
        return last

    # ------------------------------------------------------------------ the fast path

    def fast_path_ready(self, wait: float = 0.0) -> bool:
        """True when the next epochs train on the fast path (waiting up to `wait` s for its build)."""
        if self._fast is not None:
            return True
        build = self._fast_build
        if build is None or not (build.ready or (wait > 0 and build.wait(wait))):
            return False
        self._fast = fastpath.FastDense(self, self.fast_plan, build.kernel)
        return True

    @property
    def path(self) -> str:
        """Which path trains, and why not the fast one, in words (the status bar shows it)."""
        ready = self._fast_build is not None and self._fast_build.ready and not self.fast_plan.unsupported
        if self._fast is not None or ready:
            return "fast path (compiled kernel)" + (f"; {self.device_reason}" if self.device_reason else "")
        if self.fast_plan.unsupported:
            return f"eager PyTorch (the fast path {self.fast_plan.unsupported})"
        if self._fast_build is not None and self._fast_build.error:
            return f"eager PyTorch (no fast path: {self._fast_build.error})"
        return "eager PyTorch (compiling the fast path…)"

    def _fast_epochs(self, limit: int | None) -> list[Snapshot]:
        """Up to `limit` whole epochs in one kernel call (as many as take about CALL_SECONDS),
        reported as the eager path would: the same snapshots, history, best epoch and divergence."""
        spec = self.project.training
        count = self._fast_chunk if limit is None else max(1, min(self._fast_chunk, limit))
        with self._cond:
            if self._paused:
                count = max(1, min(count, self._allowed_epochs))
        lrs = [self.base_lr * schedule_factor(spec.schedule, self.epoch + i, spec.epochs) for i in range(count)]
        n = len(self.x_train)
        orders = (np.stack([torch.randperm(n, generator=self._shuffle).numpy() for _ in range(count)]).astype(np.int64)
                  if spec.shuffle else None)
        best = self._best if self._best is not None else [t.detach().clone() for t in self._state_tensors()]
        start = time.perf_counter()
        done, results, best_index, best_loss = self._fast.train(count, lrs, orders, self._good, best,
                                                                self.best_test_loss)
        seconds = time.perf_counter() - start
        per_epoch = seconds / count
        self._fast_chunk = int(min(1000, max(1, fastpath.CALL_SECONDS / max(per_epoch, 1e-7))))
        classify = self.encoding != "real"
        steps = len(self._fixed_batches)
        snaps = []
        for i in range(done):
            self.epoch += 1
            self.step += steps
            self.elapsed += per_epoch
            train_loss, train_acc, test_loss, test_acc = (float(v) for v in results[i])
            snap = Snapshot("epoch", self.epoch, self.step, train_loss, test_loss, train_acc if classify else None,
                            test_acc if classify else None, lrs[i], n / per_epoch, self.elapsed)
            self.history.append(snap)
            snaps.append(snap)
        if best_index >= 0:
            self._best = best
            self.best_epoch = self.epoch - done + best_index + 1
            self.best_test_loss = best_loss
        for group in self.optimizer.param_groups:
            group["lr"] = lrs[min(done, count - 1)]
        if done < count:  # the epoch after the last good one had a NaN or infinite loss
            self.epoch += 1
            self.step += steps
            self.elapsed += per_epoch
            train_loss, _, test_loss, _ = results[done]
            snaps.append(self._diverged(train_loss if not math.isfinite(train_loss) else test_loss))
        return snaps

    # ------------------------------------------------------------------ probes (worker thread)

    @property
    def _units(self) -> int:
        """Neurons in all (flat layer outputs), for the views' grid resolutions."""
        return sum(info.output_shape[0] for info in self.analysis.layers
                   if info.output_shape is not None and len(info.output_shape) == 1)

    def probe_boundary(self, resolution: int | None = None,
                       axes: tuple[int, int] = (0, 1)) -> probes.BoundaryProbe:
        """The model over the plane; for a table, over two of its (standardized) columns `axes`
        with the others at their training mean. The resolution (default) is the finest whose
        cost stays within probes.PROBE_EVALUATIONS."""
        resolution = resolution or probes.probe_resolution(self._units)
        if self.project.data.kind == "table":
            if self._column_means is None:  # once: the views ask for a boundary many times a second
                self._column_means = self.dataset.x_train.mean(axis=0)
            rows = probes.table_inputs(self._column_means, axes, resolution)
            return probes.boundary_of_inputs(self.model, torch.as_tensor(rows, device=self.device), self.encoding,
                                             self.activation, resolution)
        return probes.boundary(self.model, self.project.data.features, self.encoding, self.activation,
                               resolution=resolution, device=self.device)

    def probe_neurons(self, resolution: int | None = None) -> probes.NeuronProbe:
        resolution = resolution or probes.probe_resolution(self._units)
        return probes.neurons(self.model, self.project.data.features, resolution=resolution,
                              device=self.device)

    def probe_network(self, resolution: int | None = None) -> probes.NetworkProbe:
        resolution = resolution or probes.probe_resolution(self._units, finest=32, coarsest=8)
        return probes.network(self.model, [layer.type for layer in self.project.model.layers],
                              self.project.data.features, resolution=resolution, device=self.device)

    def layer_statistics(self) -> probes.LayerStatistics:
        return probes.layer_statistics(self.model, self.loss_fn, self.x_train, self.y_train)

    def set_parameter(self, layer: int, name: str, index: tuple[int, ...], value: float) -> None:
        """Set one weight or bias of dense layer `layer` (call between steps, on the training
        thread). The edit is also kept as the last good weights."""
        path = f"model.layers[{layer}].{name}{list(index)}"
        if not math.isfinite(value):
            raise ValidationError(path, f"must be a finite number, not {value}")
        dense = dict(probes.dense_modules(self.model, [spec.type for spec in self.project.model.layers]))
        if layer not in dense or name not in ("weight", "bias"):
            raise ValidationError(path, "only the weights and biases of dense layers can be set")
        param = getattr(dense[layer], name)
        if param is None or len(index) != param.ndim or not all(0 <= i < n for i, n in zip(index, param.shape)):
            raise ValidationError(path, f"no such entry (the {name} has shape {tuple(param.shape) if param is not None else ()})")
        with torch.no_grad():
            param[index] = value
        self._save_good()

    def probe_samples(self, count: int = 36) -> probes.SampleProbe:
        """The first `count` test samples with their true and predicted classes; for regression
        also true vs. predicted over (the start of) the test split."""
        n = min(count, len(self.x_test))
        out = self.outputs(self.x_test[:n])
        fit = None
        if self.encoding == "real":
            predicted = out[:, 0].float().cpu().numpy()
            confidence = np.ones(n, dtype=np.float32)
            m = min(probes.FIT_SAMPLES, len(self.x_test))
            fit = np.stack([self.dataset.y_test[:m].astype(np.float32).reshape(m),
                            self.outputs(self.x_test[:m])[:, 0].float().cpu().numpy()], axis=1)
        else:
            probs = class_probabilities(out, self.encoding, self.activation)
            conf, cls = probs.max(dim=1)
            predicted, confidence = cls.cpu().numpy(), conf.float().cpu().numpy()
        return probes.SampleProbe(np.arange(n), self.dataset.x_test[:n], self.dataset.y_test[:n], predicted,
                                  confidence, fit)

    def probe_attention(self, index: int) -> list[tuple[int, np.ndarray]]:
        """The attention weights of every attention layer for test sample `index`."""
        index = max(0, min(index, len(self.x_test) - 1))
        return probes.attention_maps(self.model, self.x_test[index:index + 1])

    def probe_feature_maps(self, index: int) -> list[tuple[int, np.ndarray]]:
        """Every image-shaped layer output for test sample `index`."""
        index = max(0, min(index, len(self.x_test) - 1))
        return probes.feature_maps(self.model, self.x_test[index:index + 1])

    def confusion_matrix(self, split: str = "test") -> np.ndarray:
        """Counts of (true, predicted) class over the test (or train) split."""
        x, labels = (self.x_test, self.dataset.y_test) if split == "test" else (self.x_train, self.dataset.y_train)
        pred = predicted_classes(self.outputs(x), self.encoding, self.activation).cpu().numpy()
        return probes.confusion_matrix(labels, pred, self.dataset.num_classes)

    # ------------------------------------------------------------------ saving and resuming

    def state(self) -> TrainingState:
        """Everything needed to resume exactly here: weights, optimizer state, random streams,
        the position inside the epoch, the last good weights and the history (CPU copies)."""
        tensors: dict[str, torch.Tensor] = {}
        groups = [("model.", self.model.state_dict()), ("good.", dict(zip(self.model.state_dict(), self._good)))]
        if self._best is not None:
            groups.append(("best.", dict(zip(self.model.state_dict(), self._best))))
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
                "base_lr": self.base_lr, "optimizer": optim_meta, "best_epoch": self.best_epoch,
                "best_test_loss": self.best_test_loss if math.isfinite(self.best_test_loss) else None}
        return TrainingState(tensors, meta)

    def load_state(self, state: TrainingState) -> None:
        """Resume from `state` (made by `state()` for this project's architecture). Every entry is
        checked first (core.training_state.check_state); a ValidationError names the first that
        does not fit, and then nothing is changed."""
        spec = self.project.training
        checked = check_state(state, live=self.model.state_dict(), params=self._params,
                              make_optimizer=lambda params: make_optimizer(spec.optimizer, self.base_lr, params),
                              batches=len(self._fixed_batches), train_samples=len(self.x_train),
                              history_fields=HISTORY_FIELDS, history_limit=HISTORY_LIMIT)
        groups = self.optimizer.state_dict()["param_groups"]  # the project's settings, not the file's
        try:
            probe = make_optimizer(spec.optimizer, self.base_lr, self._params)
            probe.load_state_dict({"state": checked.optimizer_state, "param_groups": groups})
        except (ValueError, KeyError, TypeError, RuntimeError) as err:
            raise ValidationError("state", f"the saved optimizer state does not fit ({err})") from None
        with torch.no_grad():
            self.model.load_state_dict(checked.model)
            for mine, value in zip(self._good, checked.good):
                mine.copy_(value.to(mine.device))
        self.optimizer = probe
        self.epoch, self.step, self.elapsed = checked.epoch, checked.step, checked.elapsed
        self._next_batch, self.base_lr = checked.next_batch, checked.base_lr
        self.history = HistoryLog(checked.history)
        self._best = [t.to(self.device).clone() for t in checked.best] if checked.best is not None else None
        self.best_epoch, self.best_test_loss = checked.best_epoch, checked.best_test_loss
        cuda = self._rng_state[1]
        if checked.rng_cuda is not None and cuda is not None and checked.rng_cuda.shape == cuda.shape:
            cuda = checked.rng_cuda
        self._rng_state = (checked.rng_torch, cuda)
        self._shuffle.set_state(checked.rng_shuffle)
        if checked.order is not None and spec.shuffle:
            self._use_order(checked.order)
        self._apply_lr()

    # ------------------------------------------------------------------ carrying on

    def same_architecture(self, other: "Trainer") -> bool:
        """True when `other`'s weights fit this model (same layers and input features)."""
        return self.project.same_architecture(other.project)

    def adopt(self, previous: "Trainer") -> None:
        """Continue where `previous` stopped, under this trainer's settings: its weights, epoch,
        step, history and elapsed time, and its optimizer state when the optimizer is the same.
        This is how a setting that leaves the architecture alone applies without a reset."""
        if not self.same_architecture(previous):
            raise ValidationError("model", "the architecture changed: the trained weights do not fit")
        with torch.no_grad():
            for mine, theirs in zip(self._state_tensors(), previous._state_tensors()):
                mine.copy_(theirs.to(self.device))
        self._save_good()
        self.epoch, self.step, self.elapsed = previous.epoch, previous.step, previous.elapsed
        self.history = previous.history.copy()
        self._rng_state = previous._rng_state if previous.device == self.device else self._rng_state
        if previous.project.training.optimizer == self.project.training.optimizer:
            state = previous.optimizer.state_dict()
            self.optimizer.load_state_dict(state)
            for group in self.optimizer.param_groups:
                group["lr"] = self.base_lr
        self._apply_lr()

    # ------------------------------------------------------------------ results

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The weights on the CPU, contiguous (ready for safetensors)."""
        return {k: v.detach().to("cpu").contiguous() for k, v in self.model.state_dict().items()}

    def metrics(self) -> dict:
        """The last epoch's figures; the test figures of the last epoch that measured them."""
        last = self.history[-1] if self.history else None
        measured = np.flatnonzero(np.isfinite(self.history.column("test_loss"))) if last else []
        tested = self.history[int(measured[-1])] if len(measured) else None
        out = {"epochs": self.epoch, "steps": self.step, "seconds": round(self.elapsed, 4),
               "train_loss": last.train_loss if last else None, "test_loss": tested.test_loss if tested else None,
               "device": str(self.device), "parameters": self.analysis.total_params}
        if self.encoding != "real":
            out["train_accuracy"] = last.train_accuracy if last else None
            out["test_accuracy"] = tested.test_accuracy if tested else None
        else:
            out.update(self.regression_metrics())
        return out

    def regression_metrics(self) -> dict:
        """Test RMSE and R² for regression data sets."""
        pred = self.outputs(self.x_test)[:, 0].double().cpu().numpy()
        true = self.dataset.y_test.astype(np.float64)
        rmse = float(np.sqrt(np.mean((pred - true) ** 2)))
        var = float(np.var(true))
        r2 = 1.0 - float(np.mean((pred - true) ** 2)) / var if var > 0 else float("nan")
        return {"test_rmse": rmse, "test_r2": r2}
