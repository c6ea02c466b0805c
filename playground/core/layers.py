"""Layer kinds: their parameters, shape inference and the PyTorch code that builds them.

A shape is a tuple without the batch dimension: (F,) for feature vectors, (T, F) for sequences,
(C, H, W) for images. Each kind knows, without torch, what shape it turns an input shape into and
how many parameters it has; and it writes the PyTorch constructor expressions that build it (the
builder evaluates them, the python exporter prints them). New kinds (conv2d, pooling, flatten,
recurrent, attention) subclass `LayerKind` and register in `LAYERS`; nothing else changes.
"""

from __future__ import annotations

from typing import Any, Mapping

from playground.core.errors import ValidationError
from playground.core.params import Entry, Param
from playground.core.registry import ACTIVATIONS

Shape = tuple[int, ...]

_ACTIVATION = Param("activation", "choice", "linear", "the non-linearity applied to the output",
                    choices=tuple(ACTIVATIONS))
_INIT = Param("init", "ref", {"name": "default"}, "how the weights start", ref="initializer")
_BIAS_INIT = Param("bias_init", "ref", {"name": "default"}, "how the biases start", ref="initializer")


def describe_shape(shape: Shape) -> str:
    """A shape in words: '2 features', 'sequences of 20 × 3', 'images 1×28×28'."""
    if len(shape) == 1:
        return f"{shape[0]} feature{'s' if shape[0] != 1 else ''}"
    if len(shape) == 2:
        return f"sequences of {shape[0]} steps × {shape[1]} features"
    if len(shape) == 3:
        return "images " + "×".join(str(s) for s in shape)
    return "×".join(str(s) for s in shape)


def activation_code(name: str) -> list[str]:
    code = ACTIVATIONS[name].extra["code"]
    return [code] if code else []


class LayerKind:
    """Base class of a layer kind; subclasses set `entry` and override what differs."""

    entry: Entry
    #: Ranks of input shape it accepts, and what to tell the user otherwise.
    accepts_ranks: tuple[int, ...] = (1, 2, 3)
    #: Index, within the layer's modules, of the module whose weight/bias `init`/`bias_init` set.
    init_module: int | None = None

    @property
    def name(self) -> str:
        return self.entry.name

    def check_input(self, shape: Shape, path: str) -> None:
        if len(shape) not in self.accepts_ranks:
            raise ValidationError(path, self.rank_message(shape))

    def rank_message(self, shape: Shape) -> str:
        return f"{self.name} cannot take {describe_shape(shape)}"

    def output_shape(self, shape: Shape, params: Mapping[str, Any], path: str) -> Shape:
        self.check_input(shape, path)
        return shape

    def param_count(self, shape: Shape, params: Mapping[str, Any]) -> int:
        return 0

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        """PyTorch constructor expressions (namespace: nn, Sine) for this layer, in order."""
        raise NotImplementedError


class Dense(LayerKind):
    entry = Entry("dense", "Dense", "Every output unit is a weighted sum of all inputs plus a bias, "
                  "then the activation.", "y = f(W·x + b)",
                  (Param("units", "int", 4, "number of neurons (outputs)", low=1, high=65_536),
                   _ACTIVATION, _INIT, _BIAS_INIT),
                  extra={"group": "Core"})
    accepts_ranks = (1, 2)
    init_module = 0

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

    def rank_message(self, shape: Shape) -> str:
        return f"batch_norm normalizes flat features; the input here is {describe_shape(shape)}"

    def param_count(self, shape: Shape, params: Mapping[str, Any]) -> int:
        return 2 * shape[0]

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return [f"nn.BatchNorm1d({shape[0]}, eps={params['eps']!r}, momentum={params['momentum']!r})"]


class LayerNorm(LayerKind):
    entry = Entry("layer_norm", "Layer normalization", "Normalizes each sample over its features, "
                  "then scales and shifts with learned γ, β; independent of the batch.",
                  "y = γ·(x − μ)/√(σ² + ε) + β",
                  (Param("eps", "float", 1e-5, "added to the variance", low=0.0, high=1.0,
                         low_exclusive=True),),
                  extra={"group": "Normalization"})

    def param_count(self, shape: Shape, params: Mapping[str, Any]) -> int:
        return 2 * shape[-1]

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return [f"nn.LayerNorm({shape[-1]}, eps={params['eps']!r})"]


class Activation(LayerKind):
    entry = Entry("activation", "Activation", "Applies a non-linearity on its own, element by element.",
                  "y = f(x)",
                  (Param("function", "choice", "relu", "the non-linearity", choices=tuple(ACTIVATIONS)),),
                  extra={"group": "Core"})

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return activation_code(params["function"]) or ["nn.Identity()"]


LAYERS: dict[str, LayerKind] = {k.entry.name: k for k in [Dense(), Dropout(), BatchNorm(),
                                                          LayerNorm(), Activation()]}
