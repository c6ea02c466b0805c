"""Reading JSON a user hands us, defensively, and writing files atomically."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from playground.core.errors import PlaygroundError
from playground.core.io.user_files import read_capped

MAX_JSON_BYTES = 16 * 2**20
MAX_DEPTH = 64
#: Digits an integer may have (Python refuses to convert more than 4,300; no setting needs 100).
MAX_DIGITS = 100


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


#: Permissions of a newly written file, as `open()` would give (mkstemp alone gives 0600).
NEW_FILE_MODE = _default_mode()


def read_json(path: str | os.PathLike, what: str = "project") -> Any:
    """Parse a JSON file; any problem (missing, not a regular file, too big, binary, malformed,
    NaN, too deep, numbers that overflow or have absurdly many digits, text that is not valid
    Unicode) is a PlaygroundError naming the file and the problem."""
    return parse_json(read_capped(path, MAX_JSON_BYTES, f"{what} file"), str(path), what)


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

    def integer(token: str) -> int:
        if len(token.lstrip("-")) > MAX_DIGITS:
            raise PlaygroundError(f"{name}: contains an integer of {len(token.lstrip('-')):,} digits; numbers in "
                                  f"a {what} file have at most {MAX_DIGITS}")
        return int(token)

    def real(token: str) -> float:
        value = float(token)
        if not math.isfinite(value):
            raise PlaygroundError(f"{name}: contains {token[:40]}, which is too large for a number "
                                  "(it overflows to infinity)")
        return value

    try:
        value = json.loads(text, parse_constant=reject_constant, parse_int=integer, parse_float=real)
    except json.JSONDecodeError as err:
        raise PlaygroundError(f"{name}: not valid JSON ({err.msg} at line {err.lineno}, "
                              f"column {err.colno})") from None
    except RecursionError:
        raise PlaygroundError(f"{name}: nested too deeply") from None
    _check_text(value, name)
    return value


def _check_text(value: Any, name: str, where: str = "") -> None:
    """Refuse strings that are not valid Unicode (a lone surrogate such as "\\ud800" parses as
    JSON but can never be written back as UTF-8)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise PlaygroundError(f"{name}: {where or 'a text'} contains an invalid character (a lone "
                                  "surrogate such as \\ud800); text must be valid Unicode") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, name, f"a key in {where}" if where else "a key")
            _check_text(item, name, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_text(item, name, f"{where}[{i}]")


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


def json_bytes(value: Any) -> bytes:
    """`value` as the app writes JSON (UTF-8, indented); ValueError or UnicodeEncodeError when it
    holds what JSON cannot (NaN, infinity, a lone surrogate)."""
    return (json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode()


def write_json(path: str | os.PathLike, value: Any) -> None:
    write_atomic(path, json_bytes(value))
