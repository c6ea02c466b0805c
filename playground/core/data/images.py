"""Image data sets: the 8×8 handwritten digits shipped in `assets/data`, MNIST-format files
(MNIST, Fashion-MNIST, KMNIST: the four standard IDX files, gzipped or not, or an `.npz` with
x_train, y_train, x_test, y_test) and CIFAR-10 (its binary batches, or such an `.npz`). Every file
goes through the checked readers of `files.py`; the CIFAR "python" batches are pickles and are
refused with a message saying which download to use instead."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from playground.assets import DIGITS
from playground.core.data.files import check_budget, decoded_cost, read_idx, read_npz, refuse_pickle
from playground.core.errors import PlaygroundError
from playground.core.memory import data_budget_bytes
from playground.core.io.user_files import check_folder, list_folder, open_regular, read_capped

MNIST_FILES = {"x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
               "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte"}
CIFAR_TRAIN = [f"data_batch_{i}.bin" for i in range(1, 6)]
CIFAR_TEST = "test_batch.bin"
CIFAR_RECORD = 1 + 3 * 32 * 32
MAX_CLASSES = 1000


@dataclass
class ImageArrays:
    """Images as N×C×H×W (uint8 or float), labels as class indices."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray | None   # None: split the training images
    y_test: np.ndarray | None
    peak: float                 # the largest pixel value the format allows (255, or 16 for digits)
    class_names: tuple[str, ...] = ()

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.x_train.shape[1:])  # type: ignore[return-value]


def load_digits(path: Path = DIGITS) -> ImageArrays:
    arrays = read_npz(path, ("images", "labels"))
    return ImageArrays(arrays["images"][:, None, :, :], arrays["labels"].astype(np.int64), None, None, 16.0)


def _labels(labels: np.ndarray, count: int, name: str) -> np.ndarray:
    if labels.ndim != 1:
        raise PlaygroundError(f"{name}: labels must be one number per image, not an array of {labels.shape}")
    if len(labels) != count:
        raise PlaygroundError(f"{name}: {len(labels):,} labels for {count:,} images")
    if labels.dtype.kind not in "ui" or (len(labels) and (labels.min() < 0 or labels.max() >= MAX_CLASSES)):
        raise PlaygroundError(f"{name}: labels must be class numbers 0–{MAX_CLASSES - 1}")
    return labels.astype(np.int64)


def _images(images: np.ndarray, name: str, channels_last: bool) -> np.ndarray:
    """N×H×W (one channel) or N×H×W×C / N×C×H×W → N×C×H×W."""
    if images.ndim == 3:
        images = images[:, None, :, :]
    elif images.ndim == 4 and channels_last:
        images = images.transpose(0, 3, 1, 2)
    elif images.ndim != 4:
        raise PlaygroundError(f"{name}: images must be N×H×W or N×H×W×C, not an array of {images.shape}")
    if images.shape[1] > 4 or min(images.shape[2:]) < 1 or max(images.shape[2:]) > 4096:
        raise PlaygroundError(f"{name}: {images.shape[1:]} is not an image shape this app reads")
    return np.ascontiguousarray(images)


def load_mnist_format(source: str | os.PathLike, budget: int | None = None) -> ImageArrays:
    """A folder with the four MNIST IDX files (optionally .gz), or an .npz of them; all of it
    within `budget` bytes decoded (default: the data budget)."""
    source = Path(source)
    budget = data_budget_bytes() if budget is None else budget
    if source.exists() and not source.is_dir():
        arrays = read_npz(source, tuple(MNIST_FILES), budget)
    elif source.is_dir():
        check_folder(source, "MNIST-format folder")
        arrays = {}
        for key, stem in MNIST_FILES.items():
            candidates = [source / stem, source / f"{stem}.gz"] + [source / stem.replace("-idx", ".idx"),
                                                                    source / f"{stem.replace('-idx', '.idx')}.gz"]
            found = next((c for c in candidates if c.exists()), None)
            if found is None:
                raise PlaygroundError(f"{source}: has no {stem}[.gz]; put the four MNIST-format files "
                                      f"({', '.join(MNIST_FILES.values())}) in this folder, or (online) "
                                      "run `playground download mnist` (or fashion-mnist, kmnist)")
            arrays[key] = read_idx(found, budget)
            budget -= decoded_cost(arrays[key].shape, arrays[key].dtype)
    else:
        raise PlaygroundError(f"{source}: no such file or folder; choose the folder with the MNIST-format "
                              "IDX files, or an .npz with x_train, y_train, x_test, y_test")
    name = source.name
    x_train = _images(arrays["x_train"], f"{name} (training images)", channels_last=True)
    x_test = _images(arrays["x_test"], f"{name} (test images)", channels_last=True)
    if x_train.shape[1:] != x_test.shape[1:]:
        raise PlaygroundError(f"{name}: training images are {x_train.shape[1:]}, test images {x_test.shape[1:]}")
    return ImageArrays(x_train, _labels(arrays["y_train"], len(x_train), f"{name} (training labels)"),
                       x_test, _labels(arrays["y_test"], len(x_test), f"{name} (test labels)"), 255.0)


def _cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    data = read_capped(path, 64 * CIFAR_RECORD * 10_000, "CIFAR-10 batch")
    refuse_pickle(data[:2], path.name)
    if not data or len(data) % CIFAR_RECORD:
        raise PlaygroundError(f"{path.name}: {len(data):,} bytes is not a whole number of CIFAR-10 records "
                              f"({CIFAR_RECORD} bytes each: a label byte and a 3×32×32 image)")
    records = np.frombuffer(data, dtype=np.uint8).reshape(-1, CIFAR_RECORD)
    labels = records[:, 0].astype(np.int64)
    if labels.max() >= 10:
        raise PlaygroundError(f"{path.name}: label {labels.max()} found; CIFAR-10 labels are 0–9")
    return records[:, 1:].reshape(-1, 3, 32, 32), labels


