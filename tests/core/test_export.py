"""Exports and generated code: files other tools open, checked against the live model."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from playground.core.io import codegen
from playground.core.errors import ExportError, PlaygroundError
from playground.core.io.export import export_model
from playground.core.io.rundir import load_run, load_state_into, load_weights, write_run
from playground.core.model.spec import Project
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
    result = export_model(trained.model, trained.project, "onnx", path, trained.dataset)
    assert result.checked_batches == (300, 1)
    onnx.checker.check_model(onnx.load(str(path)))
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).normal(size=(7, 2)).astype(np.float32)
    expected = trained.model.eval()(torch.as_tensor(x)).detach().numpy()
    assert np.allclose(session.run(None, {"input": x})[0], expected, atol=1e-5)


def test_pt2_and_torchscript_load_in_plain_torch(trained, tmp_path):
    export_model(trained.model, trained.project, "pt2", tmp_path / "m.pt2", trained.dataset)
    export_model(trained.model, trained.project, "torchscript", tmp_path / "m.pt", trained.dataset)
    x = torch.randn(5, 2)
    expected = trained.model.eval()(x)
    assert torch.allclose(torch.export.load(tmp_path / "m.pt2").module()(x), expected, atol=1e-6)
    assert torch.allclose(torch.jit.load(str(tmp_path / "m.pt"))(x), expected, atol=1e-6)


def test_python_export_needs_only_torch(trained, tmp_path):
    export_model(trained.model, trained.project, "python", tmp_path / "net.py", trained.dataset)
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
    from playground.core.io.rundir import save_weights
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
    import playground.core.io.export as export

    def broken(model, project, path, sample, described, with_training):
        path.write_text("x")
        return [path], lambda x: np.zeros((len(x), 3), np.float32)

    monkeypatch.setattr(export, "_safetensors", broken)
    with pytest.raises(ExportError, match="differs from the live model"):
        export_model(trained.model, trained.project, "safetensors", tmp_path / "m.safetensors", trained.dataset)
    with pytest.raises(ExportError, match="unknown export format"):
        export_model(trained.model, trained.project, "gif", tmp_path / "m.gif", trained.dataset)


def test_exports_take_raw_pixels_and_give_probabilities_with_class_names(tmp_path):
    """The digits CNN exported to ONNX and fed the images as the file holds them (pixels 0–16)
    is as accurate as in the app; its outputs are probabilities; the class names travel with it."""
    import json

    import onnx
    import onnxruntime

    from playground.core.data.images import load_digits
    from tests.conftest import EXAMPLES

    project = Project.from_dict({**json.loads((EXAMPLES / "digits-cnn.json").read_text()),
                                 "training": {**json.loads((EXAMPLES / "digits-cnn.json").read_text())["training"],
                                              "epochs": 8}})
    trainer = Trainer(project)
    trainer.run()
    app_accuracy = trainer.metrics()["test_accuracy"]
    result = export_model(trainer.model, project, "onnx", tmp_path / "digits.onnx", trainer.dataset)
    session = onnxruntime.InferenceSession(str(tmp_path / "digits.onnx"), providers=["CPUExecutionProvider"])
    raw = trainer.dataset.raw_test()
    assert raw.min() >= 0 and 15 <= raw.max() <= 16  # the pixels as the digits file holds them
    digits = load_digits()
    # the same images straight from the file are what the export takes
    assert any(np.allclose(raw[0], image, atol=1e-4) for image in digits.x_train.astype(np.float32))
    probabilities = session.run(None, {"input": raw})[0]
    assert probabilities.shape == (len(raw), 10) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    accuracy = float((probabilities.argmax(axis=1) == trainer.dataset.y_test).mean())
    assert accuracy == pytest.approx(app_accuracy, abs=1e-9)
    assert session.get_outputs()[0].name == "probabilities"
    props = {p.key: p.value for p in onnx.load(str(tmp_path / "digits.onnx")).metadata_props}
    assert json.loads(props["classes"]) == [str(i) for i in range(10)] and "0–16" in props["input_meaning"]
    described = json.loads((tmp_path / "digits.signature.json").read_text())
    assert described["output"]["classes"] == [str(i) for i in range(10)]
    assert tmp_path / "digits.signature.json" in result.files


@pytest.mark.parametrize("fmt", ["pt2", "torchscript", "python", "safetensors"])
def test_every_format_takes_the_planes_raw_points(tmp_path, fmt):
    """A spiral network on x1, x2, sin(x1), x1·x2: each export takes the raw point and computes
    the features inside; a tanh output comes out as two probabilities."""
    layers = [{"type": "dense", "units": 6, "activation": "tanh"}, {"type": "dense", "units": 1, "activation": "tanh"}]
    project = Project.from_dict(project_dict("spiral", layers=layers, features=["x1", "x2", "sin(x1)", "x1*x2"],
                                             epochs=3))
    trainer = Trainer(project)
    trainer.run()
    result = export_model(trainer.model, project, fmt, tmp_path / f"spiral.{fmt}", trainer.dataset)
    assert result.checked_batches[0] == len(trainer.dataset.points_test)
    point = torch.tensor([[1.5, -2.0]])
    features = torch.tensor([[1.5, -2.0, np.sin(1.5), -3.0]], dtype=torch.float32)
    score = float(trainer.model.eval()(features).detach()[0, 0])
    expected = [(1 - score) / 2, (1 + score) / 2]
    if fmt == "pt2":
        got = torch.export.load(result.files[0]).module()(point)
    elif fmt == "torchscript":
        got = torch.jit.load(str(result.files[0]))(point)
    elif fmt == "python":
        import runpy
        got = runpy.run_path(str(result.files[0]))["load_model"]()(point)
    else:
        from playground.core.io.export import from_preparation
        import json
        rebuilt = load_run_like(project, result.files[0])
        got = from_preparation(rebuilt, json.loads(result.files[-1].read_text())["preparation"])(point)
    assert np.allclose(got.detach().numpy(), [expected], atol=1e-5)


def load_run_like(project, weights):
    from playground.core.model.build import build_model
    model = build_model(project.model, (4,))
    load_state_into(model, load_weights(weights), str(weights))
    return model.eval()
