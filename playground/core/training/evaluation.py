"""Measuring a trainer's model: its outputs in evaluation mode, the loss and accuracy of both
splits after an epoch, and the figures a run ends with (metrics.json)."""

from __future__ import annotations

import math

import numpy as np
import torch

from playground.core.model.targets import predicted_classes

EVAL_CHUNK = 65_536
#: Larger data sets are evaluated in chunks of this many samples: convolutions run faster on
#: cache-sized batches than on a whole test split at once.
EVAL_BATCH = 128


class EvaluationMixin:
    """Part of Trainer (core.training.trainer): reads its model, loss, data tensors, the epoch's
    running figures (`_running`) and its history."""

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
