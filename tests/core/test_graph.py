"""Networks as graphs: ids and inputs in the project file, merge layers, their shapes and errors
in words, the module built from them, training and every export."""

import copy
import json

import numpy as np
import pytest
import torch
from torch import nn

from playground.core.errors import ValidationError
from playground.core.fastpath import plan
from playground.core.io.export import export_model
from playground.core.model.build import build_model, layer_modules, module_source
from playground.core.model.shapes import analyze, analyze_model
from playground.core.model.spec import ModelSpec, Project
from playground.core.training import Trainer
from tests.conftest import project_dict

ISSUE_EXAMPLE = {"layers": [
    {"id": "c1", "type": "conv2d", "filters": 16, "kernel": 3, "padding": "same", "activation": "relu"},
    {"id": "c2", "type": "conv2d", "filters": 16, "kernel": 3, "padding": "same", "activation": "relu"},
    {"id": "c3", "type": "conv2d", "filters": 16, "kernel": 3, "padding": "same"},
    {"id": "sum", "type": "add", "inputs": ["c1", "c3"]},
    {"type": "activation", "function": "relu"},
    {"type": "global_avg_pool"},
    {"type": "dense", "units": 10},
]}


def digits_project(model: dict, epochs: int = 2) -> Project:
    return Project.from_dict({
        "format": "neural-playground-project", "version": 1,
        "data": {"dataset": "digits", "samples": 300, "train_fraction": 0.8, "seed": 1},
        "model": model,
        "training": {"loss": "cross_entropy", "optimizer": "adam", "learning_rate": 0.003, "batch_size": 32,
                     "epochs": epochs, "seed": 0, "device": "cpu"}})


def refused(layers: list) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        ModelSpec.from_dict({"layers": layers})
    return caught.value


def test_the_issue_example_reads_writes_back_exactly_and_has_the_shapes_of_a_residual_block():
    spec = ModelSpec.from_dict(copy.deepcopy(ISSUE_EXAMPLE))
    again = ModelSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec and again.to_dict() == spec.to_dict()
    assert not spec.is_chain
    analysis = analyze_model(spec, (1, 8, 8))
    assert analysis.ok, analysis.error
    assert analysis.layers[3].input_shapes == [(16, 8, 8), (16, 8, 8)]
    assert [info.output_shape for info in analysis.layers][3:] == [(16, 8, 8), (16, 8, 8), (16,), (10,)]
    assert not analysis.warnings   # c2 feeds c3, every output is used
    assert analysis.total_params == 16 * 10 + 2 * 16 * 145 + 170


def test_every_reference_mistake_is_refused_naming_the_path():
    dense = {"type": "dense", "units": 4}
    err = refused([{**dense, "id": "a"}, {**dense, "inputs": ["b"]}])
    assert err.path == "model.layers[1].inputs[0]" and 'no layer has the id "b"' in err.message
    err = refused([{**dense, "inputs": ["b"]}, {**dense, "id": "b", "inputs": ["input"]}])
    assert err.path == "model.layers[0].inputs[0]" and "comes later (model.layers[1])" in err.message
    err = refused([{**dense, "id": "a", "inputs": ["b"]}, {**dense, "id": "b", "inputs": ["a"]}])
    assert err.path == "model.layers[0].inputs" and "cycle: a → b → a" in err.message
    err = refused([{**dense, "id": "a"}, {**dense, "id": "a"}])
    assert err.path == "model.layers[1].id" and "already the id of model.layers[0]" in err.message
    err = refused([{**dense, "id": "a"}, {**dense, "inputs": ["input", "a"]}])
    assert err.path == "model.layers[1].inputs" and "dense takes one input, not 2" in err.message
    err = refused([{**dense, "id": "a", "inputs": ["a"]}])
    assert "cannot take its own output" in err.message
    for bad in ("1x", "input", "class", "a-b", "", 7):
        assert refused([{**dense, "id": bad}]).path == "model.layers[0].id"
    assert refused([{**dense, "inputs": "a"}]).path == "model.layers[0].inputs"
    assert refused([{**dense, "inputs": ["input", "input"]}]).path == "model.layers[0].inputs"


