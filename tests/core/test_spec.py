"""Project validation: every error names its key path and the fix; valid files round-trip."""

import copy
import json

import pytest

from playground.core.errors import PlaygroundError, ValidationError
from playground.core.io.project import load_project, save_project
from playground.core.model.spec import LayerSpec, Project
from tests.conftest import EXAMPLES, project_dict


def error_of(raw) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        Project.from_dict(raw)
    return info.value


def test_the_issue_example_loads_and_round_trips():
    raw = {
        "format": "neural-playground-project", "version": 1,
        "data": {"dataset": "spiral", "samples": 500, "noise": 0.0, "train_fraction": 0.5,
                 "seed": 1, "features": ["x1", "x2"]},
        "model": {"layers": [
            {"type": "dense", "units": 8, "activation": "tanh",
             "init": {"name": "uniform", "low": -0.5, "high": 0.5},
             "bias_init": {"name": "constant", "value": 0.1}},
            {"type": "dense", "units": 1, "activation": "tanh"}]},
        "training": {"loss": "mse", "optimizer": "sgd", "learning_rate": 0.03, "batch_size": 10,
                     "epochs": 500, "regularization": "none", "regularization_rate": 0.0,
                     "seed": 0, "device": "auto"},
    }
    project = Project.from_dict(raw)
    out = project.to_dict()
    assert out["model"]["layers"][0]["init"] == {"name": "uniform", "low": -0.5, "high": 0.5}
    assert out["model"]["layers"][1]["init"] == "default"
    assert out["training"]["optimizer"] == "sgd"
    assert Project.from_dict(json.loads(json.dumps(out))) == project


def test_bare_initializer_names_and_defaults_are_filled():
    layer = LayerSpec.from_dict({"type": "dense", "units": 3, "init": "he_uniform"})
    assert layer.params["init"] == {"name": "he_uniform"}
    assert layer.params["bias_init"] == {"name": "default"}
    assert layer.params["activation"] == "linear"


def test_unknown_keys_are_kept_at_the_top_and_refused_inside():
    raw = project_dict()
    raw["layout"] = {"zoom": 2}
    assert Project.from_dict(raw).to_dict()["layout"] == {"zoom": 2}
    raw["training"]["learnig_rate"] = 0.1
    err = error_of(raw)
    assert err.path == "training.learnig_rate" and "learning_rate" in str(err)


@pytest.mark.parametrize("mutate, path, words", [
    (lambda r: r["model"]["layers"][0].update(units=0), "model.layers[0].units", "≥ 1"),
    (lambda r: r["model"]["layers"][0].update(units=-3), "model.layers[0].units", "≥ 1"),
    (lambda r: r["model"]["layers"][0].update(units="8"), "model.layers[0].units", "integer"),
    (lambda r: r["model"]["layers"][0].update(units=2.5), "model.layers[0].units", "whole"),
    (lambda r: r["model"]["layers"][1].update(type="dens"), "model.layers[1].type", 'did you mean "dense"'),
    (lambda r: r["model"]["layers"][0].update(activation="relu6"), "model.layers[0].activation", "relu"),
    (lambda r: r["model"]["layers"][0].update(init={"name": "uniform", "low": "a"}), "model.layers[0].init.low", "number"),
    (lambda r: r["model"]["layers"][0].update(bias_init="xavier_uniform"), "model.layers[0].bias_init", "weight matrix"),
    (lambda r: r["model"].update(layers=[]), "model.layers", "at least one"),
    (lambda r: r["data"].update(dataset="spirals"), "data.dataset", 'did you mean "spiral"'),
    (lambda r: r["data"].update(noise=0.9), "data.noise", "≤ 0.5"),
    (lambda r: r["data"].update(samples=10**9), "data.samples", "≤"),
    (lambda r: r["data"].update(features=[]), "data.features", "at least one"),
    (lambda r: r["data"].update(features=["x1", "x3"]), "data.features[1]", "x1"),
    (lambda r: r["data"].update(train_fraction=1.0), "data.train_fraction", "empty"),
    (lambda r: r["training"].update(learning_rate=-1), "training.learning_rate", "> 0"),
    (lambda r: r["training"].update(batch_size=0), "training.batch_size", "≥ 1"),
    (lambda r: r["training"].update(optimizer="adamm"), "training.optimizer", 'did you mean "adam"'),
    (lambda r: r["training"].update(optimizer={"name": "adam", "beta1": 2}), "training.optimizer.beta1", "≤"),
    (lambda r: r["training"].update(device="gpu"), "training.device", "cuda"),
    (lambda r: r["training"].update(seed=-1), "training.seed", "≥ 0"),
    (lambda r: r["training"].update(learning_rate=float("nan")), "training.learning_rate", "finite"),
    (lambda r: r.update(format="other"), "format", "neural-playground-project"),
    (lambda r: r.update(version=99), "version", "update the app"),
    (lambda r: r.pop("model"), "model", "missing"),
])
def test_errors_name_the_path(mutate, path, words):
    raw = project_dict()
    mutate(raw)
    err = error_of(raw)
    assert err.path == path
    assert words in str(err)


