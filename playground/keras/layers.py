"""Keras's layers by their names and arguments, each one a project layer (core.model): `Dense`,
`Dropout`, `Activation`, `BatchNormalization`, `LayerNormalization`, `Flatten`, and the merges
`Add`, `Concatenate` of the functional form (`Input`, calling a layer on a tensor, `Model`).

Images: `Conv2D`, `MaxPooling2D`, `AveragePooling2D`, `GlobalAveragePooling2D` on images as Keras
gives them (channels last, `input_shape=(H, W, C)`); the model holds them channels first.

An argument this version does not take, or takes with another meaning, is a TypeError that names
it and says what is supported; nothing is silently ignored.

Sequences: `SimpleRNN`, `LSTM`, `GRU` (`units`, `return_sequences`) on N × steps × features,
`Embedding` on token ids (N × steps), and `MultiHeadAttention` as self-attention.
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


def channels_first(shape: Sequence[int], what: str) -> tuple[int, ...]:
    """A Keras input shape — (features,), a sequence's (steps, features) or an image's (H, W, C) —
    as the model holds it."""
    shape = tuple(int(s) for s in shape)
    if len(shape) in (1, 2):
        return shape
    if len(shape) == 3 and shape[2] in (1, 3):
        return (shape[2], shape[0], shape[1])
    raise TypeError(f"{what}={shape}: this version takes rows of numbers (features,) or images (height, width, "
                    "channels) with 1 or 3 channels")


def Input(shape: Sequence[int], name: str | None = None) -> KerasTensor:  # noqa: N802 (Keras's name)
    """The model's input: `shape` without the batch, e.g. (2,) for rows of two numbers, (28, 28, 1)
    for grey images."""
    return KerasTensor(None, [], channels_first(shape, "Input(shape)"))


class Layer:
    """A Keras-named layer; `spec()` is the project layer it stands for."""

    merge = False
    #: What a model that starts with this layer takes: "table", "images", "sequence" or "tokens".
    takes = "table"

    def __init__(self, name: str | None = None, input_shape: Sequence[int] | None = None,
                 input_dim: int | None = None) -> None:
        if name is not None and not re.match(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", str(name)):
            raise TypeError(f"name={name!r}: use letters, digits and _ (it becomes the block's id)")
        self.name = name
        if input_dim is not None:
            input_shape = (int(input_dim),)
        self.input_shape = channels_first(input_shape, "input_shape") if input_shape is not None else None

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
    """Images to a row of numbers (channels first here: the order differs from Keras's, the model
    is the same); on rows of numbers there is nothing to flatten and it is no layer."""

    def __init__(self, **kwargs: Any) -> None:
        _refuse_unknown("Flatten", {k: v for k, v in kwargs.items() if k not in _COMMON}, ())
        super().__init__(**kwargs)

    def spec(self) -> dict[str, Any]:
        return {"type": "flatten"}


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


def _pair(value, name: str, what: str) -> int:
    """A Keras size given as k or (k, k): one number here (square kernels and strides)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2 or value[0] != value[1]:
            raise TypeError(f"{name}({what}={tuple(value)}): only square sizes, k or (k, k)")
        value = value[0]
    return int(value)


def _padding(value: str, name: str) -> str:
    if value not in ("valid", "same"):
        raise TypeError(f"{name}(padding={value!r}): use 'valid' or 'same'")
    return value


class Conv2D(Layer):
    """Keras's defaults: padding "valid", no activation, glorot_uniform kernels, zero biases."""

    takes = "images"

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid", activation: str | None = None,
                 kernel_initializer: str = "glorot_uniform", bias_initializer: str = "zeros", **kwargs: Any) -> None:
        _refuse_unknown("Conv2D", {k: v for k, v in kwargs.items() if k not in _COMMON},
                        ("filters", "kernel_size", "strides", "padding", "activation", "kernel_initializer",
                         "bias_initializer"))
        super().__init__(**kwargs)
        self.filters, self.kernel = int(filters), _pair(kernel_size, "Conv2D", "kernel_size")
        self.stride, self.padding = _pair(strides, "Conv2D", "strides"), _padding(padding, "Conv2D")
        if self.padding == "same" and self.kernel % 2 == 0:
            raise TypeError("Conv2D(padding='same') with an even kernel pads one side more in Keras; use an odd "
                            "kernel_size here")
        self.activation = options.activation(activation)
        self.init, self.bias_init = options.initializer(kernel_initializer), options.initializer(bias_initializer)
        self.regularizer = None

    def spec(self) -> dict[str, Any]:
        return {"type": "conv2d", "filters": self.filters, "kernel": self.kernel, "stride": self.stride,
                "padding": self.padding, "activation": self.activation, "init": self.init, "bias_init": self.bias_init}


