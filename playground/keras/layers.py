"""Keras's layers by their names and arguments, each one a project layer (core.model): `Dense`,
`Dropout`, `Activation`, `BatchNormalization`, `LayerNormalization`, `Flatten`, and the merges
`Add`, `Concatenate` of the functional form (`Input`, calling a layer on a tensor, `Model`).

An argument this version does not take, or takes with another meaning, is a TypeError that names
it and says what is supported; nothing is silently ignored. Layers on images and sequences
(Conv2D, pooling, RNNs, Embedding, attention) are not here yet: numpy arrays reach the engine as
tables of numbers (core.data.arrays).
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from playground.keras import options

_COMMON = ("name", "input_shape", "input_dim")


def _refuse_unknown(layer: str, given: dict, supported: Sequence[str]) -> None:
    for key in given:
        raise TypeError(f"{layer}() got an argument {key!r} this version does not support; {layer} takes: "
                        + ", ".join(list(supported) + list(_COMMON)))


class KerasTensor:
    """What calling a layer on a tensor gives in the functional form: who made it, from what."""

    def __init__(self, layer: "Layer | None", sources: list["KerasTensor"], shape: tuple[int, ...] | None = None):
        self.layer, self.sources, self.shape = layer, sources, shape


def Input(shape: Sequence[int], name: str | None = None) -> KerasTensor:  # noqa: N802 (Keras's name)
    """The model's input: `shape` without the batch, e.g. (2,) for rows of two numbers."""
    shape = tuple(int(s) for s in shape)
    if len(shape) != 1:
        raise TypeError(f"Input(shape={shape}): this version takes rows of numbers, shape (features,)")
    return KerasTensor(None, [], shape)


