"""The fast path computes what the eager path computes: from the same weights, one step agrees
within 1e-6 and 50 epochs within 1e-4, for every optimizer, loss, activation, initializer,
regularization and schedule it accepts; anything else trains on the eager path, which says why."""

import math

import numpy as np
import pytest
import torch

from playground.core import fastpath
from playground.core.model.spec import Project
from playground.core.training import Trainer
from tests.conftest import TF_INIT, project_dict

# The fast path is compiled at run time with the system's C compiler; where there is none the app
# trains on the eager path instead, and that fallback is tested below without this mark
# (test_what_the_fast_path_does_not_compute_trains_eagerly_and_says_why). CI's machine has gcc.
needs_compiler = pytest.mark.skipif(fastpath.compiler() is None,
                                    reason="no C compiler (cc, gcc, clang or $CC): the fast path cannot be built "
                                           "here, so there is nothing to compare with the eager path")


def pair(raw: dict) -> tuple[Trainer, Trainer]:
    project = Project.from_dict(raw)
    eager, fast = Trainer(project, fast=False), Trainer(project)
    assert fast.fast_path_ready(wait=120), fast.path
    return eager, fast


def largest_difference(a: Trainer, b: Trainer) -> float:
    return max(float((p - q).detach().abs().max()) for p, q in zip(a.model.parameters(), b.model.parameters()))


def assert_same_training(raw: dict, one_step: float = 1e-6, fifty: float = 1e-4) -> tuple[Trainer, Trainer]:
    # one step: the whole training set is one mini-batch
    eager, fast = pair({**raw, "training": {**raw["training"], "batch_size": 1000}})
    eager.run(1)
    fast.run(1)
    assert fast.path.startswith("fast") and eager.path.startswith("eager")
    assert largest_difference(eager, fast) < one_step
    # fifty epochs of mini-batches
    eager, fast = pair(raw)
    eager.run(50)
    fast.run(50)
    assert largest_difference(eager, fast) < fifty
    for e, f in zip(eager.history, fast.history):
        assert (e.epoch, e.step) == (f.epoch, f.step)
        assert f.train_loss == pytest.approx(e.train_loss, rel=1e-3, abs=1e-6)
        assert f.test_loss == pytest.approx(e.test_loss, rel=1e-3, abs=1e-6)
        assert f.learning_rate == pytest.approx(e.learning_rate, rel=1e-12)
        assert (f.test_accuracy is None) == (e.test_accuracy is None)
    if eager.history[-1].test_accuracy is not None:  # classification (checked alike above: both or neither)
        assert fast.history[-1].test_accuracy == pytest.approx(eager.history[-1].test_accuracy, abs=0.01)
    return eager, fast


def dense(units: int, activation: str, **init) -> dict:
    return {"type": "dense", "units": units, "activation": activation, **(init or TF_INIT)}


OPTIMIZERS = [{"name": "sgd"}, {"name": "momentum", "momentum": 0.6}, {"name": "nesterov", "momentum": 0.5},
              {"name": "adam", "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
              {"name": "adamw", "beta1": 0.85, "beta2": 0.99, "eps": 1e-7, "weight_decay": 0.05},
              {"name": "rmsprop", "alpha": 0.9, "eps": 1e-8, "momentum": 0.0},
              {"name": "rmsprop", "alpha": 0.99, "eps": 1e-8, "momentum": 0.5},
              {"name": "adagrad", "eps": 1e-10}]


@needs_compiler
@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: f"{o['name']}-{o.get('momentum', '')}")
def test_every_optimizer(optimizer):
    # rates at which 50 epochs stay out of the chaotic regime (where float32 rounding doubles
    # every epoch in any implementation: momentum 0.9 at 0.03 does that on the circle)
    lr = 0.03 if optimizer["name"] == "sgd" else 0.01
    assert_same_training(project_dict(optimizer=optimizer, learning_rate=lr))


@needs_compiler
@pytest.mark.parametrize("activation", sorted(fastpath.ACTIVATIONS))
def test_every_activation(activation):
    layers = [dense(6, activation), dense(5, activation), dense(1, "tanh")]
    assert_same_training(project_dict(layers=layers, learning_rate=0.02))


@needs_compiler
@pytest.mark.parametrize("loss,dataset,output,units", [
    ("mse", "circle", "tanh", 1), ("mae", "xor", "linear", 1), ({"name": "huber", "delta": 0.5}, "gauss", "tanh", 1),
    ("hinge", "spiral", "linear", 1), ("bce", "circle", "linear", 1), ("bce", "circle", "sigmoid", 1),
    ("cross_entropy", "circle", "linear", 2),
    ("mse", "plane", "linear", 1), ("huber", "multigauss", "linear", 1), ("cross_entropy", "spiral3", "linear", 3),
    ("mse", "blobs", "tanh", 3)])
