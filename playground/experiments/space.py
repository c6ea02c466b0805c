"""The `search` section of a search file: what is searched (key paths of the project and their
kinds), how (sampler, pruner, trials, seed) and for what (the objective). Validated against the
project before anything runs: every problem is a ValidationError naming `search.…` and the fix.

Key paths: `training.learning_rate`, `model.layers[0].units`, `model.layers[*].activation`
(every hidden layer alike), `model.hidden_layers` (how many hidden layers; each a copy of the
first), `data.features` (with `subsets_of`)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from dataclasses import dataclass
from typing import Any

from playground.core.errors import PlaygroundError, ValidationError
from playground.core.model.spec import Project

KINDS = ("uniform", "log_uniform", "int", "log_int", "choice", "subsets_of")
SAMPLERS = ("grid", "random", "tpe", "gp", "cmaes", "nsga2")
SINGLE_OBJECTIVE_SAMPLERS = ("cmaes",)
PRUNERS = ("none", "median", "successive_halving", "hyperband")
METRICS = ("test_accuracy", "test_loss", "train_loss", "train_accuracy", "test_r2", "test_rmse", "parameters",
           "seconds")
_SEGMENT = re.compile(r"^([a-z_]+)(?:\[(\d+|\*)\])?$")


class KeyPathError(ValidationError):
    """A key path that names nothing in the project (not a value that does not fit)."""


@dataclass(frozen=True)
class Dimension:
    path: str
    kind: str
    values: tuple            # (low, high) for ranges; the choices or the items otherwise
    steps: int | None = None

    def grid(self) -> list:
        """Every value a grid search tries."""
        if self.kind in ("choice",):
            return list(self.values)
        if self.kind == "subsets_of":
            return [True, False]
        low, high = self.values
        if self.kind in ("int", "log_int") and self.steps is None:
            return list(range(int(low), int(high) + 1))
        steps = self.steps
        if self.kind in ("log_uniform", "log_int"):
            values = [low * (high / low) ** (i / (steps - 1)) for i in range(steps)]
        else:
            values = [low + (high - low) * i / (steps - 1) for i in range(steps)]
        return sorted({int(round(v)) for v in values}) if self.kind.endswith("int") else values


@dataclass(frozen=True)
class Objective:
    metric: str
    direction: str  # "minimize" or "maximize"


@dataclass(frozen=True)
class Search:
    objectives: tuple[Objective, ...]  # one, or several (a Pareto front: nsga2, tpe, random, grid)
    sampler: str
    trials: int
    timeout_s: float | None
    seed: int
    pruner: str
    warmup_epochs: int
    space: tuple[Dimension, ...]
    name: str = "search"  # the study's name in a shared database (default: the search file's name)

    @property
    def metric(self) -> str:
        """The first objective's metric (the one `best` is ranked by)."""
        return self.objectives[0].metric

    @property
    def direction(self) -> str:
        return self.objectives[0].direction

    @property
    def multi_objective(self) -> bool:
        return len(self.objectives) > 1


def _check(condition: bool, path: str, message: str) -> None:
    if not condition:
        raise ValidationError(path, message)


