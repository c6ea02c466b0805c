"""Edits of a network as a graph (the canvas's): add a block, wire and unwire, insert on a wire,
delete (wires reconnect across a deleted chain block), duplicate and paste a sub-graph, move,
arrange. Pure functions Project → Project, validated, as edits.py (which builds on these).

Each edit makes every wire explicit (every layer named, every input listed), changes the graph,
puts the layers back in an order that computes (inputs first, the output last, otherwise as they
were), and writes the file back as a person would: `inputs` only where a layer does not simply
take the previous one, and ids only where someone refers to them (or the user gave them).
"""

from __future__ import annotations

import copy
import re
from typing import Any, Callable, Iterable, Sequence

from playground.core.errors import ValidationError
from playground.core.model.graph import INPUT, INPUT_INDEX
from playground.core.model.layers import LAYERS
from playground.core.model.spec import LayerSpec, Project

#: What a dense layer added from the palette, the network view or the canvas starts as.
NEW_DENSE = {"units": 4, "activation": "tanh"}
#: Grid of the automatic layout: rows (one per depth) and columns, in scene units.
ROW, COLUMN = 96.0, 200.0
#: Key of a wire's source that is the model's input (as graph.INPUT_INDEX).
Wire = tuple[int, int]


def edited(project: Project, mutate: Callable[[dict], None]) -> Project:
    """The project after `mutate(its dict form)`, validated as a file is."""
    raw = project.to_dict()
    mutate(raw)
    return Project.from_dict(raw)


class _Graph:
    """The layers as dicts with every name and input explicit; `fresh` are names made up here."""

    def __init__(self, raw_layers: list[dict]) -> None:
        self.layers = copy.deepcopy(raw_layers)
        self.fresh: set[str] = set()
        taken = {layer["id"] for layer in self.layers if "id" in layer}
        for layer in self.layers:
            if "id" not in layer:
                layer["id"] = self.new_id(layer["type"], taken)
                self.fresh.add(layer["id"])
        for i, layer in enumerate(self.layers):
            if "inputs" not in layer:
                layer["inputs"] = [self.layers[i - 1]["id"] if i else INPUT]

    def new_id(self, kind: str, taken: set[str] | None = None) -> str:
        taken = {layer.get("id") for layer in self.layers} if taken is None else taken
        base = re.sub(r"\d+$", "", kind) or "layer"
        n = 1
        while f"{base}{n}" in taken:
            n += 1
        taken.add(f"{base}{n}")
        return f"{base}{n}"

    def name(self, index: int) -> str:
        return INPUT if index == INPUT_INDEX else self.layers[index]["id"]

    def index(self, name: str) -> int:
        return INPUT_INDEX if name == INPUT else next(i for i, layer in enumerate(self.layers) if layer["id"] == name)

    def ordered(self, output: str | None = None) -> list[dict]:
        """A computing order: stable (as listed), each layer after its inputs, `output` (default:
        the current last layer) last. A cycle or a layer after the output is refused in words."""
        output = output or self.layers[-1]["id"]
        by_name = {layer["id"]: layer for layer in self.layers}
        done: set[str] = {INPUT}
        order: list[dict] = []
        visiting: list[str] = []

        def visit(name: str) -> None:
            if name in done:
                return
            if name in visiting:
                cycle = visiting[visiting.index(name):] + [name]
                raise ValidationError("model.layers", "that wire would make a cycle: " + " → ".join(cycle)
                                      + "; a network's outputs only flow forward")
            visiting.append(name)
            for source in by_name[name]["inputs"]:
                if source in by_name:
                    visit(source)
            visiting.pop()
            done.add(name)
            order.append(by_name[name])

        for layer in self.layers:
            if layer["id"] != output:
                visit(layer["id"])
        if output in done:
            after = [layer["id"] for layer in order if output in layer["inputs"]]
            raise ValidationError("model.layers", f"{output} cannot be the output: {', '.join(after)} takes its "
                                  "output; the output is the last layer, which no layer takes")
        visit(output)
        return order

    def written(self, output: str | None = None) -> list[dict]:
        """The layers in a computing order, wires and ids written only where needed."""
        order = self.ordered(output)
        implicit = [layer["inputs"] == [order[i - 1]["id"] if i else INPUT] and not LAYERS[layer["type"]].merge
                    for i, layer in enumerate(order)]
        referenced = {name for layer, plain in zip(order, implicit) if not plain for name in layer["inputs"]}
        out = []
        for layer, plain in zip(order, implicit):
            layer = dict(layer)
            if plain:
                del layer["inputs"]
            if layer["id"] in self.fresh and layer["id"] not in referenced:
                del layer["id"]
            out.append(layer)
        return out