def test_merge_mismatches_say_which_inputs_and_how_to_fix_them():
    layers = copy.deepcopy(ISSUE_EXAMPLE["layers"])
    layers[2]["filters"] = 32
    layers[2]["id"] = "c4"
    layers[3]["inputs"] = ["c1", "c4"]
    analysis = analyze_model(ModelSpec.from_dict({"layers": layers}), (1, 8, 8))
    assert analysis.error_layer == 3 and analysis.error.path == "model.layers[3].inputs"
    assert analysis.error.message == ("add needs equal shapes; c1 gives 16×8×8, c4 gives 32×8×8 — give c4 16 "
                                      "filters or add a 1×1 convolution of 16 filters after it")
    assert [info.output_shape for info in analysis.layers[3:]] == [None] * 4   # what depends on it has no shape
    concat = [{"id": "a", "type": "conv2d", "filters": 4}, {"id": "b", "type": "max_pool2d", "inputs": ["a"]},
              {"type": "concatenate", "inputs": ["a", "b"]}]
    err = analyze_model(ModelSpec.from_dict({"layers": concat}), (1, 8, 8)).error
    assert "concatenate joins channels" in err.message and "a gives 4×8×8, b gives 4×4×4" in err.message
    lonely = analyze_model(ModelSpec.from_dict({"layers": [{"type": "dense"}, {"type": "add"}]}), (2,)).error
    assert lonely.path == "model.layers[1].inputs" and "at least two inputs; it has 1" in lonely.message
    unwired = analyze_model(ModelSpec.from_dict({"layers": [{"type": "dense", "inputs": []}]}), (2,)).error
    assert "takes no input" in unwired.message


def test_concatenate_joins_features_and_channels_and_an_unused_output_is_a_warning():
    wide = [{"id": "wide", "type": "dense", "units": 3, "inputs": ["input"]},
            {"id": "d1", "type": "dense", "units": 8, "inputs": ["input"]},
            {"id": "lost", "type": "dense", "units": 5},
            {"type": "concatenate", "inputs": ["wide", "d1"]}, {"type": "dense", "units": 1}]
    analysis = analyze_model(ModelSpec.from_dict({"layers": wide}), (6,))
    assert analysis.ok and analysis.layers[3].output_shape == (11,)
    assert [w.path for w in analysis.warnings] == ["model.layers[2]"]
    assert "the output of lost (dense) goes nowhere" in analysis.warnings[0].message
    images = [{"id": "a", "type": "conv2d", "filters": 4}, {"id": "b", "type": "conv2d", "filters": 6, "inputs": ["input"]},
              {"type": "concatenate", "axis": "channels", "inputs": ["a", "b"]}]
    assert analyze_model(ModelSpec.from_dict({"layers": images}), (1, 8, 8)).output_shape == (10, 8, 8)


def test_a_chain_in_the_new_form_builds_the_same_module_with_the_same_weights_and_keeps_the_fast_path():
    plain = project_dict("spiral", layers=[{"type": "dense", "units": 6, "activation": "tanh"},
                                           {"type": "dense", "units": 1, "activation": "tanh"}])
    named = copy.deepcopy(plain)
    named["model"]["layers"][0].update(id="hidden", inputs=["input"])
    named["model"]["layers"][1].update(id="out", inputs=["hidden"])
    a, b = Project.from_dict(plain), Project.from_dict(named)
    assert b.model.is_chain and not a.same_architecture(b)
    net_a, net_b = build_model(a.model, (2,), seed=3), build_model(b.model, (2,), seed=3)
    assert type(net_b) is nn.Sequential and list(net_a.state_dict()) == list(net_b.state_dict())
    assert all(torch.equal(x, y) for x, y in zip(net_a.state_dict().values(), net_b.state_dict().values()))
    trainers = [Trainer(p) for p in (a, b)]
    for trainer in trainers:
        assert not trainer.fast_plan.unsupported
        trainer.run()
    assert np.array_equal(trainers[0].history.column("train_loss"), trainers[1].history.column("train_loss"))