def test_examples_are_valid_projects():
    names = sorted(p.name for p in EXAMPLES.glob("*.json"))
    assert {"tf-default.json", "spiral.json", "spiral-challenge.json"} <= set(names)
    for path in EXAMPLES.glob("*.json"):
        load_project(path)


def test_tf_default_example_is_the_playground_default():
    project = load_project(EXAMPLES / "tf-default.json")
    layers = project.model.layers
    assert project.data.dataset == "circle" and project.data.features == ["x1", "x2"]
    assert [layer.params["units"] for layer in layers] == [4, 2, 1]
    assert all(layer.params["activation"] == "tanh" for layer in layers)
    assert project.training.learning_rate == 0.03 and project.training.batch_size == 10


def test_save_is_atomic_and_loads_back(tmp_path):
    project = Project.from_dict(project_dict())
    path = tmp_path / "p.json"
    save_project(project, path)
    assert load_project(path) == project
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]  # no temporary left behind


@pytest.mark.parametrize("content, words", [
    ("", "empty"),
    ("{", "not valid JSON"),
    ('{"format": "neural-playground-project", "version": 1, "data": {"noise": NaN}}', "NaN"),
    ("[" * 5000 + "]" * 5000, "nested"),
    (b"\x80\x04\x95 pickle", "pickle"),
    (b"PK\x03\x04zip", "zip"),
    ("[1, 2, 3]", "object"),
])
def test_broken_files_are_refused_with_a_message(write_project, content, words):
    with pytest.raises(PlaygroundError) as info:
        load_project(write_project(content))
    assert words in str(info.value)


def test_binary_garbage_is_refused(tmp_path):
    path = tmp_path / "garbage.json"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(PlaygroundError, match="not a text file|not valid JSON"):
        load_project(path)


def test_spec_copy_is_independent():
    project = Project.from_dict(project_dict())
    other = copy.deepcopy(project)
    other.model.layers[0].params["units"] = 7
    assert project.model.layers[0].params["units"] == 4


def test_the_training_settings_are_described_once():
    """TrainSpec's fields, their defaults and what to_dict writes all come from TRAIN_PARAMS."""
    import dataclasses

    from playground.core.model.spec import TRAIN_PARAMS, TrainSpec

    fields = dataclasses.fields(TrainSpec)
    assert [f.name for f in fields] == list(TRAIN_PARAMS)
    spec = TrainSpec()
    assert all(getattr(spec, name) == p.default for name, p in TRAIN_PARAMS.items())
    assert list(spec.to_dict()) == list(TRAIN_PARAMS)
    assert TrainSpec().loss is not TrainSpec().loss  # a dict default is a fresh one each time
    assert TrainSpec.from_dict(spec.to_dict()) == spec


def test_a_relative_data_path_means_the_file_beside_the_project(tmp_path, monkeypatch):
    table = load_project(EXAMPLES / "table-wide-deep.json")
    assert table.data.path == str((EXAMPLES.parent / "data" / "breast-cancer.csv").resolve())
    raw = json.loads((EXAMPLES / "table-wide-deep.json").read_text())
    raw["data"]["path"] = "elsewhere.csv"   # nothing beside it by that name: kept as written
    (tmp_path / "p.json").write_text(json.dumps(raw))
    monkeypatch.chdir(tmp_path)
    assert load_project(tmp_path / "p.json").data.path == "elsewhere.csv"
