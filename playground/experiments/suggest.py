"""What the window offers when a person picks a setting to search over: a sensible first range
for that key path, from the setting's own description (its kind, its limits, its value now), and
the key paths a project offers at all."""

from __future__ import annotations

import math
from typing import Any

from playground.core.model.catalogues import catalogue
from playground.core.model.layers import LAYERS
from playground.core.model.params import Param
from playground.core.model.registry import FEATURES
from playground.core.model.spec import TRAIN_PARAMS, Project
from playground.experiments.space import segments

#: Data settings worth searching, and their first ranges.
DATA_RANGES = {"data.noise": {"uniform": [0.0, 0.5]}, "data.train_fraction": {"uniform": [0.1, 0.9]},
               "data.samples": {"int": [100, 1000]}}


def searchable_paths(project: Project) -> list[str]:
    """Key paths of `project` a search may vary, most useful first."""
    paths = ["training.learning_rate", "training.optimizer", "training.batch_size", "training.regularization",
             "training.regularization_rate"]
    hidden = project.model.layers[:-1]
    if hidden:
        paths.append("model.hidden_layers")
        first = hidden[0]
        paths += [f"model.layers[*].{p.name}" for p in LAYERS[first.type].entry.params if p.kind in ("choice", "ref")
                  and all(layer.type == first.type for layer in hidden)]
    last = len(project.model.layers) - 1
    for index, layer in enumerate(project.model.layers):  # the output layer's width is the data's
        paths += [f"model.layers[{index}].{p.name}" for p in LAYERS[layer.type].entry.params
                  if p.kind in ("int", "float", "choice", "bool", "ref") and not (index == last and p.name == "units")]
    if project.data.kind == "plane":
        paths += ["data.features", "data.noise"]
    return list(dict.fromkeys(paths))


def _param(path: str, project: Project) -> tuple[Param | None, Any]:
    """The description of the setting at `path` and its value in `project`."""
    (section, index), *rest = segments(path)
    if section == "training" and len(rest) == 1:
        name = rest[0][0]
        return TRAIN_PARAMS.get(name), getattr(project.training, name, None)
    if section == "model" and rest and rest[0][0] == "layers" and len(rest) == 2:
        which = rest[0][1]
        layers = project.model.layers
        layer = layers[0] if which == "*" else layers[int(which)] if which is not None and int(which) < len(layers) else None
        if layer is None:
            return None, None
        name = rest[1][0]
        param = next((p for p in LAYERS[layer.type].entry.params if p.name == name), None)
        return param, layer.params.get(name, param.default if param else None)
    return None, None


def default_range(path: str, project: Project) -> dict:
    """A first range for `path` in the search file's words, e.g. {"log_uniform": [0.003, 0.3]}."""
    if path == "model.hidden_layers":
        return {"int": [1, max(4, len(project.model.layers) - 1)]}
    if path == "data.features":
        return {"subsets_of": list(FEATURES) if project.data.kind == "plane" else list(project.data.features)}
    if path in DATA_RANGES:
        return DATA_RANGES[path]
    param, value = _param(path, project)
    if param is None:
        raise ValueError(f"{path}: not a setting the window can suggest a range for")
    if param.kind == "choice":
        return {"choice": list(param.choices)}
    if param.kind == "ref":
        return {"choice": list(catalogue(param.ref))}
    if param.kind == "bool":
        return {"choice": [True, False]}
    low = param.low if param.low is not None else -math.inf
    high = param.high if param.high is not None else math.inf
    if param.kind == "int":
        value = int(value if isinstance(value, (int, float)) else param.default)
        start = max(int(low if not param.low_exclusive else low + 1), max(1, value // 4))
        return {"int": [start, max(start + 1, min(int(high) if math.isfinite(high) else 4 * value, 4 * max(value, 1)))]}
    positive = isinstance(value, (int, float)) and math.isfinite(value) and value > 0
    if low >= 0 and not positive:  # a strength that is off now: from faint to strong
        return {"log_uniform": [1e-5, min(0.1, high)]}
    value = float(value if isinstance(value, (int, float)) and math.isfinite(value) else param.default or 1.0)
    if low >= 0:  # a scale (a rate, a strength): a log range of a hundred around it
        return {"log_uniform": [max(value / 10, low if low > 0 else value / 10), min(value * 10, high)]}
    return {"uniform": [max(low, value - abs(value)), min(high, value + abs(value) or 1.0)]}
