"""Batched, gradient-free evaluations that feed the views: the model's output over a grid of the
input plane, every neuron's output over that grid, and the confusion matrix.

All results are numpy arrays (float32, C-contiguous) ready for plotting. Grids are indexed
[row, column] = [y, x] with y and x ascending from −extent to +extent.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from playground.core.data.features import compute_features
from playground.core.model.build import layer_modules
from playground.core.model.modules import Sine
from playground.core.grids import (GRADIENT_BINS, GRID_EXTENT, GRID_RESOLUTION, NETWORK_UNITS,  # noqa: F401
                                   WEIGHT_BINS, grid_points)
from playground.core.model.targets import binary_score, class_probabilities

@dataclass
class BoundaryProbe:
    """The model over the plane. `score` in [−1, 1] for two classes (the boundary is at 0), the
    predicted `classes` and their `confidence` (max probability) for any classification, and the
    raw `output` (R×R×units); for regression `score` is the raw output."""

    score: np.ndarray
    classes: np.ndarray | None
    confidence: np.ndarray | None
    output: np.ndarray


@dataclass
class NeuronProbe:
    """Per input feature and per neuron, its value over the plane: `features` (F×R×R) and one array
    (units×R×R) per layer whose output is flat."""

    features: np.ndarray
    layers: list[np.ndarray | None]


@functools.lru_cache(maxsize=16)
def _grid_features(features: tuple[str, ...], resolution: int, extent: float) -> np.ndarray:
    """The features of every grid point (computed once per grid: the views ask many times a second)."""
    values = np.ascontiguousarray(compute_features(grid_points(resolution, extent), list(features)))
    values.flags.writeable = False
    return values


def _grid_inputs(features: list[str], resolution: int, extent: float, device: torch.device) -> torch.Tensor:
    values = _grid_features(tuple(features), resolution, extent)
    with warnings.catch_warnings():  # read-only on purpose: nothing writes to the model's input
        warnings.simplefilter("ignore", UserWarning)
        return torch.as_tensor(values, device=device)


def boundary(model: nn.Module, features: list[str], encoding: str, activation: str, *,
             resolution: int = GRID_RESOLUTION, extent: float = GRID_EXTENT,
             device: torch.device | str = "cpu") -> BoundaryProbe:
    """The model over the input plane (the plane data sets' features of each grid point)."""
    x = _grid_inputs(features, resolution, extent, torch.device(device))
    return boundary_of_inputs(model, x, encoding, activation, resolution)


def table_inputs(mean: np.ndarray, axes: tuple[int, int], resolution: int = GRID_RESOLUTION,
                 extent: float = GRID_EXTENT) -> np.ndarray:
    """Rows for a grid over two columns of a table (`axes`), every other column at its mean."""
    grid = grid_points(resolution, extent)
    rows = np.repeat(np.asarray(mean, dtype=np.float32)[None, :], len(grid), axis=0)
    rows[:, axes[0]] = grid[:, 0]
    rows[:, axes[1]] = grid[:, 1]
    return rows


#: Values (grid rows × units) one pass of a probe may hold in a layer: a wide layer is probed in
#: chunks of grid rows, so a 65,536-unit layer costs 16 MB at a time, not gigabytes.
PROBE_VALUES = 2**22


#: Neuron evaluations (grid points × units of every layer) one view probe may cost: a grid's
#: resolution is lowered for a network wide enough to pass it, so its views stay live.
PROBE_EVALUATIONS = 2**24


def probe_resolution(units: int, finest: int = GRID_RESOLUTION, coarsest: int = 16) -> int:
    """The grid resolution (points per side) for a network of `units` neurons in all."""
    return int(max(coarsest, min(finest, (PROBE_EVALUATIONS / max(1, units)) ** 0.5)))


def _row_chunks(model: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    widest = max((m.out_features for m in model.modules() if isinstance(m, nn.Linear)), default=1)
    rows = max(16, PROBE_VALUES // max(1, widest))
    return [x] if rows >= len(x) else list(x.split(rows))


def boundary_of_inputs(model: nn.Module, x: torch.Tensor, encoding: str, activation: str,
                       resolution: int = GRID_RESOLUTION) -> BoundaryProbe:
    """The model's output for resolution² grid rows `x` (x fastest), as a BoundaryProbe."""
    outputs = []
    model.eval()
    for chunk in _row_chunks(model, x):
        dense = _dense_outputs(model, chunk)
        if dense is not None:
            outputs.append(dense[-1])
            continue
        with torch.inference_mode():
            outputs.append(model(chunk))
    return _boundary_of_output(torch.cat(outputs), encoding, activation, resolution)


def _boundary_of_output(out: torch.Tensor, encoding: str, activation: str, resolution: int) -> BoundaryProbe:
    with torch.inference_mode():
        shape = (resolution, resolution)
        if encoding == "real":
            score = out[:, 0]
            classes = confidence = None
        else:
            probs = class_probabilities(out, encoding, activation)
            conf, cls = probs.max(dim=1)
            classes = cls.reshape(shape).to(torch.int32).cpu().numpy()
            confidence = conf.reshape(shape).float().cpu().numpy()
            score = binary_score(out, encoding, activation) if probs.shape[1] == 2 else conf
        return BoundaryProbe(np.ascontiguousarray(score.reshape(shape).float().cpu().numpy()), classes, confidence,
                             np.ascontiguousarray(out.reshape(shape + (-1,)).float().cpu().numpy()))


#: numpy forms of the activations a dense layer may end with (for `_dense_outputs`)
_NUMPY_ACTIVATIONS = {
    nn.Tanh: np.tanh, nn.ReLU: lambda z: np.maximum(z, 0, out=z),
    nn.Sigmoid: lambda z: 1 / (1 + np.exp(-z)), nn.LeakyReLU: lambda z: np.where(z > 0, z, z * np.float32(0.01)),
    nn.ELU: lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))), Sine: np.sin,
    nn.SiLU: lambda z: z / (1 + np.exp(-z)),
}


