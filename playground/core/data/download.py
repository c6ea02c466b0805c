"""Optional download of the standard image data sets into the user's data folder, for machines
that are online. Each file is written beside its target and renamed when complete; the result is
checked with the same readers the app uses (a damaged or wrong file is refused and removed).
Offline, the error says where to put the files by hand."""

from __future__ import annotations

import os
import shutil
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from playground.core.data import images
from playground.core.errors import PlaygroundError

@dataclass(frozen=True)
class Source:
    """A downloadable set: what the menus call it, the data set it becomes, where its files are."""

    title: str
    dataset: str          # "mnist" (the MNIST-format reader) or "cifar10"
    url: str
    files: tuple[str, ...]


_IDX = tuple(f"{n}.gz" for n in images.MNIST_FILES.values())
#: Every downloadable set (MNIST: the mirror torchvision uses); the CLI and the window list these.
SOURCES: dict[str, Source] = {
    "mnist": Source("MNIST (digits)", "mnist", "https://ossci-datasets.s3.amazonaws.com/mnist/", _IDX),
    "fashion-mnist": Source("Fashion-MNIST (clothes)", "mnist",
                            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", _IDX),
    "kmnist": Source("KMNIST (Japanese characters)", "mnist", "http://codh.rois.ac.jp/kmnist/dataset/kmnist/", _IDX),
    "cifar10": Source("CIFAR-10 (binary batches)", "cifar10", "https://www.cs.toronto.edu/~kriz/",
                      ("cifar-10-binary.tar.gz",)),
}
MAX_DOWNLOAD_BYTES = 400 * 2**20


def data_folder() -> Path:
    """The user's data folder: $XDG_DATA_HOME (or ~/.local/share)/neural-playground/data."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "neural-playground" / "data"


def _fetch(url: str, target: Path, timeout: float, progress: Callable[[str, int], None] | None) -> None:
    partial = target.with_name(target.name + ".partial")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, partial.open("wb") as out:  # noqa: S310
            total = 0
            while chunk := response.read(1 << 16):
                total += len(chunk)
                if total > MAX_DOWNLOAD_BYTES:
                    raise PlaygroundError(f"{url}: larger than {MAX_DOWNLOAD_BYTES:,} bytes; not what was expected")
                out.write(chunk)
                if progress is not None:
                    progress(target.name, total)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def download(name: str, folder: str | os.PathLike | None = None, *, base_url: str | None = None,
             timeout: float = 30.0, progress: Callable[[str, int], None] | None = None) -> Path:
    """Download data set `name` (mnist, fashion-mnist, kmnist, cifar10) and return the folder to
    choose in the app."""
    if name not in SOURCES:
        raise PlaygroundError(f"unknown data set {name!r}; downloadable: {', '.join(SOURCES)}")
    url, files = SOURCES[name].url, list(SOURCES[name].files)
    url = base_url or url
    folder = Path(folder) if folder is not None else data_folder() / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise PlaygroundError(f"cannot use {folder} as the data folder ({err.strerror or err}); choose another "
                              "one (Settings ▸ Data folder, or --to)") from None
    for file in files:
        target = folder / file
        if target.is_file():
            continue
        try:
            _fetch(url.rstrip("/") + "/" + file, target, timeout, progress)
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise PlaygroundError(f"could not download {file} from {url} ({reason}). Offline? Download the files "
                                  f"elsewhere and put them in {folder}: {', '.join(files)}") from None
    if name == "cifar10":
        archive = folder / files[0]
        try:
            with tarfile.open(archive) as tar:
                tar.extractall(folder, filter="data")
        except (tarfile.TarError, OSError, EOFError) as err:
            archive.unlink(missing_ok=True)
            raise PlaygroundError(f"{archive.name}: not a readable archive ({err}); it was removed, try again") from None
        result = folder / "cifar-10-batches-bin"
        check = images.load_cifar10
    else:
        result, check = folder, images.load_mnist_format
    try:
        check(result)
    except PlaygroundError as err:
        for file in files:
            (folder / file).unlink(missing_ok=True)
        if name == "cifar10":
            shutil.rmtree(result, ignore_errors=True)
        raise PlaygroundError(f"the downloaded {name} files are not valid ({err}); they were removed") from None
    return result
