"""Label encoding for each kind of output (see shapes.ENCODINGS) and reading classes back out.

The same rules appear, as text, in README.md and in the generated training script.
"""

from __future__ import annotations

import numpy as np
import torch


def encode_targets(labels: np.ndarray, encoding: str, classes: int) -> torch.Tensor:
    """Class indices (or real values) → the tensor the loss compares the output with."""
    if encoding == "real":
        return torch.as_tensor(labels, dtype=torch.float32).reshape(-1, 1)
    if encoding == "index":
        return torch.as_tensor(labels, dtype=torch.int64)
    if encoding == "onehot":
        return torch.nn.functional.one_hot(torch.as_tensor(labels, dtype=torch.int64), classes).float()
    if encoding == "pm1":
        return torch.as_tensor(labels * 2.0 - 1.0, dtype=torch.float32).reshape(-1, 1)
    if encoding == "01":
        return torch.as_tensor(labels, dtype=torch.float32).reshape(-1, 1)
    raise ValueError(f"unknown encoding {encoding}")


def predicted_classes(out: torch.Tensor, encoding: str, activation: str) -> torch.Tensor:
    """The predicted class index of each row of model output."""
    if encoding in ("index", "onehot"):
        return out.argmax(dim=1)
    threshold = 0.5 if (encoding == "01" and activation == "sigmoid") else 0.0
    return (out[:, 0] > threshold).long()


def binary_score(out: torch.Tensor, encoding: str, activation: str) -> torch.Tensor:
    """For a two-class output, a score in [−1, 1]: −1 sure of class 0, +1 sure of class 1.

    This is what the decision boundary shows (the TensorFlow Playground shows the tanh output).
    """
    if encoding in ("index", "onehot"):
        probs = out if activation == "softmax" else torch.softmax(out, dim=1)
        return probs[:, 1] - probs[:, 0]
    if encoding == "01":
        p = out[:, 0] if activation == "sigmoid" else torch.sigmoid(out[:, 0])
        return 2 * p - 1
    return out[:, 0].clamp(-1, 1)


def class_probabilities(out: torch.Tensor, encoding: str, activation: str) -> torch.Tensor:
    """N × classes probabilities (for multi-class views and the confusion matrix)."""
    if encoding in ("index", "onehot"):
        return out if activation == "softmax" else torch.softmax(out, dim=1)
    p1 = (binary_score(out, encoding, activation) + 1) / 2
    return torch.stack([1 - p1, p1], dim=1)
