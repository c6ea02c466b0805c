"""A split data set ready for training: inputs, labels and, for the plane, the raw points."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground.core.data.features import compute_features
from playground.core.data.toy2d import GENERATORS
from playground.core.model.spec import DataSpec

#: Test samples kept at most from a file's own test split (evaluation runs every epoch).
MAX_TEST_SAMPLES = 10_000


@dataclass
class Dataset:
    """Train and test splits. Labels are class indices (int64) or real targets (float32).
    `points_*` are the 2-D points of a plane data set (None for images and tables)."""

    spec: DataSpec
    points_train: np.ndarray | None
    points_test: np.ndarray | None
    x_train: np.ndarray
    x_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    num_classes: int = 0
    class_names: tuple[str, ...] = ()
    feature_names: tuple[str, ...] = ()
    #: The model's input from the data's raw values: (raw − offset) · scale, elementwise
    #: (broadcast over the input shape); None: the raw values are the input. For the plane the
    #: raw values are the points (x1, x2) and the features are computed from them.
    raw_offset: np.ndarray | None = None
    raw_scale: np.ndarray | None = None

    def raw_test(self) -> np.ndarray:
        """The test inputs as the data holds them (pixels, a table's numbers, the plane's x1, x2)."""
        if self.points_test is not None:
            return np.ascontiguousarray(self.points_test, dtype=np.float32)
        if self.raw_scale is None:
            return self.x_test
        return np.ascontiguousarray(self.x_test / self.raw_scale + self.raw_offset, dtype=np.float32)

    @property
    def task(self) -> str:
        return self.spec.task

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])


def make_dataset(spec: DataSpec) -> Dataset:
    """The spec's data, shuffled with its seed and split into train and test."""
    if spec.kind == "images":
        return _images(spec)
    if spec.kind == "table":
        return _table(spec)
    if spec.kind == "sequence":
        return _sequence(spec)
    return _plane(spec)


def _sequence(spec: DataSpec) -> Dataset:
    from playground.core.data.sequences import GENERATORS
    from playground.core.data.sources import data_info, load_sequences

    if spec.dataset == "sequence_arrays":   # as given: the training sequences, then the validation ones
        arrays, info = load_sequences(spec), data_info(spec)
        x_test, y_test = (arrays.x_val, arrays.y_val) if arrays.x_val is not None else (arrays.x_train, arrays.y_train)
        return Dataset(spec, None, None, arrays.x_train, x_test, arrays.y_train, y_test, info.classes, info.class_names)

    rng = np.random.default_rng(spec.seed)
    x, y = GENERATORS[spec.dataset](spec.samples, spec.steps, spec.noise, rng)
    split = int(np.floor(spec.samples * spec.train_fraction))
    info = data_info(spec)
    return Dataset(spec, None, None, x[:split], x[split:], y[:split], y[split:], info.classes, info.class_names)


def _plane(spec: DataSpec) -> Dataset:
    """As in the TensorFlow Playground: shuffle all points, then the first floor(N·fraction) train."""
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
                   labels[:split], labels[split:], spec.num_classes,
                   tuple(str(i) for i in range(spec.num_classes)), tuple(spec.features))


def _split(spec: DataSpec, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(spec.seed)
    order = rng.permutation(len(x))
    if spec.samples:
        order = order[:spec.samples]
    split = int(np.floor(len(order) * spec.train_fraction))
    if split < 1 or split >= len(order):
        from playground.core.errors import ValidationError

        raise ValidationError("data.train_fraction", f"leaves an empty training or test set with "
                              f"{len(order)} samples")
    return x[order[:split]], y[order[:split]], x[order[split:]], y[order[split:]]


def _images(spec: DataSpec) -> Dataset:
    from playground.core.data.sources import data_info, load_images

    arrays = load_images(spec)
    info = data_info(spec)
    if spec.dataset == "image_arrays":   # a person's own images: used as given, as Keras does
        x_test, y_test = (arrays.x_test, arrays.y_test) if arrays.x_test is not None else (arrays.x_train, arrays.y_train)
        return Dataset(spec, None, None, arrays.x_train, x_test, arrays.y_train, y_test, info.classes, info.class_names)
    if arrays.x_test is None:
        x_train, y_train, x_test, y_test = _split(spec, arrays.x_train, arrays.y_train)
    else:
        rng = np.random.default_rng(spec.seed)
        order = rng.permutation(len(arrays.x_train))[:spec.samples or None]
        x_train, y_train = arrays.x_train[order], arrays.y_train[order]
        x_test, y_test = arrays.x_test[:MAX_TEST_SAMPLES], arrays.y_test[:MAX_TEST_SAMPLES]
    # scale to [0, 1], then standardize with the training images' mean and spread
    scale = np.float32(1.0 / arrays.peak)
    train = x_train.astype(np.float32) * scale
    mean, std = float(train.mean()), float(train.std()) or 1.0
    test = (x_test.astype(np.float32) * scale - mean) / std
    train = (train - mean) / std
    return Dataset(spec, None, None, np.ascontiguousarray(train), np.ascontiguousarray(test),
                   y_train.astype(np.int64), y_test.astype(np.int64), info.classes, info.class_names,
                   raw_offset=np.float32(mean * arrays.peak).reshape(1, 1, 1),
                   raw_scale=np.float32(1.0 / (arrays.peak * std)).reshape(1, 1, 1))


def _table(spec: DataSpec) -> Dataset:
    from playground.core.data.sources import load_table

    encoded = load_table(spec)
    if spec.dataset == "arrays":   # as given: the training rows, then the validation rows (or none)
        n = encoded.train_rows
        x_train, y_train = encoded.x[:n], encoded.y[:n]
        x_test, y_test = (encoded.x[n:], encoded.y[n:]) if encoded.has_validation else (x_train, y_train)
        return Dataset(spec, None, None, x_train, x_test, y_train, y_test, len(encoded.classes),
                       tuple(encoded.classes), tuple(encoded.feature_names))
    x_train, y_train, x_test, y_test = _split(spec, encoded.x, encoded.y)
    numeric = encoded.numeric
    mean = np.where(numeric, x_train.mean(axis=0), 0.0)
    std = np.where(numeric, x_train.std(axis=0), 1.0)
    std = np.where(std > 0, std, 1.0)
    x_train = ((x_train - mean) / std).astype(np.float32)
    x_test = ((x_test - mean) / std).astype(np.float32)
    return Dataset(spec, None, None, x_train, x_test, y_train, y_test, len(encoded.classes),
                   tuple(encoded.classes), tuple(encoded.feature_names),
                   raw_offset=mean.astype(np.float32), raw_scale=(1.0 / std).astype(np.float32))
