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


# ------------------------------------------------------------------------------------- images

_NEEDS_IMAGES = ("{name} needs images (C×H×W); the input here is {shape} — choose an image data set "
                 "(digits, MNIST, CIFAR-10) or remove the {name} layer")


def _images_message(name: str, shape: Shape) -> str:
    if len(shape) == 3:
        return ""
    return _NEEDS_IMAGES.format(name=name, shape=describe_shape(shape))


class ImageLayer(LayerKind):
    accepts_ranks = (3,)

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
                   _INIT, _BIAS_INIT),
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


class GlobalAvgPool(ImageLayer):
    entry = Entry("global_avg_pool", "Global average pooling", "Averages each feature map to one number: "
                  "C×H×W becomes C features, whatever the image size.", "y[c] = mean_ij x[c, i, j]", (),
                  extra={"group": "Convolution"})

    def output_shape(self, shape: Shape, params: Mapping[str, Any], path: str) -> Shape:
        self.check_input(shape, path)
        return (shape[0],)

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
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


class BatchNorm2d(ImageLayer):
    entry = Entry("batch_norm2d", "Batch normalization 2-D", "Normalizes each channel over the mini-batch "
                  "and the image, then scales and shifts it with learned γ, β.",
                  "y[c] = γ[c]·(x[c] − μ_c)/√(σ²_c + ε) + β[c]", BatchNorm.entry.params,
                  extra={"group": "Normalization"})

    def param_count(self, shape: Shape, params: Mapping[str, Any]) -> int:
        return 2 * shape[0]

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return [f"nn.BatchNorm2d({shape[0]}, eps={params['eps']!r}, momentum={params['momentum']!r})"]


class Dropout2d(ImageLayer):
    entry = Entry("dropout2d", "Dropout 2-D", "While training, zeroes whole feature maps at random (and "
                  "scales the rest up); a regularizer for convolutional nets.",
                  "y[c] = m_c·x[c]/(1 − p), m_c ~ Bernoulli(1 − p)", Dropout.entry.params,
                  extra={"group": "Regularization"})

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return [f"nn.Dropout2d(p={params['rate']!r})"]


LAYERS: dict[str, LayerKind] = {k.entry.name: k for k in [
    Dense(), Dropout(), BatchNorm(), LayerNorm(), Activation(), Flatten(), Conv2d(), MaxPool2d(),
    AvgPool2d(), GlobalAvgPool(), BatchNorm2d(), Dropout2d()]}