def _dense_outputs(model: nn.Module, x: torch.Tensor) -> list[torch.Tensor] | None:
    """For a stack of dense layers on the CPU, every layer's output computed with numpy, or None
    for any other model. The views' grids are thousands of rows through layers a few units
    wide: numpy's vectorized tanh and small matrix products take a fraction of the time of
    torch's per-operation dispatch here (display only: equal to the model's output within float32
    rounding)."""
    if x.device.type != "cpu" or x.dtype != torch.float32 or not isinstance(model, nn.Sequential):
        return None
    plan = []
    for layer in model:
        parts = list(layer) if isinstance(layer, nn.Sequential) else [layer]
        if not parts or not isinstance(parts[0], nn.Linear) or len(parts) > 2:
            return None
        activation = None
        if len(parts) == 2:
            activation = _NUMPY_ACTIVATIONS.get(type(parts[1]))
            if activation is None or (isinstance(parts[1], nn.LeakyReLU) and parts[1].negative_slope != 0.01):
                return None
        plan.append((parts[0], activation))
    # computed as units × rows (each unit's map is then one contiguous row), returned as the
    # rows × units views every other probe expects
    outputs = []
    values = np.ascontiguousarray(x.numpy().T)
    with torch.no_grad():
        for linear, activation in plan:
            z = linear.weight.detach().numpy() @ values
            if linear.bias is not None:
                z += linear.bias.detach().numpy()[:, None]
            values = np.ascontiguousarray(activation(z) if activation is not None else z, dtype=np.float32)
            outputs.append(torch.from_numpy(values).T)
    return outputs


def layer_outputs(model: nn.Module, x: torch.Tensor, units: int | None = None) -> list[torch.Tensor | None]:
    """Every spec layer's output (model[i] is spec layer i), no gradients; with `units`, only the
    first `units` of each flat output are kept. Wide layers are evaluated in chunks of rows."""
    chunks = _row_chunks(model, x)
    if len(chunks) == 1 and units is None:
        return _layer_outputs(model, x)
    parts = [[None if out is None else (out[:, :units].clone() if units is not None and out.dim() == 2 else out)
              for out in _layer_outputs(model, chunk)] for chunk in chunks]
    return [None if column[0] is None else torch.cat(column) for column in zip(*parts)]


def _layer_outputs(model: nn.Module, x: torch.Tensor) -> list[torch.Tensor | None]:
    dense = _dense_outputs(model, x)
    if dense is not None:
        return dense
    layers = layer_modules(model)
    outputs: list[torch.Tensor | None] = [None] * len(layers)
    hooks = [layer.register_forward_hook(lambda _m, _i, out, i=i: outputs.__setitem__(i, out))
             for i, layer in enumerate(layers)]
    model.eval()
    try:
        with torch.inference_mode():
            model(x)
    finally:
        for hook in hooks:
            hook.remove()
    return outputs


def neurons(model: nn.Module, features: list[str], *, resolution: int = GRID_RESOLUTION,
            extent: float = GRID_EXTENT, device: torch.device | str = "cpu",
            units: int | None = None) -> NeuronProbe:
    """One forward pass over the grid with hooks on every layer (model[i] is spec layer i); with
    `units`, the maps of each layer's first `units` neurons only."""
    x = _grid_inputs(features, resolution, extent, torch.device(device))
    return _neuron_probe(x, layer_outputs(model, x, units), resolution)


