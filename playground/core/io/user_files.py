"""Opening a file a person (or an attacker) names: regular files only, never blocking, never
reading more than a hard cap. Every reader of user input goes through here, in the CLI and the
window alike, so a FIFO, `/dev/zero`, `/dev/urandom`, a socket or a folder is a message, not a
hang or an allocation without end; a file that vanishes or changes between looking and reading
is a message too (the file is opened once and checked through its descriptor)."""

from __future__ import annotations

import fcntl
import os
import stat
from pathlib import Path
from typing import BinaryIO

from playground.core.errors import PlaygroundError

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def open_regular(path: str | os.PathLike, what: str = "file") -> BinaryIO:
    """`path` opened for binary reading, refused (PlaygroundError naming it) unless it is a
    regular file. Opening does not block (O_NONBLOCK: a FIFO with no writer would wait forever)."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise PlaygroundError(f"{path}: no such file (a {what} was expected)") from None
    except IsADirectoryError:
        raise PlaygroundError(f"{path}: is a folder, not a {what}") from None
    except OSError as err:
        raise PlaygroundError(f"{path}: cannot be read ({err.strerror or err})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise PlaygroundError(f"{path}: is {_kind(mode)}, not a {what} (only regular files are read)")
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def file_size(stream: BinaryIO) -> int:
    """The size of an open regular file (through its descriptor: the file that was opened)."""
    return os.fstat(stream.fileno()).st_size


def read_capped(path: str | os.PathLike, limit: int, what: str = "file") -> bytes:
    """The whole of a regular file, refused when it is (or grows while read to be) over `limit`."""
    with open_regular(path, what) as stream:
        size = file_size(stream)
        if size > limit:
            raise PlaygroundError(f"{Path(path).name}: {size:,} bytes is more than the {limit:,} a {what} may have")
        try:
            data = stream.read(limit + 1)
        except OSError as err:
            raise PlaygroundError(f"{Path(path).name}: cannot be read ({err.strerror or err})") from None
    if len(data) > limit:
        raise PlaygroundError(f"{Path(path).name}: grew past {limit:,} bytes while it was read")
    return data


def check_folder(path: str | os.PathLike, what: str = "folder") -> Path:
    """`path` if it is a folder whose entries can be listed; otherwise a PlaygroundError."""
    path = Path(path)
    if not path.is_dir():
        raise PlaygroundError(f"{path}: no such {what}")
    try:
        with os.scandir(path):
            pass
    except OSError as err:
        raise PlaygroundError(f"{path}: cannot be read ({err.strerror or err})") from None
    return path


def list_folder(path: str | os.PathLike) -> list[Path]:
    """The entries of a folder, sorted; an unreadable folder is a PlaygroundError naming it."""
    path = Path(path)
    try:
        return sorted(path.iterdir())
    except OSError as err:
        raise PlaygroundError(f"{path}: cannot be read ({err.strerror or err})") from None
