"""Layer kinds: the table of every kind (`LAYERS`), each a `LayerKind` (layer_kind.py) that
knows its parameters, shape inference and parameter count without torch, writes the PyTorch
constructor expressions that build it (the builder evaluates them, the python exporter prints
them), and answers how the window summarizes and draws it. The kinds live by what they take:
layers_flat.py, layers_images.py, layers_sequences.py, layers_merge.py (layers that join
branches; graph.py says which layer takes which). A new kind subclasses `LayerKind` and is
listed here; nothing else changes.
"""

from __future__ import annotations

from playground.core.model.layer_kind import LayerKind, Shape, describe_shape
from playground.core.model.layers_flat import Activation, BatchNorm, Dense, Dropout, LayerNorm, ResidualBlock
from playground.core.model.layers_images import (AvgPool2d, BatchNorm2d, Conv2d, Dropout2d, Flatten, GlobalAvgPool,
                                                 MaxPool2d)
from playground.core.model.layers_merge import Add, Average, Concatenate, Maximum, Multiply
from playground.core.model.layers_sequences import (GRU, LSTM, RNN, Embedding, PositionalEncodingLayer,
                                                    SelfAttentionLayer, TransformerBlockLayer)

__all__ = ["LAYERS", "LayerKind", "Shape", "describe_shape"]

LAYERS: dict[str, LayerKind] = {k.entry.name: k for k in [
    Dense(), Dropout(), BatchNorm(), LayerNorm(), Activation(), Flatten(), ResidualBlock(), Conv2d(), MaxPool2d(),
    AvgPool2d(), GlobalAvgPool(), BatchNorm2d(), Dropout2d(), RNN(), LSTM(), GRU(), Embedding(),
    PositionalEncodingLayer(), SelfAttentionLayer(), TransformerBlockLayer(), Add(), Concatenate(), Multiply(), Average(), Maximum()]}