def test_every_loss_and_task(loss, dataset, output, units):
    # tanh, not relu, inside and a small rate for the absolute error: a sign that flips on a
    # 1e-7 difference (|error| or a relu input at 0) sends two runs apart in any implementation
    layers = [dense(8, "tanh"), dense(units, output)]
    raw = project_dict(dataset=dataset, layers=layers, loss=loss if isinstance(loss, dict) else {"name": loss},
                       learning_rate=0.005 if loss == "mae" else 0.02)
    eager, fast = assert_same_training(raw)
    assert fast.encoding == eager.encoding


@needs_compiler
@pytest.mark.parametrize("init", [{"init": {"name": "xavier_uniform", "gain": 1.0}},
                                  {"init": {"name": "he_normal"}, "bias_init": {"name": "zeros"}},
                                  {"init": {"name": "default"}}])
def test_initializers_regularization_clipping_and_schedules(init):
    layers = [dense(8, "tanh", **init), dense(8, "relu", **init), dense(1, "tanh", **init)]
    for training in ({"regularization": "l2", "regularization_rate": 0.01},
                     {"regularization": "l1", "regularization_rate": 0.003, "clip_grad_norm": 0.5},
                     {"schedule": {"name": "step", "step_size": 7, "gamma": 0.5}, "shuffle": True},
                     {"schedule": {"name": "cosine", "period": 30, "min_factor": 0.1}, "optimizer": {"name": "adam"}}):
        assert_same_training(project_dict(layers=layers, features=["x1", "x2", "x1^2", "sin(x2)"], **training))


@needs_compiler
def test_long_runs_end_alike_over_five_seeds():
    """Past 50 epochs float32 rounding makes runs drift apart chaotically in any implementation:
    compare where they end, not every weight."""
    for seed in range(5):
        raw = project_dict(dataset="spiral", layers=[dense(8, "tanh"), dense(8, "tanh"), dense(1, "tanh")],
                           seed=seed, shuffle=True)
        eager, fast = pair(raw)
        eager.run(150)
        fast.run(150)
        assert fast.history[-1].train_loss == pytest.approx(eager.history[-1].train_loss, rel=0.05, abs=0.005)


@needs_compiler
def test_switching_paths_mid_run_and_resuming_keep_one_training():
    """Eager epochs, then fast ones, then a saved state resumed eagerly: one continuous training
    (the optimizer state lives in torch.optim's own tensors)."""
    raw = project_dict(optimizer={"name": "adam"}, learning_rate=0.01, shuffle=True)
    eager, fast = pair(raw)
    fast._fast, fast._fast_build = None, None  # as if the build were not ready yet
    fast.run(5)
    assert fast.path.startswith("eager")
    fast._fast_build = fastpath.KernelBuild.shared()
    fast.run(10)
    assert fast.path.startswith("fast")
    eager.run(15)
    assert largest_difference(eager, fast) < 1e-5
    assert [s.epoch for s in fast.history] == list(range(1, 16)) and fast.step == eager.step
    resumed = Trainer(Project.from_dict(raw), fast=False)
    resumed.load_state(fast.state())
    resumed.run(5)
    eager.run(5)
    assert largest_difference(eager, resumed) < 1e-5
    assert int(fast.optimizer.state[fast._params[0]]["step"]) == 15 * len(fast._fixed_batches)


@needs_compiler
def test_divergence_best_epoch_pause_and_steps_behave_as_on_the_eager_path():
    raw = project_dict(learning_rate=10.0, loss={"name": "mse"}, layers=[dense(8, "linear"), dense(8, "linear"),
                                                                          dense(1, "linear")], epochs=0)
    _, fast = pair(raw)
    last = fast.run(200)
    assert last.kind == "diverged" and "lower the learning rate" in last.message
    assert all(math.isfinite(p.detach().abs().max()) for p in fast.model.parameters())
    assert fast.epoch == (fast.history[-1].epoch if fast.history else 0)
    # best epoch: the one with the lowest test loss, and reverting puts its weights back
    _, fast = pair(project_dict(epochs=60))
    fast.run()
    best = min(fast.history, key=lambda s: s.test_loss)
    assert fast.best_epoch == best.epoch
    assert fast.revert_to_best() == best.epoch
    (_, _), (test_loss, _) = fast.evaluate_splits()
    assert test_loss == pytest.approx(best.test_loss, rel=1e-5)
    # a step (run(n)) trains exactly n epochs on the fast path too, and a stop from another
    # thread ends a run until stopped between two kernel calls
    before = fast.epoch
    fast.run(3)
    assert fast.epoch == before + 3
    import threading

    runner = threading.Thread(target=lambda: fast.run(10**9))
    runner.start()
    while fast.epoch < before + 10 and runner.is_alive():
        runner.join(0.02)
    fast.control.stop()
    runner.join(5)
    assert not runner.is_alive() and fast.history[-1].epoch == fast.epoch


