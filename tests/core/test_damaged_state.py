"""A damaged training-state file is refused, naming the entry, before anything uses it: no
tensor that does not fit the network ever reaches the fast path's C kernel, whose own entry
checks every buffer's size again. The whole class runs once more under AddressSanitizer."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.core import fastpath
from playground.core.errors import PlaygroundError, ValidationError
from playground.core.io.project import load_project, load_state, save_project
from playground.core.model.spec import Project
from playground.core.training import Trainer
from playground.core.training.state import TrainingState
from tests.conftest import project_dict

ROOT = Path(__file__).resolve().parents[2]


def adam_project(**extra) -> Project:
    layers = [{"type": "dense", "units": 8, "activation": "tanh"}, {"type": "dense", "units": 4, "activation": "tanh"},
              {"type": "dense", "units": 1, "activation": "tanh"}]
    return Project.from_dict(project_dict(layers=layers, samples=60, epochs=6, optimizer="adam", **extra))


def trained_state(project: Project) -> TrainingState:
    trainer = Trainer(project)
    trainer.run(2)
    return trainer.state()


def copy(state: TrainingState) -> TrainingState:
    return TrainingState({k: v.clone() for k, v in state.tensors.items()}, json.loads(json.dumps(state.meta)))


def set_tensor(key, value):
    def damage(state):
        state.tensors[key] = value
    return damage


def set_meta(path, value):
    def damage(state):
        target = state.meta
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
    return damage


def delete(key):
    def damage(state):
        del state.tensors[key]
    return damage


def plain_step(state):  # the optimizer's step count as a number instead of a tensor
    state.meta["optimizer"]["state"]["0"]["step"] = 5
    del state.tensors["optim.0.step"]


# Every way a state can fail to fit: (name, damage). The trainer's first layer is 8×2, biases 8.
DAMAGES = [
    ("best of shape [0]", set_tensor("best.0.0.weight", torch.zeros(0))),
    ("best partly missing", delete("best.1.0.bias")),
    ("exp_avg [1] for [8, 2]", set_tensor("optim.0.exp_avg", torch.zeros(1))),
    ("exp_avg_sq transposed", set_tensor("optim.0.exp_avg_sq", torch.zeros(2, 8))),
    ("exp_avg_sq negative", set_tensor("optim.0.exp_avg_sq", -torch.ones(8, 2))),
    ("exp_avg missing", delete("optim.2.exp_avg")),
    ("good of the wrong shape", set_tensor("good.1.0.weight", torch.zeros(4, 9))),
    ("good NaN", set_tensor("good.0.0.weight", torch.full((8, 2), float("nan")))),
    ("model bias infinite", set_tensor("model.0.0.bias", torch.full((8,), float("inf")))),
    ("model weight as integers", set_tensor("model.0.0.weight", torch.zeros(8, 2, dtype=torch.int32))),
    ("step as a plain number", plain_step),
    ("step of shape [2]", set_tensor("optim.1.step", torch.zeros(2))),
    ("step negative", set_tensor("optim.1.step", torch.tensor(-3.0))),
    ("optimizer state for a parameter that is not there", set_meta(["optimizer", "state", "99"], {"step": "tensor"})),
    ("optimizer state with an unknown entry", set_meta(["optimizer", "state", "0", "extra"], 1)),
    ("rng too short", set_tensor("rng.torch", torch.zeros(16, dtype=torch.uint8))),
    ("shuffle rng of floats", set_tensor("rng.shuffle", torch.zeros(5056))),
    ("epoch as text", set_meta(["epoch"], "3")),
    ("epoch negative", set_meta(["epoch"], -1)),
    ("epoch as a bool", set_meta(["epoch"], True)),
    ("next batch past the epoch", set_meta(["next_batch"], 10**6)),
    ("base learning rate 0", set_meta(["base_lr"], 0)),
    ("elapsed missing", set_meta(["elapsed"], None)),
    ("best epoch after the last", set_meta(["best_epoch"], 10**9)),
    ("best test loss as text", set_meta(["best_test_loss"], "low")),
    ("optimizer description a list", set_meta(["optimizer"], [])),
    ("order out of range", set_tensor("order", torch.arange(30, dtype=torch.int64) + 100)),
    ("order with repeats", set_tensor("order", torch.zeros(30, dtype=torch.int64))),
    ("order of floats", set_tensor("order", torch.arange(30, dtype=torch.float32))),
    ("history columns of different lengths", set_tensor("history.epoch", torch.zeros(1, dtype=torch.float64))),
    ("history of NaN losses", set_tensor("history.train_loss", torch.full((2,), float("nan"), dtype=torch.float64))),
    ("history infinite", set_tensor("history.elapsed", torch.full((2,), float("inf"), dtype=torch.float64))),
    ("history epochs counting down", set_tensor("history.epoch", torch.tensor([2.0, 1.0], dtype=torch.float64))),
    ("an entry the network does not have", set_tensor("model.7.0.weight", torch.zeros(3))),
    ("history a matrix", set_tensor("history.step", torch.zeros(2, 2, dtype=torch.float64))),
]


@pytest.fixture(scope="module")
def saved():
    project = adam_project(shuffle=True)
    return project, trained_state(project)


def weights(trainer: Trainer) -> list[torch.Tensor]:
    return [t.clone() for t in trainer.model.state_dict().values()]


@pytest.mark.parametrize("name, damage", DAMAGES, ids=[d[0] for d in DAMAGES])
def test_a_damaged_state_is_refused_naming_it_and_changes_nothing(saved, name, damage):
    project, state = saved
    damaged = copy(state)
    damage(damaged)
    trainer = Trainer(project)
    before = weights(trainer)
    with pytest.raises(ValidationError, match="state"):
        trainer.load_state(damaged)
    assert all(torch.equal(a, b) for a, b in zip(before, weights(trainer)))
    assert trainer.epoch == 0 and len(trainer.history) == 0
    trainer.run(2)  # and the trainer still trains (on the fast path where there is one)
    assert trainer.epoch == 2


def test_the_undamaged_state_still_resumes_exactly(saved):
    project, state = saved
    straight = Trainer(project)
    straight.run(4)
    resumed = Trainer(project)
    resumed.load_state(copy(state))
    resumed.run(2)
    assert all(torch.equal(a, b) for a, b in zip(weights(straight), weights(resumed)))


def test_a_damaged_state_file_is_exit_2_in_the_cli(tmp_path, saved, capsys):
    from playground.cli import main

    project, state = saved
    damaged = copy(state)
    damaged.tensors["best.0.0.weight"] = torch.zeros(0)
    path = tmp_path / "p.json"
    save_project(project, path, damaged)
    assert main(["train", str(path), "--output", str(tmp_path / "run"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "best.0.0.weight" in err and err.count("\n") == 1
    assert not (tmp_path / "run").exists()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_tensor_of_another_shape_is_refused(saved, data):
    project, state = saved
    key = data.draw(st.sampled_from(sorted(k for k in state.tensors if not k.startswith("history."))))
    shape = data.draw(st.lists(st.integers(0, 9), max_size=3).filter(
        lambda s: tuple(s) != tuple(state.tensors[key].shape)))
    damaged = copy(state)
    damaged.tensors[key] = torch.zeros(shape, dtype=state.tensors[key].dtype)
    trainer = Trainer(project)
    with pytest.raises(PlaygroundError):
        trainer.load_state(damaged)


needs_compiler = pytest.mark.skipif(fastpath.compiler() is None, reason="no C compiler: there is no fast-path "
                                    "kernel to hand buffers to (the eager path is tested without one)")


@needs_compiler
def test_buffers_that_do_not_fit_never_reach_the_kernel(saved):
    project, state = saved
    trainer = Trainer(project)
    assert trainer.fast_path_ready(wait=120)
    fast = trainer._fast
    good = [t.clone() for t in trainer.kept.good]
    bad_best = [t.clone() for t in good]
    bad_best[2] = torch.zeros(1)
    with pytest.raises(ValueError, match="best"):
        fast.train(1, [0.01], None, good, bad_best, float("inf"), trainer.optimizer.state)
    with pytest.raises(ValueError, match="contiguous float32"):
        fast.train(1, [0.01], None, [g.double() for g in good], good, float("inf"), trainer.optimizer.state)
    with pytest.raises(ValueError, match="orders"):
        fast.train(1, [0.01], np.zeros((1, 30), dtype=np.float32), good, good, float("inf"), trainer.optimizer.state)


@needs_compiler
def test_the_kernel_itself_refuses_counts_and_indices_that_do_not_fit(saved, monkeypatch):
    """With the Python check switched off, the kernel's entry still refuses (returns -1)."""
    project, _ = saved
    trainer = Trainer(project)
    assert trainer.fast_path_ready(wait=120)
    monkeypatch.setattr(fastpath, "check_buffers", lambda *args: None)
    good = [t.clone() for t in trainer.kept.good]
    short = [t.clone() for t in good]
    short[0] = torch.zeros(3)
    with pytest.raises(RuntimeError, match="refused its buffers"):
        trainer._fast.train(1, [0.01], None, good, short, float("inf"), trainer.optimizer.state)
    out_of_range = np.full((1, 30), 10**6, dtype=np.int64)
    with pytest.raises(RuntimeError, match="refused its buffers"):
        trainer._fast.train(1, [0.01], out_of_range, good, good, float("inf"), trainer.optimizer.state)
    assert all(torch.equal(a, b) for a, b in zip(good, trainer.kept.good))


