"""Layer kinds on images (C×H×W): convolution, pooling, flatten, batch norm and dropout of channels."""

from __future__ import annotations

from typing import Any, Mapping

from playground.core.errors import ValidationError
from playground.core.model.params import Entry, Param
from playground.core.model.registry import ACTIVATIONS
from playground.core.model.layer_kind import (BIAS_INIT_PARAM, INIT_PARAM, LayerKind, Shape,
                                               activation_code, describe_shape)
from playground.core.model.layers_flat import BatchNorm, Dropout

_NEEDS_IMAGES = ("{name} needs images (C×H×W); the input here is {shape} — choose an image data set "
                 "(digits, MNIST, CIFAR-10) or remove the {name} layer")


def _images_message(name: str, shape: Shape) -> str:
    if len(shape) == 3:
        return ""
    return _NEEDS_IMAGES.format(name=name, shape=describe_shape(shape))


class ImageLayer(LayerKind):
    accepts_ranks = (3,)
    keeps_neurons = False  # (BatchNorm2d inherits batch norm's parameters, not its picture)

    def rank_message(self, shape: Shape) -> str:
        return _images_message(self.name, shape)


def _window_output(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


class Conv2d(ImageLayer):
    entry = Entry("conv2d", "Convolution 2-D", "Slides `filters` small learned kernels over the image; "
                  "each gives one feature map (edges, strokes, textures), then the activation.",
                  "y[f] = act(b[f] + Σ_c W[f, c] ⋆ x[c])",
                  (Param("filters", "int", 8, "number of kernels (output channels)", low=1, high=1024),
                   Param("kernel", "int", 3, "kernel size k (k×k pixels)", low=1, high=15),
                   Param("stride", "int", 1, "step between kernel positions", low=1, high=8),
                   Param("padding", "choice", "same", "same: keep the size (zero border); valid: no border",
                         choices=("same", "valid")),
                   Param("activation", "choice", "relu", "the non-linearity applied to each map",
                         choices=tuple(ACTIVATIONS)),
                   INIT_PARAM, BIAS_INIT_PARAM),
                  extra={"group": "Convolution"})
    init_module = 0

    @staticmethod
    def _padding(params: Mapping[str, Any]) -> int:
        return params["kernel"] // 2 if params["padding"] == "same" else 0

    def output_shape(self, shape: Shape, params: Mapping[str, Any], path: str) -> Shape:
        self.check_input(shape, path)
        c, h, w = shape
        k, s, p = params["kernel"], params["stride"], self._padding(params)
        oh, ow = _window_output(h, k, s, p), _window_output(w, k, s, p)
        if oh < 1 or ow < 1:
            raise ValidationError(f"{path}.kernel", f"a {k}×{k} kernel does not fit images of {h}×{w}: use a "
                                  "smaller kernel, padding same, or fewer pooling layers before it")
        return (params["filters"], oh, ow)

    def param_count(self, shape: Shape, params: Mapping[str, Any]) -> int:
        return params["filters"] * (shape[0] * params["kernel"] ** 2 + 1)

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return ([f"nn.Conv2d({shape[0]}, {params['filters']}, kernel_size={params['kernel']}, "
                 f"stride={params['stride']}, padding={self._padding(params)})"] + activation_code(params["activation"]))


class Pool2d(ImageLayer):
    op = "max"

    def output_shape(self, shape: Shape, params: Mapping[str, Any], path: str) -> Shape:
        self.check_input(shape, path)
        c, h, w = shape
        k = params["kernel"]
        s = params["stride"] or k
        if h < k or w < k:
            raise ValidationError(f"{path}.kernel", f"a {k}×{k} pooling window does not fit images of {h}×{w}: "
                                  "use a smaller window or fewer pooling layers")
        return (c, _window_output(h, k, s, 0), _window_output(w, k, s, 0))

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        cls = "MaxPool2d" if self.op == "max" else "AvgPool2d"
        return [f"nn.{cls}(kernel_size={params['kernel']}, stride={params['stride'] or params['kernel']})"]


_POOL_PARAMS = (Param("kernel", "int", 2, "window size k (k×k pixels)", low=1, high=16),
                Param("stride", "int", 0, "step between windows (0: the window size)", low=0, high=16))


class MaxPool2d(Pool2d):
    entry = Entry("max_pool2d", "Max pooling 2-D", "Keeps the largest value of each k×k window: a smaller "
                  "map that tolerates small shifts.", "y[c, i, j] = max over the window of x[c]",
                  _POOL_PARAMS, extra={"group": "Convolution"})


class AvgPool2d(Pool2d):
    entry = Entry("avg_pool2d", "Average pooling 2-D", "Averages each k×k window: a smaller, smoother map.",
                  "y[c, i, j] = mean over the window of x[c]", _POOL_PARAMS, extra={"group": "Convolution"})
    op = "avg"


class GlobalAvgPool(LayerKind):
    entry = Entry("global_avg_pool", "Global average pooling", "Averages each feature map (or each feature "
                  "over a sequence's steps) to one number: C×H×W becomes C features, T×F becomes F.",
                  "y[c] = mean_ij x[c, i, j]", (), extra={"group": "Convolution"})
    accepts_ranks = (2, 3)

    def rank_message(self, shape: Shape) -> str:
        return (f"global_avg_pool averages images or sequences; the input here is already {describe_shape(shape)}")

    def output_shape(self, shape: Shape, params: Mapping[str, Any], path: str) -> Shape:
        self.check_input(shape, path)
        return (shape[0],) if len(shape) == 3 else (shape[1],)

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        if len(shape) == 2:  # (batch, T, F) → (batch, 1, T, F) → mean over T → (batch, F)
            return [f"nn.Unflatten(1, (1, {shape[0]}))", "nn.AdaptiveAvgPool2d((1, None))", "nn.Flatten()"]
        return ["nn.AdaptiveAvgPool2d(1)", "nn.Flatten()"]


class Flatten(LayerKind):
    entry = Entry("flatten", "Flatten", "Lays an image (or a sequence) out as one long feature vector, "
                  "for dense layers.", "y = (x[0, 0, 0], x[0, 0, 1], …)", (), extra={"group": "Core"})
    accepts_ranks = (2, 3)

    def rank_message(self, shape: Shape) -> str:
        return f"flatten turns images or sequences into features; the input here is already {describe_shape(shape)}"

    def output_shape(self, shape: Shape, params: Mapping[str, Any], path: str) -> Shape:
        self.check_input(shape, path)
        n = 1
        for d in shape:
            n *= d
        return (n,)

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return ["nn.Flatten()"]


class BatchNorm2d(ImageLayer, BatchNorm):  # images' shape rules, batch norm's parameters and code
    entry = Entry("batch_norm2d", "Batch normalization 2-D", "Normalizes each channel over the mini-batch "
                  "and the image, then scales and shifts it with learned γ, β.",
                  "y[c] = γ[c]·(x[c] − μ_c)/√(σ²_c + ε) + β[c]", BatchNorm.entry.params,
                  extra={"group": "Normalization"})
    dims = 2


class Dropout2d(ImageLayer):
    entry = Entry("dropout2d", "Dropout 2-D", "While training, zeroes whole feature maps at random (and "
                  "scales the rest up); a regularizer for convolutional nets.",
                  "y[c] = m_c·x[c]/(1 − p), m_c ~ Bernoulli(1 − p)", Dropout.entry.params,
                  extra={"group": "Regularization"})

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return [f"nn.Dropout2d(p={params['rate']!r})"]