class Layer:
    """A Keras-named layer; `spec()` is the project layer it stands for."""

    merge = False

    def __init__(self, name: str | None = None, input_shape: Sequence[int] | None = None,
                 input_dim: int | None = None) -> None:
        if name is not None and not re.match(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", str(name)):
            raise TypeError(f"name={name!r}: use letters, digits and _ (it becomes the block's id)")
        self.name = name
        if input_dim is not None:
            input_shape = (int(input_dim),)
        if input_shape is not None and len(tuple(input_shape)) != 1:
            raise TypeError(f"input_shape={tuple(input_shape)}: this version takes rows of numbers, (features,)")
        self.input_shape = tuple(int(s) for s in input_shape) if input_shape is not None else None

    def spec(self) -> dict[str, Any]:
        raise NotImplementedError

    def __call__(self, inputs: KerasTensor | Sequence[KerasTensor]) -> KerasTensor:
        sources = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if not all(isinstance(s, KerasTensor) for s in sources):
            raise TypeError(f"{type(self).__name__} is called on the tensors of Input(...) or of other layers")
        if self.merge and len(sources) < 2:
            raise TypeError(f"{type(self).__name__} takes a list of two or more tensors")
        if not self.merge and len(sources) != 1:
            raise TypeError(f"{type(self).__name__} takes one tensor, not {len(sources)}")
        return KerasTensor(self, sources)


class Dense(Layer):
    def __init__(self, units: int, activation: str | None = None, use_bias: bool = True,
                 kernel_initializer: str = "glorot_uniform", bias_initializer: str = "zeros",
                 kernel_regularizer: options.Regularizer | None = None, **kwargs: Any) -> None:
        _refuse_unknown("Dense", {k: v for k, v in kwargs.items() if k not in _COMMON},
                        ("units", "activation", "kernel_initializer", "bias_initializer", "kernel_regularizer"))
        super().__init__(**kwargs)
        if not use_bias:
            raise TypeError("Dense(use_bias=False) is not supported: every dense layer here has biases")
        if kernel_regularizer is not None and not isinstance(kernel_regularizer, options.Regularizer):
            raise TypeError("kernel_regularizer takes l1(λ) or l2(λ)")
        self.units, self.activation = int(units), options.activation(activation)
        self.init, self.bias_init = options.initializer(kernel_initializer), options.initializer(bias_initializer)
        self.regularizer = kernel_regularizer

    def spec(self) -> dict[str, Any]:
        return {"type": "dense", "units": self.units, "activation": self.activation, "init": self.init,
                "bias_init": self.bias_init}


class Dropout(Layer):
    def __init__(self, rate: float, **kwargs: Any) -> None:
        _refuse_unknown("Dropout", {k: v for k, v in kwargs.items() if k not in _COMMON}, ("rate",))
        super().__init__(**kwargs)
        self.rate = float(rate)

    def spec(self) -> dict[str, Any]:
        return {"type": "dropout", "rate": self.rate}


class Activation(Layer):
    def __init__(self, activation: str, **kwargs: Any) -> None:
        _refuse_unknown("Activation", {k: v for k, v in kwargs.items() if k not in _COMMON}, ("activation",))
        super().__init__(**kwargs)
        self.function = options.activation(activation)

    def spec(self) -> dict[str, Any]:
        return {"type": "activation", "function": self.function}


class BatchNormalization(Layer):
    """Keras's momentum is the running statistics' decay (0.99): PyTorch's is 1 − that."""

    def __init__(self, momentum: float = 0.99, epsilon: float = 1e-3, **kwargs: Any) -> None:
        _refuse_unknown("BatchNormalization", {k: v for k, v in kwargs.items() if k not in _COMMON},
                        ("momentum", "epsilon"))
        super().__init__(**kwargs)
        self.momentum, self.epsilon = float(momentum), float(epsilon)

    def spec(self) -> dict[str, Any]:
        return {"type": "batch_norm", "momentum": round(1.0 - self.momentum, 12), "eps": self.epsilon}


class LayerNormalization(Layer):
    def __init__(self, epsilon: float = 1e-3, **kwargs: Any) -> None:
        _refuse_unknown("LayerNormalization", {k: v for k, v in kwargs.items() if k not in _COMMON}, ("epsilon",))
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def spec(self) -> dict[str, Any]:
        return {"type": "layer_norm", "eps": self.epsilon}


class Flatten(Layer):
    """On rows of numbers (all this version takes) there is nothing to flatten: no layer."""

    def __init__(self, **kwargs: Any) -> None:
        _refuse_unknown("Flatten", {k: v for k, v in kwargs.items() if k not in _COMMON}, ())
        super().__init__(**kwargs)

    def spec(self) -> dict[str, Any]:
        return {}


class Add(Layer):
    merge = True

    def __init__(self, **kwargs: Any) -> None:
        _refuse_unknown("Add", {k: v for k, v in kwargs.items() if k not in _COMMON}, ())
        super().__init__(**kwargs)

    def spec(self) -> dict[str, Any]:
        return {"type": "add"}


class Concatenate(Layer):
    merge = True

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        _refuse_unknown("Concatenate", {k: v for k, v in kwargs.items() if k not in _COMMON}, ("axis",))
        super().__init__(**kwargs)
        if axis not in (-1, 1):
            raise TypeError(f"Concatenate(axis={axis}): rows of numbers join along their features, axis=-1")

    def spec(self) -> dict[str, Any]:
        return {"type": "concatenate"}


def _not_yet(name: str):
    def refuse(*args: Any, **kwargs: Any) -> Layer:
        raise TypeError(f"{name} is not supported by this version of the Python API, which trains on rows of "
                        "numbers: use Dense, Dropout, Activation, BatchNormalization, LayerNormalization, Add "
                        "and Concatenate here, and build image and sequence networks in the window")
    refuse.__name__ = name
    return refuse


Conv2D = _not_yet("Conv2D")
MaxPooling2D = _not_yet("MaxPooling2D")
AveragePooling2D = _not_yet("AveragePooling2D")
GlobalAveragePooling2D = _not_yet("GlobalAveragePooling2D")
SimpleRNN = _not_yet("SimpleRNN")
LSTM = _not_yet("LSTM")
GRU = _not_yet("GRU")
Embedding = _not_yet("Embedding")
MultiHeadAttention = _not_yet("MultiHeadAttention")