def test_a_dense_skip_connection_on_the_plane_trains_eagerly_and_its_code_reads_like_a_person_wrote_it():
    layers = [{"id": "h1", "type": "dense", "units": 8, "activation": "tanh"},
              {"id": "h2", "type": "dense", "units": 8, "activation": "tanh"},
              {"id": "skip", "type": "add", "inputs": ["h1", "h2"]},
              {"type": "dense", "units": 1, "activation": "tanh"}]
    project = Project.from_dict(project_dict("spiral", layers=layers, epochs=3))
    trainer = Trainer(project)
    assert "branches or merges" in trainer.fast_plan.unsupported
    trainer.run()
    assert len(trainer.history) == 3 and np.isfinite(trainer.history.column("train_loss")).all()
    source = module_source(project.model, (2,))
    assert "        skip = self.skip(h1, h2)\n" in source and "        return layer4\n" in source
    modules = layer_modules(trainer.model)
    assert len(modules) == 4 and modules[2].function == "add"
    assert analyze(project).ok


def test_the_training_script_of_a_graph_reproduces_its_run(tmp_path):
    import subprocess
    import sys

    from playground.core.io import codegen

    layers = [{"id": "h1", "type": "dense", "units": 6, "activation": "relu", "init": "he_uniform"},
              {"id": "h2", "type": "dense", "units": 6, "activation": "tanh"},
              {"type": "concatenate", "inputs": ["h1", "h2", "input"]},
              {"type": "dense", "units": 1, "activation": "tanh", "bias_init": {"name": "constant", "value": 0.1}}]
    project = Project.from_dict(project_dict("spiral", layers=layers, epochs=4, shuffle=True))
    trainer = Trainer(project)
    trainer.run()
    path = tmp_path / "graph_train.py"
    path.write_text(codegen.training_file(project))
    last = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True).stdout.split("\n")[-2]
    assert last.startswith("epoch 4:") and f"{trainer.history[-1].train_loss:.6f}" in last


@pytest.fixture(scope="module")
def trained_graph():
    model = {"layers": [
        {"id": "stem", "type": "conv2d", "filters": 8},
        {"id": "b1", "type": "conv2d", "filters": 4, "kernel": 1},
        {"id": "b3", "type": "conv2d", "filters": 4, "kernel": 3, "inputs": ["stem"]},
        {"id": "b5", "type": "conv2d", "filters": 4, "kernel": 5, "inputs": ["stem"], "init": "he_normal"},
        {"id": "joined", "type": "concatenate", "inputs": ["b1", "b3", "b5"]},
        {"id": "res", "type": "conv2d", "filters": 8, "kernel": 1, "activation": "linear"},
        {"id": "sum", "type": "add", "inputs": ["stem", "res"]},
        {"type": "global_avg_pool"},
        {"type": "dense", "units": 10}]}
    trainer = Trainer(digits_project(model))
    trainer.run()
    return trainer


@pytest.mark.parametrize("fmt", ["onnx", "pt2", "torchscript", "safetensors", "python"])
def test_a_trained_graph_exports_to_every_format_verified_against_the_live_model(trained_graph, tmp_path, fmt):
    result = export_model(trained_graph.model, trained_graph.project, fmt, tmp_path / f"graph.{fmt}",
                          trained_graph.dataset)
    assert result.checked_batches and max(result.max_difference, 0) < 1e-4


def test_a_graph_run_folder_loads_back_with_its_weights(trained_graph, tmp_path):
    from playground.core.io.rundir import load_run, write_run

    folder = tmp_path / "run"
    write_run(folder, trained_graph.project, trained_graph.state_dict(), trained_graph.history, trained_graph.metrics())
    loaded = load_run(folder)
    x = torch.as_tensor(trained_graph.dataset.x_test[:5])
    assert torch.allclose(loaded.model.eval()(x), trained_graph.model.eval()(x), atol=1e-6)
    # and served: a Triton repository of the graph, whose model answers as the trained one does
    from playground.serving.source import served_model
    from playground.serving.triton import write_repository

    served = served_model(folder, tmp_path / "exports", name="graph")
    files = write_repository(served, tmp_path / "repository")
    assert {f.name for f in files} >= {"config.pbtxt", "model.onnx"}
    probabilities = served.run(trained_graph.dataset.raw_test()[:5])
    assert probabilities.shape == (5, 10) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
