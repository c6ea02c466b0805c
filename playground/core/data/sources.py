"""Where a data spec's samples come from, and what they look like before anything is built:
`data_info` (input shape, classes) for shape analysis, `load_source` for the data set itself.
Files are read once and kept (keyed by path, size and modification time), so analysing a project
on every edit does not read a large file again.

A thread that must never read a file (the window's) wraps its calls in `cached_only()`: there,
what is not in the cache yet raises `DataNotRead` instead of being read, and the caller shows
"reading…" until another thread (the training thread) has read it."""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from playground.core.errors import PlaygroundError
from playground.core.model.spec import DataSpec

_CACHE: OrderedDict[tuple, Any] = OrderedDict()
_CACHE_SIZE = 3
_CACHE_LOCK = threading.Lock()
_THREAD = threading.local()


class DataNotRead(PlaygroundError):
    """The data is not in memory yet, and this thread may not read it (see `cached_only`)."""


@contextlib.contextmanager
def cached_only():
    """Within this block, on this thread, no data file is read (see the module's docstring)."""
    previous = getattr(_THREAD, "cached_only", False)
    _THREAD.cached_only = True
    try:
        yield
    finally:
        _THREAD.cached_only = previous


@dataclass(frozen=True)
class DataInfo:
    input_shape: tuple[int, ...]
    classes: int
    class_names: tuple[str, ...]
    samples: int                 # how many the data set has (train and test)


def _cached(kind: str, path: str, load: Callable[[Path], Any], reads_file: bool = True) -> Any:
    """`load(path)`, reusing the last results for an unchanged file or folder. A `load` that only
    computes from other cached entries (`reads_file=False`) may run within `cached_only`."""
    file = Path(os.path.expanduser(path))
    try:
        stat = file.stat()
    except OSError:
        raise PlaygroundError(f"{path}: no such file or folder") from None
    key = (kind, str(file.resolve()), stat.st_size, stat.st_mtime_ns)
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    if reads_file and getattr(_THREAD, "cached_only", False):
        raise DataNotRead(f"{file.name} is being read")
    value = load(file)
    with _CACHE_LOCK:
        _CACHE[key] = value
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return value


def forget_read_files() -> None:
    """Drop every file kept in memory (the next use reads it again)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def load_images(spec: DataSpec):
    from playground.core.data import images

    if spec.dataset == "digits":
        return _cached("digits", spec.path or str(images.DIGITS), images.load_digits)
    if spec.dataset == "image_arrays":
        from playground.core.data.arrays import load_image_arrays

        return _cached("image_arrays", spec.path, load_image_arrays)
    if spec.dataset == "folder":
        return _cached(f"folder{spec.image_size}x{spec.channels}", spec.path,
                       lambda path: images.load_image_folder(path, spec.image_size, spec.channels))
    loader = {"mnist": images.load_mnist_format, "cifar10": images.load_cifar10}[spec.dataset]
    return _cached(spec.dataset, spec.path, loader)


def load_sequences(spec: DataSpec):
    """A person's own sequences (core.data.arrays), read once and kept."""
    from playground.core.data.arrays import load_sequence_arrays

    return _cached(f"sequence_arrays:{spec.task}", spec.path, lambda path: load_sequence_arrays(path, spec.task))


def load_table(spec: DataSpec):
    from playground.core.data import table

    if spec.dataset == "arrays":
        from playground.core.data.arrays import load_arrays

        return _cached(f"arrays:{spec.task}", spec.path, lambda path: load_arrays(path, spec.task))
    # keyed by the file's identity like the raw table, so an edited file is never matched to old columns
    return _cached(f"encoded:{spec.target}:{spec.columns}:{spec.task}", spec.path,
                   lambda path: table.encode(_cached("csv", str(path), table.read_csv), spec.target,
                                             list(spec.columns), spec.task), reads_file=False)


def data_info(spec: DataSpec) -> DataInfo:
    """Input shape and classes; reads (and keeps) the file for images and tables."""
    if spec.kind == "plane":
        return DataInfo((len(spec.features),), spec.num_classes, tuple(str(i) for i in range(spec.num_classes)),
                        spec.samples)
    if spec.kind == "images":
        arrays = load_images(spec)
        names = arrays.class_names or tuple(str(i) for i in range(max(10, int(arrays.y_train.max()) + 1)))
        total = len(arrays.x_train) + (0 if arrays.x_test is None else len(arrays.x_test))
        return DataInfo(arrays.shape, len(names), names, total)
    if spec.dataset == "sequence_arrays":
        arrays = load_sequences(spec)
        total = len(arrays.x_train) + (0 if arrays.x_val is None else len(arrays.x_val))
        return DataInfo(tuple(arrays.x_train.shape[1:]), len(arrays.classes), arrays.classes, total)
    if spec.kind == "sequence":
        from playground.core.data.sequences import VOCABULARY

        names = {"parity": ("even", "odd"), "chars": tuple(VOCABULARY)}.get(spec.dataset, ())
        return DataInfo((spec.steps, 1), len(names), names, spec.samples)
    encoded = load_table(spec)
    return DataInfo((encoded.x.shape[1],), len(encoded.classes), tuple(encoded.classes), len(encoded.x))


def table_columns(path: str) -> list[str]:
    """The header of a CSV file (read once and kept)."""
    from playground.core.data import table

    return list(_cached("csv", path, table.read_csv).header)
