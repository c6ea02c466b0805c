"""Batched, gradient-free evaluations that feed the views: the model's output over a grid of the
input plane, every neuron's output over that grid, and the confusion matrix.

All results are numpy arrays (float32, C-contiguous) ready for plotting. Grids are indexed
[row, column] = [y, x] with y and x ascending from −extent to +extent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from playground.core.data.features import compute_features
from playground.core.targets import binary_score, class_probabilities

GRID_RESOLUTION = 100
GRID_EXTENT = 6.0


def grid_points(resolution: int = GRID_RESOLUTION, extent: float = GRID_EXTENT) -> np.ndarray:
    """resolution² points (x fastest) covering [−extent, extent]², cell centres included at the edges."""
    axis = np.linspace(-extent, extent, resolution)
    xx, yy = np.meshgrid(axis, axis)
    return np.stack([xx.ravel(), yy.ravel()], axis=1)


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


def _grid_inputs(features: list[str], resolution: int, extent: float, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(compute_features(grid_points(resolution, extent), features), device=device)


def boundary(model: nn.Module, features: list[str], encoding: str, activation: str, *,
             resolution: int = GRID_RESOLUTION, extent: float = GRID_EXTENT,
             device: torch.device | str = "cpu") -> BoundaryProbe:
    x = _grid_inputs(features, resolution, extent, torch.device(device))
    model.eval()
    with torch.inference_mode():
        out = model(x)
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


def neurons(model: nn.Sequential, features: list[str], *, resolution: int = GRID_RESOLUTION,
            extent: float = GRID_EXTENT, device: torch.device | str = "cpu") -> NeuronProbe:
    """One forward pass over the grid with hooks on every layer (model[i] is spec layer i)."""
    x = _grid_inputs(features, resolution, extent, torch.device(device))
    outputs: list[torch.Tensor | None] = [None] * len(model)
    hooks = [layer.register_forward_hook(lambda _m, _i, out, i=i: outputs.__setitem__(i, out))
             for i, layer in enumerate(model)]
    model.eval()
    try:
        with torch.inference_mode():
            model(x)
    finally:
        for hook in hooks:
            hook.remove()
    maps: list[np.ndarray | None] = []
    for out in outputs:
        if out is None or out.dim() != 2:
            maps.append(None)
            continue
        maps.append(np.ascontiguousarray(out.T.reshape(-1, resolution, resolution).float().cpu().numpy()))
    feats = np.ascontiguousarray(x.T.reshape(-1, resolution, resolution).cpu().numpy())
    return NeuronProbe(feats, maps)


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """classes × classes counts; row = true class, column = predicted class."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(true, dtype=np.int64), np.asarray(predicted, dtype=np.int64)), 1)
    return matrix
