"""The network as a graph: which layer takes which outputs.

Layers are a list in evaluation order. A layer may carry an `id` and name its `inputs`: ids of
earlier layers or "input" (the model's input). Without `inputs` a layer takes the previous layer's
output (the first takes the input), so a chain needs no ids. The last layer is the output.

`inputs: []` is a block that is not wired yet (the canvas makes them): the file is valid, the
analysis marks it (shapes.py). Everything the canvas cannot produce — an unknown, later or
duplicate id, a cycle, two inputs to a layer that takes one — is refused when the file is read,
naming the path. Torch-free. The functions take spec.LayerSpec lists (spec.py builds on this).
"""

from __future__ import annotations

import keyword
import re
from typing import Any, Sequence

from playground.core.errors import ValidationError
from playground.core.model.layers import LAYERS
from playground.core.model.params import suggest, type_name

INPUT = "input"
INPUT_INDEX = -1
ID_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
#: Names a layer id cannot take: they mean something else in the file or in generated code.
RESERVED_IDS = frozenset({INPUT, "self", "torch", "nn", "F"})


def check_id(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(path, f"must be a string, not {type_name(value)}")
    if not ID_PATTERN.match(value) or keyword.iskeyword(value) or value in RESERVED_IDS:
        raise ValidationError(path, f"{value!r} cannot be an id: use letters, digits and _ (not first a digit, "
                              f"at most 64), and not a Python keyword or one of {', '.join(sorted(RESERVED_IDS))}")
    return value


def check_inputs(value: Any, path: str) -> list[str]:
    if not isinstance(value, list):
        raise ValidationError(path, f"must be a list of layer ids (or \"input\"), not {type_name(value)}")
    for i, name in enumerate(value):
        if not isinstance(name, str) or not name:
            raise ValidationError(f"{path}[{i}]", f"must be a layer id or \"input\", not {type_name(name)}")
    if len(set(value)) != len(value):
        raise ValidationError(path, "names the same layer twice")
    return list(value)


def check_references(layers: Sequence[Any], path: str) -> None:
    """Ids unique; every input an earlier id or "input"; no cycle; one input to a layer that takes one."""
    where: dict[str, int] = {}
    for i, layer in enumerate(layers):
        if layer.id:
            if layer.id in where:
                raise ValidationError(f"{path}[{i}].id", f'"{layer.id}" is already the id of {path}[{where[layer.id]}]')
            where[layer.id] = i
    for i, layer in enumerate(layers):
        if layer.inputs is None:
            continue
        sub = f"{path}[{i}].inputs"
        for k, name in enumerate(layer.inputs):
            if name == INPUT:
                continue
            if name not in where:
                known = tuple([INPUT] + [n for n, j in where.items() if j < i])
                raise ValidationError(f"{sub}[{k}]", f'no layer has the id "{name}"' + suggest(name, known))
            j = where[name]
            if j == i:
                raise ValidationError(f"{sub}[{k}]", f'"{name}" is this layer itself: a layer cannot take its own output')
            if j > i:
                cycle = _cycle(layers, where, start=i, through=j)
                if cycle:
                    raise ValidationError(sub, "makes a cycle: " + " → ".join(cycle) + "; a network's outputs "
                                          "only flow forward")
                raise ValidationError(f"{sub}[{k}]", f'"{name}" comes later ({path}[{j}]); layers are listed in '
                                      f"the order they compute: move {name} before this layer")
        kind = LAYERS[layer.type]
        if not kind.merge and len(layer.inputs) > 1:
            raise ValidationError(sub, f"{layer.type} takes one input, not {len(layer.inputs)}: merge them first "
                                  "with add, concatenate, multiply, average or maximum")


def _cycle(layers: Sequence[Any], where: dict[str, int], start: int, through: int) -> list[str]:
    """The names along a path of inputs from layer `through` back to layer `start`, if any."""
    def name(i: int) -> str:
        return layers[i].id or f"layer {i + 1}"

    def inputs_of(i: int) -> list[int]:
        layer = layers[i]
        if layer.inputs is None:
            return [i - 1] if i > 0 else []
        return [where[n] for n in layer.inputs if n in where]

    stack, seen = [(through, [through])], set()
    while stack:
        node, trail = stack.pop()
        if node == start:
            return [name(start)] + [name(j) for j in reversed(trail[:-1])] + [name(start)]
        if node in seen:
            continue
        seen.add(node)
        stack.extend((j, trail + [j]) for j in inputs_of(node) if j >= 0)
    return []


def sources(layers: Sequence[Any]) -> list[list[int]]:
    """Per layer, the indices of the layers it takes (INPUT_INDEX: the model's input). The
    references must be valid (check_references)."""
    where = {layer.id: i for i, layer in enumerate(layers) if layer.id}
    out = []
    for i, layer in enumerate(layers):
        if layer.inputs is None:
            out.append([i - 1])
        else:
            out.append([INPUT_INDEX if n == INPUT else where[n] for n in layer.inputs])
    return out


def is_chain(layers: Sequence[Any]) -> bool:
    """Each layer takes the one before it (the first the input) and nothing is merged: a
    version-1 network, built as nn.Sequential and drawn neuron by neuron."""
    return all(src == [i - 1] and not LAYERS[layer.type].merge
               for i, (layer, src) in enumerate(zip(layers, sources(layers))))


def consumers(layers: Sequence[Any]) -> list[list[int]]:
    """Per layer, the layers that take its output."""
    out: list[list[int]] = [[] for _ in layers]
    for j, src in enumerate(sources(layers)):
        for i in src:
            if i >= 0:
                out[i].append(j)
    return out


def unused(layers: Sequence[Any]) -> list[int]:
    """Layers before the last whose output goes nowhere (they compute for nothing)."""
    return [i for i, used in enumerate(consumers(layers)[:-1]) if not used]


def display_name(layers: Sequence[Any], i: int) -> str:
    """How messages name a layer: its id, or "layer N" (1-based), or "the input"."""
    if i == INPUT_INDEX:
        return "the input"
    return layers[i].id or f"layer {i + 1}"


def code_names(layers: Sequence[Any], reserved: frozenset[str] = frozenset()) -> list[str]:
    """A Python identifier per layer for generated code: its id, else layer<N> (1-based), made
    unique and kept off `reserved` (names an nn.Module already has) with a trailing _."""
    taken: set[str] = set()
    ids = {layer.id for layer in layers if layer.id}
    out = []
    for i, layer in enumerate(layers):
        name = layer.id or f"layer{i + 1}"
        while name in taken or name in reserved or (not layer.id and name in ids):
            name += "_"
        taken.add(name)
        out.append(name)
    return out