def parse_search(raw: Any, project: Project, default_name: str = "search") -> Search:
    """The search section `raw` of a file whose project is `project`, checked."""
    _check(isinstance(raw, dict), "search", "must be an object with objective, sampler, trials and space")
    objective = raw.get("objective", {"metric": "test_loss", "direction": "minimize"})
    objectives = objective if isinstance(objective, list) else [objective]
    _check(bool(objectives) and len(objectives) <= 4, "search.objective",
           'must be {"metric": …, "direction": …} or a list of up to 4 of them (a Pareto front)')
    objectives = tuple(_objective(o, f"search.objective[{i}]" if isinstance(objective, list) else "search.objective")
                       for i, o in enumerate(objectives))
    _check(len({o.metric for o in objectives}) == len(objectives), "search.objective", "names a metric twice")
    sampler = raw.get("sampler", "tpe")
    _check(sampler in SAMPLERS, "search.sampler", f"must be one of {', '.join(SAMPLERS)}, not {sampler!r}")
    _check(len(objectives) == 1 or sampler not in SINGLE_OBJECTIVE_SAMPLERS, "search.sampler",
           f"{sampler} optimizes one objective; for several use nsga2, tpe, random or grid")
    trials = raw.get("trials", 20)
    _check(isinstance(trials, int) and not isinstance(trials, bool) and 1 <= trials <= 100_000, "search.trials",
           "must be a whole number from 1 to 100000")
    timeout = raw.get("timeout_s")
    _check(timeout is None or (isinstance(timeout, (int, float)) and timeout > 0), "search.timeout_s",
           "must be a positive number of seconds, or null")
    seed = raw.get("seed", 0)
    _check(isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0, "search.seed", "must be a whole number ≥ 0")
    pruner = raw.get("pruner", "none")
    pruner = pruner if isinstance(pruner, dict) else {"name": pruner}
    _check(pruner.get("name") in PRUNERS, "search.pruner.name", f"must be one of {', '.join(PRUNERS)}")
    warmup = pruner.get("warmup_epochs", 10)
    _check(isinstance(warmup, int) and warmup >= 0, "search.pruner.warmup_epochs", "must be a whole number ≥ 0")
    _check(len(objectives) == 1 or pruner["name"] == "none", "search.pruner",
           "pruning judges one objective; with several objectives use \"none\"")
    space = raw.get("space")
    _check(isinstance(space, dict) and space, "search.space", "must name at least one key path to search")
    dimensions = tuple(_dimension(path, spec, project, sampler) for path, spec in space.items())
    _check(not (sampler == "grid" and raw.get("trials") is None), "search.trials",
           "give trials (a grid search tries at most that many combinations)")
    name = raw.get("name", default_name)
    _check(isinstance(name, str) and 0 < len(name) <= 200, "search.name", "must be a text of 1 to 200 characters")
    return Search(objectives, sampler, trials, timeout, seed, pruner["name"], warmup, dimensions, name)


def _objective(raw: Any, where: str) -> Objective:
    _check(isinstance(raw, dict), where, 'must be {"metric": …, "direction": …}')
    metric = raw.get("metric", "test_loss")
    _check(metric in METRICS, f"{where}.metric", f"must be one of {', '.join(METRICS)}, not {metric!r}")
    direction = raw.get("direction", "maximize" if metric.endswith(("accuracy", "r2")) else "minimize")
    _check(direction in ("minimize", "maximize"), f"{where}.direction", 'must be "minimize" or "maximize"')
    return Objective(metric, direction)


def _dimension(path: str, spec: Any, project: Project, sampler: str) -> Dimension:
    where = f"search.space.{path}"
    _check(isinstance(spec, dict) and len([k for k in spec if k in KINDS]) == 1, where,
           f"must be one kind with its values: one of {', '.join(KINDS)} (e.g. {{\"int\": [2, 16]}})")
    kind = next(k for k in spec if k in KINDS)
    values, steps = spec[kind], spec.get("steps")
    if kind in ("choice", "subsets_of"):
        _check(isinstance(values, list) and values, where, f"{kind} needs a non-empty list")
        _check(all(isinstance(v, (str, int, float, bool)) or v is None for v in values), where,
               f"{kind} values are strings, numbers, true/false or null")
        dimension = Dimension(path, kind, tuple(values))
    else:
        _check(isinstance(values, list) and len(values) == 2 and all(isinstance(v, (int, float))
               and not isinstance(v, bool) for v in values), where,
               f"{kind} needs two numbers [low, high], not {json.dumps(values)}")
        low, high = values
        _check(low < high, where, f"low {low} must be below high {high}")
        _check(not kind.startswith("log") or low > 0, where, f"{kind} needs low > 0")
        _check(not kind.endswith("int") or (float(low).is_integer() and float(high).is_integer()), where,
               f"{kind} needs whole numbers")
        _check(steps is None or (isinstance(steps, int) and steps >= 2), where, "steps must be a whole number ≥ 2")
        _check(sampler != "grid" or steps is not None or kind in ("int", "log_int"), where,
               f"a grid over a {kind} range needs \"steps\" (how many values to try)")
        dimension = Dimension(path, kind, (low, high), steps)
    _check(path == "data.features" or kind != "subsets_of", where, "subsets_of is for data.features")
    for value in _extremes(dimension):  # every end of the range, every choice: the project must take it
        try:
            apply(project, {path: value})
        except KeyPathError as err:
            raise ValidationError(where, err.message) from None
        except ValidationError as err:
            raise ValidationError(where, f"{value!r} does not fit the project: {err}") from None
    return dimension


