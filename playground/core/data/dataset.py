"""A generated, split data set ready for training: features, labels and the raw points."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground.core.data.features import compute_features
from playground.core.data.toy2d import GENERATORS
from playground.core.spec import DataSpec


@dataclass
class Dataset:
    """Train and test splits. Labels are class indices (int64) or real targets (float32)."""

    spec: DataSpec
    points_train: np.ndarray
    points_test: np.ndarray
    x_train: np.ndarray
    x_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray

    @property
    def task(self) -> str:
        return self.spec.task

    @property
    def num_classes(self) -> int:
        return self.spec.num_classes

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])


def make_dataset(spec: DataSpec) -> Dataset:
    """Generate the points with the spec's seed, shuffle them, and split train/test.

    As in the TensorFlow Playground: shuffle all points, then the first floor(N·fraction) train.
    """
    rng = np.random.default_rng(spec.seed)
    points, labels = GENERATORS[spec.dataset](spec.samples, spec.noise, rng)
    order = rng.permutation(spec.samples)
    points, labels = points[order], labels[order]
    split = int(np.floor(spec.samples * spec.train_fraction))
    features = compute_features(points, spec.features)
    if spec.task == "regression":
        labels = labels.astype(np.float32)
    pts = points.astype(np.float32)
    return Dataset(spec, pts[:split], pts[split:], features[:split], features[split:],
                   labels[:split], labels[split:])
