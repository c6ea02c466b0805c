"""Saving a project with its training state and resuming exactly where it stopped."""

import pickle

import pytest
import torch

from playground.core.errors import PlaygroundError
from playground.core.io.project import load_project, load_state, save_project
from playground.core.model.spec import Project
from playground.core.training import Trainer
from tests.conftest import project_dict


def same(a, b) -> bool:
    sa, sb = a.model.state_dict(), b.model.state_dict()
    return all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize("extra", [{"optimizer": "adam", "shuffle": True},
                                   {"optimizer": "momentum", "schedule": {"name": "step", "step_size": 2, "gamma": 0.5}}])
def test_resume_from_a_saved_project_gives_the_uninterrupted_result(tmp_path, extra):
    layers = [{"type": "dense", "units": 8, "activation": "relu"}, {"type": "dropout", "rate": 0.2},
              {"type": "batch_norm"}, {"type": "dense", "units": 1, "activation": "tanh"}]
    raw = project_dict("spiral", layers=layers, epochs=6, **extra)
    straight = Trainer(Project.from_dict(raw))
    straight.run()

    first = Trainer(Project.from_dict(raw))
    first.run(2)
    calls = {"n": 0}
    original = first.loss_fn

    def stop_mid_epoch(out, target):
        calls["n"] += 1
        if calls["n"] == 10:
            first.control.stop()
        return original(out, target)

    first.loss_fn = stop_mid_epoch
    assert first.run().kind == "stopped" and first._next_batch > 0
    path = tmp_path / "p.json"
    save_project(first.project, path, first.state())

    project = load_project(path)
    assert project.extra["state"]["epoch"] == 2
    resumed = Trainer(project)
    resumed.load_state(load_state(path, project))
    assert [s.test_loss for s in resumed.history] == [s.test_loss for s in first.history]
    resumed.run()
    assert resumed.epoch == 6 and same(straight, resumed)
    assert [s.test_loss for s in resumed.history] == [s.test_loss for s in straight.history]


def test_each_save_replaces_the_state_file(tmp_path):
    trainer = Trainer(Project.from_dict(project_dict(epochs=3)))
    path = tmp_path / "p.json"
    trainer.run(1)
    save_project(trainer.project, path, trainer.state())
    trainer.run(1)
    save_project(trainer.project, path, trainer.state())
    states = sorted(p.name for p in tmp_path.glob("*.state.safetensors"))
    assert len(states) == 1 and load_project(path).extra["state"]["file"] == states[0]
    save_project(trainer.project, path)  # without state: the state file goes too
    assert not list(tmp_path.glob("*.state.safetensors")) and "state" not in load_project(path).extra


@pytest.mark.parametrize("damage", ["missing", "truncated", "pickle", "foreign", "path"])
def test_damaged_state_files_are_refused(tmp_path, damage):
    trainer = Trainer(Project.from_dict(project_dict(epochs=3)))
    trainer.run(1)
    path = tmp_path / "p.json"
    save_project(trainer.project, path, trainer.state())
    project = load_project(path)
    state_file = tmp_path / project.extra["state"]["file"]
    if damage == "missing":
        state_file.unlink()
    elif damage == "truncated":
        state_file.write_bytes(state_file.read_bytes()[:100])
    elif damage == "pickle":
        state_file.write_bytes(pickle.dumps({"model.0.0.weight": 1}))
    elif damage == "foreign":
        from safetensors.torch import save_file
        save_file({"x": torch.zeros(2)}, str(state_file))
    elif damage == "path":
        project.extra["state"]["file"] = "../../etc/passwd.state.safetensors"
    with pytest.raises(PlaygroundError):
        load_state(path, project)


def test_state_of_another_architecture_is_refused_and_changes_nothing(tmp_path):
    trainer = Trainer(Project.from_dict(project_dict(epochs=3)))
    trainer.run(1)
    state = trainer.state()
    raw = project_dict(epochs=3)
    raw["model"]["layers"][0]["units"] = 5
    other = Trainer(Project.from_dict(raw))
    before = {k: v.clone() for k, v in other.model.state_dict().items()}
    with pytest.raises(PlaygroundError):
        other.load_state(state)
    assert all(torch.equal(before[k], v) for k, v in other.model.state_dict().items())
