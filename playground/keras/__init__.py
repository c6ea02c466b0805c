"""The engine in Keras's words, for scripts and notebooks: `Sequential([...])` or the functional
`Model(inputs, outputs)`, `compile`, `fit`, `evaluate`, `predict`, `summary`, `save`, `show`, and
`load_model` for any project or run folder made in the window. See README.md, "Python API"."""

from playground.keras import callbacks, datasets, layers
from playground.keras.layers import Input
from playground.keras.loading import load_model
from playground.keras.model import Model, Sequential
from playground.keras.options import SGD, Adagrad, Adam, AdamW, RMSprop, l1, l2

__all__ = ["Input", "Model", "Sequential", "load_model", "layers", "callbacks", "datasets", "SGD", "Adam",
           "AdamW", "RMSprop", "Adagrad", "l1", "l2"]
