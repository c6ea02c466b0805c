"""A run folder is written whole or not at all, and by one process at a time.

`RunFolderLock(folder)` takes an exclusive lock (`.NAME.lock` beside the folder, holding the
owner's process id) for as long as a process trains into the folder; a second one is told which
process has it. Taking the lock also cleans up what killed runs left behind: half-written
siblings (`.NAME.partial-*`), a previous generation whose swap was cut short (`.NAME.old-*`, put
back when the folder itself is missing) and temporary files of interrupted atomic writes.

`replace_folder(folder, fill)` writes a new generation into `.NAME.partial-PID`, lets `fill` put
every file there, hard-links the files named in `keep` over from the current folder (checkpoints
written during training), then swaps the two by renames: at any moment `folder` is the old
complete run, the new complete run, or (between the two renames) absent.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path
from typing import Callable, Iterable

from playground.core.errors import PlaygroundError


def _sibling(folder: Path, tag: str) -> Path:
    return folder.with_name(f".{folder.name}.{tag}")


class RunFolderLock:
    """Exclusive use of a run folder (see the module's docstring); a context manager."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self.path = _sibling(self.folder, "lock")
        self._fd: int | None = None

    def __enter__(self) -> "RunFolderLock":
        try:
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            self._fd = self._take()
        except OSError as err:
            raise PlaygroundError(f"{self.folder}: cannot write there ({err.strerror or err})") from None
        clean_orphans(self.folder)
        return self

    def _take(self) -> int:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
                os.close(fd)
                raise PlaygroundError(f"{self.folder} is in use by process {owner} (another 'playground train' "
                                      "writes there); wait for it or choose another --output") from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:  # not a lock file its last owner removed while we waited to open it
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        return fd

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            try:
                self.path.unlink()
            except OSError:
                pass
            os.close(self._fd)
            self._fd = None


def clean_orphans(folder: Path) -> None:
    """Remove what killed runs left (call while holding the folder's lock)."""
    for partial in folder.parent.glob(f".{folder.name}.partial-*"):
        shutil.rmtree(partial, ignore_errors=True)
    for old in sorted(folder.parent.glob(f".{folder.name}.old-*")):
        if not folder.exists():
            os.rename(old, folder)  # a swap cut short between its two renames: put the old run back
        else:
            shutil.rmtree(old, ignore_errors=True)
    if folder.is_dir():
        for temporary in folder.glob(".*.tmp"):  # interrupted atomic writes (jsonfile.write_atomic)
            try:
                temporary.unlink()
            except OSError:
                pass


def replace_folder(folder: str | os.PathLike, fill: Callable[[Path], None], keep: Iterable[str] = ()) -> None:
    """Write a new generation of `folder` (see the module's docstring). `fill(path)` writes every
    file into the new folder; if it raises, the new folder is removed and `folder` is unchanged."""
    folder = Path(folder)
    partial = _sibling(folder, f"partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        fill(partial)
        for name in keep:
            source = folder / name
            if source.is_file() and not (partial / name).exists():
                try:
                    os.link(source, partial / name)
                except OSError:
                    shutil.copy2(source, partial / name)
        _fsync_folder(partial)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if folder.exists():
        old = _sibling(folder, f"old-{os.getpid()}")
        os.rename(folder, old)
        os.rename(partial, folder)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(partial, folder)
    _fsync_folder(folder.parent)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
