"""What every layer kind is (`LayerKind`): its parameters, shape inference without torch, its
parameter count, the PyTorch code that builds it, and how the window summarizes and draws it.

A shape is a tuple without the batch dimension: (F,) for feature vectors, (T, F) for sequences,
(C, H, W) for images."""

from __future__ import annotations

from typing import Any, Mapping

from playground.core.errors import ValidationError
from playground.core.model.params import Entry, Param
from playground.core.model.registry import ACTIVATIONS

Shape = tuple[int, ...]

ACTIVATION_PARAM = Param("activation", "choice", "linear", "the non-linearity applied to the output",
                          choices=tuple(ACTIVATIONS))
INIT_PARAM = Param("init", "ref", {"name": "default"}, "how the weights start", ref="initializer")
BIAS_INIT_PARAM = Param("bias_init", "ref", {"name": "default"}, "how the biases start", ref="initializer")


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
    #: Its outputs are neurons, y = f(W·x + b): the network view draws each one, its card has
    #: − and + for them, the lesson writes it as h = f(W·h + b).
    neurons: bool = False
    #: It passes a vector of neurons on as they are laid out (element by element, or normalized):
    #: a network of these and neuron layers is drawn neuron by neuron.
    keeps_neurons: bool = False
    #: It takes the outputs of several layers and makes one (add, concatenate, …): its inputs are
    #: checked together by `merged_shape`, and its module is called with them all.
    merge: bool = False

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

    def summary(self, params: Mapping[str, Any]) -> str:
        """The kind and its key settings in a few words, as a card's title: 'Dense · 8 units · tanh'."""
        return self.entry.title

    def output_activation(self, params: Mapping[str, Any]) -> str:
        """The non-linearity its output ends with, as the loss and the targets see it."""
        return "linear"
