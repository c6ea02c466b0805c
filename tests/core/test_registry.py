"""Every registry entry: documented, buildable, trainable and exportable."""

import math

import numpy as np
import pytest
import torch

from playground.core.model import registry
from playground.core.model.build import build_model, make_optimizer
from playground.core.io.export import FORMATS, export_model
from playground.core.model.layers import LAYERS
from playground.core.model.catalogues import catalogue, catalogue_names
from playground.core.model.validation import validate_params
from playground.core.model.shapes import analyze
from playground.core.model.spec import LayerSpec, ModelSpec, Project
from playground.core.training import Trainer, schedule_factor
from tests.conftest import project_dict


@pytest.mark.parametrize("name", catalogue_names())
def test_every_entry_explains_itself(name):
    entries = catalogue(name)
    assert entries
    for entry in entries.values():
        assert entry.title and entry.doc.endswith(".") and entry.formula, entry.name
        assert entry.tooltip().startswith(entry.title)
        # defaults are valid values of their own parameters
        assert validate_params(entry, entry.defaults(), entry.name) == entry.defaults()


@pytest.mark.parametrize("name", [*catalogue_names(), "layers", "datasets"])
def test_the_readme_documents_every_choice_a_project_file_can_name(name):
    """A person writing a project file finds every layer type, activation, loss, optimizer,
    initializer, schedule, regularization and data set named in the README."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    entries = LAYERS if name == "layers" else registry.DATASETS if name == "datasets" else catalogue(name)
    missing = [key for key in entries if not re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", readme)]
    assert not missing, f"README.md does not name the {name} {missing}"


def every_layer_model() -> list[dict]:
    """One model with every layer kind and every activation in it."""
    layers = [{"type": "dense", "units": 6, "activation": a} for a in registry.ACTIVATIONS if a != "softmax"]
    layers += [{"type": "dropout", "rate": 0.2}, {"type": "batch_norm"}, {"type": "layer_norm"},
               {"type": "activation", "function": "softmax"}, {"type": "activation", "function": "tanh"},
               {"type": "dense", "units": 1, "activation": "tanh"}]
    return layers


def test_every_layer_and_activation_builds_trains_and_exports(tmp_path):
    project = Project.from_dict(project_dict(layers=every_layer_model(), epochs=2, samples=60))
    trainer = Trainer(project)
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    snap = trainer.run()
    assert snap.kind == "epoch" and math.isfinite(snap.train_loss)
    changed = [k for k, v in trainer.model.state_dict().items() if not torch.equal(v, before[k])]
    assert any(k.endswith("weight") for k in changed)
    for fmt in FORMATS:
        result = export_model(trainer.model, project, fmt, tmp_path / f"m.{fmt}", trainer.dataset)
        assert result.files[0].is_file() and result.max_difference < 1e-3


IMAGE_LAYERS = [{"type": "conv2d", "filters": 6, "kernel": 3, "activation": "relu", "init": {"name": "he_normal"}},
                {"type": "batch_norm2d"}, {"type": "dropout2d", "rate": 0.1},
                {"type": "max_pool2d"}, {"type": "conv2d", "filters": 4, "kernel": 2, "padding": "valid",
                                         "stride": 1, "activation": "gelu"},
                {"type": "avg_pool2d", "kernel": 2, "stride": 1}, {"type": "global_avg_pool"},
                {"type": "dense", "units": 10}]


def test_every_image_layer_builds_trains_and_exports_on_digits(tmp_path):
    raw = project_dict(layers=IMAGE_LAYERS, epochs=2, loss="cross_entropy", optimizer="adam", learning_rate=0.01)
    raw["data"] = {"dataset": "digits", "samples": 200, "train_fraction": 0.8}
    project = Project.from_dict(raw)
    trainer = Trainer(project)
    assert trainer.dataset.input_shape == (1, 8, 8)
    snap = trainer.run()
    assert snap.kind == "epoch" and math.isfinite(snap.train_loss)
    flat = Project.from_dict({**raw, "model": {"layers": [{"type": "flatten"}, {"type": "dense", "units": 10}]}})
    assert Trainer(flat).analysis.layers[0].output_shape == (64,)
    for fmt in FORMATS:
        result = export_model(trainer.model, project, fmt, tmp_path / f"cnn.{fmt}", trainer.dataset)
        assert result.files[0].is_file() and result.max_difference < 1e-3, fmt


SEQUENCE_MODELS = {
    "recurrent": ("sine", [{"type": "rnn", "hidden": 6, "output": "sequence"},
                           {"type": "lstm", "hidden": 5, "bidirectional": True, "output": "sequence", "layers": 2},
                           {"type": "gru", "hidden": 4}, {"type": "residual", "hidden": 6, "activation": "tanh"},
                           {"type": "dense", "units": 1}], "mse"),
    "attention": ("chars", [{"type": "embedding", "vocabulary": 28, "dim": 8}, {"type": "positional_encoding"},
                            {"type": "self_attention", "heads": 2}, {"type": "layer_norm"},
                            {"type": "transformer_block", "heads": 4, "feedforward": 16},
                            {"type": "residual", "hidden": 8}, {"type": "global_avg_pool"},
                            {"type": "dense", "units": 28}], "cross_entropy"),
}


@pytest.mark.parametrize("name", list(SEQUENCE_MODELS))
def test_every_sequence_layer_builds_trains_and_exports(tmp_path, name):
    dataset, layers, loss = SEQUENCE_MODELS[name]
    raw = project_dict(layers=layers, epochs=2, loss=loss, optimizer="adam", learning_rate=0.01)
    raw["data"] = {"dataset": dataset, "samples": 120, "steps": 10}
    project = Project.from_dict(raw)
    trainer = Trainer(project)
    assert trainer.dataset.input_shape == (10, 1)
    assert sum(p.numel() for p in trainer.model.parameters()) == trainer.analysis.total_params
    snap = trainer.run()
    assert snap.kind == "epoch" and math.isfinite(snap.train_loss)
    for fmt in FORMATS:
        result = export_model(trainer.model, project, fmt, tmp_path / f"{name}.{fmt}", trainer.dataset)
        assert result.files[0].is_file() and result.max_difference < 1e-3, fmt


@pytest.mark.parametrize("layers, shape, words", [
    ([{"type": "lstm"}], (2,), "lstm needs sequences (steps × features); the input here is 2 features"),
    ([{"type": "embedding"}], (5, 3), "one token id per step; the input has 3 features"),
    ([{"type": "self_attention", "heads": 3}], (5, 8), "8 features per step cannot be split into 3 heads"),
    ([{"type": "transformer_block", "heads": 5}], (5, 8), "cannot be split into 5 heads"),
    ([{"type": "residual"}], (1, 8, 8), "add a flatten layer before it"),
])
def test_sequence_layer_mismatches_are_explained(layers, shape, words):
    from playground.core.model.shapes import analyze_model

    analysis = analyze_model(ModelSpec([LayerSpec.from_dict(layer) for layer in layers]), shape)
    assert not analysis.ok and words in str(analysis.error), str(analysis.error)


@pytest.mark.parametrize("layers, words", [
    ([{"type": "conv2d"}, {"type": "dense", "units": 1}], "conv2d needs images (C×H×W); the data gives|the input here is 2 features"),
    ([{"type": "flatten"}, {"type": "dense", "units": 1}], "already 2 features"),
    ([{"type": "max_pool2d"}, {"type": "dense", "units": 1}], "max_pool2d needs images"),
])
def test_image_layers_on_plane_data_explain_the_mismatch(layers, words):
    from playground.core.model.shapes import analyze

    analysis = analyze(Project.from_dict(project_dict(layers=layers)))
    assert not analysis.ok and analysis.error_layer == 0
    assert any(w in str(analysis.error) for w in words.split("|")), str(analysis.error)


def test_a_kernel_too_big_for_the_image_says_so():
    from playground.core.model.shapes import analyze_model

    spec = ModelSpec([LayerSpec.from_dict({"type": "max_pool2d", "kernel": 4}),
                      LayerSpec.from_dict({"type": "conv2d", "kernel": 5, "padding": "valid"})])
    analysis = analyze_model(spec, (1, 8, 8))
    assert not analysis.ok and "a 5×5 kernel does not fit images of 2×2" in str(analysis.error)


@pytest.mark.parametrize("layer, shape, out, params", [
    ({"type": "conv2d", "filters": 5, "kernel": 3}, (2, 8, 8), (5, 8, 8), 5 * (2 * 9 + 1)),
    ({"type": "conv2d", "filters": 3, "kernel": 3, "stride": 2, "padding": "valid"}, (1, 9, 7), (3, 4, 3), 30),
    ({"type": "max_pool2d"}, (3, 9, 8), (3, 4, 4), 0),
    ({"type": "avg_pool2d", "kernel": 3, "stride": 1}, (3, 5, 5), (3, 3, 3), 0),
    ({"type": "global_avg_pool"}, (7, 5, 5), (7,), 0),
    ({"type": "flatten"}, (2, 3, 4), (24,), 0),
    ({"type": "batch_norm2d"}, (4, 3, 3), (4, 3, 3), 8),
    ({"type": "dropout2d"}, (4, 3, 3), (4, 3, 3), 0),
    ({"type": "dense", "units": 5}, (3,), (5,), 20),
    ({"type": "dropout"}, (3,), (3,), 0),
    ({"type": "batch_norm"}, (3,), (3,), 6),
    ({"type": "layer_norm"}, (3,), (3,), 6),
    ({"type": "activation", "function": "gelu"}, (3,), (3,), 0),
])
def test_shape_inference_matches_the_built_module(layer, shape, out, params):
    spec = ModelSpec([LayerSpec.from_dict(layer)])
    from playground.core.model.shapes import analyze_model
    analysis = analyze_model(spec, shape)
    assert analysis.ok and analysis.output_shape == out and analysis.total_params == params
    model = build_model(spec, shape).eval()
    assert tuple(model(torch.zeros(4, *shape)).shape[1:]) == out
    assert sum(p.numel() for p in model.parameters()) == params


@pytest.mark.parametrize("name", list(registry.INITIALIZERS))
def test_every_initializer_sets_weights_as_documented(name):
    init = {"name": name}
    if name == "constant":
        init["value"] = 0.25
    layer = {"type": "dense", "units": 64, "init": init}
    model = build_model(ModelSpec([LayerSpec.from_dict(layer)]), (32,), seed=0)
    w = model[0][0].weight.detach()
    fan_in = 32
    if name == "zeros":
        assert torch.count_nonzero(w) == 0
    elif name == "constant":
        assert torch.all(w == 0.25)
    elif name == "uniform":
        assert w.min() >= -0.05 and w.max() <= 0.05
    elif name == "normal":
        assert abs(float(w.std()) - 0.05) < 0.01
    elif name == "orthogonal":
        assert torch.allclose(w.T @ w, torch.eye(32), atol=1e-4)
    elif name == "he_normal":
        assert abs(float(w.std()) - math.sqrt(2 / fan_in)) < 0.03
    elif name == "lecun_normal":
        assert abs(float(w.std()) - math.sqrt(1 / fan_in)) < 0.02
    elif name == "xavier_uniform":
        assert float(w.abs().max()) <= math.sqrt(6 / (32 + 64)) + 1e-6
    assert torch.isfinite(w).all()


def test_bias_initializers_apply_to_biases():
    layer = {"type": "dense", "units": 3, "bias_init": {"name": "constant", "value": 0.1}}
    model = build_model(ModelSpec([LayerSpec.from_dict(layer)]), (2,))
    assert torch.allclose(model[0][0].bias, torch.full((3,), 0.1))


@pytest.mark.parametrize("name", list(registry.OPTIMIZERS))
def test_every_optimizer_learns(name):
    project = Project.from_dict(project_dict("gauss", optimizer=name, learning_rate=0.01, epochs=15, samples=200))
    trainer = Trainer(project)
    (first, _), _ = trainer.evaluate_splits()
    trainer.run()
    assert trainer.history[-1].train_loss < first
    assert trainer.history[-1].test_accuracy > 0.9


def test_optimizer_parameters_reach_torch():
    params = [torch.nn.Parameter(torch.zeros(2))]
    opt = make_optimizer({"name": "adamw", "beta1": 0.8, "beta2": 0.95, "eps": 1e-6, "weight_decay": 0.1}, 0.5, params)
    group = opt.param_groups[0]
    assert isinstance(opt, torch.optim.AdamW)
    assert group["betas"] == (0.8, 0.95) and group["eps"] == 1e-6 and group["weight_decay"] == 0.1 and group["lr"] == 0.5


LOSS_SETUPS = {
    "mse": ("circle", 1, "tanh"), "mae": ("circle", 1, "tanh"), "huber": ("circle", 1, "tanh"),
    "bce": ("circle", 1, "sigmoid"), "cross_entropy": ("spiral3", 3, "linear"), "hinge": ("circle", 1, "linear"),
}


@pytest.mark.parametrize("loss", list(registry.LOSSES))
def test_every_loss_trains(loss):
    dataset, units, activation = LOSS_SETUPS[loss]
    layers = [{"type": "dense", "units": 8, "activation": "tanh"},
              {"type": "dense", "units": units, "activation": activation}]
    project = Project.from_dict(project_dict(dataset, layers=layers, loss=loss, optimizer="adam",
                                             learning_rate=0.02, epochs=10, samples=300))
    trainer = Trainer(project)
    (first, _), _ = trainer.evaluate_splits()
    trainer.run()
    assert trainer.history[-1].train_loss < first


@pytest.mark.parametrize("activation, loss, encoding", [
    ("tanh", "mse", "pm1"), ("linear", "hinge", "pm1"), ("sigmoid", "mse", "01"),
    ("sigmoid", "bce", "01"), ("linear", "bce", "01"),
])
def test_label_encoding_follows_the_output(activation, loss, encoding):
    layers = [{"type": "dense", "units": 1, "activation": activation}]
    assert analyze(Project.from_dict(project_dict(layers=layers, loss=loss))).encoding == encoding


def test_multi_class_encodings():
    softmax = [{"type": "dense", "units": 3, "activation": "softmax"}]
    assert analyze(Project.from_dict(project_dict("blobs", layers=softmax, loss="cross_entropy"))).encoding == "index"
    assert analyze(Project.from_dict(project_dict("blobs", layers=softmax, loss="mse"))).encoding == "onehot"
    plane = [{"type": "dense", "units": 1}]
    assert analyze(Project.from_dict(project_dict("plane", layers=plane))).encoding == "real"


@pytest.mark.parametrize("dataset, units, activation, loss, path, words", [
    ("circle", 1, "linear", "cross_entropy", "model.layers[-1].units", "set units to 2"),
    ("blobs", 1, "sigmoid", "bce", "model.layers[-1].units", "cross_entropy with 3"),
    ("plane", 1, "tanh", "mse", "model.layers[-1].activation", "linear"),
    ("plane", 1, "linear", "bce", "training.loss", "regression"),
    ("circle", 1, "softmax", "mse", "model.layers[-1].activation", "always 1"),
    ("blobs", 2, "softmax", "mse", "model.layers[-1].units", "3 units"),
    ("circle", 1, "tanh", "bce", "model.layers[-1].activation", "sigmoid"),
])
def test_mismatched_output_and_loss_say_how_to_fix(dataset, units, activation, loss, path, words):
    layers = [{"type": "dense", "units": 4, "activation": "relu"},
              {"type": "dense", "units": units, "activation": activation}]
    analysis = analyze(Project.from_dict(project_dict(dataset, layers=layers, loss=loss)))
    assert not analysis.ok
    assert analysis.error.path == path and words in str(analysis.error)


def test_analysis_reports_per_layer_shapes_and_params():
    layers = [{"type": "dense", "units": 8}, {"type": "batch_norm"}, {"type": "dense", "units": 1, "activation": "tanh"}]
    analysis = analyze(Project.from_dict(project_dict(layers=layers, features=["x1", "x2", "x1*x2"])))
    assert [(i.input_shape, i.output_shape, i.params) for i in analysis.layers] == [
        ((3,), (8,), 32), ((8,), (8,), 16), ((8,), (1,), 9)]


@pytest.mark.parametrize("schedule, epoch, factor", [
    ({"name": "constant"}, 50, 1.0),
    ({"name": "step", "step_size": 10, "gamma": 0.5}, 25, 0.25),
    ({"name": "exponential", "gamma": 0.9}, 2, 0.81),
    ({"name": "cosine", "period": 100, "min_factor": 0.0}, 50, 0.5),
    ({"name": "cosine", "period": 0, "min_factor": 0.1}, 200, 0.1),
])
def test_schedules(schedule, epoch, factor):
    assert schedule_factor(schedule, epoch, 200) == pytest.approx(factor)


def test_schedule_drives_the_learning_rate():
    project = Project.from_dict(project_dict(schedule={"name": "step", "step_size": 2, "gamma": 0.5}, epochs=5))
    trainer = Trainer(project)
    trainer.run()
    assert [s.learning_rate for s in trainer.history] == pytest.approx([0.03, 0.03, 0.015, 0.015, 0.0075])


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_regularization_shrinks_weights_not_biases(kind):
    def trained(reg, rate):
        project = Project.from_dict(project_dict("gauss", epochs=30, regularization=reg, regularization_rate=rate))
        trainer = Trainer(project)
        trainer.run()
        weights = sum(float(p.detach().abs().sum()) for p in trainer.model.parameters() if p.ndim >= 2)
        return weights, trainer
    plain, _ = trained("none", 0.0)
    shrunk, trainer = trained(kind, 0.05)
    assert shrunk < 0.8 * plain
    # the penalty's gradient reaches weights only
    for p in trainer.model.parameters():
        p.grad = torch.zeros_like(p)
    trainer._regularize()
    for p in trainer.model.parameters():
        expected = 0.05 * (p.detach() if kind == "l2" else torch.sign(p.detach()))
        assert torch.allclose(p.grad, expected if p.ndim >= 2 else torch.zeros_like(p))


def test_gradient_clipping_limits_the_step():
    project = Project.from_dict(project_dict(learning_rate=1.0, clip_grad_norm=1e-3, epochs=1))
    trainer = Trainer(project)
    before = [p.detach().clone() for p in trainer.model.parameters()]
    trainer.run()
    moved = torch.sqrt(sum(((p.detach() - b) ** 2).sum() for p, b in zip(trainer.model.parameters(), before)))
    steps = trainer.step
    assert float(moved) <= steps * 1e-3 * 1.0 + 1e-6


def test_regression_reports_rmse_and_r2():
    layers = [{"type": "dense", "units": 4, "activation": "tanh"}, {"type": "dense", "units": 1}]
    trainer = Trainer(Project.from_dict(project_dict("plane", layers=layers, epochs=30, samples=400)))
    trainer.run()
    metrics = trainer.metrics()
    assert metrics["test_r2"] > 0.9 and metrics["test_rmse"] < 0.2 and "test_accuracy" not in metrics
    assert np.isnan(trainer.history[-1].test_accuracy if trainer.history[-1].test_accuracy is not None else np.nan)
