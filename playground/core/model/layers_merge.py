"""Merge layers: they take the outputs of two or more layers (graph.py) and make one. Element-wise
merges (add, multiply, average, maximum) need equal shapes; concatenate joins along one axis.
Their errors say which inputs disagree and how to make them agree."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from playground.core.errors import ValidationError
from playground.core.model.layer_kind import LayerKind, Shape, describe_shape
from playground.core.model.params import Entry, Param

#: One merge input as the shape check sees it: its name in messages, its layer type ("" for the
#: model's input) and its output shape.
Source = tuple[str, str, Shape]


def _dims(shape: Shape) -> str:
    return "×".join(str(s) for s in shape)


def _equalize_hint(name: str, kind: str, shape: Shape, want: Shape) -> str:
    """How to give `name` (a `kind` layer giving `shape`) the shape `want`, in words."""
    if len(shape) != len(want):
        return f"make {name} give {describe_shape(want)}"
    if len(want) == 3 and shape[1:] != want[1:]:
        return f"pool or stride the branches to one size ({want[1]}×{want[2]})"
    if len(want) == 2 and shape[0] != want[0]:
        return f"give both branches {want[0]} steps"
    width = want[0] if len(want) == 3 else want[-1]
    if kind == "conv2d":
        return f"give {name} {width} filters or add a 1×1 convolution of {width} filters after it"
    if kind == "dense":
        return f"give {name} {width} units or add a dense layer of {width} units after it"
    if len(want) == 3:
        return f"add a 1×1 convolution of {width} filters after {name}"
    return f"add a dense layer of {width} units after {name}"


class ElementwiseMerge(LayerKind):
    merge = True
    function = "add"

    def merged_shape(self, inputs: Sequence[Source], params: Mapping[str, Any], path: str) -> Shape:
        if len(inputs) < 2:
            raise ValidationError(f"{path}.inputs", f"{self.name} needs at least two inputs; it has "
                                  f"{len(inputs)}: wire another layer's output to it")
        first_name, _, first = inputs[0]
        for name, kind, shape in inputs[1:]:
            if shape != first:
                raise ValidationError(f"{path}.inputs", f"{self.name} needs equal shapes; {first_name} gives "
                                      f"{_dims(first)}, {name} gives {_dims(shape)} — "
                                      + _equalize_hint(name, kind, shape, first))
        return first

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return [f"Merge({self.function!r})"]


class Add(ElementwiseMerge):
    entry = Entry("add", "Add", "Adds its inputs element by element: a skip connection joins a block's "
                  "input to its output this way (ResNet).", "y = x₁ + x₂ + …", extra={"group": "Merge"})


class Multiply(ElementwiseMerge):
    function = "multiply"
    entry = Entry("multiply", "Multiply", "Multiplies its inputs element by element: one branch can gate "
                  "another.", "y = x₁ ⊙ x₂ ⊙ …", extra={"group": "Merge"})


class Average(ElementwiseMerge):
    function = "average"
    entry = Entry("average", "Average", "The element-wise mean of its inputs (an ensemble of branches).",
                  "y = (x₁ + x₂ + …)/n", extra={"group": "Merge"})


class Maximum(ElementwiseMerge):
    function = "maximum"
    entry = Entry("maximum", "Maximum", "The element-wise maximum of its inputs.", "y = max(x₁, x₂, …)",
                  extra={"group": "Merge"})


class Concatenate(LayerKind):
    entry = Entry("concatenate", "Concatenate", "Joins its inputs side by side: features after features, "
                  "or an image's channels after another's (Inception, wide-and-deep).", "y = [x₁, x₂, …]",
                  (Param("axis", "choice", "features", "features: the feature axis (the channels of images); "
                         "channels: images' channels only", choices=("features", "channels")),),
                  extra={"group": "Merge"})
    merge = True

    @staticmethod
    def axis(shape: Shape) -> int:
        """The axis joined, counted without the batch: the channels of images, else the last."""
        return 0 if len(shape) == 3 else len(shape) - 1

    def merged_shape(self, inputs: Sequence[Source], params: Mapping[str, Any], path: str) -> Shape:
        if len(inputs) < 2:
            raise ValidationError(f"{path}.inputs", f"concatenate needs at least two inputs; it has "
                                  f"{len(inputs)}: wire another layer's output to it")
        first_name, _, first = inputs[0]
        if params["axis"] == "channels" and len(first) != 3:
            raise ValidationError(f"{path}.axis", f"channels joins images; {first_name} gives "
                                  f"{describe_shape(first)}: use features")
        axis = self.axis(first)
        total = 0
        for name, _kind, shape in inputs:
            if len(shape) != len(first):
                raise ValidationError(f"{path}.inputs", f"concatenate needs inputs of one kind; {first_name} gives "
                                      f"{describe_shape(first)}, {name} gives {describe_shape(shape)} — flatten "
                                      "the images (or take the sequences' last step) first")
            if shape[:axis] + shape[axis + 1:] != first[:axis] + first[axis + 1:]:
                fix = ("pool or stride the branches to one size, or use padding same" if len(first) == 3
                       else f"give both branches {first[0]} steps")
                raise ValidationError(f"{path}.inputs", f"concatenate joins {'channels' if len(first) == 3 else 'features'}"
                                      f", so the rest must agree; {first_name} gives {_dims(first)}, {name} gives "
                                      f"{_dims(shape)} — {fix}")
            total += shape[axis]
        return first[:axis] + (total,) + first[axis + 1:]

    def code(self, shape: Shape, params: Mapping[str, Any]) -> list[str]:
        return [f"Concatenate(dim={self.axis(shape) + 1})"]
