"""Editing the network on the graph canvas: each request of the canvas (gui/panels/graph_canvas.py)
becomes one undoable edit of core.model.graph_edits through `apply`.

A part of MainWindow (gui/window/main_window.py), in a module of its own."""

from __future__ import annotations

from PySide6.QtCore import Slot

from playground.core.model import graph_edits
from playground.gui.panels.graph_canvas import GraphCanvas
from playground.gui.views.graph_items import OUTPUT_BLOCK


def _target(index: int) -> int | None:
    return None if index == OUTPUT_BLOCK else index


class GraphEditing:
    """The graph canvas's requests as edits (a part of MainWindow)."""

    def _build_graph(self) -> GraphCanvas:
        self.graph_canvas = GraphCanvas()
        return self.graph_canvas

    def _connect_graph(self) -> None:
        canvas = self.graph_canvas
        canvas.addRequested.connect(self.add_block)
        canvas.insertRequested.connect(self.insert_on_wire)
        canvas.connectRequested.connect(self.connect_blocks)
        canvas.disconnectRequested.connect(
            lambda source, target: self.apply(lambda p: graph_edits.disconnect(p, source, target), "Remove wire"))
        canvas.deleteRequested.connect(self.delete_blocks)
        canvas.duplicateRequested.connect(self.duplicate_blocks)
        canvas.pasteRequested.connect(
            lambda blocks: self.apply(lambda p: graph_edits.paste_blocks(p, blocks), "Paste blocks"))
        canvas.moveRequested.connect(
            lambda positions: self.apply(lambda p: graph_edits.place_blocks(p, positions), "Move blocks"))
        canvas.arrangeRequested.connect(lambda: self.apply(graph_edits.arrange, "Arrange blocks"))
        canvas.expandRequested.connect(
            lambda index: self.apply(lambda p: graph_edits.expand_residual(p, index), "Expand residual block"))
        canvas.selectionChanged.connect(self._graph_selection_changed)
        canvas.channelHovered.connect(self._neuron_hovered)
        canvas.hoverEnded.connect(self._hover_ended)

    @Slot(str, float, float)
    def add_block(self, kind: str, x: float, y: float) -> None:
        if self.apply(lambda p: graph_edits.add_block(p, kind, (x, y)), f"Add {kind} block"):
            self.graph_canvas.select(len(self.document.project.model.layers) - 2)

    @Slot(str, int, int, float, float)
    def insert_on_wire(self, kind: str, source: int, target: int, x: float, y: float) -> None:
        self.apply(lambda p: graph_edits.insert_on_wire(p, kind, source, _target(target), (x, y)),
                   f"Insert {kind} block")

    @Slot(int, int)
    def connect_blocks(self, source: int, target: int) -> None:
        self.apply(lambda p: graph_edits.connect(p, source, _target(target)), "Add wire")

    def delete_blocks(self, indices: list) -> None:
        self.apply(lambda p: graph_edits.delete_blocks(p, indices), "Delete blocks" if len(indices) > 1 else "Delete block")

    def duplicate_blocks(self, indices: list) -> None:
        self.apply(lambda p: graph_edits.duplicate_blocks(p, indices), "Duplicate blocks")

    @Slot(int)
    def _graph_selection_changed(self, index: int) -> None:
        self.editor.show_selected(index)
        self._selection_changed(index)