def boundary_and_neurons(model: nn.Module, features: list[str], encoding: str, activation: str, *,
                         resolution: int = GRID_RESOLUTION, extent: float = GRID_EXTENT,
                         device: torch.device | str = "cpu") -> tuple[BoundaryProbe, NeuronProbe]:
    """The boundary and every neuron's map from the same single forward pass over the grid."""
    x = _grid_inputs(features, resolution, extent, torch.device(device))
    outputs = layer_outputs(model, x)
    return _boundary_of_output(outputs[-1], encoding, activation, resolution), _neuron_probe(x, outputs, resolution)


def _neuron_probe(x: torch.Tensor, outputs: list, resolution: int) -> NeuronProbe:
    maps: list[np.ndarray | None] = []
    for out in outputs:
        if out is None or out.dim() != 2:
            maps.append(None)
            continue
        maps.append(np.ascontiguousarray(out.T.reshape(-1, resolution, resolution).float().cpu().numpy()))
    feats = np.ascontiguousarray(x.T.reshape(-1, resolution, resolution).cpu().numpy())
    return NeuronProbe(feats, maps)


@dataclass
class NetworkProbe:
    """What the network view draws: per input feature and per dense neuron its output over the
    plane (`features` F×R×R, `maps[k]` units×R×R), and each dense layer's `weights` (units×inputs)
    and `biases`. `layers[k]` is the spec index of the k-th dense layer. Of a layer wider than
    NETWORK_UNITS only its first NETWORK_UNITS neurons are there (and their links)."""

    features: np.ndarray
    layers: list[int]
    maps: list[np.ndarray]
    weights: list[np.ndarray]
    biases: list[np.ndarray | None]


def dense_modules(model: nn.Module, layer_types: list[str]) -> list[tuple[int, nn.Linear]]:
    """(spec index, its nn.Linear) of every dense layer."""
    out = []
    for i, kind in enumerate(layer_types):
        if kind == "dense":
            linear = next(m for m in layer_modules(model)[i].modules() if isinstance(m, nn.Linear))
            out.append((i, linear))
    return out


def network(model: nn.Module, layer_types: list[str], features: list[str], *,
            resolution: int = 32, extent: float = GRID_EXTENT, device: torch.device | str = "cpu") -> NetworkProbe:
    """Neuron maps (one hooked forward pass over the grid) and the dense weights, of the first
    NETWORK_UNITS neurons of each layer."""
    n = NETWORK_UNITS
    maps = neurons(model, features, resolution=resolution, extent=extent, device=device, units=n)
    dense = dense_modules(model, layer_types)
    with torch.no_grad():
        weights = [np.ascontiguousarray(m.weight[:n, :n].detach().float().cpu().numpy()) for _, m in dense]
        biases = [None if m.bias is None else m.bias[:n].detach().float().cpu().numpy() for _, m in dense]
    return NetworkProbe(maps.features, [i for i, _ in dense], [maps.layers[i] for i, _ in dense], weights, biases)


@dataclass
class LayerStatistics:
    """Per layer with weights (`names[k]`, spec index `layers[k]`): the histogram of its weights
    (over WEIGHT_BINS, values outside clipped to the end bins), of log10 |gradient| (over
    GRADIENT_BINS) and the gradient's root mean square. Gradients are of the training loss over
    (up to) `GRADIENT_SAMPLES` training samples, in evaluation mode (dropout off), without
    changing the model."""

    layers: list[int]
    names: list[str]
    weight_counts: np.ndarray     # layers × bins
    gradient_counts: np.ndarray   # layers × bins
    gradient_rms: np.ndarray      # layers


GRADIENT_SAMPLES = 256


@dataclass
class BlockStatistics:
    """Per spec layer (a block of the graph canvas): the mean and standard deviation of its output
    and the root mean square of its parameters' gradients (None: it has none), over (up to)
    GRADIENT_SAMPLES training samples, in evaluation mode, without changing the model."""

    mean: list[float]
    std: list[float]
    gradient_rms: list[float | None]


def block_statistics(model: nn.Module, loss_fn, x: torch.Tensor, y: torch.Tensor) -> BlockStatistics:
    """One forward pass with every layer's output kept, one backward pass: BlockStatistics."""
    layers = layer_modules(model)
    outputs: list[torch.Tensor | None] = [None] * len(layers)
    hooks = [layer.register_forward_hook(lambda _m, _i, out, i=i: outputs.__setitem__(i, out.detach()))
             for i, layer in enumerate(layers)]
    params = [list(layer.parameters()) for layer in layers]
    flat = [p for group in params for p in group]
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            loss = loss_fn(model(x[:GRADIENT_SAMPLES]), y[:GRADIENT_SAMPLES])
            grads = torch.autograd.grad(loss, flat, allow_unused=True) if flat else ()
    finally:
        model.train(was_training)
        for hook in hooks:
            hook.remove()
    means, stds, rms, k = [], [], [], 0
    for out, group in zip(outputs, params):
        values = out.float() if out is not None else torch.zeros(1)
        means.append(float(values.mean()))
        stds.append(float(values.std()) if values.numel() > 1 else 0.0)
        chosen = [g for g in grads[k:k + len(group)] if g is not None]
        k += len(group)
        rms.append(float(torch.sqrt(sum((g.float() ** 2).sum() for g in chosen) / sum(g.numel() for g in chosen)))
                   if chosen else None)
    return BlockStatistics(means, stds, rms)


