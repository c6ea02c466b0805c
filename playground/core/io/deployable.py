"""What an export holds: the trained network between its input preparation and a readable output,
so a user feeds it the data as it comes and reads the answer as it is meant.

    raw input ──RawInput──▶ the trained network ──Readable──▶ probabilities (or the value)

- **Raw input**: the plane's points (x1, x2) — the feature columns (x1², sin x1, …) are computed
  inside; images as their pixel values (0–255, or 0–16 for the shipped digits), N×C×H×W; a
  table's numbers as they stand in the CSV, text columns one-hot as the app encodes them;
  sequences as generated.
- **Readable output**: one probability per class for classification (whatever the output layer
  and loss: softmax of logits, a sigmoid, a tanh score mapped to [0, 1]); the value itself for
  regression.

`signature(project, dataset, analysis)` says the same in a JSON-able dict (written beside every
export, and into the ONNX file's metadata), with the class names.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from playground.core.model.registry import FEATURES
from playground.core.model.shapes import Analysis, output_activation
from playground.core.model.spec import Project
from playground.core.model.targets import class_probabilities

SIGNATURE_FORMAT = "neural-playground-signature"


class RawInput(nn.Module):
    """Raw values → the network's input: the plane's feature columns from (x1, x2), then
    (x − offset) · scale where the data was standardized."""

    def __init__(self, features: list[str] | None, offset: np.ndarray | None, scale: np.ndarray | None) -> None:
        super().__init__()
        self.features = list(features) if features else []
        # the registry's numpy expression of each feature, over torch's functions of the same names
        self._columns = [eval(f"lambda x1, x2: {FEATURES[name].extra['code']}", {"np": torch})  # noqa: S307
                         for name in self.features]
        self.standardize = offset is not None
        self.register_buffer("offset", torch.as_tensor(np.asarray(0.0 if offset is None else offset, np.float32)))
        self.register_buffer("scale", torch.as_tensor(np.asarray(1.0 if scale is None else scale, np.float32)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self._columns:
            x1, x2 = x[:, 0], x[:, 1]
            x = torch.stack([column(x1, x2) for column in self._columns], dim=1)
        if self.standardize:
            x = (x - self.offset) * self.scale
        return x


class Readable(nn.Module):
    """The network's output → probabilities per class (classification) or the value (regression)."""

    def __init__(self, encoding: str, activation: str) -> None:
        super().__init__()
        self.encoding, self.activation = encoding, activation

    def forward(self, out: torch.Tensor) -> torch.Tensor:
        if self.encoding == "real":
            return out
        return class_probabilities(out, self.encoding, self.activation)


def deployable(model: nn.Module, project: Project, dataset, analysis: Analysis) -> nn.Sequential:
    """`model` (trained, CPU) wrapped to take raw input and give readable output, in eval mode."""
    features = list(project.data.features) if project.data.kind == "plane" else None
    wrapped = nn.Sequential(RawInput(features, dataset.raw_offset, dataset.raw_scale), model,
                            Readable(analysis.encoding or "real", output_activation(project.model)))
    return wrapped.eval()


def _pixel_max(project: Project) -> int:
    """The brightest pixel value of the data's files: 16 for the shipped digits, else 255."""
    return 16 if project.data.dataset == "digits" else 255


def _input_meaning(project: Project, dataset) -> str:
    data = project.data
    if data.kind == "plane":
        return ("the point's raw coordinates x1, x2 (the features "
                f"{', '.join(data.features)} are computed inside)")
    if data.kind == "images":
        return f"pixel values 0–{_pixel_max(project)} as in the data files, N × channels × height × width"
    if data.kind == "table":
        return ("the CSV's numbers as they are (standardized inside); text columns one-hot, one column per "
                "value, named like column=value: " + ", ".join(dataset.feature_names))
    return f"the {data.dataset} sequences as generated, N × steps × features"


def signature(project: Project, dataset, analysis: Analysis) -> dict[str, Any]:
    """What the exported model takes and gives, in words and shapes (JSON-able)."""
    classify = analysis.encoding not in (None, "real")
    shape = [None, 2] if project.data.kind == "plane" else [None, *analysis.input_shape]
    out = {"name": "probabilities" if classify else "output",
           "shape": [None, dataset.num_classes if classify else (analysis.output_shape or [1])[0]],
           "meaning": "the probability of each class (rows sum to 1)" if classify else "the predicted value"}
    if classify:
        out["classes"] = list(dataset.class_names)
    described_input = {"name": "input", "dtype": "float32", "shape": shape, "kind": project.data.kind,
                       "meaning": _input_meaning(project, dataset)}
    if project.data.kind == "images":
        described_input["pixel_max"] = _pixel_max(project)
    elif project.data.kind == "table":
        described_input["columns"] = list(dataset.feature_names)
    return {"format": SIGNATURE_FORMAT, "version": 1, "input": described_input, "output": out,
            "data": project.data.dataset}
