"""Input features computed from a 2-D point: x1, x2, x1², x2², x1·x2, sin x1, sin x2.

Each feature is a numpy expression over x1 and x2 in the registry (`extra["code"]`), which the
python exporter also writes into stand-alone training scripts.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from playground.core.model.registry import FEATURES


def features_expression(names: Sequence[str]) -> str:
    """A numpy expression over x1, x2 that stacks the named features as columns."""
    return "np.stack([" + ", ".join(FEATURES[n].extra["code"] for n in names) + "], axis=1)"


def compute_features(points: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """N×2 points → N×len(names) float32 features, in the order given."""
    x1 = np.asarray(points[:, 0], dtype=np.float64)
    x2 = np.asarray(points[:, 1], dtype=np.float64)
    columns = eval(features_expression(names), {"np": np, "x1": x1, "x2": x2})  # noqa: S307 (registry code)
    return np.ascontiguousarray(columns, dtype=np.float32)