def _graph_edit(project: Project, change, output_of=None) -> Project:
    """Apply `change(graph)` to the project's graph; `output_of(graph)` may name a new output."""
    def mutate(raw: dict) -> None:
        graph = _Graph(raw["model"]["layers"])
        change(graph)
        if not graph.layers:
            raise ValidationError("model.layers", "the network needs at least its output layer")
        raw["model"]["layers"] = graph.written(output_of(graph) if output_of else None)
    return edited(project, mutate)


def _check_index(project: Project, index: int, allow_input: bool = False) -> None:
    low = INPUT_INDEX if allow_input else 0
    if not low <= index < len(project.model.layers):
        raise ValidationError("model.layers", f"there is no layer {index + 1} (the network has "
                              f"{len(project.model.layers)})")


def new_layer(kind: str, **params: Any) -> dict:
    """A layer of `kind` with its defaults (a dense one: NEW_DENSE), as a file writes it."""
    layer = LayerSpec.create(kind).to_dict()
    if kind == "dense":
        layer.update(NEW_DENSE)
    layer.update(params)
    return layer


def add_block(project: Project, kind: str, at: tuple[float, float] | None = None,
              wired_from: int | None = None) -> Project:
    """A new block of `kind`, unwired (or taking layer `wired_from`, INPUT_INDEX: the input), just
    before the output."""
    if wired_from is not None:
        _check_index(project, wired_from, allow_input=True)

    def change(graph: _Graph) -> None:
        layer = new_layer(kind)
        layer["id"] = graph.new_id(kind)
        graph.fresh.add(layer["id"])
        layer["inputs"] = [] if wired_from is None else [graph.name(wired_from)]
        if at is not None:
            layer["at"] = [float(at[0]), float(at[1])]
        graph.layers.insert(len(graph.layers) - 1, layer)
    return _graph_edit(project, change)


def connect(project: Project, source: int, target: int | None) -> Project:
    """A wire from layer `source` (INPUT_INDEX: the input) to layer `target` (None: the output,
    which makes `source` the last layer). A layer that takes one input has it replaced; a merge
    gains one."""
    _check_index(project, source, allow_input=True)
    if target is None:
        if source == INPUT_INDEX:
            raise ValidationError("model.layers", "the input cannot be the output: put a layer between them")
        return _graph_edit(project, lambda graph: None, lambda graph: graph.name(source))
    _check_index(project, target)
    if source == target:
        raise ValidationError("model.layers", "a layer cannot take its own output")

    def change(graph: _Graph) -> None:
        layer, name = graph.layers[target], graph.name(source)
        if LAYERS[layer["type"]].merge:
            if name in layer["inputs"]:
                raise ValidationError("model.layers", f"{name} is already wired to {layer['id']}")
            layer["inputs"].append(name)
        else:
            layer["inputs"] = [name]
    return _graph_edit(project, change)


def disconnect(project: Project, source: int, target: int) -> Project:
    """Without the wire from `source` to `target` (the target is then unwired, or a merge has one
    input fewer)."""
    _check_index(project, source, allow_input=True)
    _check_index(project, target)

    def change(graph: _Graph) -> None:
        layer, name = graph.layers[target], graph.name(source)
        if name not in layer["inputs"]:
            raise ValidationError("model.layers", f"{name} is not wired to {layer['id']}")
        layer["inputs"].remove(name)
    return _graph_edit(project, change)


