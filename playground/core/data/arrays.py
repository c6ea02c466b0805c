"""A person's own numpy arrays as a data set (the Python API's `fit(X, y)` writes them): an `.npz`
with `x_train` (rows × features, numbers) and `y_train` (one target per row), and optionally
`x_val`, `y_val`, the validation rows. Nothing is standardized or shuffled into another split:
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
