"""What `fit`, `evaluate` and `predict` are handed, made into what the engine takes: rows of
numbers, images as Keras gives them (channels last → first), sequences, token ids; and the
targets each loss takes (one-hot → class numbers, 0/1 for binary losses). Mistakes are
ValueErrors naming the argument and the shape."""

from __future__ import annotations

from typing import Any

import numpy as np


def prepare_targets(y: Any, compiled: dict, rows: int, what: str) -> np.ndarray:
    """The targets of `rows` samples as the compiled loss takes them."""
    y = np.asarray(y)
    if compiled["targets"] == "onehot":
        if y.ndim != 2:
            raise ValueError(f"{what}: categorical_crossentropy takes one-hot targets (rows × classes), not "
                             f"an array of {y.shape}; for class numbers use sparse_categorical_crossentropy")
        y = y.argmax(axis=1)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != rows:
        raise ValueError(f"{what}: needs one target per row ({rows}), not an array of {y.shape}")
    if compiled["loss"] in ("bce", "hinge") and not np.isin(y, (0, 1)).all():
        raise ValueError(f"{what}: {compiled['keras_loss']} takes targets 0 and 1")
    return y


def _finite(x: np.ndarray, what: str) -> None:
    if not np.isfinite(x).all():
        raise ValueError(f"{what}: contains NaN or infinite values")


def prepare_inputs(x: Any, takes: str, expected: tuple[int, ...] | None, what: str = "x") -> np.ndarray:
    """Rows of numbers, images as Keras gives them (N × H × W × C; N × H × W is grey), sequences
    (N × steps × features) or token ids (N × steps), as the model takes them (images channels
    first, token ids one number per step)."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    if takes in ("sequence", "tokens"):
        if takes == "tokens" and x.ndim == 2:
            x = x[..., None]
        if x.ndim != 3:
            form = "token ids come as N × steps" if takes == "tokens" else "sequences come as N × steps × features"
            raise ValueError(f"{what}: {form}, not an array of {x.shape}")
        _finite(x, what)
        if expected is not None and tuple(x.shape[1:]) != tuple(expected):
            raise ValueError(f"{what}: sequences of {x.shape[1:]}; the model takes {tuple(expected)}")
        return np.ascontiguousarray(x)
    if x.ndim == 3 and (expected is None or len(expected) == 3):
        x = x[..., None]
    if x.ndim == 4:
        if x.shape[3] not in (1, 3):
            raise ValueError(f"{what}: images come channels last (N × height × width × 1 or 3), not {x.shape}")
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    elif x.ndim != 2:
        raise ValueError(f"{what}: this version takes rows of numbers (samples × features) or images "
                         f"(samples × height × width × channels), not an array of {x.shape}")
    _finite(x, what)
    if expected is not None and tuple(x.shape[1:]) != tuple(expected):
        if len(expected) == 1 and x.ndim == 2:
            raise ValueError(f"{what}: has {x.shape[1]} features per row; the model takes {expected[0]}")
        raise ValueError(f"{what}: samples of {x.shape[1:]} (channels first); the model takes {tuple(expected)}")
    return x
