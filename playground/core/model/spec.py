"""The project as plain dataclasses that round-trip through JSON.

`Project.from_dict` validates everything it reads and raises `ValidationError` naming the key path
("model.layers[2].units: must be ≥ 1, not 0"). `to_dict` writes the public project format (see
README.md). Cross-checks between data, model and loss (shapes, label encoding) live in shapes.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from playground.core.errors import ValidationError
from playground.core.model.graph import check_id, check_inputs, check_references, is_chain
from playground.core.model.layers import LAYERS
from playground.core.model.params import Param, check_mapping, check_number, check_unknown_keys, suggest, type_name
from playground.core.model.catalogues import catalogue
from playground.core.model.validation import compact_named, validate_params, validate_value
from playground.core.model.registry import DATASETS, FEATURES, INITIALIZERS, REGULARIZATIONS

FORMAT = "neural-playground-project"
VERSION = 1
MAX_SAMPLES = 1_000_000
MAX_SEED = 2**31 - 1
MAX_LAYERS = 256
DEVICE_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d{1,2})?)$")


def _known_name(raw: Any, key: str, known: Any, path: str, what: str) -> str:
    """raw[key]: present, a string, and one of `known` (else an error that lists or suggests)."""
    where = f"{path}.{key}"
    if key not in raw:
        raise ValidationError(where, "is missing (one of " + ", ".join(known) + ")")
    name = raw[key]
    if not isinstance(name, str):
        raise ValidationError(where, f"must be a string, not {type_name(name)}")
    if name not in known:
        raise ValidationError(where, f'unknown {what} "{name}"' + suggest(name, tuple(known)))
    return name


def _seed(value: Any, path: str) -> int:
    return int(check_number(value, path, integer=True, low=0, high=MAX_SEED))


@dataclass
class DataSpec:
    """The data set and how it is sampled. Plane data sets (generated 2-D points) use samples,
    noise and features; images and tables read `path` (a file or folder); a table also names its
    `target` column, its feature `columns` (empty: all the others) and its `task`."""

    dataset: str = "circle"
    samples: int = 500
    noise: float = 0.0
    train_fraction: float = 0.5
    seed: int = 1
    features: list[str] = field(default_factory=lambda: ["x1", "x2"])
    path: str = ""
    target: str = ""
    columns: list[str] = field(default_factory=list)
    task: str = "classification"
    steps: int = 0
    image_size: int = 0
    channels: int = 0

    @property
    def kind(self) -> str:
        """"plane", "images", "table" or "sequence"."""
        return DATASETS[self.dataset].extra["kind"]

    @property
    def num_classes(self) -> int:
        """Classes of a classification whose data set fixes them (the plane's, the sequences'); 0
        for regression and for data read from files, whose classes only the file says
        (core.data.sources.data_info)."""
        return DATASETS[self.dataset].extra["classes"] if self.task == "classification" else 0

    @property
    def input_signature(self) -> tuple:
        """What decides the model's input: trained weights fit another spec with the same one."""
        if self.kind == "plane":
            return ("plane", tuple(self.features))
        return (self.kind, self.dataset, self.path, self.target, tuple(self.columns), self.steps,
                self.image_size, self.channels)

    @classmethod
    def from_dict(cls, raw: Any, path: str = "data") -> "DataSpec":
        raw = check_mapping(raw, path)
        name = _known_name(raw, "dataset", DATASETS, path, "data set")
        entry = DATASETS[name]
        kind = entry.extra["kind"]
        keys = {"plane": ["samples", "noise", "features"],
                "images": ["samples", "path"] + (["image_size", "channels"] if name == "folder" else []),
                "table": ["samples", "path", "task"] + ([] if name == "arrays" else ["target", "columns"]),
                "sequence": ["samples", "path", "task"] if name == "sequence_arrays" else ["samples", "noise", "steps"]}[kind]
        check_unknown_keys(raw, ["dataset", "train_fraction", "seed"] + keys, path)
        default_samples = entry.extra["samples"]
        generated = kind == "plane" or (kind == "sequence" and name != "sequence_arrays")
        samples = check_number(raw.get("samples", default_samples), f"{path}.samples", integer=True,
                               low=4 if generated else 0, high=MAX_SAMPLES)
        if not generated and 0 < samples < 4:
            raise ValidationError(f"{path}.samples", f"must be 0 (all) or at least 4, not {samples}")
        noise = check_number(raw.get("noise", 0.0), f"{path}.noise", integer=False, low=0.0, high=0.5)
        steps = 0
        if kind == "sequence" and generated:
            steps = int(check_number(raw.get("steps", entry.extra["steps"]), f"{path}.steps", integer=True,
                                     low=2, high=4096))
        fraction = check_number(raw.get("train_fraction", 0.5 if kind == "plane" else 0.8),
                                f"{path}.train_fraction", integer=False, low=0.0, high=1.0, low_exclusive=True)
        if samples:
            n_train = int(samples * fraction)
            if n_train < 1 or n_train >= samples:
                raise ValidationError(f"{path}.train_fraction", f"leaves an empty training or test set with "
                                      f"{samples} samples; choose a fraction between {1 / samples:.3g} and "
                                      f"{(samples - 1) / samples:.3g}")
        seed = _seed(raw.get("seed", 1), f"{path}.seed")
        features = _features(raw.get("features", ["x1", "x2"]), f"{path}.features") if kind == "plane" else []
        file = ""
        if (kind in ("images", "table") or name == "sequence_arrays") and (name != "digits" or "path" in raw):
            file = raw.get("path", "")
            if not isinstance(file, str) or not file.strip() or "\x00" in file:
                raise ValidationError(f"{path}.path", f"choose the file or folder to read the {entry.title} from")
        target, columns, task = "", [], entry.extra["task"]
        if name == "sequence_arrays":
            task = raw.get("task", "regression")
            if task not in ("classification", "regression"):
                raise ValidationError(f"{path}.task", f"must be classification or regression, not {task!r}")
        if kind == "table":
            target = raw.get("target", "")
            if name != "arrays" and (not isinstance(target, str) or not target):
                raise ValidationError(f"{path}.target", "name the column to predict")
            columns = raw.get("columns", [])
            if not isinstance(columns, list) or not all(isinstance(c, str) and c for c in columns):
                raise ValidationError(f"{path}.columns", "must be a list of column names (empty: all but the target)")
            if len(set(columns)) != len(columns):
                raise ValidationError(f"{path}.columns", "lists a column twice")
            task = raw.get("task", "classification")
            if task not in ("classification", "regression"):
                raise ValidationError(f"{path}.task", f"must be classification or regression, not {task!r}")
        image_size = channels = 0
        if name == "folder":
            image_size = int(check_number(raw.get("image_size", 28), f"{path}.image_size", integer=True, low=4, high=512))
            channels = raw.get("channels", 1)
            if channels not in (1, 3) or isinstance(channels, bool):
                raise ValidationError(f"{path}.channels", f"must be 1 (grey) or 3 (colour), not {channels!r}")
        return cls(name, int(samples), float(noise), float(fraction), seed, features, file, target,
                   list(columns), task, steps, image_size, int(channels))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"dataset": self.dataset, "samples": self.samples}
        generated = self.kind == "plane" or (self.kind == "sequence" and self.dataset != "sequence_arrays")
        if generated:
            out["noise"] = self.noise
        if self.kind == "sequence" and generated:
            out["steps"] = self.steps
        out.update({"train_fraction": self.train_fraction, "seed": self.seed})
        if self.kind == "plane":
            out["features"] = list(self.features)
        if self.path:
            out["path"] = self.path
        if self.dataset in ("arrays", "sequence_arrays"):
            out["task"] = self.task
        elif self.kind == "table":
            out.update({"target": self.target, "columns": list(self.columns), "task": self.task})
        if self.dataset == "folder":
            out.update({"image_size": self.image_size, "channels": self.channels})
        return out


