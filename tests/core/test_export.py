"""Exports and generated code: files other tools open, checked against the live model."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from playground.core import codegen
from playground.core.errors import ExportError, PlaygroundError
from playground.core.export import export_model
from playground.core.rundir import load_run, load_state_into, load_weights, write_run
from playground.core.spec import Project
from playground.core.training import Trainer
from tests.conftest import project_dict


@pytest.fixture(scope="module")
def trained():
    layers = [{"type": "dense", "units": 6, "activation": "sine"}, {"type": "batch_norm"},
              {"type": "dense", "units": 3, "activation": "softmax"}]
    project = Project.from_dict(project_dict("blobs", layers=layers, loss="cross_entropy", epochs=3))
    trainer = Trainer(project)
    trainer.run()
    return trainer


def test_onnx_runs_in_onnxruntime_with_any_batch(trained, tmp_path):
    import onnx
    import onnxruntime

    path = tmp_path / "model.onnx"
    result = export_model(trained.model, trained.project, "onnx", path, trained.x_test)
    assert result.checked_batches == (300, 1)
    onnx.checker.check_model(onnx.load(str(path)))
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).normal(size=(7, 2)).astype(np.float32)
    expected = trained.model.eval()(torch.as_tensor(x)).detach().numpy()
    assert np.allclose(session.run(None, {"input": x})[0], expected, atol=1e-5)


def test_pt2_and_torchscript_load_in_plain_torch(trained, tmp_path):
    export_model(trained.model, trained.project, "pt2", tmp_path / "m.pt2", trained.x_test)
    export_model(trained.model, trained.project, "torchscript", tmp_path / "m.pt", trained.x_test)
    x = torch.randn(5, 2)
    expected = trained.model.eval()(x)
    assert torch.allclose(torch.export.load(tmp_path / "m.pt2").module()(x), expected, atol=1e-6)
    assert torch.allclose(torch.jit.load(str(tmp_path / "m.pt"))(x), expected, atol=1e-6)


def test_python_export_needs_only_torch(trained, tmp_path):
    export_model(trained.model, trained.project, "python", tmp_path / "net.py", trained.x_test)
    script = ("import sys, torch; sys.path.insert(0, '.'); import net; m = net.load_model(); "
              "print(m(torch.zeros(2, 2)).shape); "
              "assert not [k for k in sys.modules if k.startswith('playground')]")
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert "torch.Size([2, 3])" in out.stdout


def test_training_script_reproduces_the_run(tmp_path):
    layers = [{"type": "dense", "units": 8, "activation": "relu", "init": "he_uniform"},
              {"type": "dropout", "rate": 0.1},
              {"type": "dense", "units": 1, "activation": "tanh", "bias_init": {"name": "constant", "value": 0.1}}]
    raw = project_dict("spiral", layers=layers, features=["x1", "x2", "sin(x1)"], epochs=6, optimizer="momentum",
                       shuffle=True, regularization="l2", regularization_rate=0.001, clip_grad_norm=5.0,
                       schedule={"name": "exponential", "gamma": 0.9})
    project = Project.from_dict(raw)
    trainer = Trainer(project)
    trainer.run()
    path = tmp_path / "spiral_train.py"
    path.write_text(codegen.training_file(project))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True).stdout
    last = out.strip().splitlines()[-1]
    assert last.startswith("epoch 6:")
    assert f"{trainer.history[-1].train_loss:.6f}" in last and f"{trainer.history[-1].test_loss:.6f}" in last


def test_run_folder_round_trip_and_hostile_weights(trained, tmp_path):
    write_run(tmp_path / "run", trained.project, trained.state_dict(), trained.history, trained.metrics())
    run = load_run(tmp_path / "run")
    x = trained.x_test
    assert torch.allclose(run.model(x), trained.model.eval()(x), atol=1e-6)
    weights = tmp_path / "run" / "model.safetensors"
    # truncated file
    weights.write_bytes(weights.read_bytes()[:50])
    with pytest.raises(PlaygroundError, match="safetensors"):
        load_run(tmp_path / "run")
    # a pickle renamed to .safetensors
    import pickle
    weights.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(PlaygroundError):
        load_run(tmp_path / "run")


def test_weights_that_do_not_fit_are_refused(trained, tmp_path):
    from playground.core.rundir import save_weights
    path = tmp_path / "w.safetensors"
    state = trained.state_dict()
    state["0.0.weight"] = torch.zeros(2, 2)
    save_weights(state, path)
    with pytest.raises(PlaygroundError, match="shape"):
        load_state_into(trained.model.__class__(*[m for m in trained.model]), load_weights(path), "w")
    state = trained.state_dict()
    state["0.0.weight"] = torch.full_like(state["0.0.weight"], float("nan"))
    save_weights(state, path)
    with pytest.raises(PlaygroundError, match="NaN"):
        load_state_into(trained.model, load_weights(path), "w")


def test_export_mismatch_is_detected(trained, tmp_path, monkeypatch):
    import playground.core.export as export

    def broken(model, project, path, sample, with_training):
        path.write_text("x")
        return [path], lambda x: np.zeros((len(x), 3), np.float32)

    monkeypatch.setattr(export, "_safetensors", broken)
    with pytest.raises(ExportError, match="differs from the live model"):
        export_model(trained.model, trained.project, "safetensors", tmp_path / "m.safetensors", trained.x_test)
    with pytest.raises(ExportError, match="unknown export format"):
        export_model(trained.model, trained.project, "gif", tmp_path / "m.gif", trained.x_test)
