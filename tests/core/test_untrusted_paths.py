"""Paths that are not what they say: FIFOs, devices, folders, unreadable folders, files that
vanish. Every reader opens only regular files and answers at once with the app's own error;
declared sizes are checked against the data budget *decoded*, before anything is decompressed."""

import gzip
import io
import os
import struct
import subprocess
import sys
import threading
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from playground.core.data import images, table
from playground.core.data.files import read_idx, read_npz
from playground.core.errors import PlaygroundError
from playground.core.io.project import load_project, load_state, read_safetensors
from tests.conftest import project_dict

ROOT = Path(__file__).resolve().parents[2]


def answers_at_once(read, seconds: float = 10.0) -> BaseException | None:
    """Run `read` on a thread; fail if it has not returned (or raised) within `seconds`."""
    outcome: list = []

    def target():
        try:
            read()
            outcome.append(None)
        except BaseException as err:  # noqa: BLE001 - handed back to the test
            outcome.append(err)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the reader hung"
    return outcome[0]


def not_regular(tmp_path: Path, kind: str, name: str) -> Path:
    path = tmp_path / name
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        path.symlink_to(f"/dev/{kind}")
    return path


READERS = {
    "project": lambda p: load_project(p),
    "weights": lambda p: read_safetensors(p, 2**30),
    "csv": lambda p: table.read_csv(p),
    "idx": lambda p: read_idx(p),
    "npz": lambda p: read_npz(p, ("x_train",)),
    "cifar batch": lambda p: images._cifar_batch(p),
    "mnist npz": lambda p: images.load_mnist_format(p),
}


# (a folder is the MNIST reader's other form: tested with the MNIST folders)
CASES = [(kind, reader) for kind in ("fifo", "zero", "urandom", "folder") for reader in sorted(READERS)
         if not (kind == "folder" and reader == "mnist npz")]


@pytest.mark.parametrize("kind, reader", CASES)
def test_a_fifo_a_device_or_a_folder_is_refused_at_once(tmp_path, kind, reader):
    path = not_regular(tmp_path, kind, "evil.bin")
    err = answers_at_once(lambda: READERS[reader](path))
    assert isinstance(err, PlaygroundError), err
    assert "evil.bin" in str(err)
    assert ("folder" if kind == "folder" else "FIFO" if kind == "fifo" else "device") in str(err)


@pytest.mark.parametrize("kind", ["fifo", "zero", "folder"])
def test_a_state_file_that_is_not_a_file_is_refused(tmp_path, write_project, kind):
    raw = project_dict()
    raw["state"] = {"file": "p.abc.state.safetensors", "epoch": 1}
    path = write_project(raw, "p.json")
    not_regular(tmp_path, kind, "p.abc.state.safetensors")
    project = load_project(path)
    err = answers_at_once(lambda: load_state(path, project))
    assert isinstance(err, PlaygroundError) and "p.abc.state.safetensors" in str(err)


@pytest.mark.parametrize("kind", ["fifo", "zero", "folder"])
def test_the_cli_answers_exit_2_for_paths_that_are_not_files(tmp_path, write_project, kind, capsys):
    from playground.cli import main

    project = not_regular(tmp_path, kind, "p.json")
    csv_project = project_dict()
    csv_project["data"] = {"dataset": "csv", "path": str(not_regular(tmp_path, kind, "t.csv")), "target": "y"}
    for target in (project, write_project(csv_project, "csv.json")):
        codes = []
        assert answers_at_once(lambda: codes.append(main(["train", str(target), "--output", str(tmp_path / "run")]))) is None
        err = capsys.readouterr().err
        assert codes == [2]
        assert err.startswith("error: ") and err.count("\n") == 1, err
    assert not (tmp_path / "run").exists()


def test_a_file_that_vanishes_is_refused_cleanly(tmp_path, monkeypatch):
    path = tmp_path / "gone.json"
    path.write_text("{}")
    real_open = os.open

    def vanishing_open(name, *args, **kwargs):
        if str(name) == str(path):
            path.unlink(missing_ok=True)
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", vanishing_open)
    with pytest.raises(PlaygroundError, match="no such file"):
        load_project(path)


AS_NOBODY = """
import os, sys
sys.path.insert(0, {root!r})
from playground.core.data import images
from playground.core.errors import PlaygroundError
for load in (images.load_mnist_format, images.load_image_folder, images.load_cifar10):
    try:
        load({folder!r})
    except PlaygroundError as err:
        assert "cannot be read" in str(err) or "Permission denied" in str(err), err
    else:
        raise SystemExit("an unreadable folder was read")
print("refused")
"""