UNDER_ASAN = """
import sys
sys.path.insert(0, {root!r})
import numpy as np, torch
from playground.core import fastpath
fastpath.KernelBuild._shared = fastpath.KernelBuild(extra_flags=("-fsanitize=address", "-fno-omit-frame-pointer"))
assert fastpath.KernelBuild.shared().wait(300), fastpath.KernelBuild.shared().error
from playground.core.errors import PlaygroundError
from playground.core.training import Trainer
from tests.core.test_damaged_state import DAMAGES, adam_project, copy, trained_state
project = adam_project(shuffle=True)
state = trained_state(project)
refused = 0
for name, damage in DAMAGES:
    damaged = copy(state)
    damage(damaged)
    trainer = Trainer(project)
    try:
        trainer.load_state(damaged)
    except PlaygroundError:
        refused += 1
    trainer.run(3)
    assert trainer.path.startswith("fast"), trainer.path
# the kernel's own check, with the Python check switched off
fastpath.check_buffers = lambda *args: None
trainer = Trainer(project)
trainer.run(1)
good = [t.clone() for t in trainer.kept.good]
for bad in ([torch.zeros(0)] + good[1:], good[:1] + [torch.zeros(1)] + good[2:]):
    for position in ("good", "best"):
        try:
            trainer._fast.train(1, [0.01], None, bad if position == "good" else good,
                                bad if position == "best" else good, float("inf"), trainer.optimizer.state)
            raise SystemExit("the kernel accepted buffers that do not fit")
        except RuntimeError:
            pass
print("refused", refused, "of", len(DAMAGES))
"""


