"""Layer kinds on sequences (T×F): recurrent layers, embedding, positional encoding, attention."""

from __future__ import annotations

from typing import Any, Mapping

from playground.core.errors import ValidationError
from playground.core.model.params import Entry, Param
from playground.core.model.layer_kind import LayerKind, Shape, describe_shape


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
