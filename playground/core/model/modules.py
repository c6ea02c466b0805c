"""The few modules the layer kinds need beyond torch.nn's own. Each is small and self-contained
(torch only): the python exporter copies the source of those a model uses into the generated file."""

from __future__ import annotations

import torch
from torch import nn


class Sine(nn.Module):
    """sin(x) as a module (periodic activation)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sin(x)


class Recurrent(nn.Module):
    """An RNN, LSTM or GRU over (batch, steps, features), returning every step's output or the last."""

    def __init__(self, cell: str, inputs: int, hidden: int, layers: int = 1, bidirectional: bool = False,
                 last: bool = True) -> None:
        super().__init__()
        kind = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn = kind(inputs, hidden, num_layers=layers, batch_first=True, bidirectional=bidirectional)
        self.last = last

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return out[:, -1] if self.last else out


class TokenEmbedding(nn.Module):
    """Token ids (batch, steps, 1), as numbers, to learned vectors (batch, steps, dim)."""

    def __init__(self, vocabulary: int, dim: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ids = x[..., 0].long().clamp(0, self.embedding.num_embeddings - 1)
        return self.embedding(ids)


class PositionalEncoding(nn.Module):
    """Adds the sinusoidal position signal of "Attention is all you need" to (batch, steps, features)."""

    def __init__(self, steps: int, features: int) -> None:
        super().__init__()
        position = torch.arange(steps, dtype=torch.float32)[:, None]
        rate = torch.exp(torch.arange(0, features, 2, dtype=torch.float32) * (-9.210340371976184 / features))
        table = torch.zeros(steps, features)
        table[:, 0::2] = torch.sin(position * rate)
        table[:, 1::2] = torch.cos(position * rate)[:, : features // 2]
        self.register_buffer("table", table, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.table


class SelfAttention(nn.Module):
    """Multi-head self-attention over (batch, steps, features). With `keep_weights` set, the last
    attention weights (batch, steps, steps; averaged over heads) are kept for inspection."""

    def __init__(self, features: int, heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(features, heads, dropout=dropout, batch_first=True)
        self.keep_weights = False
        self.weights: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, weights = self.attention(x, x, x, need_weights=self.keep_weights)
        if self.keep_weights:
            self.weights = weights.detach()
        return out


class TransformerBlock(nn.Module):
    """A pre-norm transformer encoder block: x + Attn(LN(x)), then x + FFN(LN(x))."""

    def __init__(self, features: int, heads: int, feedforward: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(features)
        self.attention = SelfAttention(features, heads, dropout)
        self.norm2 = nn.LayerNorm(features)
        self.feedforward = nn.Sequential(nn.Linear(features, feedforward), nn.GELU(), nn.Dropout(dropout),
                                         nn.Linear(feedforward, features))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.dropout(self.attention(self.norm1(x)))
        return x + self.dropout(self.feedforward(self.norm2(x)))


class Residual(nn.Module):
    """x + W₂·f(W₁·x + b₁) + b₂: a block the input skips around."""

    def __init__(self, features: int, hidden: int, activation: nn.Module) -> None:
        super().__init__()
        self.inner = nn.Sequential(nn.Linear(features, hidden), activation, nn.Linear(hidden, features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.inner(x)


class Merge(nn.Module):
    """Joins its inputs element by element: "add", "multiply", "average" or "maximum"."""

    def __init__(self, function: str) -> None:
        super().__init__()
        self.function = function

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        out = inputs[0]
        for x in inputs[1:]:
            if self.function == "multiply":
                out = out * x
            elif self.function == "maximum":
                out = torch.maximum(out, x)
            else:
                out = out + x
        return out / len(inputs) if self.function == "average" else out

    def extra_repr(self) -> str:
        return repr(self.function)


class Concatenate(nn.Module):
    """Joins its inputs along `dim` (1: features, or the channels of images)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return torch.cat(inputs, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


#: Names the layer code may use (the python exporter writes the same definitions).
CUSTOM_MODULES: dict[str, type[nn.Module]] = {cls.__name__: cls for cls in (
    Sine, Recurrent, TokenEmbedding, PositionalEncoding, SelfAttention, TransformerBlock, Residual, Merge, Concatenate)}