def insert_on_wire(project: Project, kind: str, source: int, target: int | None,
                   at: tuple[float, float] | None = None) -> Project:
    """A new block of `kind` on the wire from `source` to `target` (None: the output)."""
    _check_index(project, source, allow_input=True)
    if target is not None:
        _check_index(project, target)
    state: dict[str, str] = {}

    def change(graph: _Graph) -> None:
        layer = new_layer(kind)
        layer["id"] = state["id"] = graph.new_id(kind)
        graph.fresh.add(layer["id"])
        name = graph.name(source)
        layer["inputs"] = [name]
        if at is not None:
            layer["at"] = [float(at[0]), float(at[1])]
        if target is None:
            graph.layers.append(layer)
            return
        consumer = graph.layers[target]
        if name not in consumer["inputs"]:
            raise ValidationError("model.layers", f"there is no wire from {name} to {consumer['id']}")
        consumer["inputs"] = [layer["id"] if n == name else n for n in consumer["inputs"]]
        graph.layers.insert(target, layer)
    return _graph_edit(project, change, (lambda graph: state["id"]) if target is None else None)


def delete_blocks(project: Project, indices: Iterable[int]) -> Project:
    """Without these layers. A layer that took a deleted chain block's output takes what that
    block took (across a run of deleted blocks); a deleted merge's wires go with it. When the
    output goes, what fed it becomes the output."""
    chosen = sorted(set(indices))
    for i in chosen:
        _check_index(project, i)
    if len(chosen) >= len(project.model.layers):
        raise ValidationError("model.layers", "the network needs at least its output layer")
    state: dict[str, str | None] = {"output": None}

    def change(graph: _Graph) -> None:
        gone = {graph.name(i) for i in chosen}
        by_name = {layer["id"]: layer for layer in graph.layers}

        def through(name: str) -> list[str]:
            """What stands in for `name` once the deleted blocks are gone."""
            if name not in gone:
                return [name]
            layer = by_name[name]
            if LAYERS[layer["type"]].merge or len(layer["inputs"]) != 1:
                return []
            return through(layer["inputs"][0])

        last = graph.layers[-1]["id"]
        if last in gone:
            stand_in = through(last)
            state["output"] = stand_in[0] if stand_in and stand_in[0] != INPUT else None
        for layer in graph.layers:
            if layer["id"] in gone:
                continue
            inputs: list[str] = []
            for name in layer["inputs"]:
                inputs += [n for n in through(name) if n not in inputs]
            layer["inputs"] = inputs if LAYERS[layer["type"]].merge else inputs[:1]
        graph.layers = [layer for layer in graph.layers if layer["id"] not in gone]
        if last in gone and state["output"] is None:
            state["output"] = graph.layers[-1]["id"] if graph.layers else None

    return _graph_edit(project, change, lambda graph: state["output"])


def copy_blocks(project: Project, indices: Iterable[int]) -> list[dict]:
    """The chosen layers as a sub-graph to paste: every layer named, wires between them kept,
    wires from outside kept by name (pasting wires them again where those names exist)."""
    chosen = sorted(set(indices))
    for i in chosen:
        _check_index(project, i)
    graph = _Graph(project.to_dict()["model"]["layers"])
    return [copy.deepcopy(graph.layers[i]) for i in chosen]


def paste_blocks(project: Project, blocks: Sequence[dict], offset: tuple[float, float] = (40.0, 40.0)) -> Project:
    """The sub-graph `blocks` (copy_blocks) added with new ids, before the output: wires among
    them follow, a wire from a layer this project has is kept, any other is left unwired."""
    if not blocks:
        raise ValidationError("model.layers", "there is nothing to paste")
    for k, block in enumerate(blocks):
        if (not isinstance(block, dict) or not isinstance(block.get("id"), str) or not isinstance(block.get("type"), str)
                or not isinstance(block.get("inputs", []), list)):
            raise ValidationError(f"clipboard[{k}]", "is not a block copied from a network (each needs an id, a "
                                  "type and its inputs)")

    def change(graph: _Graph) -> None:
        renamed: dict[str, str] = {}
        taken = {layer["id"] for layer in graph.layers}
        for block in blocks:
            renamed[block["id"]] = graph.new_id(block["type"], taken)
            graph.fresh.add(renamed[block["id"]])
        existing = {layer["id"] for layer in graph.layers} | {INPUT}
        pasted = []
        for block in blocks:
            layer = copy.deepcopy(block)
            layer["id"] = renamed[block["id"]]
            layer["inputs"] = [renamed.get(n, n) for n in block.get("inputs", []) if n in renamed or n in existing]
            if "at" in layer:
                layer["at"] = [layer["at"][0] + offset[0], layer["at"][1] + offset[1]]
            pasted.append(layer)
        graph.layers[len(graph.layers) - 1:len(graph.layers) - 1] = pasted
    return _graph_edit(project, change)


