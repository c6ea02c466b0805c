"""Data sets as Keras's `load_data()` gives them: ((x_train, y_train), (x_test, y_test)) as numpy.
The plane sets (`spiral.load_data(samples=500, noise=0.0, features=("x1", "x2"))`, `circle`, `xor`,
`gauss`, `moons`, `checkerboard`, `spiral3`, `blobs`, `plane`, `multigauss`) are generated as the
window does; `digits.load_data()` is the shipped 8×8 digits (images N×8×8, pixel counts 0–16)."""

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


for _name, _entry in DATASETS.items():
    if _entry.extra["kind"] == "plane":
        globals()[_name] = PlaneSet(_name)
digits = DigitsSet()