def _features(features: Any, path: str) -> list[str]:
    if not isinstance(features, list):
        raise ValidationError(path, f"must be a list of feature names, not {type_name(features)}")
    if not features:
        raise ValidationError(path, "is empty: choose at least one input feature (" + ", ".join(FEATURES) + ")")
    for i, f in enumerate(features):
        if not isinstance(f, str) or f not in FEATURES:
            raise ValidationError(f"{path}[{i}]", f"unknown feature {f!r}" + suggest(str(f), tuple(FEATURES)))
    if len(set(features)) != len(features):
        raise ValidationError(path, "lists a feature twice")
    return list(features)


@dataclass
class LayerSpec:
    """One layer: its kind and its full, validated parameters (defaults filled in); in a graph
    (graph.py) its `id` and the `inputs` it takes (None: the previous layer), and where the canvas
    draws it (`at`, not part of the architecture)."""

    type: str
    params: dict[str, Any] = field(default_factory=dict)
    id: str = ""
    inputs: list[str] | None = None
    at: tuple[float, float] | None = None

    @classmethod
    def create(cls, type: str, **params: Any) -> "LayerSpec":
        """A layer with defaults for every parameter not given, validated."""
        return cls.from_dict({"type": type, **params})

    @classmethod
    def from_dict(cls, raw: Any, path: str = "layer") -> "LayerSpec":
        raw = check_mapping(raw, path)
        kind = _known_name(raw, "type", LAYERS, path, "layer type")
        params = validate_params(LAYERS[kind].entry, {k: v for k, v in raw.items() if k not in _GRAPH_KEYS}, path)
        if "bias_init" in params and INITIALIZERS[params["bias_init"]["name"]].extra["needs_matrix"]:
            raise ValidationError(f"{path}.bias_init", f'"{params["bias_init"]["name"]}" needs a weight '
                                  "matrix; for biases use default, zeros, constant, uniform or normal")
        layer_id = check_id(raw["id"], f"{path}.id") if "id" in raw else ""
        inputs = check_inputs(raw["inputs"], f"{path}.inputs") if "inputs" in raw else None
        return cls(kind, params, layer_id, inputs, _position(raw["at"], f"{path}.at") if "at" in raw else None)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id} if self.id else {}
        out["type"] = self.type
        for key, value in self.params.items():
            out[key] = compact_named(INITIALIZERS, value) if key in ("init", "bias_init") else value
        if self.inputs is not None:
            out["inputs"] = list(self.inputs)
        if self.at is not None:
            out["at"] = list(self.at)
        return out

    @property
    def architecture(self) -> tuple:
        """What the built module depends on (everything but where it is drawn)."""
        return (self.type, self.params, self.id, self.inputs)