def expand_residual(project: Project, index: int) -> Project:
    """A residual block as the blocks it is made of: dense(hidden, f) → dense(features) → add with
    its input. The add keeps the block's id, so what took the block takes the sum."""
    _check_index(project, index)
    layer = project.model.layers[index]
    if layer.type != "residual":
        raise ValidationError(f"model.layers[{index}]", f"is {layer.type}; only a residual block expands")
    from playground.core.data.sources import data_info
    from playground.core.model.shapes import analyze_model

    info = analyze_model(project.model, data_info(project.data).input_shape).layers[index]
    if info.output_shape is None:
        raise ValidationError(f"model.layers[{index}]", "has no shape yet: fix the network first")
    state: dict[str, str | None] = {"output": None}

    def change(graph: _Graph) -> None:
        block = graph.layers[index]
        inner = new_layer("dense", units=block["hidden"], activation=block["activation"])
        outer = new_layer("dense", units=info.output_shape[-1], activation="linear")
        inner["id"], outer["id"] = graph.new_id("dense"), None
        outer["id"] = graph.new_id("dense", {layer["id"] for layer in graph.layers} | {inner["id"]})
        graph.fresh.update((inner["id"], outer["id"]))
        inner["inputs"], outer["inputs"] = list(block["inputs"]), [inner["id"]]
        total = {"id": block["id"], "type": "add", "inputs": block["inputs"] + [outer["id"]]}
        if "at" in block:
            x, y = block["at"]
            inner["at"], outer["at"], total["at"] = [x, y], [x, y + ROW], [x, y + 2 * ROW]
        graph.layers[index:index + 1] = [inner, outer, total]
        if index == len(graph.layers) - 3:
            state["output"] = block["id"]
    return _graph_edit(project, change, lambda graph: state["output"])


def duplicate_blocks(project: Project, indices: Iterable[int]) -> Project:
    """A copy of the chosen layers beside them, taking the same inputs (paste_blocks)."""
    return paste_blocks(project, copy_blocks(project, indices))


def place_blocks(project: Project, positions: dict[int, tuple[float, float]]) -> Project:
    """The blocks at new canvas positions (only where they are drawn changes)."""
    for i in positions:
        _check_index(project, i)

    def mutate(raw: dict) -> None:
        for i, (x, y) in positions.items():
            raw["model"]["layers"][i]["at"] = [round(float(x), 1), round(float(y), 1)]
    return edited(project, mutate)


def layout(project: Project) -> dict[int, tuple[float, float]]:
    """An automatic layered layout, top to bottom: each layer one row below its deepest input (the
    input's row is 0), the layers of a row side by side in the order of their inputs' columns."""
    from playground.core.model.graph import sources

    src = sources(project.model.layers)
    depth: list[int] = []
    for inputs in src:
        depth.append(1 + max((depth[j] for j in inputs if j >= 0), default=0))
    rows: dict[int, list[int]] = {}
    for i, d in enumerate(depth):
        rows.setdefault(d, []).append(i)
    column: dict[int, float] = {INPUT_INDEX: 0.0}
    for d in sorted(rows):
        members = rows[d]
        wanted = {i: sum(column.get(j, 0.0) for j in src[i]) / max(1, len(src[i])) for i in members}
        members.sort(key=lambda i: (wanted[i], i))
        width = len(members)
        for k, i in enumerate(members):
            column[i] = k - (width - 1) / 2 + (sum(wanted.values()) / width if width else 0.0)
    return {i: (column[i] * COLUMN, depth[i] * ROW) for i in range(len(src))}


def arrange(project: Project) -> Project:
    """Every block at its place in the automatic layout (layout)."""
    return place_blocks(project, layout(project))
