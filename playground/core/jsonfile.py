"""Reading JSON a user hands us, defensively, and writing files atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from playground.core.errors import PlaygroundError

MAX_JSON_BYTES = 16 * 2**20
MAX_DEPTH = 64


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


#: Permissions of a newly written file, as `open()` would give (mkstemp alone gives 0600).
NEW_FILE_MODE = _default_mode()


def read_json(path: str | os.PathLike, what: str = "project") -> Any:
    """Parse a JSON file; any problem (missing, too big, binary, malformed, NaN, too deep) is a
    PlaygroundError naming the file and the problem. Checks the size before reading."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise PlaygroundError(f"{path}: no such file") from None
    except OSError as err:
        raise PlaygroundError(f"{path}: cannot read ({err.strerror})") from None
    if path.is_dir():
        raise PlaygroundError(f"{path}: is a folder, not a {what} file")
    if size > MAX_JSON_BYTES:
        raise PlaygroundError(f"{path}: {size:,} bytes is too large for a {what} file "
                              f"(at most {MAX_JSON_BYTES:,})")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise PlaygroundError(f"{path}: cannot read ({err.strerror})") from None
    return parse_json(raw, str(path), what)


def parse_json(raw: bytes, name: str, what: str = "project") -> Any:
    if raw[:2] == b"PK" or raw[:1] == b"\x80":
        raise PlaygroundError(f"{name}: is a zip or pickle file, not a {what} file (JSON)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PlaygroundError(f"{name}: is not a text file; a {what} file is JSON") from None
    if not text.strip():
        raise PlaygroundError(f"{name}: is empty; a {what} file is JSON")
    _check_depth(text, name)

    def reject_constant(token: str) -> Any:
        raise PlaygroundError(f"{name}: contains {token}, which is not a valid number in a {what} file")

    try:
        return json.loads(text, parse_constant=reject_constant)
    except json.JSONDecodeError as err:
        raise PlaygroundError(f"{name}: not valid JSON ({err.msg} at line {err.lineno}, "
                              f"column {err.colno})") from None
    except RecursionError:
        raise PlaygroundError(f"{name}: nested too deeply") from None


def _check_depth(text: str, name: str) -> None:
    """Refuse absurd nesting before the parser recurses (brackets inside strings are skipped)."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise PlaygroundError(f"{name}: nested more than {MAX_DEPTH} levels deep")
        elif ch in "]}":
            depth -= 1


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write to a temporary file beside `path`, fsync, then rename over it: a crash leaves either
    the old file or the new one, never a half-written one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        mode = NEW_FILE_MODE
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def write_json(path: str | os.PathLike, value: Any) -> None:
    write_atomic(path, (json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode())
