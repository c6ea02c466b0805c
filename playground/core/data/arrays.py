"""A person's own numpy arrays as a data set (the Python API's `fit(X, y)` writes them): an `.npz`
with `x_train` (rows × features, numbers; for "image_arrays" images N×C×H×W) and `y_train` (one
target per row), and optionally `x_val`, `y_val`, the validation rows. Nothing is standardized or shuffled into another split:
the arrays train and validate as given, as Keras does. Read with the hardened .npz reader
(core.data.files: never unpickled, sizes checked before anything is decompressed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from playground.core.data.files import read_npz
from playground.core.data.table import Encoded
from playground.core.errors import PlaygroundError

MAX_CLASSES = 1000


@dataclass
class ArrayTable(Encoded):
    """The rows of `x_train` then those of `x_val` (Encoded's x and y), and where they split."""

    train_rows: int = 0
    has_validation: bool = False


def load_image_arrays(path: Path):
    """Images N×C×H×W (C 1 or 3) with class numbers, as core.data.images' ImageArrays (peak 1:
    the values are used as they are)."""
    from playground.core.data.images import ImageArrays

    name = path.name
    arrays = read_npz(path, ("x_train", "y_train"), optional=("x_val", "y_val"))
    parts = [("train", arrays["x_train"], arrays["y_train"])]
    if "x_val" in arrays and "y_val" in arrays:
        parts.append(("val", arrays["x_val"], arrays["y_val"]))
    shape = None
    for part, x, y in parts:
        if x.ndim != 4 or x.shape[1] not in (1, 3) or min(x.shape) < 1:
            raise PlaygroundError(f"{name}[x_{part}]: images must be N × channels (1 or 3) × height × width, "
                                  f"not {x.shape}")
        if shape is not None and x.shape[1:] != shape:
            raise PlaygroundError(f"{name}[x_{part}]: images of {x.shape[1:]}, x_train has {shape}")
        shape = x.shape[1:]
        if y.reshape(-1).shape != (len(x),) or (y.dtype.kind == "f" and not np.array_equal(y, np.round(y))):
            raise PlaygroundError(f"{name}[y_{part}]: needs one class number per image of x_{part}")
    labels = [p[2].reshape(-1).astype(np.int64) for p in parts]
    top = max(int(v.max()) for v in labels)
    if min(int(v.min()) for v in labels) < 0 or top >= MAX_CLASSES:
        raise PlaygroundError(f"{name}: class numbers must be from 0 to {MAX_CLASSES - 1}")
    to32 = [np.ascontiguousarray(p[1], dtype=np.float32) for p in parts]
    return ImageArrays(to32[0], labels[0], to32[1] if len(parts) > 1 else None, labels[1] if len(parts) > 1 else None,
                       1.0, tuple(str(k) for k in range(max(2, top + 1))))


@dataclass
class SequenceArrays:
    """Sequences N × steps × features (float32) with their targets, split as given."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None
    classes: tuple[str, ...]


def load_sequence_arrays(path: Path, task: str) -> SequenceArrays:
    name = path.name
    arrays = read_npz(path, ("x_train", "y_train"), optional=("x_val", "y_val"))
    parts = [("train", arrays["x_train"], arrays["y_train"])]
    if "x_val" in arrays and "y_val" in arrays:
        parts.append(("val", arrays["x_val"], arrays["y_val"]))
    out, shape = [], None
    for part, x, y in parts:
        if x.ndim == 2:
            x = x[..., None]   # one number per step (token ids for an embedding)
        if x.ndim != 3 or min(x.shape) < 1:
            raise PlaygroundError(f"{name}[x_{part}]: sequences must be N × steps × features, not {x.shape}")
        if shape is not None and x.shape[1:] != shape:
            raise PlaygroundError(f"{name}[x_{part}]: sequences of {x.shape[1:]}, x_train has {shape}")
        shape = x.shape[1:]
        if y.reshape(-1).shape != (len(x),):
            raise PlaygroundError(f"{name}[y_{part}]: needs one target per sequence of x_{part}")
        out.append((np.ascontiguousarray(x, dtype=np.float32), y.reshape(-1)))
    classes: tuple[str, ...] = ()
    if task == "classification":
        labels = np.concatenate([y for _, y in out])
        if (labels.dtype.kind == "f" and not np.array_equal(labels, np.round(labels))) or labels.min() < 0 \
                or labels.max() >= MAX_CLASSES:
            raise PlaygroundError(f"{name}: a classification's targets are class numbers 0 … {MAX_CLASSES - 1}")
        out = [(x, y.astype(np.int64)) for x, y in out]
        classes = tuple(str(k) for k in range(max(2, int(labels.max()) + 1)))
    else:
        out = [(x, y.astype(np.float32)) for x, y in out]
    val = out[1] if len(out) > 1 else (None, None)
    return SequenceArrays(out[0][0], out[0][1], val[0], val[1], classes)


def load_arrays(path: Path, task: str) -> ArrayTable:
    name = path.name
    arrays = read_npz(path, ("x_train", "y_train"), optional=("x_val", "y_val"))
    if ("x_val" in arrays) != ("y_val" in arrays):
        raise PlaygroundError(f"{name}: has {'x_val' if 'x_val' in arrays else 'y_val'} without "
                              f"{'y_val' if 'x_val' in arrays else 'x_val'}")
    parts = [("train", arrays["x_train"], arrays["y_train"])]
    if "x_val" in arrays:
        parts.append(("val", arrays["x_val"], arrays["y_val"]))
    features = None
    for part, x, y in parts:
        if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
            raise PlaygroundError(f"{name}[x_{part}]: must be rows × features (2 dimensions), not {x.shape}")
        if features is not None and x.shape[1] != features:
            raise PlaygroundError(f"{name}[x_{part}]: has {x.shape[1]} features, x_train has {features}")
        features = x.shape[1]
        if y.shape not in ((len(x),), (len(x), 1)):
            raise PlaygroundError(f"{name}[y_{part}]: must hold one target per row of x_{part} ({len(x)}), "
                                  f"not an array of {y.shape}")
    x = np.ascontiguousarray(np.concatenate([p[1] for p in parts]), dtype=np.float32)
    y = np.concatenate([p[2].reshape(-1) for p in parts])
    if task == "classification":
        if y.dtype.kind == "f" and not np.array_equal(y, np.round(y)):
            raise PlaygroundError(f"{name}: a classification's targets are class numbers 0, 1, 2, …; these are "
                                  "not whole numbers (for real-valued targets choose regression)")
        y = y.astype(np.int64)
        if y.min() < 0 or y.max() >= MAX_CLASSES:
            raise PlaygroundError(f"{name}: class numbers must be from 0 to {MAX_CLASSES - 1}, not {y.min()}…{y.max()}")
        classes = [str(k) for k in range(max(2, int(y.max()) + 1))]
    else:
        y = y.astype(np.float32)
        classes = []
    return ArrayTable(x, y, [f"x{i + 1}" for i in range(features)], np.zeros(features, dtype=bool), classes,
                      train_rows=len(parts[0][1]), has_validation=len(parts) > 1)
