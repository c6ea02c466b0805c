"""The Trainer: determinism, controls from another thread, the NaN guard, probes."""

import math
import threading
import time

import numpy as np
import pytest
import torch

from playground.core.errors import ValidationError
from playground.core.model.spec import Project
from playground.core.training import EarlyStopping, LambdaCallback, Trainer
from tests.conftest import project_dict


def weights(trainer: Trainer) -> dict:
    return {k: v.clone() for k, v in trainer.model.state_dict().items()}


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("extra", [{}, {"shuffle": True, "optimizer": "adam"}])
def test_same_seed_same_result(extra):
    layers = [{"type": "dense", "units": 8, "activation": "relu"}, {"type": "dropout", "rate": 0.3},
              {"type": "dense", "units": 1, "activation": "tanh"}]
    raw = project_dict("spiral", layers=layers, epochs=5, **extra)
    a, b = Trainer(Project.from_dict(raw)), Trainer(Project.from_dict(raw))
    a.run()
    b.run()
    assert same(weights(a), weights(b))
    assert [s.train_loss for s in a.history] == [s.train_loss for s in b.history]
    raw["training"]["seed"] = 1
    c = Trainer(Project.from_dict(raw))
    c.run()
    assert not same(weights(a), weights(c))


def test_stop_mid_epoch_and_resume_gives_the_uninterrupted_result():
    # the eager path: it is the one that can stop inside an epoch (the fast path runs whole
    # epochs per call and stops between calls; see test_fastpath.py)
    raw = project_dict("spiral", epochs=4, shuffle=True)
    straight = Trainer(Project.from_dict(raw), fast=False)
    straight.run()
    interrupted = Trainer(Project.from_dict(raw), fast=False)
    calls = {"n": 0}
    original = interrupted.loss_fn

    def counting(out, target):
        calls["n"] += 1
        if calls["n"] == 37:  # 25 steps + 2 evaluations, then the 10th step of epoch 2
            interrupted.control.stop()
        return original(out, target)

    interrupted.loss_fn = counting
    snap = interrupted.run()
    assert snap.kind == "stopped" and interrupted.epoch == 1 and interrupted.step == 35
    interrupted.run()
    assert interrupted.epoch == 4
    assert same(weights(straight), weights(interrupted))
    assert [s.test_loss for s in straight.history] == [s.test_loss for s in interrupted.history]


def test_stop_step_and_learning_rate_from_another_thread():
    """The one control path: a stop from another thread ends a run between two steps (the
    window's Pause), `run(n)` trains exactly n more (its Step), and a new learning rate takes
    effect from the next step, in the history too."""
    trainer = Trainer(Project.from_dict(project_dict(epochs=0)))  # until stopped
    seen: list = []
    progressed = threading.Event()

    def on_epoch(snap):
        seen.append(snap)
        progressed.set()

    hooks = [LambdaCallback(on_epoch)]
    trainer.control.stop()  # asked before the run: it ends at once, nothing trained
    assert trainer.run(callbacks=hooks).kind == "stopped" and trainer.epoch == 0
    assert trainer.run(2, callbacks=hooks).kind == "epoch" and trainer.epoch == 2
    worker = threading.Thread(target=lambda: seen.append(trainer.run(callbacks=hooks)), daemon=True)
    worker.start()
    try:
        assert progressed.wait(10)
        trainer.control.set_learning_rate(0.1)
        progressed.clear()
        assert progressed.wait(5) and progressed.wait(5)
        trainer.control.stop()
        worker.join(5)
        assert not worker.is_alive()
    finally:
        trainer.control.stop()
        worker.join(5)
    assert seen[-1].kind == "stopped" and trainer.epoch > 2
    assert trainer.learning_rate == pytest.approx(0.1)
    assert trainer.history[-1].learning_rate == pytest.approx(0.1)
    assert [s.epoch for s in seen if s.kind == "epoch"] == list(range(1, trainer.epoch + 1))