class _Pooling2D(Layer):
    kind = "max_pool2d"

    def __init__(self, pool_size=2, strides=None, padding: str = "valid", **kwargs: Any) -> None:
        name = type(self).__name__
        _refuse_unknown(name, {k: v for k, v in kwargs.items() if k not in _COMMON}, ("pool_size", "strides", "padding"))
        super().__init__(**kwargs)
        if _padding(padding, name) != "valid":
            raise TypeError(f"{name}(padding='same') is not supported: pooling here uses no border")
        self.size = _pair(pool_size, name, "pool_size")
        self.stride = _pair(strides, name, "strides") if strides is not None else 0

    def spec(self) -> dict[str, Any]:
        return {"type": self.kind, "kernel": self.size, "stride": self.stride}


class MaxPooling2D(_Pooling2D):
    kind = "max_pool2d"


class AveragePooling2D(_Pooling2D):
    kind = "avg_pool2d"


class GlobalAveragePooling2D(Layer):
    def __init__(self, **kwargs: Any) -> None:
        _refuse_unknown("GlobalAveragePooling2D", {k: v for k, v in kwargs.items() if k not in _COMMON}, ())
        super().__init__(**kwargs)

    def spec(self) -> dict[str, Any]:
        return {"type": "global_avg_pool"}


class _Recurrent(Layer):
    kind = "rnn"
    #: A recurrent layer reads sequences: N × steps × features.
    takes = "sequence"

    def __init__(self, units: int, return_sequences: bool = False, **kwargs: Any) -> None:
        name = type(self).__name__
        activation = kwargs.pop("activation", "tanh")
        _refuse_unknown(name, {k: v for k, v in kwargs.items() if k not in _COMMON},
                        ("units", "return_sequences") + (("activation",) if self.kind == "rnn" else ()))
        if activation != "tanh":
            raise TypeError(f"{name}(activation={activation!r}): the recurrent layers here use tanh")
        super().__init__(**kwargs)
        self.units, self.return_sequences = int(units), bool(return_sequences)

    def spec(self) -> dict[str, Any]:
        return {"type": self.kind, "hidden": self.units, "output": "sequence" if self.return_sequences else "last"}


class SimpleRNN(_Recurrent):
    kind = "rnn"


class LSTM(_Recurrent):
    kind = "lstm"


class GRU(_Recurrent):
    kind = "gru"


class Embedding(Layer):
    """Token ids (N × steps, whole numbers 0 … input_dim − 1) to vectors of output_dim."""

    takes = "tokens"

    def __init__(self, input_dim: int, output_dim: int, **kwargs: Any) -> None:
        length = kwargs.pop("input_length", None)
        _refuse_unknown("Embedding", {k: v for k, v in kwargs.items() if k not in _COMMON},
                        ("input_dim", "output_dim", "input_length"))
        if length is not None and "input_shape" not in kwargs:
            kwargs["input_shape"] = (int(length),)
        shape = kwargs.pop("input_shape", None)
        super().__init__(**kwargs)
        self.input_shape = (int(tuple(shape)[0]), 1) if shape is not None else None
        self.vocabulary, self.dim = int(input_dim), int(output_dim)

    def spec(self) -> dict[str, Any]:
        return {"type": "embedding", "vocabulary": self.vocabulary, "dim": self.dim}


class MultiHeadAttention(Layer):
    """Self-attention over a sequence: `num_heads` heads of `key_dim` each, where key_dim × num_heads
    must be the sequence's features (the engine's attention keeps that width). Called on one
    tensor, or as Keras's `mha(x, x)` with the query as the value."""

    takes = "sequence"

    def __init__(self, num_heads: int, key_dim: int, dropout: float = 0.0, **kwargs: Any) -> None:
        _refuse_unknown("MultiHeadAttention", {k: v for k, v in kwargs.items() if k not in _COMMON},
                        ("num_heads", "key_dim", "dropout"))
        super().__init__(**kwargs)
        self.heads, self.key_dim, self.dropout = int(num_heads), int(key_dim), float(dropout)

    def spec(self) -> dict[str, Any]:
        return {"type": "self_attention", "heads": self.heads, "dropout": self.dropout}

    def check(self, features: int) -> None:
        if self.heads * self.key_dim != features:
            raise TypeError(f"MultiHeadAttention(num_heads={self.heads}, key_dim={self.key_dim}): here the heads "
                            f"share the sequence's {features} features, so key_dim × num_heads must be {features}")

    def __call__(self, query, value=None, **kwargs: Any) -> KerasTensor:
        if kwargs:
            raise TypeError(f"MultiHeadAttention called with {', '.join(kwargs)}: this version attends a sequence "
                            "to itself, mha(x) or mha(x, x)")
        if value is not None and value is not query:
            raise TypeError("MultiHeadAttention(query, value) with another value: this version is self-attention, "
                            "mha(x, x)")
        return super().__call__(query)
