"""Readers of data files a person hands us: MNIST-format IDX files (gzipped or not), `.npz`
archives, CIFAR-10 binary batches. Each one opens only regular files (core.io.user_files), checks
the declared sizes against the file and the *decoded* size against the data budget
(core.memory: the values plus their float32 training copy) *before* it decompresses or
allocates, and fails with `PlaygroundError` and a plain message on anything malformed: truncated
or trailing data, a wrong magic number, huge declared sizes (a zip or gzip bomb), object arrays,
a pickle or a zip in disguise. Nothing is ever unpickled (`np.load(allow_pickle=False)`)."""

from __future__ import annotations

import gzip
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from playground.core.errors import PlaygroundError
from playground.core.memory import TRAINING_COPY_BYTES, data_budget_bytes, human_bytes
from playground.core.io.user_files import open_regular
_IDX_TYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"


def _name(path: Path) -> str:
    return path.name or str(path)


def _open(path: Path):
    """The file's bytes, decompressed on the fly if it is gzipped."""
    raw = open_regular(path, "data file")
    head = raw.read(2)
    raw.seek(0)
    return gzip.GzipFile(fileobj=raw, mode="rb") if head == _GZIP_MAGIC else raw


def decoded_cost(shape: tuple[int, ...], dtype: np.dtype) -> int:
    """Bytes an array of `shape` costs once decoded and copied to float32 for training."""
    return int(np.prod(shape, dtype=object)) * (dtype.itemsize + TRAINING_COPY_BYTES)


def check_budget(name: str, what: str, cost: int, budget: int) -> None:
    if cost > budget:
        raise PlaygroundError(f"{name}: {what} would take {human_bytes(cost)} decoded, more than the data "
                              f"budget of {human_bytes(budget)} (PLAYGROUND_DATA_BUDGET sets another; "
                              "or use fewer images)")


def _read_exactly(stream, count: int, name: str, what: str) -> bytes:
    try:
        data = stream.read(count)
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as err:  # BadGzipFile is an OSError
        raise PlaygroundError(f"{name}: the compressed data is damaged ({err})") from None
    if len(data) != count:
        raise PlaygroundError(f"{name}: truncated: {what} needs {count:,} bytes, the file has {len(data):,}")
    return data


def refuse_pickle(head: bytes, name: str) -> None:
    if head[:1] == b"\x80" and len(head) > 1 and head[1] <= 5:
        raise PlaygroundError(f"{name} is a Python pickle; Neural Playground never unpickles files "
                              "(it could run code). Use the format's binary or .npz version")


def read_idx(path: str | os.PathLike, budget: int | None = None) -> np.ndarray:
    """An IDX file (the MNIST format), gzipped or not, as a native-endian array; its declared
    size is checked against `budget` (default: the data budget) before anything is decoded."""
    path = Path(path)
    budget = data_budget_bytes() if budget is None else budget
    name = _name(path)
    with _open(path) as stream:
        magic = _read_exactly(stream, 4, name, "the IDX header")
        refuse_pickle(magic, name)
        if magic[:2] != b"\x00\x00" or magic[2] not in _IDX_TYPES or not 1 <= magic[3] <= 4:
            raise PlaygroundError(f"{name}: not an IDX file (wrong magic number {magic.hex()}; MNIST "
                                  "images start with 00000803, labels with 00000801)")
        dtype, ndim = _IDX_TYPES[magic[2]], magic[3]
        dims = np.frombuffer(_read_exactly(stream, 4 * ndim, name, "the IDX dimensions"), dtype=">u4")
        shape = tuple(int(d) for d in dims)
        if any(d == 0 for d in shape):
            raise PlaygroundError(f"{name}: declares an empty array {shape}")
        check_budget(name, f"the {shape} values it declares", decoded_cost(shape, dtype), budget)
        size = int(np.prod(shape, dtype=object)) * dtype.itemsize
        data = _read_exactly(stream, size, name, f"an array of {shape}")
        if stream.read(1):
            raise PlaygroundError(f"{name}: has data after the {shape} array it declares")
    array = np.frombuffer(data, dtype=dtype).reshape(shape)
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise PlaygroundError(f"{name}: contains NaN or infinite values")
    return array.astype(dtype.newbyteorder("="))


def read_npz(path: str | os.PathLike, keys: tuple[str, ...], budget: int | None = None,
             optional: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """The arrays `keys` (and those of `optional` it has) of an `.npz` archive, each checked
    (shape, dtype, decoded size against `budget`, default the data budget) before it is
    decompressed."""
    path = Path(path)
    name = _name(path)
    budget = data_budget_bytes() if budget is None else budget
    with open_regular(path, "data file") as raw:
        try:
            head = raw.read(4)
            raw.seek(0)
        except OSError as err:
            raise PlaygroundError(f"{name}: cannot be read ({err.strerror or err})") from None
        refuse_pickle(head, name)
        if head != _ZIP_MAGIC:
            raise PlaygroundError(f"{name}: not an .npz archive (it does not start like a zip file)")
        return _npz_arrays(raw, name, keys, budget, optional)


def _npz_arrays(raw, name: str, keys: tuple[str, ...], budget: int,
                optional: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    total = 0
    try:
        with zipfile.ZipFile(raw) as archive:
            members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
            missing = [k for k in keys if k not in members]
            if missing:
                raise PlaygroundError(f"{name}: has no array {', '.join(missing)} (it has "
                                      f"{', '.join(sorted(members)) or 'none'})")
            keys = tuple(keys) + tuple(k for k in optional if k in members)
            for key in keys:
                with archive.open(members[key]) as member:
                    shape, dtype = _npy_header(member, f"{name}[{key}]")
                    size = int(np.prod(shape, dtype=object)) * dtype.itemsize
                    total += decoded_cost(shape, dtype)
                    check_budget(name, f"its arrays ({', '.join(keys)})", total, budget)
                    data = _read_exactly(member, size, f"{name}[{key}]", f"an array of {shape}")
                    if member.read(1):
                        raise PlaygroundError(f"{name}[{key}]: has data after the {shape} array it declares")
                array = np.frombuffer(data, dtype=dtype).reshape(shape)
                if array.dtype.kind == "f" and not np.isfinite(array).all():
                    raise PlaygroundError(f"{name}[{key}]: contains NaN or infinite values")
                out[key] = array.astype(dtype.newbyteorder("="))
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, ValueError) as err:
        # damaged, an unsupported compression method, encrypted members
        raise PlaygroundError(f"{name}: the archive is damaged or not a plain .npz ({err})") from None
    except (OSError, EOFError) as err:
        raise PlaygroundError(f"{name}: cannot be read ({err})") from None
    return out


def _npy_header(stream, name: str) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from a .npy header; refuses object arrays and Fortran order."""
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream, max_header_size=10_000)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream, max_header_size=10_000)
        else:
            raise ValueError(f"unknown .npy version {version}")
    except (ValueError, SyntaxError, TypeError, EOFError, OSError) as err:
        raise PlaygroundError(f"{name}: not a valid .npy array ({err})") from None
    if dtype.hasobject or dtype.kind not in "uifb":
        raise PlaygroundError(f"{name}: holds {dtype} values; only numbers can be read (object arrays "
                              "would need unpickling)")
    if fortran:
        raise PlaygroundError(f"{name}: Fortran-ordered arrays are not supported; save it with np.savez")
    if len(shape) > 5 or any(not isinstance(d, int) or d < 0 for d in shape):
        raise PlaygroundError(f"{name}: declares an impossible shape {shape}")
    return tuple(shape), dtype