def layer_statistics(model: nn.Module, loss_fn, x: torch.Tensor, y: torch.Tensor) -> LayerStatistics:
    """Weight and gradient histograms of every layer that has a weight matrix or kernel."""
    index = {name: i for i, (name, _) in enumerate(model.named_children())}
    chosen = [(index[name.split(".")[0]], name, p) for name, p in model.named_parameters() if p.ndim >= 2]
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            loss = loss_fn(model(x[:GRADIENT_SAMPLES]), y[:GRADIENT_SAMPLES])
            grads = torch.autograd.grad(loss, [p for _, _, p in chosen], allow_unused=True)
    finally:
        model.train(was_training)
    w_counts, g_counts, rms = [], [], []
    for (_, _, p), g in zip(chosen, grads):
        w = p.detach().float().cpu().numpy().ravel()
        w_counts.append(np.histogram(np.clip(w, WEIGHT_BINS[0], WEIGHT_BINS[-1]), WEIGHT_BINS)[0])
        g = np.zeros_like(w) if g is None else g.detach().float().cpu().numpy().ravel()
        magnitude = np.log10(np.maximum(np.abs(g), 1e-30))
        g_counts.append(np.histogram(np.clip(magnitude, GRADIENT_BINS[0], GRADIENT_BINS[-1]), GRADIENT_BINS)[0])
        rms.append(float(np.sqrt(np.mean(g.astype(np.float64) ** 2))) if g.size else 0.0)
    bins = len(WEIGHT_BINS) - 1
    return LayerStatistics([i for i, _, _ in chosen], [n for _, n, _ in chosen],
                           np.array(w_counts, dtype=np.int64).reshape(-1, bins),
                           np.array(g_counts, dtype=np.int64).reshape(-1, len(GRADIENT_BINS) - 1),
                           np.array(rms, dtype=np.float64))


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """classes × classes counts; row = true class, column = predicted class."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(true, dtype=np.int64), np.asarray(predicted, dtype=np.int64)), 1)
    return matrix


FIT_SAMPLES = 2000


@dataclass
class SampleProbe:
    """Test samples as the views show them: `inputs` (N×C×H×W images, or N×F rows), the true
    and predicted class, and the model's confidence in its prediction."""

    indices: np.ndarray
    inputs: np.ndarray
    true: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray
    #: regression only: (true, predicted) of the test split (up to FIT_SAMPLES rows), N×2
    fit: np.ndarray | None = None


def feature_maps(model: nn.Module, x: torch.Tensor) -> list[tuple[int, np.ndarray]]:
    """For one input (1×C×H×W), every layer's output that is still an image: (spec index, C×H×W)."""
    return [(i, np.ascontiguousarray(out[0].float().cpu().numpy()))
            for i, out in enumerate(layer_outputs(model, x)) if out is not None and out.dim() == 4]


def attention_maps(model: nn.Module, x: torch.Tensor) -> list[tuple[int, np.ndarray]]:
    """For one input (1×T×F), every attention layer's weights (spec index, T×T, averaged over
    heads; row = the step that looks, column = the step looked at)."""
    from playground.core.model.modules import SelfAttention

    found = [(i, m) for i, layer in enumerate(layer_modules(model)) for m in layer.modules()
             if isinstance(m, SelfAttention)]
    model.eval()
    try:
        for _, module in found:
            module.keep_weights = True
        with torch.inference_mode():
            model(x)
        return [(i, np.ascontiguousarray(m.weights[0].float().cpu().numpy())) for i, m in found
                if m.weights is not None]
    finally:
        for _, module in found:
            module.keep_weights, module.weights = False, None


def class_preview(images: np.ndarray, labels: np.ndarray, classes: int,
                  per_class: int = 8) -> list[tuple[int, int, np.ndarray]]:
    """The data before any training: per class (index, how many images it has, its first
    `per_class` images), for the classes that occur."""
    labels = np.asarray(labels).astype(np.int64).reshape(-1)
    counts = np.bincount(labels, minlength=classes)
    out = []
    for c in range(len(counts)):
        if counts[c]:
            out.append((c, int(counts[c]), np.asarray(images[np.flatnonzero(labels == c)[:per_class]])))
    return out