def load_cifar10(source: str | os.PathLike, budget: int | None = None) -> ImageArrays:
    """The CIFAR-10 binary version (folder with data_batch_1.bin … test_batch.bin), or an .npz;
    all of it within `budget` bytes decoded (default: the data budget)."""
    source = Path(source)
    budget = data_budget_bytes() if budget is None else budget
    if source.exists() and not source.is_dir():
        arrays = read_npz(source, tuple(MNIST_FILES), budget)
        x_train = _images(arrays["x_train"], f"{source.name} (training images)", channels_last=True)
        x_test = _images(arrays["x_test"], f"{source.name} (test images)", channels_last=True)
        return ImageArrays(x_train, _labels(arrays["y_train"].reshape(-1), len(x_train), source.name),
                           x_test, _labels(arrays["y_test"].reshape(-1), len(x_test), source.name), 255.0)
    if not source.is_dir():
        raise PlaygroundError(f"{source}: no such file or folder; choose the cifar-10-batches-bin folder "
                              "or an .npz with x_train, y_train, x_test, y_test")
    check_folder(source, "CIFAR-10 folder")
    if (source / "cifar-10-batches-bin").is_dir():
        source = check_folder(source / "cifar-10-batches-bin", "CIFAR-10 folder")
    if not (source / CIFAR_TEST).is_file():
        if (source / "data_batch_1").is_file() or (source / "test_batch").is_file():
            raise PlaygroundError(f"{source}: these are CIFAR-10's python batches, which are pickles; Neural "
                                  "Playground never unpickles files. Download the binary version "
                                  "(cifar-10-binary.tar.gz) and choose its cifar-10-batches-bin folder")
        raise PlaygroundError(f"{source}: has no {CIFAR_TEST}; choose the folder with CIFAR-10's binary "
                              f"batches ({', '.join(CIFAR_TRAIN)}, {CIFAR_TEST}), or (online) run "
                              "`playground download cifar10`")
    present = [source / name for name in [*CIFAR_TRAIN, CIFAR_TEST] if (source / name).exists()]
    cost = sum(p.stat().st_size // CIFAR_RECORD * decoded_cost((CIFAR_RECORD,), np.dtype(np.uint8)) for p in present)
    check_budget(source.name, f"{len(present)} batches", cost, budget)
    batches = [_cifar_batch(source / name) for name in CIFAR_TRAIN if (source / name).exists()]
    if not batches:
        raise PlaygroundError(f"{source}: has no training batch (data_batch_1.bin …)")
    x_test, y_test = _cifar_batch(source / CIFAR_TEST)
    return ImageArrays(np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches]),
                       x_test, y_test, 255.0)


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
MAX_IMAGE_FILES = 200_000
MAX_IMAGE_PIXELS = 40_000_000


def load_image_folder(folder: str | os.PathLike, size: int = 28, channels: int = 1,
                      budget: int | None = None) -> ImageArrays:
    """One sub-folder per class with PNG or JPEG images, each resized to size×size, grey (1
    channel) or colour (3). Every file is checked (readable, a real image, not huge) first."""
    folder = Path(folder)
    budget = data_budget_bytes() if budget is None else budget
    if not folder.is_dir():
        raise PlaygroundError(f"{folder}: no such folder; choose a folder with one sub-folder of images per class")
    classes = [d.name for d in list_folder(folder) if d.is_dir() and not d.name.startswith(".")]
    files: list[tuple[Path, int]] = []
    for label, name in enumerate(classes):
        found = [f for f in list_folder(folder / name) if f.suffix.lower() in IMAGE_SUFFIXES and f.is_file()]
        files += [(f, label) for f in found]
        if len(files) > MAX_IMAGE_FILES:
            raise PlaygroundError(f"{folder}: more than {MAX_IMAGE_FILES:,} images")
    used = [name for label, name in enumerate(classes) if any(lab == label for _, lab in files)]
    if len(used) < 2:
        raise PlaygroundError(f"{folder}: needs at least two sub-folders (one per class) with PNG or JPEG "
                              f"images; found {len(used)} with images")
    check_budget(folder.name, f"{len(files):,} images of {channels}×{size}×{size}",
                 decoded_cost((len(files), channels, size, size), np.dtype(np.uint8)), budget)
    images = np.empty((len(files), channels, size, size), dtype=np.uint8)
    mode = "L" if channels == 1 else "RGB"
    for i, (path, _) in enumerate(files):
        with open_regular(path, "image") as f:
            refuse_pickle(f.read(2), path.name)
            f.seek(0)
            images[i] = _decoded_image(f, path, size, mode)
    labels = np.array([label for _, label in files], dtype=np.int64)
    return ImageArrays(images, labels, None, None, 255.0, tuple(classes))


def _decoded_image(stream, path: Path, size: int, mode: str) -> np.ndarray:
    """One image file as a channels × size × size uint8 array."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(stream) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise PlaygroundError(f"{path.name}: {image.width}×{image.height} pixels is too large an image")
            pixels = image.convert(mode).resize((size, size), Image.Resampling.BILINEAR)
            array = np.asarray(pixels, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as err:
        raise PlaygroundError(f"{path.parent.name}/{path.name}: not a readable PNG or JPEG image "
                              f"({type(err).__name__})") from None
    return array[None] if mode == "L" else array.transpose(2, 0, 1)
