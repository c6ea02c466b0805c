"""Shape inference and the model/data/loss cross-checks, before anything is built.

`analyze` walks the layers from the data's input shape, records each layer's output shape and
parameter count, finds the first incompatibility (naming the layer at fault), decides how labels are
encoded for the chosen output and loss, and estimates the memory training will take.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playground.core.errors import PlaygroundError, ValidationError
from playground.core.model.graph import INPUT_INDEX, display_name, sources, unused
from playground.core.model.layers import LAYERS, Shape, describe_shape
from playground.core.memory import human_bytes, memory_limit_bytes
from playground.core.model.spec import ModelSpec, Project, TrainSpec

#: How targets are encoded for the loss, decided by the output layer and the loss:
#: "pm1" ±1 (one tanh/linear unit), "01" 0/1 (sigmoid unit or bce), "index" class index
#: (cross_entropy), "onehot" one-hot rows (mse-like loss on one unit per class), "real" regression.
ENCODINGS = ("pm1", "01", "index", "onehot", "real")
REGRESSION_LOSSES = ("mse", "mae", "huber")


@dataclass
class LayerInfo:
    index: int
    type: str
    input_shape: Shape
    output_shape: Shape | None
    params: int
    input_shapes: list[Shape] = field(default_factory=list)   # every input's (a merge has several)


@dataclass
class Analysis:
    input_shape: Shape
    layers: list[LayerInfo] = field(default_factory=list)
    encoding: str | None = None
    error: ValidationError | None = None
    error_layer: int | None = None
    pending: bool = False     # the data file is still being read (see data.sources.cached_only)
    layer_errors: dict[int, ValidationError] = field(default_factory=dict)   # every layer at fault
    warnings: list[ValidationError] = field(default_factory=list)   # e.g. an output that goes nowhere

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def total_params(self) -> int:
        return sum(info.params for info in self.layers)

    @property
    def output_shape(self) -> Shape | None:
        return self.layers[-1].output_shape if self.layers else None

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error


def output_activation(model: ModelSpec) -> str:
    """The non-linearity that produces the model's output ('linear' if none)."""
    last = model.layers[-1]
    return LAYERS[last.type].output_activation(last.params)


def _encoding(task: str, classes: int, units: int, activation: str, loss: str, bounded_ok: bool = False) -> str:
    """The label encoding, or a ValidationError that says how to fix the mismatch. With
    `bounded_ok` (a person's own arrays, whose targets may well lie in 0…1) a regression may end
    in a bounded activation."""
    where = "model.layers[-1]"
    if task == "regression":
        if loss not in REGRESSION_LOSSES:
            raise ValidationError("training.loss", f'"{loss}" is for classification; this data set is a '
                                  "regression: use mse, mae or huber")
        if units != 1:
            raise ValidationError(f"{where}.units", f"is {units}; a regression needs 1 output unit")
        if activation in ("softmax", "sigmoid", "tanh") and not bounded_ok:
            raise ValidationError(f"{where}.activation", f'"{activation}" bounds the output, but regression '
                                  "targets are real numbers: use linear")
        return "real"
    if loss == "cross_entropy":
        if units != classes:
            raise ValidationError(f"{where}.units", f"is {units}; cross_entropy needs one output unit per "
                                  f"class ({classes} for this data set): set units to {classes}"
                                  + (', or use loss "bce" with one sigmoid unit' if classes == 2 else ""))
        if activation not in ("linear", "softmax"):
            raise ValidationError(f"{where}.activation", f'"{activation}" before cross_entropy: use linear '
                                  "(logits) or softmax")
        return "index"
    if loss == "bce":
        if classes != 2 or units != 1:
            raise ValidationError(f"{where}.units", f"bce needs one output unit and two classes (here "
                                  f"{units} units, {classes} classes): use cross_entropy with {classes} units"
                                  if classes != 2 else f"is {units}; bce needs 1 output unit")
        if activation not in ("linear", "sigmoid"):
            raise ValidationError(f"{where}.activation", f'"{activation}" before bce: use sigmoid '
                                  "(probabilities) or linear (logits)")
        return "01"
    if loss == "hinge":
        if classes != 2 or units != 1:
            raise ValidationError(f"{where}.units", "hinge needs one output unit and two classes: "
                                  f"here {units} units, {classes} classes")
        if activation in ("sigmoid", "softmax"):
            raise ValidationError(f"{where}.activation", f'"{activation}" cannot give the ±1 targets of '
                                  "hinge: use tanh or linear")
        return "pm1"
    # mse, mae, huber on classes
    if units == 1 and classes == 2:
        if activation == "softmax":
            raise ValidationError(f"{where}.activation", "softmax over one unit is always 1: use tanh "
                                  "(±1 targets) or sigmoid (0/1 targets)")
        return "01" if activation == "sigmoid" else "pm1"
    if units == classes:
        return "onehot"
    raise ValidationError(f"{where}.units", f"is {units}; this data set has {classes} classes: use "
                          f"{classes} units" + (" (or 1 unit with tanh)" if classes == 2 else ""))


