"""What the views ask a trainer for, between two steps on the training thread: the decision
boundary, each neuron's map, the network's picture, layer statistics, test samples with their
predictions, attention and feature maps, the confusion matrix, and one weight set by hand."""

from __future__ import annotations

import math

import numpy as np
import torch

from playground.core import probes
from playground.core.errors import ValidationError
from playground.core.model.targets import class_probabilities, predicted_classes


class ProbingMixin:
    """Part of Trainer (core.training.trainer): reads its model, data and analysis."""

    @property
    def _units(self) -> int:
        """Neurons in all (flat layer outputs), for the views' grid resolutions."""
        return sum(info.output_shape[0] for info in self.analysis.layers
                   if info.output_shape is not None and len(info.output_shape) == 1)

    def probe_boundary(self, resolution: int | None = None,
                       axes: tuple[int, int] = (0, 1)) -> probes.BoundaryProbe:
        """The model over the plane; for a table, over two of its (standardized) columns `axes`
        with the others at their training mean. The resolution (default) is the finest whose
        cost stays within probes.PROBE_EVALUATIONS."""
        resolution = resolution or probes.probe_resolution(self._units)
        if self.project.data.kind == "table":
            if self._column_means is None:  # once: the views ask for a boundary many times a second
                self._column_means = self.dataset.x_train.mean(axis=0)
            rows = probes.table_inputs(self._column_means, axes, resolution)
            return probes.boundary_of_inputs(self.model, torch.as_tensor(rows, device=self.device), self.encoding,
                                             self.activation, resolution)
        return probes.boundary(self.model, self.project.data.features, self.encoding, self.activation,
                               resolution=resolution, device=self.device)

    def probe_neurons(self, resolution: int | None = None) -> probes.NeuronProbe:
        resolution = resolution or probes.probe_resolution(self._units)
        return probes.neurons(self.model, self.project.data.features, resolution=resolution,
                              device=self.device)

    def probe_network(self, resolution: int | None = None) -> probes.NetworkProbe:
        resolution = resolution or probes.probe_resolution(self._units, finest=32, coarsest=8)
        return probes.network(self.model, [layer.type for layer in self.project.model.layers],
                              self.project.data.features, resolution=resolution, device=self.device)

    def layer_statistics(self) -> probes.LayerStatistics:
        return probes.layer_statistics(self.model, self.loss_fn, self.x_train, self.y_train)

    def block_statistics(self) -> probes.BlockStatistics:
        return probes.block_statistics(self.model, self.loss_fn, self.x_train, self.y_train)

    def set_parameter(self, layer: int, name: str, index: tuple[int, ...], value: float) -> None:
        """Set one weight or bias of dense layer `layer` (call between steps, on the training
        thread). The edit is also kept as the last good weights."""
        path = f"model.layers[{layer}].{name}{list(index)}"
        if not math.isfinite(value):
            raise ValidationError(path, f"must be a finite number, not {value}")
        dense = dict(probes.dense_modules(self.model, [spec.type for spec in self.project.model.layers]))
        if layer not in dense or name not in ("weight", "bias"):
            raise ValidationError(path, "only the weights and biases of dense layers can be set")
        param = getattr(dense[layer], name)
        if param is None or len(index) != param.ndim or not all(0 <= i < n for i, n in zip(index, param.shape)):
            raise ValidationError(path, f"no such entry (the {name} has shape {tuple(param.shape) if param is not None else ()})")
        with torch.no_grad():
            param[index] = value
        self.kept.save_good()

    def probe_samples(self, count: int = 36) -> probes.SampleProbe:
        """The first `count` test samples with their true and predicted classes; for regression
        also true vs. predicted over (the start of) the test split."""
        n = min(count, len(self.x_test))
        out = self.outputs(self.x_test[:n])
        fit = None
        if self.encoding == "real":
            predicted = out[:, 0].float().cpu().numpy()
            confidence = np.ones(n, dtype=np.float32)
            m = min(probes.FIT_SAMPLES, len(self.x_test))
            fit = np.stack([self.dataset.y_test[:m].astype(np.float32).reshape(m),
                            self.outputs(self.x_test[:m])[:, 0].float().cpu().numpy()], axis=1)
        else:
            probs = class_probabilities(out, self.encoding, self.activation)
            conf, cls = probs.max(dim=1)
            predicted, confidence = cls.cpu().numpy(), conf.float().cpu().numpy()
        return probes.SampleProbe(np.arange(n), self.dataset.x_test[:n], self.dataset.y_test[:n], predicted,
                                  confidence, fit)

    def probe_attention(self, index: int) -> list[tuple[int, np.ndarray]]:
        """The attention weights of every attention layer for test sample `index`."""
        index = max(0, min(index, len(self.x_test) - 1))
        return probes.attention_maps(self.model, self.x_test[index:index + 1])

    def probe_feature_maps(self, index: int) -> list[tuple[int, np.ndarray]]:
        """Every image-shaped layer output for test sample `index`."""
        index = max(0, min(index, len(self.x_test) - 1))
        return probes.feature_maps(self.model, self.x_test[index:index + 1])

    def confusion_matrix(self, split: str = "test") -> np.ndarray:
        """Counts of (true, predicted) class over the test (or train) split."""
        x, labels = (self.x_test, self.dataset.y_test) if split == "test" else (self.x_train, self.dataset.y_train)
        pred = predicted_classes(self.outputs(x), self.encoding, self.activation).cpu().numpy()
        return probes.confusion_matrix(labels, pred, self.dataset.num_classes)

