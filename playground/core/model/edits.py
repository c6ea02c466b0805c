"""Project edits as pure functions: each takes a Project and gives the edited Project, validated
(a ValidationError naming the path when the edit is not allowed). The window's undo stack wraps
them; scripts and tests call them directly.

The rules a person relies on live here, not in the window: a new dense layer has 4 tanh units,
the network keeps its output layer, features keep the catalogue's order, and switching data sets
carries the seed (and, between plane data sets, the noise, the split and the features) over.
"""

from __future__ import annotations

import copy
from typing import Any

from playground.core.errors import ValidationError
from playground.core.model.layers import LAYERS
from playground.core.model.registry import DATASETS, FEATURES
from playground.core.model.spec import LayerSpec, Project

from playground.core.model.graph_edits import NEW_DENSE, delete_blocks, duplicate_blocks, edited as _edited


def _layer_index(project: Project, index: int, path: str = "model.layers") -> int:
    if not 0 <= index < len(project.model.layers):
        raise ValidationError(path, f"there is no layer {index + 1} (the network has {len(project.model.layers)})")
    return index


def insert_layer(project: Project, index: int, kind: str) -> Project:
    """A new layer of `kind` with its defaults (a dense one: NEW_DENSE) at `index` (clamped)."""
    layer = LayerSpec.create(kind).to_dict()
    if kind == "dense":
        layer.update(NEW_DENSE)

    def mutate(raw: dict) -> None:
        layers = raw["model"]["layers"]
        layers.insert(max(0, min(index, len(layers))), layer)
    return _edited(project, mutate)


def move_layer(project: Project, source: int, target: int) -> Project:
    _layer_index(project, source)
    _layer_index(project, target)

    def mutate(raw: dict) -> None:
        layers = raw["model"]["layers"]
        layers.insert(target, layers.pop(source))
    return _edited(project, mutate)


def delete_layer(project: Project, index: int) -> Project:
    """Without the index-th layer; the network keeps at least its output layer. In a graph the
    wires reconnect across it (graph_edits.delete_blocks)."""
    _layer_index(project, index)
    if len(project.model.layers) <= 1:
        raise ValidationError("model.layers", "the network needs at least its output layer")
    if not project.model.is_chain:
        return delete_blocks(project, [index])
    return _edited(project, lambda raw: raw["model"]["layers"].pop(index))


def duplicate_layer(project: Project, index: int) -> Project:
    """A copy of the index-th layer right after it (in a graph: beside it, on the same inputs)."""
    _layer_index(project, index)
    if not project.model.is_chain:
        return duplicate_blocks(project, [index])
    return _edited(project, lambda raw: raw["model"]["layers"].insert(index + 1,
                                                                       copy.deepcopy(raw["model"]["layers"][index])))


def change_units(project: Project, index: int, delta: int) -> Project:
    """A dense layer with `delta` more (or fewer) units."""
    _layer_index(project, index)
    if not LAYERS[project.model.layers[index].type].neurons:
        raise ValidationError(f"model.layers[{index}]", "only dense layers have units")

    def mutate(raw: dict) -> None:
        raw["model"]["layers"][index]["units"] += delta
    return _edited(project, mutate)


def set_layer_parameter(project: Project, index: int, name: str, value: Any) -> Project:
    _layer_index(project, index)

    def mutate(raw: dict) -> None:
        raw["model"]["layers"][index][name] = value
    return _edited(project, mutate)


def set_setting(project: Project, section: str, key: str, value: Any) -> Project:
    """One setting of "data" or "training" (validated like a project file's)."""
    if section not in ("data", "training"):
        raise ValidationError(section, "is not a section of settings (data or training)")

    def mutate(raw: dict) -> None:
        raw[section][key] = value
    return _edited(project, mutate)


def dense_layers(project: Project) -> list[int]:
    """The layers of neurons (core.model.layers.LayerKind.neurons: dense), in order."""
    return [i for i, layer in enumerate(project.model.layers) if LAYERS[layer.type].neurons]


def add_hidden_layer(project: Project) -> Project:
    """A new hidden dense layer just before the output layer (the TensorFlow Playground's +)."""
    dense = dense_layers(project)
    return insert_layer(project, dense[-1] if dense else len(project.model.layers), "dense")


def remove_hidden_layer(project: Project) -> Project:
    """Without the last hidden dense layer (the TensorFlow Playground's −)."""
    dense = dense_layers(project)
    if len(dense) < 2:
        raise ValidationError("model.layers", "there is no hidden layer to remove")
    return delete_layer(project, dense[-2])


def toggle_feature(project: Project, name: str) -> Project:
    """The plane's input feature `name` on or off; features keep the catalogue's order."""
    if name not in FEATURES:
        raise ValidationError("data.features", f"{name!r} is not a feature")
    chosen = set(project.data.features) ^ {name}
    return set_setting(project, "data", "features", [f for f in FEATURES if f in chosen])


def use_dataset(project: Project, name: str, path: str | None = None, target: str | None = None) -> Project:
    """Data set `name` (read from `path` for files; a table's `target` column), carrying over
    what still means the same: the seed always; between plane data sets the noise, the split and
    the features; the sine task starts with a little noise."""
    if name not in DATASETS:
        raise ValidationError("data.dataset", f"{name!r} is not a data set")
    current = project.data
    kind = DATASETS[name].extra["kind"]
    new: dict[str, Any] = {"dataset": name, "seed": current.seed}
    if kind == "plane":
        new.update({"noise": current.noise if current.kind == "plane" else 0.0,
                    "features": list(current.features) or ["x1", "x2"]})
        if current.kind == "plane":
            new["train_fraction"] = current.train_fraction
    elif kind == "sequence" and name == "sine":
        new["noise"] = 0.05
    elif path:
        new["path"] = path
    if kind == "table":
        if not target:
            raise ValidationError("data.target", "a table needs its target column")
        new["target"] = target

    def mutate(raw: dict) -> None:
        raw["data"] = new
    return _edited(project, mutate)