@needs_compiler
@pytest.mark.slow
def test_every_damaged_state_under_address_sanitizer(tmp_path):
    """The kernel built with -fsanitize=address: loading every damaged state (refused) and
    training after it, and handing the kernel short buffers directly, reports no bad access."""
    libasan = subprocess.run([fastpath.compiler(), "-print-file-name=libasan.so"], capture_output=True,
                             text=True).stdout.strip()
    if not os.path.isfile(libasan):
        pytest.skip(f"the C compiler has no AddressSanitizer runtime (libasan.so; {fastpath.compiler()})")
    script = tmp_path / "asan.py"
    script.write_text(UNDER_ASAN.format(root=str(ROOT)))
    env = {**os.environ, "LD_PRELOAD": libasan, "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1",
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=600)
    assert "AddressSanitizer" not in done.stderr, done.stderr[-3000:]
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"refused {len(DAMAGES)} of {len(DAMAGES)}" in done.stdout


def test_a_saved_project_with_a_damaged_state_opens_as_a_message(tmp_path, saved):
    project, state = saved
    damaged = copy(state)
    damaged.tensors["optim.0.exp_avg"] = torch.zeros(1)
    path = tmp_path / "p.json"
    save_project(project, path, damaged)
    loaded = load_project(path)
    with pytest.raises(PlaygroundError, match=r"optim\.0\.exp_avg"):
        Trainer(loaded).load_state(load_state(path, loaded))