_GRAPH_KEYS = ("type", "id", "inputs", "at")
MAX_POSITION = 1e6


def _position(value: Any, path: str) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise ValidationError(path, f"must be [x, y], not {type_name(value)}")
    return (float(check_number(value[0], f"{path}[0]", integer=False, low=-MAX_POSITION, high=MAX_POSITION)),
            float(check_number(value[1], f"{path}[1]", integer=False, low=-MAX_POSITION, high=MAX_POSITION)))


@dataclass
class ModelSpec:
    """The layers in evaluation order; graph.py says which takes which."""

    layers: list[LayerSpec] = field(default_factory=list)

    @classmethod
    def from_dict(cls, raw: Any, path: str = "model") -> "ModelSpec":
        raw = check_mapping(raw, path)
        check_unknown_keys(raw, ["layers"], path)
        layers = raw.get("layers")
        if not isinstance(layers, list):
            raise ValidationError(f"{path}.layers", f"must be a list of layers, not {type_name(layers)}")
        if not layers:
            raise ValidationError(f"{path}.layers", "is empty: the last layer is the output, so a model "
                                  "needs at least one (a dense layer)")
        if len(layers) > MAX_LAYERS:
            raise ValidationError(f"{path}.layers", f"has {len(layers)} layers; at most {MAX_LAYERS}")
        specs = [LayerSpec.from_dict(layer, f"{path}.layers[{i}]") for i, layer in enumerate(layers)]
        check_references(specs, f"{path}.layers")
        return cls(specs)

    def to_dict(self) -> dict[str, Any]:
        return {"layers": [layer.to_dict() for layer in self.layers]}

    @property
    def architecture(self) -> tuple:
        return tuple(layer.architecture for layer in self.layers)

    @property
    def is_chain(self) -> bool:
        """Each layer takes the previous one and nothing merges (graph.is_chain)."""
        return is_chain(self.layers)


_TRAIN_PARAMS = (
    Param("loss", "ref", {"name": "mse"}, "what training minimizes", ref="loss"),
    Param("optimizer", "ref", {"name": "sgd"}, "how weights are updated", ref="optimizer"),
    Param("learning_rate", "float", 0.03, "step size η", low=0.0, high=10.0, low_exclusive=True),
    Param("batch_size", "int", 10, "samples per update", low=1, high=MAX_SAMPLES),
    Param("epochs", "int", 500, "passes over the training data (0: until stopped)", low=0, high=100_000_000),
    Param("regularization", "choice", "none", "penalty on the weights", choices=tuple(REGULARIZATIONS)),
    Param("regularization_rate", "float", 0.0, "penalty strength λ", low=0.0, high=10.0),
    Param("clip_grad_norm", "optional_float", None, "clip the gradient's norm to this (null: off)",
          low=0.0, high=1e6, low_exclusive=True),
    Param("schedule", "ref", {"name": "constant"}, "learning-rate schedule", ref="schedule"),
    Param("shuffle", "bool", False, "reshuffle the training set every epoch (the TensorFlow "
          "Playground keeps a fixed order)"),
    Param("seed", "int", 0, "seed of weights, dropout and shuffling", low=0, high=MAX_SEED),
    Param("device", "choice", "auto", "where to train", choices=()),
    Param("tensorboard", "bool", False, "also write TensorBoard event files (losses, accuracy, learning "
          "rate per epoch; hyper-parameters with the final metrics) into the run folder"),
)
TRAIN_PARAMS = {p.name: p for p in _TRAIN_PARAMS}


