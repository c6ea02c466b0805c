"""Project edits as pure functions (core.model.edits): what a person does in the window, tested without
one — each gives a new validated project, or a ValidationError, and never changes its input."""

import pytest

from playground.core.model import edits
from playground.core.errors import ValidationError
from playground.core.model.spec import Project
from tests.conftest import project_dict


@pytest.fixture
def project() -> Project:
    raw = project_dict("spiral", features=["x1", "x2", "sin(x1)"])
    raw["data"]["noise"] = 0.1
    return Project.from_dict(raw)


def units(project: Project) -> list:
    return [layer.params.get("units") for layer in project.model.layers]


def test_a_new_dense_layer_has_four_tanh_units_and_the_input_is_unchanged(project):
    before = project.to_dict()
    edited = edits.insert_layer(project, 1, "dense")
    assert units(edited) == [4, 4, 1] and edited.model.layers[1].params["activation"] == "tanh"
    assert project.to_dict() == before
    assert [layer.type for layer in edits.insert_layer(project, 99, "dropout").model.layers] == ["dense", "dense",
                                                                                                 "dropout"]


def test_the_playgrounds_plus_and_minus(project):
    deeper = edits.add_hidden_layer(project)
    assert units(deeper) == [4, 4, 1]  # before the output
    assert units(edits.remove_hidden_layer(deeper)) == [4, 1]
    flat = edits.remove_hidden_layer(project)
    with pytest.raises(ValidationError, match="no hidden layer"):
        edits.remove_hidden_layer(flat)
    with pytest.raises(ValidationError, match="at least its output layer"):
        edits.delete_layer(flat, 0)


def test_units_move_duplicate_and_parameters(project):
    assert units(edits.change_units(project, 0, 3)) == [7, 1]
    with pytest.raises(ValidationError, match="units: must be ≥ 1"):
        edits.change_units(project, 1, -1)
    moved = edits.move_layer(edits.insert_layer(project, 0, "dropout"), 0, 2)
    assert [layer.type for layer in moved.model.layers] == ["dense", "dense", "dropout"]
    assert units(edits.duplicate_layer(project, 0)) == [4, 4, 1]
    relu = edits.set_layer_parameter(project, 0, "activation", "relu")
    assert relu.model.layers[0].params["activation"] == "relu"
    with pytest.raises(ValidationError, match=r"model.layers\[0\].activation"):
        edits.set_layer_parameter(project, 0, "activation", "wiggle")
    with pytest.raises(ValidationError, match="no layer 9"):
        edits.delete_layer(project, 8)


def test_features_keep_the_catalogues_order(project):
    assert edits.toggle_feature(project, "x1^2").data.features == ["x1", "x2", "x1^2", "sin(x1)"]
    assert edits.toggle_feature(project, "x1").data.features == ["x2", "sin(x1)"]
    with pytest.raises(ValidationError, match="not a feature"):
        edits.toggle_feature(project, "cos(x1)")


def test_switching_data_sets_carries_what_still_means_the_same(project, tmp_path):
    circle = edits.use_dataset(project, "circle")
    assert (circle.data.noise, circle.data.features, circle.data.seed) == (0.1, ["x1", "x2", "sin(x1)"],
                                                                           project.data.seed)
    sine = edits.use_dataset(project, "sine")
    assert sine.data.noise == 0.05 and sine.data.seed == project.data.seed
    table = edits.use_dataset(project, "csv", str(tmp_path / "t.csv"), "label")
    assert (table.data.path, table.data.target) == (str(tmp_path / "t.csv"), "label")
    back = edits.use_dataset(table, "xor")
    assert back.data.noise == 0.0 and back.data.features == ["x1", "x2"]
    with pytest.raises(ValidationError, match="target column"):
        edits.use_dataset(project, "csv", str(tmp_path / "t.csv"))


def test_settings_are_validated_like_a_project_file(project):
    assert edits.set_setting(project, "training", "learning_rate", 0.1).training.learning_rate == 0.1
    with pytest.raises(ValidationError, match="training.learning_rate"):
        edits.set_setting(project, "training", "learning_rate", 1e6)
    with pytest.raises(ValidationError, match="section"):
        edits.set_setting(project, "model", "layers", [])