def test_early_stopping_ends_a_run_whose_test_loss_stopped_improving():
    """A noisy spiral overfits: the run stops once the test loss has not improved for the
    patience, at the same epoch on the eager and the fast path, and the callback resumes."""
    layers = [{"type": "dense", "units": 16, "activation": "relu"}, {"type": "dense", "units": 16, "activation": "relu"},
              {"type": "dense", "units": 1}]
    raw = project_dict("spiral", samples=60, epochs=600, optimizer="adam", layers=layers)
    raw["data"]["noise"] = 0.5
    stopped = []
    for fast in (False, True):
        trainer = Trainer(Project.from_dict(raw), fast=fast)
        early = EarlyStopping(patience=10)
        last = trainer.run(callbacks=[early])
        losses = [s.test_loss for s in trainer.history]
        best = min(range(len(losses)), key=losses.__getitem__) + 1
        assert last.kind == "stopped" and early.stopped_epoch == trainer.epoch == best + 10 < 600
        stopped.append(trainer.epoch)
    assert stopped[0] == stopped[1]
    again = EarlyStopping(patience=10)
    again.load_state_dict(early.state_dict())
    assert again.best == early.best and again.wait == 10 and again.stopped_epoch == early.stopped_epoch
    with pytest.raises(ValueError):
        EarlyStopping(patience=0)


def test_learning_rate_changes_without_reset():
    trainer = Trainer(Project.from_dict(project_dict(epochs=3)))
    trainer.run(1)
    before = weights(trainer)
    trainer.control.set_learning_rate(0.5)
    trainer.run(1)
    assert trainer.epoch == 2 and trainer.learning_rate == 0.5 and not same(before, weights(trainer))
    with pytest.raises(ValidationError):
        trainer.control.set_learning_rate(-1)


def test_divergence_restores_the_last_good_weights_and_stays_usable():
    layers = [{"type": "dense", "units": 16, "activation": "relu"}, {"type": "dense", "units": 16, "activation": "relu"},
              {"type": "dense", "units": 1}]
    trainer = Trainer(Project.from_dict(project_dict("plane", layers=layers, learning_rate=0.001, epochs=100, samples=200)))
    trainer.run(2)
    good = weights(trainer)
    trainer.control.set_learning_rate(10.0)
    snap = trainer.run()
    assert snap.kind == "diverged"
    assert "lower the learning rate" in snap.message and "clip" in snap.message
    assert re_epoch(snap.message) >= 3
    restored = weights(trainer)
    assert all(torch.isfinite(v).all() for v in restored.values())
    assert trainer.epoch == trainer.history[-1].epoch
    assert math.isfinite(snap.train_loss)
    assert trainer.epoch > 2 or same(good, restored)
    trainer.control.set_learning_rate(0.001)
    assert trainer.run(2).kind == "epoch"  # usable again


def re_epoch(message: str) -> int:
    import re
    return int(re.search(r"at epoch (\d+)", message).group(1))


def test_metrics_and_history():
    trainer = Trainer(Project.from_dict(project_dict(epochs=4)))
    trainer.run()
    metrics = trainer.metrics()
    assert metrics["epochs"] == 4 and metrics["steps"] == 4 * 25
    assert set(metrics) >= {"train_loss", "test_loss", "seconds", "train_accuracy", "test_accuracy"}
    assert [s.epoch for s in trainer.history] == [1, 2, 3, 4]
    assert all(s.samples_per_second > 0 for s in trainer.history)


def test_probes_cover_the_plane():
    layers = [{"type": "dense", "units": 5, "activation": "tanh"}, {"type": "dropout", "rate": 0.1},
              {"type": "dense", "units": 1, "activation": "tanh"}]
    trainer = Trainer(Project.from_dict(project_dict(layers=layers, features=["x1", "x2", "x1^2"], epochs=30)))
    trainer.run()
    probe = trainer.probe_boundary()
    assert probe.score.shape == (100, 100) and probe.score.dtype == np.float32 and probe.score.flags.c_contiguous
    assert probe.score.min() >= -1 and probe.score.max() <= 1
    # circle: inside is class 1 (+1), far corners class 0
    assert probe.classes[50, 50] == 1 and probe.classes[0, 0] == 0
    neurons = trainer.probe_neurons(resolution=20)
    assert neurons.features.shape == (3, 20, 20)
    assert np.allclose(neurons.features[2], neurons.features[0] ** 2, atol=1e-5)
    assert neurons.layers[0].shape == (5, 20, 20) and neurons.layers[1].shape == (5, 20, 20)
    assert np.allclose(neurons.layers[2][0], trainer.probe_boundary(resolution=20).output[..., 0], atol=1e-6)
    matrix = trainer.confusion_matrix()
    assert matrix.shape == (2, 2) and matrix.sum() == 250
    assert np.trace(matrix) / 250 == pytest.approx(trainer.history[-1].test_accuracy)


