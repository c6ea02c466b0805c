"""Files from strangers: never unpickled, never trusted; and saves that survive being killed."""

import json
import os
import pickle
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.core.data import images, table
from playground.core.data.files import read_idx, read_npz
from playground.core.errors import PlaygroundError
from playground.core.io.project import load_project, load_state, read_safetensors, save_project
from playground.core.io.rundir import load_run, load_weights
from playground.core.model.spec import Project
from playground.core.training import Trainer
from tests.conftest import project_dict

ROOT = Path(__file__).resolve().parents[2]
EXTENSIONS = [".json", ".safetensors", ".state.safetensors", ".pt", ".pt2", ".onnx", ".csv", ".npz", ".idx", ".gz",
              ".bin", "-idx3-ubyte", ""]


class SideEffect:
    """Unpickling this creates a file: the proof that something unpickled it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.mark.parametrize("extension", EXTENSIONS)
def test_a_crafted_pickle_is_refused_by_every_reader(tmp_path, extension):
    marker = tmp_path / "side-effect-happened"
    evil = tmp_path / f"evil{extension}"
    evil.write_bytes(pickle.dumps(SideEffect(marker)))
    readers = [lambda: load_project(evil), lambda: load_weights(evil), lambda: read_safetensors(evil, 2**20),
               lambda: read_idx(evil), lambda: read_npz(evil, ("x_train",)), lambda: table.read_csv(evil),
               lambda: images.load_mnist_format(evil), lambda: images.load_cifar10(evil),
               lambda: images._cifar_batch(evil)]
    # as a data file named in a project: the project loads, training refuses the data
    data_project = project_dict()
    data_project["data"] = {"dataset": "csv", "path": str(evil), "target": "y"}
    readers.append(lambda: Trainer(Project.from_dict(data_project)))
    for dataset in ("mnist", "cifar10"):
        image_project = project_dict()
        image_project["data"] = {"dataset": dataset, "path": str(evil)}
        readers.append(lambda p=image_project: Trainer(Project.from_dict(p)))
    # as the weights or the state of an otherwise good run folder and project
    run = tmp_path / "run"
    run.mkdir()
    (run / "project.json").write_text(json.dumps(project_dict()))
    (run / "model.safetensors").write_bytes(evil.read_bytes())
    readers.append(lambda: load_run(run))
    raw = project_dict()
    raw["state"] = {"file": "p.x.state.safetensors", "epoch": 1}
    (tmp_path / "p.json").write_text(json.dumps(raw))
    (tmp_path / "p.x.state.safetensors").write_bytes(evil.read_bytes())
    readers.append(lambda: load_state(tmp_path / "p.json", load_project(tmp_path / "p.json")))
    for read in readers:
        with pytest.raises(PlaygroundError):
            read()
    assert not marker.exists()


def _valid_state_bytes() -> bytes:
    trainer = Trainer(Project.from_dict(project_dict(epochs=2, samples=40)))
    trainer.run(1)
    from playground.core.io.project import state_bytes
    return state_bytes(trainer.state())


VALID = _valid_state_bytes()
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.binary(max_size=400) | st.builds(lambda cut: VALID[:cut], st.integers(0, len(VALID))),
       st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), max_size=8))
def test_random_and_mutated_weight_files_raise_only_our_error(tmp_path_factory, data, flips):
    data = bytearray(data if len(data) != len(VALID) or flips == [] else VALID)
    for index, value in flips:
        if index < len(data):
            data[index] = value
    path = tmp_path_factory.mktemp("fuzz") / "w.safetensors"
    path.write_bytes(bytes(data))
    try:
        tensors, _ = read_safetensors(path, 2**20)
    except PlaygroundError:
        return
    assert all(isinstance(t, torch.Tensor) for t in tensors.values())


def test_huge_declared_header_is_refused_before_allocating(tmp_path):
    path = tmp_path / "w.safetensors"
    path.write_bytes((2**62).to_bytes(8, "little") + b"{}")
    with pytest.raises(PlaygroundError, match="header"):
        read_safetensors(path, 2**20)


SAVER = """
import sys, itertools
sys.path.insert(0, {root!r})
from playground.core.io.project import save_project
from playground.core.model.spec import Project
from playground.core.training import Trainer
from tests.conftest import project_dict
path = sys.argv[1]
for count, units in enumerate(itertools.cycle(range(1, 9))):
    raw = project_dict(epochs=0, samples=60)
    raw["model"]["layers"][0]["units"] = units
    project = Project.from_dict(raw)
    trainer = Trainer(project)
    trainer.run(1)
    save_project(project, path, trainer.state() if units % 2 else None)
    if count == 1:
        print("ready", flush=True)  # warmed up: from here on it saves many times a second
"""


@pytest.mark.slow
def test_killing_the_app_while_it_saves_never_leaves_a_broken_project(tmp_path):
    """SIGKILL at random moments: the project on disk is always complete."""
    path = tmp_path / "project.json"
    save_project(Project.from_dict(project_dict(epochs=0)), path)
    script = tmp_path / "saver.py"
    script.write_text(SAVER.format(root=str(ROOT)))
    rng = random.Random(0)
    deadline = time.monotonic() + 60
    kills = 0
    seen_state = False
    while (kills < 6 or not seen_state) and kills < 20 and time.monotonic() < deadline:
        process = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE, cwd=ROOT)
        assert process.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        kills += 1
        project = load_project(path)  # complete and valid: the old one or the new one
        state = load_state(path, project)
        if state is not None:  # and its weights are the ones written with it
            Trainer(project).load_state(state)
            seen_state = True
    assert kills >= 6 and seen_state
