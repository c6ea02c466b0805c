"""The CLI's promise for bad input: exit 2, one `error:` line naming the problem, nothing written.
And a run folder is complete or absent, written by one process at a time."""

import json
import os
import subprocess
import sys
import time

import pytest
import torch

from playground.cli import main
from playground.core.errors import PlaygroundError
from playground.core.io.project import save_project
from playground.core.io.run_folder import RunFolderLock, clean_orphans, replace_folder
from playground.core.model.spec import Project
from playground.core.training import Trainer
from tests.cli.test_cli import ROOT
from tests.conftest import project_dict


def train_in_process(capsys, *args: str) -> tuple[int, str]:
    code = main(["train", *args, "--quiet"])
    return code, capsys.readouterr().err


def assert_refused(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    for word in words:
        assert word in err, err


def uniform(low, high):
    return {"name": "uniform", "low": low, "high": high}


BAD_PROJECTS = [
    ("an integer of 5,000 digits", lambda r: r["training"].__setitem__("epochs", "NUMBER"), "5,000 digits"),
    ("an extra key overflowing to infinity", lambda r: r.__setitem__("notes", "INFINITY"), "overflows to infinity"),
    ("a title with a lone surrogate", lambda r: r.__setitem__("title", "\ud800"), "lone surrogate"),
    ("uniform init with low > high", lambda r: r["model"]["layers"][0].__setitem__("init", uniform(1, 0)),
     "model.layers[0].init.low: must be ≤ high"),
    ("uniform bias init with low > high", lambda r: r["model"]["layers"][1].__setitem__("bias_init", uniform(2, -2)),
     "model.layers[1].bias_init.low"),
]


@pytest.mark.parametrize("name, damage, words", BAD_PROJECTS, ids=[b[0] for b in BAD_PROJECTS])
def test_bad_projects_are_exit_2_and_nothing_is_written(tmp_path, capsys, name, damage, words):
    raw = project_dict(epochs=3)
    damage(raw)
    text = json.dumps(raw).replace('"NUMBER"', "9" * 5000).replace('"INFINITY"', "1e309")
    path = tmp_path / "p.json"
    path.write_text(text)
    code, err = train_in_process(capsys, str(path), "--output", str(tmp_path / "run"))
    assert_refused(code, err, words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json"]


def test_a_state_file_that_is_a_folder_is_exit_2(tmp_path, capsys):
    raw = project_dict(epochs=3)
    raw["state"] = {"file": "p.0.state.safetensors", "epoch": 1}
    (tmp_path / "p.json").write_text(json.dumps(raw))
    (tmp_path / "p.0.state.safetensors").mkdir()
    code, err = train_in_process(capsys, str(tmp_path / "p.json"), "--output", str(tmp_path / "run"))
    assert_refused(code, err, "p.0.state.safetensors", "folder")
    assert not (tmp_path / "run").exists()


def test_non_finite_state_tensors_are_refused(tmp_path, capsys):
    project = Project.from_dict(project_dict(epochs=3))
    trainer = Trainer(project)
    trainer.run(1)
    state = trainer.state()
    state.tensors["model.0.0.bias"] = torch.full_like(state.tensors["model.0.0.bias"], float("inf"))
    save_project(project, tmp_path / "p.json", state)
    code, err = train_in_process(capsys, str(tmp_path / "p.json"), "--output", str(tmp_path / "run"))
    assert_refused(code, err, "model.0.0.bias", "NaN or infinite")


def test_a_run_that_fails_to_save_leaves_no_partial_folder(tmp_path, capsys, monkeypatch):
    from playground.core.io import rundir
    path = tmp_path / "p.json"
    path.write_text(json.dumps(project_dict(epochs=3)))
    run = tmp_path / "run"
    assert train_in_process(capsys, str(path), "--output", str(run))[0] == 0
    before = {p.name: p.read_bytes() for p in run.iterdir()}

    def failing_save(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rundir, "save_project", failing_save)
    monkeypatch.setenv("PLAYGROUND_DEBUG", "")
    assert main(["train", str(path), "--output", str(run), "--quiet", "--epochs", "5"]) == 1
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before  # the old run, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json", "run"]
    fresh = tmp_path / "fresh"
    assert main(["train", str(path), "--output", str(fresh), "--quiet"]) == 1
    assert not fresh.exists()  # absent, not half-written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json", "run"]


def test_orphans_of_killed_saves_are_cleaned_and_a_cut_swap_is_undone(tmp_path):
    run = tmp_path / "run"
    replace_folder(run, lambda p: (p / "a.txt").write_text("first"))
    (tmp_path / ".run.partial-999").mkdir()
    (tmp_path / ".run.partial-999" / "model.safetensors").write_text("half")
    (run / ".metrics.json.abc.tmp").write_text("half")
    clean_orphans(run)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert sorted(p.name for p in run.iterdir()) == ["a.txt"]
    os.rename(run, tmp_path / ".run.old-123")  # killed between the swap's two renames
    with RunFolderLock(run):
        assert (run / "a.txt").read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_replacing_a_folder_keeps_its_checkpoints(tmp_path):
    run = tmp_path / "run"
    replace_folder(run, lambda p: (p / "a.txt").write_text("1"))
    (run / "checkpoint.json").write_text("{}")
    replace_folder(run, lambda p: (p / "b.txt").write_text("2"), keep=["checkpoint.json", "missing"])
    assert sorted(p.name for p in run.iterdir()) == ["b.txt", "checkpoint.json"]


HOLDER = """
import sys, time
sys.path.insert(0, {root!r})
from playground.core.io.run_folder import RunFolderLock
with RunFolderLock({run!r}):
    print("holding", flush=True)
    time.sleep(120)
"""


def test_a_second_training_on_the_same_folder_is_refused_naming_the_first(tmp_path, write_project, capsys):
    run = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER.format(root=str(ROOT), run=str(run))],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        code = main(["train", str(write_project(project_dict(epochs=2))), "--output", str(run), "--quiet"])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and f"is in use by process {holder.pid}" in err, err
    finally:
        holder.kill()
        holder.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the lock dies with its process
        try:
            with RunFolderLock(run):
                break
        except PlaygroundError:
            time.sleep(0.1)
    else:
        pytest.fail("the lock outlived its process")


def test_a_diverged_run_exits_2_and_writes_the_last_good_epoch(tmp_path, write_project, capsys):
    layers = [{"type": "dense", "units": 16, "activation": "relu"}, {"type": "dense", "units": 16, "activation": "relu"},
              {"type": "dense", "units": 1}]
    raw = project_dict("plane", layers=layers, learning_rate=10.0, epochs=30, samples=200)
    run = tmp_path / "run"
    code, err = train_in_process(capsys, str(write_project(raw)), "--output", str(run))
    assert code == 2 and err.startswith("error: loss became"), err
    metrics = json.loads((run / "metrics.json").read_text())
    assert "loss became" in metrics["diverged"]
    assert (run / "model.safetensors").is_file()