def test_multiclass_boundary_has_classes_and_confidence():
    layers = [{"type": "dense", "units": 16, "activation": "relu"}, {"type": "dense", "units": 3, "activation": "softmax"}]
    trainer = Trainer(Project.from_dict(project_dict("blobs", layers=layers, loss="cross_entropy", optimizer="adam",
                                                     learning_rate=0.01, epochs=10)))
    trainer.run()
    probe = trainer.probe_boundary(resolution=30)
    assert set(np.unique(probe.classes)) == {0, 1, 2}
    assert probe.confidence.min() >= 1 / 3 - 1e-6 and probe.confidence.max() <= 1
    assert trainer.confusion_matrix().shape == (3, 3)


def test_memory_estimate_refuses_before_allocating():
    layers = [{"type": "dense", "units": 4096}, {"type": "dense", "units": 4096}, {"type": "dense", "units": 1}]
    project = Project.from_dict(project_dict(layers=layers))
    with pytest.raises(ValidationError, match="would need about .* more than"):
        Trainer(project, memory_limit=10 * 2**20)


def test_unavailable_device_is_a_clear_error():
    with pytest.raises(ValidationError, match="not available here"):
        Trainer(Project.from_dict(project_dict()), device="cuda:3")


def test_adopt_carries_weights_history_and_optimizer_state_across_settings():
    raw = project_dict(optimizer="adam", epochs=10)
    first = Trainer(Project.from_dict(raw))
    first.run(3)
    raw["training"]["batch_size"] = 25
    raw["data"]["noise"] = 0.1
    second = Trainer(Project.from_dict(raw))
    second.adopt(first)
    assert same(weights(first), weights(second)) and second.epoch == 3 and len(second.history) == 3
    assert second.optimizer.state_dict()["state"][0]["step"] == first.optimizer.state_dict()["state"][0]["step"]
    second.run(1)
    assert second.epoch == 4 and second.step == first.step + 10  # 250 / 25 batches
    raw["model"]["layers"][0]["units"] = 5
    with pytest.raises(ValidationError, match="architecture"):
        Trainer(Project.from_dict(raw)).adopt(first)


def test_out_of_memory_keeps_the_last_good_weights_and_says_what_to_do():
    # the eager path (where a device can run out of memory: the fast path runs on the CPU only)
    trainer = Trainer(Project.from_dict(project_dict(epochs=10)), fast=False)
    trainer.run(2)
    good = weights(trainer)
    original = trainer.loss_fn
    calls = {"n": 0}

    def exhausted(out, target):
        calls["n"] += 1
        if calls["n"] == 5:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return original(out, target)

    trainer.loss_fn = exhausted
    snap = trainer.run()
    assert snap.kind == "failed"
    assert "ran out of memory" in snap.message and "CPU" in snap.message and "epoch 2 are kept" in snap.message
    assert same(good, weights(trainer)) and trainer.epoch == 2
    trainer.loss_fn = original
    assert trainer.run(1).kind == "epoch"  # and it goes on
    trainer.loss_fn = lambda out, target: (_ for _ in ()).throw(RuntimeError("shape mismatch"))
    with pytest.raises(RuntimeError, match="shape mismatch"):  # our own bugs are not hidden
        trainer.run(1)


def test_revert_to_best_puts_back_the_lowest_test_loss():
    layers = [{"type": "dense", "units": 32, "activation": "relu"}, {"type": "dense", "units": 1, "activation": "tanh"}]
    trainer = Trainer(Project.from_dict(project_dict("xor", layers=layers, samples=60, optimizer="adam",
                                                     learning_rate=0.05, epochs=60, features=["x1", "x2"])))
    assert trainer.revert_to_best() == 0
    trainer.run()
    best = min(trainer.history, key=lambda s: s.test_loss)
    assert trainer.revert_to_best() == best.epoch == trainer.best_epoch
    (_, _), (test_loss, _) = trainer.evaluate_splits()
    assert test_loss == pytest.approx(best.test_loss, rel=1e-6)


def test_larger_data_sets_report_the_epochs_running_training_loss():
    """Images, tables and sequences: the train loss is the mean of the epoch's mini-batch losses
    (no second pass over the training set); the test loss is measured on the whole test split."""
    raw = project_dict(layers=[{"type": "flatten"}, {"type": "dense", "units": 10}], loss="cross_entropy",
                       optimizer="sgd", learning_rate=1e-30, epochs=1, batch_size=50)
    raw["data"] = {"dataset": "digits", "samples": 300, "train_fraction": 0.5}
    trainer = Trainer(Project.from_dict(raw))
    assert trainer.running_train_metrics
    with torch.no_grad():  # a learning rate of 1e-30: the weights do not move, each batch loss is fixed
        out = trainer.model(trainer.x_train)
        losses = [float(trainer.loss_fn(out[i:i + 50], trainer.y_train[i:i + 50])) * len(out[i:i + 50])
                  for i in range(0, len(out), 50)]
        test_loss = float(trainer.loss_fn(trainer.model(trainer.x_test), trainer.y_test))
    snap = trainer.run()
    assert snap.train_loss == pytest.approx(sum(losses) / len(out), rel=1e-5)
    assert snap.test_loss == pytest.approx(test_loss, rel=1e-5)
    correct = int((out.argmax(1) == trainer.labels_train).sum())
    assert snap.train_accuracy == pytest.approx(correct / len(out))
    assert not Trainer(Project.from_dict(project_dict())).running_train_metrics


