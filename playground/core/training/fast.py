"""The trainer's side of the fast path (core.fastpath): deciding when the next epochs run in the
compiled kernel, handing it what it trains as plain values, and reporting its epochs exactly as
the eager loop would (the same snapshots, history, best epoch and divergence)."""

from __future__ import annotations

import math
import time

import numpy as np
import torch

from playground.core import fastpath
from playground.core.training.history import Snapshot
from playground.core.training.schedule import schedule_factor


class FastPathMixin:
    """Part of Trainer (core.training.trainer)."""

    def _start_fast_path(self, enabled: bool) -> None:
        """Plan the fast path for this trainer and start (or share) the kernel's build."""
        self.fast_plan = (fastpath.plan(self.project, self.device, self.encoding, self.activation) if enabled
                          else fastpath.FastPlan("is turned off"))
        self._fast_build = fastpath.KernelBuild.shared() if not self.fast_plan.unsupported else None
        self._fast: fastpath.FastDense | None = None
        self._fast_chunk = 1
        self._fast_waited = False

    def fast_path_ready(self, wait: float = 0.0) -> bool:
        """True when the next epochs train on the fast path (waiting up to `wait` s for its build)."""
        if self._fast is not None:
            return True
        build = self._fast_build
        if build is None or not (build.ready or (wait > 0 and build.wait(wait))):
            return False
        inputs = fastpath.FastInputs(self._params, self.dataset.input_shape[0], self.x_train, self.x_test,
                                     self.y_train, self.y_test, self.labels_train, self.labels_test,
                                     self.project.training)
        self._fast = fastpath.FastDense(inputs, self.fast_plan, build.kernel)
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
        """Up to `limit` whole epochs in one kernel call (as many as take about CALL_SECONDS)."""
        spec = self.project.training
        count = self._fast_chunk if limit is None else max(1, min(self._fast_chunk, limit))
        lrs = [self.base_lr * schedule_factor(spec.schedule, self.epoch + i, spec.epochs) for i in range(count)]
        n = len(self.x_train)
        orders = (np.stack([torch.randperm(n, generator=self._shuffle).numpy() for _ in range(count)]).astype(np.int64)
                  if spec.shuffle else None)
        best = self.kept.best_buffers()
        start = time.perf_counter()
        done, results, best_index, best_loss = self._fast.train(count, lrs, orders, self.kept.good, best,
                                                                self.kept.best_test_loss, self.optimizer.state)
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
            self.kept.take_best(best, self.epoch - done + best_index + 1, best_loss)
        for group in self.optimizer.param_groups:
            group["lr"] = lrs[min(done, count - 1)]
        if done < count:  # the epoch after the last good one had a NaN or infinite loss
            self.epoch += 1
            self.step += steps
            self.elapsed += per_epoch
            train_loss, _, test_loss, _ = results[done]
            snaps.append(self._diverged(train_loss if not math.isfinite(train_loss) else test_loss))
        return snaps