def analyze_model(model: ModelSpec, input_shape: Shape) -> Analysis:
    """Per-layer shapes and parameter counts along the graph (graph.py). A layer that cannot take
    its inputs is at fault (`layer_errors`; the first is `error`); the layers after it that
    depend on it have no shape. An output that goes nowhere is a warning."""
    analysis = Analysis(tuple(input_shape))
    layers = model.layers
    outputs: list[Shape | None] = []
    for i, (layer, src) in enumerate(zip(layers, sources(layers))):
        kind, path = LAYERS[layer.type], f"model.layers[{i}]"
        shapes = [analysis.input_shape if j == INPUT_INDEX else outputs[j] for j in src]
        first = shapes[0] if shapes and shapes[0] is not None else ()
        if any(shape is None for shape in shapes):
            analysis.layers.append(LayerInfo(i, layer.type, first, None, 0))
            outputs.append(None)
            continue
        try:
            if not src:
                raise ValidationError(f"{path}.inputs", "takes no input: wire a layer's output (or the input) to it")
            if kind.merge:
                named = [(display_name(layers, j), "" if j == INPUT_INDEX else layers[j].type, shape)
                         for j, shape in zip(src, shapes)]
                out = kind.merged_shape(named, layer.params, path)
            else:
                out = kind.output_shape(first, layer.params, path)
            analysis.layers.append(LayerInfo(i, layer.type, first, out, kind.param_count(first, layer.params),
                                             list(shapes)))
            outputs.append(out)
        except ValidationError as err:
            analysis.layer_errors[i] = err
            if analysis.error is None:
                analysis.error, analysis.error_layer = err, i
            analysis.layers.append(LayerInfo(i, layer.type, first, None, 0, [s for s in shapes if s is not None]))
            outputs.append(None)
    for i in unused(layers):
        analysis.warnings.append(ValidationError(f"model.layers[{i}]", f"the output of {display_name(layers, i)} "
                                                 f"({layer_title(layers[i])}) goes nowhere: wire it to a layer "
                                                 "or delete it"))
    return analysis


def layer_title(layer) -> str:
    return LAYERS[layer.type].entry.title.lower()


def analyze(project: Project) -> Analysis:
    """Shapes of every layer and the label encoding, or the first error (see `Analysis.error`)."""
    from playground.core.data.sources import DataNotRead, data_info

    try:
        info = data_info(project.data)
    except DataNotRead as err:
        return Analysis((), error=ValidationError("data.path", f"{err}…"), pending=True)
    except PlaygroundError as err:
        analysis = Analysis(())
        analysis.error = err if isinstance(err, ValidationError) else ValidationError("data.path", str(err))
        return analysis
    analysis = analyze_model(project.model, info.input_shape)
    if not analysis.ok:
        return analysis
    out = analysis.output_shape
    assert out is not None
    if len(out) != 1:
        analysis.error = ValidationError("model.layers[-1]", f"gives {describe_shape(out)}; the output "
                                         "must be flat features: add a flatten or dense layer")
        analysis.error_layer = len(project.model.layers) - 1
        analysis.layer_errors[analysis.error_layer] = analysis.error
        return analysis
    try:
        analysis.encoding = _encoding(project.data.task, info.classes, out[0],
                                      output_activation(project.model), project.training.loss["name"],
                                      bounded_ok=project.data.dataset == "arrays")
    except ValidationError as err:
        analysis.error = err
        analysis.error_layer = len(project.model.layers) - 1 if err.path.startswith("model") else None
        if analysis.error_layer is not None:
            analysis.layer_errors[analysis.error_layer] = err
    return analysis


# --------------------------------------------------------------------------------------------
# Memory

BYTES_PER_VALUE = 4
#: Copies of the parameters training keeps: weights, gradients, two optimizer states, last good.
PARAM_COPIES = 5


def estimate_training_bytes(analysis: Analysis, training: TrainSpec, samples: int) -> int:
    """A generous estimate of what training needs: parameters with their gradients and optimizer
    state, activations of one batch (forward and backward), and the data set."""
    activations = sum(_numel(info.output_shape) for info in analysis.layers if info.output_shape)
    batch = min(training.batch_size, samples)
    data = samples * (_numel(analysis.input_shape) + 1)
    return BYTES_PER_VALUE * (PARAM_COPIES * analysis.total_params + 3 * batch * activations + 2 * data)


def check_memory(project: Project, analysis: Analysis, limit: int | None = None) -> None:
    """Refuse, before anything is allocated, a run whose estimate exceeds the limit."""
    limit = memory_limit_bytes() if limit is None else limit
    samples = project.data.samples
    if project.data.kind != "plane":
        from playground.core.data.sources import data_info

        try:
            samples = min(samples or data_info(project.data).samples, data_info(project.data).samples)
        except PlaygroundError as err:
            raise ValidationError("data.path", str(err)) from None
    need = estimate_training_bytes(analysis, project.training, samples)
    if need > limit:
        raise ValidationError("model", f"training would need about {human_bytes(need)} "
                              f"({analysis.total_params:,} parameters), more than the {human_bytes(limit)} "
                              "allowed: make the layers smaller or the batch smaller")


def _numel(shape: Shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