def test_larger_data_sets_measure_the_test_split_on_a_clock(monkeypatch):
    """The test split costs a forward pass: larger data sets measure it when that is at most
    1/TEST_EVAL_RATIO of the training time since the last measurement, and always on a run's
    first and last epoch. Unmeasured epochs say NaN (not a stale number); the metrics report
    the last measured figures."""
    from playground.core.training import trainer as training

    raw = project_dict(layers=[{"type": "flatten"}, {"type": "dense", "units": 10}], loss="cross_entropy",
                       optimizer="sgd", learning_rate=0.1, epochs=6, batch_size=50)
    raw["data"] = {"dataset": "digits", "samples": 300, "train_fraction": 0.5}
    monkeypatch.setattr(training, "TEST_EVAL_RATIO", 1e9)  # never due by the clock
    trainer = Trainer(Project.from_dict(raw))
    last = trainer.run()
    measured = [math.isfinite(s.test_loss) for s in trainer.history]
    assert measured == [True, False, False, False, False, True]
    assert [s.test_accuracy is not None for s in trainer.history] == measured
    assert all(math.isfinite(s.train_loss) for s in trainer.history)
    (_, _), (test_loss, test_acc) = trainer.evaluate_splits()
    assert last.test_loss == pytest.approx(test_loss, rel=1e-5) and last.test_accuracy == test_acc
    trainer.run(2)  # a run of two more: its last epoch is measured, the one before is not
    assert [math.isfinite(s.test_loss) for s in trainer.history][-2:] == [False, True]
    assert trainer.metrics()["test_loss"] == pytest.approx(trainer.history[-1].test_loss)
    monkeypatch.setattr(training, "TEST_EVAL_RATIO", 0.0)  # always due
    trainer.run(3)
    assert all(math.isfinite(s.test_loss) for s in trainer.history[-3:])


def test_a_very_long_run_keeps_a_bounded_history(monkeypatch):
    """Millions of fast epochs: the history thins itself (every 2nd, 4th, … epoch), always keeps
    the latest epoch, and stays usable for metrics, saving and the CSV."""
    from playground.core.training import history

    monkeypatch.setattr(history, "HISTORY_LIMIT", 64)
    trainer = Trainer(Project.from_dict(project_dict(epochs=0)))
    trainer.run(500)
    assert len(trainer.history) <= 64 and trainer.history[-1].epoch == 500
    epochs = [s.epoch for s in trainer.history]
    assert epochs == sorted(epochs) and epochs[0] == 1
    assert trainer.metrics()["epochs"] == 500
    state = trainer.state()
    resumed = Trainer(Project.from_dict(project_dict(epochs=0)))
    resumed.load_state(state)
    assert [s.epoch for s in resumed.history] == epochs


def test_callbacks_are_told_of_every_epoch_and_checkpoint_every_n():
    from playground.core.training.callbacks import Callback, Checkpoint

    class Seen(Callback):
        def __init__(self):
            self.epochs = []

        def on_epoch_end(self, trainer, snapshot):
            self.epochs.append(snapshot.epoch)
            assert trainer.epoch >= snapshot.epoch  # the fast path reports a call's epochs after it

    project = Project.from_dict(project_dict(epochs=10))
    for fast in (False, True):
        seen, saved = Seen(), []
        checkpoint = Checkpoint(3, lambda trainer: saved.append(trainer.epoch))
        Trainer(project, fast=fast).run(callbacks=[seen, checkpoint])
        assert seen.epochs == list(range(1, 11))
        # exactly every 3rd epoch on both paths (no kernel call runs past a checkpoint's epoch)
        assert saved == [3, 6, 9] and checkpoint.state_dict() == {"last_epoch": 9}
    again = Checkpoint(3, saved.append)
    again.load_state_dict({"last_epoch": 9})
    assert again.last_epoch == 9
