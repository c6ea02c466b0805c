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
    #: Its outputs are neurons, y = f(W·x + b): the network view draws each one, its card has
    #: − and + for them, the lesson writes it as h = f(W·h + b).
    neurons: bool = False
    #: It passes a vector of neurons on as they are laid out (element by element, or normalized):
    #: a network of these and neuron layers is drawn neuron by neuron.
    keeps_neurons: bool = False

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


class Dense(LayerKind):
    entry = Entry("dense", "Dense", "Every output unit is a weighted sum of all inputs plus a bias, "
                  "then the activation.", "y = f(W·x + b)",
                  (Param("units", "int", 4, "number of neurons (outputs)", low=1, high=65_536),
                   _ACTIVATION, _INIT, _BIAS_INIT),
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


# ------------------------------------------------------------------------------------- images

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


# ---------------------------------------------------------------------------------- sequences

def _needs_sequences(name: str, shape: Shape) -> str:
    return (f"{name} needs sequences (steps × features); the input here is {describe_shape(shape)} — choose a "
            f"sequence data set (sine, parity, characters) or remove the {name} layer")


class SequenceLayer(LayerKind):
    accepts_ranks = (2,)

    def rank_message(self, shape: Shape) -> str:
        return _needs_sequences(self.name, shape)


class RecurrentLayer(SequenceLayer):
    cell = "rnn"

    @classmethod
    def make_entry(cls, name: str, title: str, doc: str, formula: str) -> Entry:
        return Entry(name, title, doc, formula,
                     (Param("hidden", "int", 16, "size h of the hidden state", low=1, high=4096),
                      Param("layers", "int", 1, "recurrent layers stacked", low=1, high=8),
                      Param("bidirectional", "bool", False, "also read the sequence backwards (output 2h)"),
                      Param("output", "choice", "last", "last: the last step's output (for a label); "
                            "sequence: every step's", choices=("last", "sequence"))),
                     extra={"group": "Sequences"})

    def output_shape(self, shape: Shape, params: Mapping[str, Any], path: str) -> Shape:
        self.check_input(shape, path)
        width = params["hidden"] * (2 if params["bidirectional"] else 1)
        return (width,) if params["output"] == "last" else (shape[0], width)

    def param_count(self, shape: Shape, params: Mapping[str, Any]) -> int:
        gates = {"rnn": 1, "lstm": 4, "gru": 3}[self.cell]
        h, directions = params["hidden"], 2 if params["bidirectional"] else 1
        total, inputs = 0, shape[1]
        for _ in range(params["layers"]):
            total += directions * gates * (h * inputs + h * h + 2 * h)
            inputs = h * directions
        return total

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return [f"Recurrent({self.cell!r}, {shape[1]}, {params['hidden']}, layers={params['layers']}, "
                f"bidirectional={params['bidirectional']}, last={params['output'] == 'last'})"]


class RNN(RecurrentLayer):
    entry = RecurrentLayer.make_entry("rnn", "RNN", "Reads the sequence step by step, carrying a hidden "
                                      "state; simple, forgets quickly.", "hₜ = tanh(W·xₜ + U·hₜ₋₁ + b)")
    cell = "rnn"


class LSTM(RecurrentLayer):
    entry = RecurrentLayer.make_entry("lstm", "LSTM", "A recurrent layer with gates that decide what to keep, "
                                      "forget and output: remembers over long spans.",
                                      "cₜ = fₜ⊙cₜ₋₁ + iₜ⊙gₜ, hₜ = oₜ⊙tanh(cₜ)")
    cell = "lstm"


class GRU(RecurrentLayer):
    entry = RecurrentLayer.make_entry("gru", "GRU", "A gated recurrent layer with fewer gates than the LSTM; "
                                      "often as good, faster.", "hₜ = (1 − zₜ)⊙hₜ₋₁ + zₜ⊙h̃ₜ")
    cell = "gru"


class Embedding(SequenceLayer):
    entry = Entry("embedding", "Embedding", "Turns token ids (one number per step) into learned vectors.",
                  "y_t = E[x_t]",
                  (Param("vocabulary", "int", 64, "number of distinct tokens (ids 0 … n−1)", low=2, high=1_000_000),
                   Param("dim", "int", 16, "length of each token's vector", low=1, high=4096)),
                  extra={"group": "Sequences"})

    def output_shape(self, shape: Shape, params: Mapping[str, Any], path: str) -> Shape:
        self.check_input(shape, path)
        if shape[1] != 1:
            raise ValidationError(path, f"embedding needs one token id per step; the input has {shape[1]} "
                                  "features per step (use a dense layer for real-valued features)")
        return (shape[0], params["dim"])

    def param_count(self, shape: Shape, params: Mapping[str, Any]) -> int:
        return params["vocabulary"] * params["dim"]

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return [f"TokenEmbedding({params['vocabulary']}, {params['dim']})"]


class PositionalEncodingLayer(SequenceLayer):
    entry = Entry("positional_encoding", "Positional encoding", "Adds a fixed sine/cosine signal that tells "
                  "attention where in the sequence each step is.",
                  "PE(t, 2i) = sin(t/10000^(2i/d)), PE(t, 2i+1) = cos(…)", (), extra={"group": "Sequences"})

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return [f"PositionalEncoding({shape[0]}, {shape[1]})"]


def _check_heads(shape: Shape, heads: int, path: str) -> None:
    if shape[1] % heads:
        raise ValidationError(f"{path}.heads", f"{shape[1]} features per step cannot be split into {heads} "
                              f"heads: choose heads dividing {shape[1]}, or a dense layer before with a "
                              f"multiple of {heads} units")


class _AttentionLayer(SequenceLayer):
    """Self-attention and the transformer block: the shape is kept, the heads must divide it."""

    def output_shape(self, shape: Shape, params: Mapping[str, Any], path: str) -> Shape:
        self.check_input(shape, path)
        _check_heads(shape, params["heads"], path)
        return shape

    @staticmethod
    def attention_params(features: int) -> int:
        """Q, K, V and output projections, weights and biases."""
        return 4 * features * features + 4 * features


class SelfAttentionLayer(_AttentionLayer):
    entry = Entry("self_attention", "Self-attention", "Each step looks at every step and takes a weighted "
                  "mix of them; the weights come from how well queries match keys.",
                  "Attention(Q, K, V) = softmax(QKᵀ/√d)·V",
                  (Param("heads", "int", 2, "attention heads (must divide the features)", low=1, high=64),
                   Param("dropout", "float", 0.0, "dropout on the attention weights", low=0.0, high=0.9)),
                  extra={"group": "Sequences"})

    def param_count(self, shape: Shape, params: Mapping[str, Any]) -> int:
        return self.attention_params(shape[1])

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return [f"SelfAttention({shape[1]}, {params['heads']}, dropout={params['dropout']!r})"]


class TransformerBlockLayer(_AttentionLayer):
    entry = Entry("transformer_block", "Transformer encoder block", "Self-attention then a small feed-forward "
                  "network, each with a skip connection and layer normalization.",
                  "x ← x + Attn(LN(x)); x ← x + W₂·GELU(W₁·LN(x))",
                  (Param("heads", "int", 2, "attention heads (must divide the features)", low=1, high=64),
                   Param("feedforward", "int", 64, "width of the feed-forward network", low=1, high=65_536),
                   Param("dropout", "float", 0.0, "dropout inside the block", low=0.0, high=0.9)),
                  extra={"group": "Sequences"})

    def param_count(self, shape: Shape, params: Mapping[str, Any]) -> int:
        f, ff = shape[1], params["feedforward"]
        return self.attention_params(f) + (f * ff + ff + ff * f + f) + 4 * f  # + feed-forward, 2 layer norms

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return [f"TransformerBlock({shape[1]}, {params['heads']}, {params['feedforward']}, "
                f"dropout={params['dropout']!r})"]


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


LAYERS: dict[str, LayerKind] = {k.entry.name: k for k in [
    Dense(), Dropout(), BatchNorm(), LayerNorm(), Activation(), Flatten(), ResidualBlock(), Conv2d(), MaxPool2d(),
    AvgPool2d(), GlobalAvgPool(), BatchNorm2d(), Dropout2d(), RNN(), LSTM(), GRU(), Embedding(),
    PositionalEncodingLayer(), SelfAttentionLayer(), TransformerBlockLayer()]}