def without_root_bypass() -> None:
    """In a child about to exec: drop the capabilities that let root read any folder
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) from the bounding set, so permissions apply to it."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def test_unreadable_folders_are_refused_naming_them(tmp_path):
    folder = tmp_path / "locked"
    (folder / "cats").mkdir(parents=True)
    (folder / "dogs").mkdir()
    folder.chmod(0o000)
    tmp_path.chmod(0o755)
    try:
        script = AS_NOBODY.format(root=str(ROOT), folder=str(folder))
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                              preexec_fn=without_root_bypass if os.geteuid() == 0 else None, cwd="/")
        assert done.returncode == 0 and "refused" in done.stdout, done.stderr[-2000:]
    finally:
        folder.chmod(0o755)


# ----------------------------------------------------------------------------- the data budget

def idx_header(shape: tuple[int, ...]) -> bytes:
    return bytes([0, 0, 0x08, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


def peak_bytes(read) -> tuple[int, BaseException | None]:
    tracemalloc.start()
    try:
        try:
            read()
            err = None
        except PlaygroundError as caught:
            err = caught
        return tracemalloc.get_traced_memory()[1], err
    finally:
        tracemalloc.stop()


def test_a_small_gz_declaring_millions_of_images_is_refused_before_decoding(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    with gzip.open(path, "wb") as f:  # 2.4 M images of 28×28 declared, zeros (compresses ~1000×)
        f.write(idx_header((2_400_000, 28, 28)))
        for _ in range(30):
            f.write(bytes(2**20))
    assert path.stat().st_size < 100_000
    peak, err = peak_bytes(lambda: read_idx(path))
    assert isinstance(err, PlaygroundError) and "data budget" in str(err) and "decoded" in str(err)
    assert peak < 16 * 2**20


def test_a_zip_bomb_npz_is_refused_before_decompressing(tmp_path):
    path = tmp_path / "bomb.npz"
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False,
                                                 "shape": (3_000_000, 32, 32)})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("x_train.npy", "w", force_zip64=True) as member:
            member.write(header.getvalue())
            for _ in range(20):
                member.write(bytes(2**20))
    assert path.stat().st_size < 200_000
    peak, err = peak_bytes(lambda: read_npz(path, ("x_train",)))
    assert isinstance(err, PlaygroundError) and "data budget" in str(err)
    assert peak < 16 * 2**20


def test_the_budget_counts_the_float32_copy_and_can_be_set(tmp_path, monkeypatch):
    path = tmp_path / "x.idx"
    path.write_bytes(idx_header((100, 10)) + bytes(1000))
    assert read_idx(path).shape == (100, 10)
    monkeypatch.setenv("PLAYGROUND_DATA_BUDGET", "4999")  # 1000 values × (1 byte + 4 for float32)
    with pytest.raises(PlaygroundError, match="4.9 KiB"):
        read_idx(path)
    monkeypatch.setenv("PLAYGROUND_DATA_BUDGET", "5000")
    assert read_idx(path).shape == (100, 10)


def test_a_csv_is_read_as_a_stream_in_a_few_times_its_size(tmp_path):
    rng = np.random.default_rng(0)
    rows = 60_000
    columns = [f"{v:.5f}" for v in rng.normal(size=rows)], [f"{v:.3f}" for v in rng.uniform(size=rows)]
    kinds = rng.choice(["red", "green", "blue"], rows)
    labels = rng.integers(0, 3, rows)
    path = tmp_path / "big.csv"
    path.write_text("a,b,colour,y\n" + "\n".join(f"{a},{b},{c},{y}" for a, b, c, y in zip(*columns, kinds, labels)))
    size = path.stat().st_size
    peak, err = peak_bytes(lambda: table.encode(table.read_csv(path), "y", [], "classification"))
    assert err is None
    assert peak < 5 * size, f"peak {peak:,} bytes for a {size:,}-byte file"


def test_a_csv_over_the_budget_is_refused_while_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    path.write_text("a,y\n" + "".join(f"{i},{i % 2}\n" for i in range(20_000)))
    monkeypatch.setenv("PLAYGROUND_DATA_BUDGET", str(100_000))
    with pytest.raises(PlaygroundError, match="data budget"):
        table.read_csv(path)