def _extremes(dimension: Dimension) -> list:
    if dimension.kind == "choice":
        return list(dimension.values)
    if dimension.kind == "subsets_of":
        return [list(dimension.values)]
    return list(dimension.values)


def segments(path: str) -> list[tuple[str, str | None]]:
    parts = []
    for segment in path.split("."):
        match = _SEGMENT.match(segment)
        if not match:
            raise KeyPathError(path, "is not a key path (e.g. training.learning_rate, model.layers[0].units)")
        parts.append((match.group(1), match.group(2)))
    return parts


def apply(project: Project, values: dict[str, Any]) -> Project:
    """`project` with each key path set to its value (model.hidden_layers first), validated."""
    raw = project.to_dict()
    ordered = sorted(values.items(), key=lambda item: item[0] != "model.hidden_layers")
    for path, value in ordered:
        _set(raw, path, value)
    return Project.from_dict(raw)


def _set(raw: dict, path: str, value: Any) -> None:
    layers = raw["model"]["layers"]
    if path == "model.hidden_layers":
        if len(layers) < 2:
            raise KeyPathError(path, "the network has no hidden layer to repeat; add one")
        if not isinstance(value, int) or value < 0:
            raise ValidationError(path, f"must be a whole number ≥ 0, not {value!r}")
        raw["model"]["layers"] = [copy.deepcopy(layers[0]) for _ in range(value)] + [layers[-1]]
        return
    nodes: list = [raw]
    parts = segments(path)
    for depth, (key, index) in enumerate(parts):
        last = depth == len(parts) - 1
        found: list = []
        for node in nodes:
            # a layer's own setting may be missing from the file (its default): it may be set
            if not isinstance(node, dict) or (key not in node and not (last and depth >= 2)):
                raise KeyPathError(path, f"{key!r} is not a setting here")
            if last and index is None:
                node[key] = copy.deepcopy(value)
                continue
            child = node[key]
            if index is None:
                found.append(child)
                continue
            if not isinstance(child, list):
                raise KeyPathError(path, f"{key} is not a list")
            if index == "*":
                targets = child[:-1] if key == "layers" else child
                if not targets:
                    raise KeyPathError(path, "the network has no hidden layers for [*]")
            elif int(index) >= len(child):
                raise KeyPathError(path, f"the network has {len(child)} layers" if key == "layers"
                                      else f"{key} has {len(child)} items")
            else:
                targets = [child[int(index)]]
            if last:
                raise KeyPathError(path, "name a setting of the layer (e.g. .units)")
            found.extend(targets)
        nodes = found


def load_search(path) -> tuple[Project, Search, dict]:
    """(the project, its checked search, the raw search section) of a search file."""
    from playground.core.io.jsonfile import read_json
    from playground.core.io.project import migrate

    raw = read_json(path)
    if not isinstance(raw, dict) or "search" not in raw:
        raise PlaygroundError(f"{path}: not a search file (a project with a \"search\" section)")
    section = raw.pop("search")
    project = Project.from_dict(migrate(raw))
    return project, parse_search(section, project, Path(path).stem), section