def test_what_the_fast_path_does_not_compute_trains_eagerly_and_says_why(monkeypatch):
    cases = [
        (project_dict(layers=[dense(4, "gelu"), dense(1, "tanh")]), "activation gelu"),
        (project_dict(layers=[dense(256, "relu"), dense(1, "tanh")]), "up to 64 units"),
        (project_dict(layers=[dense(4, "tanh"), {"type": "dropout", "rate": 0.2}, dense(1, "tanh")]), "dropout"),
        (project_dict(dataset="blobs", layers=[dense(4, "tanh"), dense(3, "softmax")], loss={"name": "cross_entropy"}),
         "activation softmax"),
        (project_dict(dataset="digits", layers=[{"type": "flatten"}, dense(10, "linear")],
                      loss={"name": "cross_entropy"}), "2-D data sets and tables of numbers only"),
    ]
    for raw, words in cases:
        if raw["data"]["dataset"] == "digits":
            raw["data"] = {"dataset": "digits", "samples": 200, "train_fraction": 0.5}
        trainer = Trainer(Project.from_dict(raw))
        assert not trainer.fast_path_ready(wait=0.1)
        assert trainer.path.startswith("eager") and words in trainer.path, trainer.path
        assert trainer.run(2).kind == "epoch"
    # no C compiler: eager, and the status says so
    monkeypatch.setattr(fastpath, "compiler", lambda: None)
    monkeypatch.setattr(fastpath.KernelBuild, "_shared", None)
    trainer = Trainer(Project.from_dict(project_dict()))
    assert not trainer.fast_path_ready(wait=10)
    assert "no C compiler" in trainer.path
    assert trainer.run(2).kind == "epoch"


@needs_compiler
def test_the_kernel_is_cached_between_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = fastpath.build_kernel()
    assert first.parent == tmp_path / "neural-playground" / "kernels" and first.is_file()
    stamp = first.stat().st_mtime_ns
    assert fastpath.build_kernel() == first and first.stat().st_mtime_ns == stamp  # not compiled again
    assert not [p for p in first.parent.iterdir() if p != first]  # no temporary files left
    first.write_bytes(b"not a library")  # damaged in the cache: rebuilt, not given up on
    build = fastpath.KernelBuild()
    assert build.wait(120) and build.error is None and first.stat().st_size > 1000


@needs_compiler
def test_the_fast_path_is_faster_than_eager():
    """Not a timing goal (those live in `playground bench`), a sanity check that it is used."""
    import time

    eager, fast = pair(project_dict(dataset="spiral", epochs=0))
    start = time.perf_counter()
    eager.run(20)
    eager_seconds = time.perf_counter() - start
    start = time.perf_counter()
    fast.run(20)
    assert time.perf_counter() - start < eager_seconds
    np.testing.assert_allclose([s.train_loss for s in fast.history], [s.train_loss for s in eager.history],
                               rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(list(fast.model.parameters()), list(eager.model.parameters()), rtol=1e-4, atol=1e-5)


@needs_compiler
def test_auto_picks_the_cpu_for_tiny_dense_networks_even_with_a_gpu(monkeypatch):
    """With a GPU present, "auto" trains a dense network on 2-D data on the CPU (its fast path),
    and says why; other networks get the GPU."""
    from playground.core import devices
    from playground.core.devices import DeviceInfo

    monkeypatch.setattr(devices, "list_devices", lambda: [DeviceInfo("cpu", "CPU"), DeviceInfo("cuda:0", "a GPU")])
    project = Project.from_dict(project_dict(device="auto"))
    assert devices.auto_device(project, "auto")[0] == "cpu"
    trainer = Trainer(project)
    assert trainer.device.type == "cpu" and "auto chose the CPU" in trainer.device_reason
    assert trainer.fast_path_ready(wait=60) and "auto chose the CPU" in trainer.path
    images = project_dict(layers=[{"type": "flatten"}, dense(10, "linear")], loss={"name": "cross_entropy"},
                          device="auto")
    images["data"] = {"dataset": "digits", "samples": 100}
    assert devices.auto_device(Project.from_dict(images), "auto") == ("auto", "")  # → the GPU
    assert devices.auto_device(project, "cpu") == ("cpu", "")  # a chosen device is kept
