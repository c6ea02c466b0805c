"""Layer kinds on feature vectors: dense, dropout, normalization, activation, the residual block."""

from __future__ import annotations

from typing import Any, Mapping

from playground.core.model.params import Entry, Param
from playground.core.model.registry import ACTIVATIONS
from playground.core.model.layer_kind import (ACTIVATION_PARAM, BIAS_INIT_PARAM, INIT_PARAM, LayerKind, Shape,
                                               activation_code, describe_shape)


class Dense(LayerKind):
    entry = Entry("dense", "Dense", "Every output unit is a weighted sum of all inputs plus a bias, "
                  "then the activation.", "y = f(W·x + b)",
                  (Param("units", "int", 4, "number of neurons (outputs)", low=1, high=65_536),
                   ACTIVATION_PARAM, INIT_PARAM, BIAS_INIT_PARAM),
                  extra={"group": "Core"})
    accepts_ranks = (1, 2)
    init_module = 0
    neurons = True

    def output_activation(self, params: Mapping[str, Any]) -> str:
        return params["activation"]

    def summary(self, params: Mapping[str, Any]) -> str:
        units = params["units"]
        return f"{self.entry.title} · {units} unit{'s' if units != 1 else ''} · {ACTIVATIONS[params['activation']].title}"

    def rank_message(self, shape: Shape) -> str:
        return (f"dense needs flat features; the input here is {describe_shape(shape)} — "
                "add a flatten layer before it")

    def output_shape(self, shape: Shape, params: Mapping[str, Any], path: str) -> Shape:
        self.check_input(shape, path)
        return shape[:-1] + (params["units"],)

    def param_count(self, shape: Shape, params: Mapping[str, Any]) -> int:
        return shape[-1] * params["units"] + params["units"]

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return [f"nn.Linear({shape[-1]}, {params['units']})"] + activation_code(params["activation"])


class Dropout(LayerKind):
    entry = Entry("dropout", "Dropout", "While training, zeroes a random fraction of its inputs (and "
                  "scales the rest up); a regularizer. Does nothing at evaluation.",
                  "y = m ⊙ x / (1 − p), m ~ Bernoulli(1 − p)",
                  (Param("rate", "float", 0.5, "fraction p of inputs dropped", low=0.0, high=0.95),),
                  extra={"group": "Regularization"})
    keeps_neurons = True

    def summary(self, params: Mapping[str, Any]) -> str:
        return f"{self.entry.title} · rate {params['rate']:g}"

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return [f"nn.Dropout(p={params['rate']!r})"]


class BatchNorm(LayerKind):
    entry = Entry("batch_norm", "Batch normalization", "Normalizes each feature over the mini-batch, "
                  "then scales and shifts it with learned γ, β; speeds up training of deep nets.",
                  "y = γ·(x − μ_B)/√(σ²_B + ε) + β",
                  (Param("momentum", "float", 0.1, "update rate of the running statistics",
                         low=0.0, high=1.0),
                   Param("eps", "float", 1e-5, "added to the variance", low=0.0, high=1.0,
                         low_exclusive=True)),
                  extra={"group": "Normalization"})
    accepts_ranks = (1,)
    keeps_neurons = True

    dims = 1  # nn.BatchNorm1d; BatchNorm2d (images) sets 2

    def rank_message(self, shape: Shape) -> str:
        return f"batch_norm normalizes flat features; the input here is {describe_shape(shape)}"

    def param_count(self, shape: Shape, params: Mapping[str, Any]) -> int:
        return 2 * shape[0]  # γ and β per feature or channel

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return [f"nn.BatchNorm{self.dims}d({shape[0]}, eps={params['eps']!r}, momentum={params['momentum']!r})"]


class LayerNorm(LayerKind):
    entry = Entry("layer_norm", "Layer normalization", "Normalizes each sample over its features, "
                  "then scales and shifts with learned γ, β; independent of the batch.",
                  "y = γ·(x − μ)/√(σ² + ε) + β",
                  (Param("eps", "float", 1e-5, "added to the variance", low=0.0, high=1.0,
                         low_exclusive=True),),
                  extra={"group": "Normalization"})
    keeps_neurons = True

    def param_count(self, shape: Shape, params: Mapping[str, Any]) -> int:
        return 2 * shape[-1]

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return [f"nn.LayerNorm({shape[-1]}, eps={params['eps']!r})"]


class Activation(LayerKind):
    entry = Entry("activation", "Activation", "Applies a non-linearity on its own, element by element.",
                  "y = f(x)",
                  (Param("function", "choice", "relu", "the non-linearity", choices=tuple(ACTIVATIONS)),),
                  extra={"group": "Core"})
    keeps_neurons = True

    def summary(self, params: Mapping[str, Any]) -> str:
        return f"{self.entry.title} · {ACTIVATIONS[params['function']].title}"

    def output_activation(self, params: Mapping[str, Any]) -> str:
        return params["function"]

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return activation_code(params["function"]) or ["nn.Identity()"]


class ResidualBlock(LayerKind):
    entry = Entry("residual", "Residual block", "Two dense layers that the input skips around: the block "
                  "learns a correction to its input, so deep stacks stay trainable.",
                  "y = x + W₂·f(W₁·x + b₁) + b₂",
                  (Param("hidden", "int", 16, "width of the inner layer", low=1, high=65_536),
                   Param("activation", "choice", "relu", "the inner non-linearity", choices=tuple(ACTIVATIONS))),
                  extra={"group": "Core"})
    accepts_ranks = (1, 2)

    def rank_message(self, shape: Shape) -> str:
        return f"residual works on features or sequences; the input here is {describe_shape(shape)} — add a flatten layer before it"

    def param_count(self, shape: Shape, params: Mapping[str, Any]) -> int:
        f, h = shape[-1], params["hidden"]
        return f * h + h + h * f + f

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        act = activation_code(params["activation"])
        return [f"Residual({shape[-1]}, {params['hidden']}, {act[0] if act else 'nn.Identity()'})"]
