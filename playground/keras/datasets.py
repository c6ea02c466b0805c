"""Data sets as Keras's `load_data()` gives them: ((x_train, y_train), (x_test, y_test)) as numpy.
The plane sets (`spiral.load_data(samples=500, noise=0.0, features=("x1", "x2"))`, `circle`, `xor`,
`gauss`, `moons`, `checkerboard`, `spiral3`, `blobs`, `plane`, `multigauss`) are generated as the
window does; `digits.load_data()` is the shipped 8×8 digits (images N×8×8, pixel counts 0–16);
`mnist.load_data(path)` (MNIST, Fashion-MNIST, KMNIST: the four IDX files or an .npz) and
`cifar10.load_data(path)` (the binary batches' folder or an .npz) read files you have, with the
app's hardened readers, and give images as Keras does (uint8, N×28×28 and N×32×32×3)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from playground.core.model.registry import DATASETS

Split = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class PlaneSet:
    """One of the plane's generated data sets."""

    def __init__(self, name: str) -> None:
        self.name = name

    def load_data(self, samples: int | None = None, noise: float = 0.0, features: Sequence[str] = ("x1", "x2"),
                  train_fraction: float = 0.5, seed: int = 1) -> Split:
        from playground.core.data.dataset import make_dataset
        from playground.core.errors import ValidationError
        from playground.core.model.spec import DataSpec

        raw = {"dataset": self.name, "noise": noise, "features": list(features), "train_fraction": train_fraction,
               "seed": seed}
        if samples is not None:
            raw["samples"] = samples
        try:
            data = make_dataset(DataSpec.from_dict(raw))
        except ValidationError as err:
            raise ValueError(str(err)) from None
        return (data.x_train, data.y_train), (data.x_test, data.y_test)


class DigitsSet:
    def load_data(self, train_fraction: float = 0.8, seed: int = 1) -> Split:
        """The 1,797 digits (N×8×8 uint8, labels 0–9), shuffled with `seed` and split."""
        from playground.core.data import images

        arrays = images.load_digits(images.DIGITS)
        order = np.random.default_rng(seed).permutation(len(arrays.x_train))
        x, y = arrays.x_train[order].reshape(-1, 8, 8), arrays.y_train[order].astype(np.int64)
        split = int(len(x) * train_fraction)
        return (x[:split], y[:split]), (x[split:], y[split:])


class FileImages:
    """Images read from files a person has (nothing is downloaded here: `playground download`)."""

    def __init__(self, reader: str) -> None:
        self.reader = reader

    def load_data(self, path: str) -> Split:
        from playground.core.data import images
        from playground.core.errors import PlaygroundError

        try:
            arrays = getattr(images, self.reader)(path)
        except PlaygroundError as err:
            raise ValueError(str(err)) from None

        def keras_layout(x: np.ndarray) -> np.ndarray:
            return x[:, 0] if x.shape[1] == 1 else np.ascontiguousarray(x.transpose(0, 2, 3, 1))

        return ((keras_layout(arrays.x_train), arrays.y_train.astype(np.int64)),
                (keras_layout(arrays.x_test), arrays.y_test.astype(np.int64)))


mnist = FileImages("load_mnist_format")
cifar10 = FileImages("load_cifar10")
for _name, _entry in DATASETS.items():
    if _entry.extra["kind"] == "plane":
        globals()[_name] = PlaneSet(_name)
digits = DigitsSet()