def _default(name: str) -> Any:
    """A TrainSpec field's default, from its parameter's description (the one place it is said)."""
    default = TRAIN_PARAMS[name].default
    return field(default_factory=lambda: dict(default)) if isinstance(default, dict) else field(default=default)


@dataclass
class TrainSpec:
    """The training settings; each field is described (name, kind, default, range) by its Param
    in TRAIN_PARAMS, which validates, fills in and writes it back."""

    loss: dict[str, Any] = _default("loss")
    optimizer: dict[str, Any] = _default("optimizer")
    learning_rate: float = _default("learning_rate")
    batch_size: int = _default("batch_size")
    epochs: int = _default("epochs")
    regularization: str = _default("regularization")
    regularization_rate: float = _default("regularization_rate")
    clip_grad_norm: float | None = _default("clip_grad_norm")
    schedule: dict[str, Any] = _default("schedule")
    shuffle: bool = _default("shuffle")
    seed: int = _default("seed")
    device: str = _default("device")
    tensorboard: bool = _default("tensorboard")

    @classmethod
    def from_dict(cls, raw: Any, path: str = "training") -> "TrainSpec":
        raw = check_mapping(raw, path)
        check_unknown_keys(raw, list(TRAIN_PARAMS), path)
        values: dict[str, Any] = {}
        for name, p in TRAIN_PARAMS.items():
            sub = f"{path}.{name}"
            if name == "device":
                device = raw.get("device", "auto")
                if not isinstance(device, str) or not DEVICE_PATTERN.match(device):
                    raise ValidationError(sub, f"{device!r} is not a device: use auto, cpu, cuda, cuda:N or mps")
                values[name] = device
            else:
                values[name] = validate_value(p, raw[name], sub) if name in raw else _copy(p.default)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Every setting in TRAIN_PARAMS' order; catalogue choices as a bare name at their defaults."""
        return {name: compact_named(catalogue(p.ref), getattr(self, name)) if p.kind == "ref" else getattr(self, name)
                for name, p in TRAIN_PARAMS.items()}


def _copy(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else value


@dataclass
class Project:
    """A whole project: data, model and training, plus keys this version does not use (kept as-is)."""

    data: DataSpec = field(default_factory=DataSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    training: TrainSpec = field(default_factory=TrainSpec)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: Any) -> "Project":
        raw = check_mapping(raw, "")
        fmt = raw.get("format")
        if fmt != FORMAT:
            raise ValidationError("format", f'must be "{FORMAT}" (is this a Neural Playground project?)'
                                  if fmt is None else f'is {fmt!r}, expected "{FORMAT}"')
        version = raw.get("version")
        if isinstance(version, bool) or not isinstance(version, int):
            raise ValidationError("version", f"must be an integer, not {type_name(version)}")
        if version > VERSION:
            raise ValidationError("version", f"is {version}, but this Neural Playground reads up to "
                                  f"version {VERSION}: update the app")
        if version < 1:
            raise ValidationError("version", f"must be ≥ 1, not {version}")
        for key in ("data", "model", "training"):
            if key not in raw:
                raise ValidationError(key, "is missing")
        extra = {k: v for k, v in raw.items() if k not in ("format", "version", "data", "model", "training")}
        return cls(DataSpec.from_dict(raw["data"]), ModelSpec.from_dict(raw["model"]),
                   TrainSpec.from_dict(raw["training"]), extra)

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "data": self.data.to_dict(),
                "model": self.model.to_dict(), "training": self.training.to_dict(), **self.extra}

    def same_architecture(self, other: "Project") -> bool:
        """True when trained weights of one fit the other: the same layers and the same input."""
        return self.model.architecture == other.model.architecture and self.data.input_signature == other.data.input_signature

    def with_training(self, **changes: Any) -> "Project":
        """A copy with some training settings changed (validated)."""
        raw = self.training.to_dict() | changes
        return replace(self, training=TrainSpec.from_dict(raw))
