"""The graph canvas: the network as blocks joined by wires. Drop a palette layer on the canvas to
add a block (on a wire: inserted there), drag from an output port to an input port to wire, drag
blocks to move them (rubber band to choose several), Delete, Ctrl+D, Ctrl+C/V, arrows, Tab; the
wheel zooms, the middle button (or Space + drag) pans; Arrange lays the graph out, Fit shows it all.

Like the list editor, the canvas only shows a project and reports requests (signals with layer
indices; graph_items.OUTPUT_BLOCK is the output, INPUT_BLOCK the data input); the main window
makes each one undoable edit (core.model.graph_edits).
"""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QPainter
from PySide6.QtWidgets import (QApplication, QGraphicsItem, QGraphicsScene, QHBoxLayout, QLabel, QMenu, QPushButton,
                               QSizePolicy, QVBoxLayout, QWidget)

from playground.core.model import graph_edits
from playground.core.model.graph import INPUT_INDEX, sources
from playground.core.model.layers import LAYERS, describe_shape
from playground.core.model.registry import LOSSES
from playground.core.model.shapes import Analysis
from playground.core.model.spec import Project
from playground.gui.panels.palette import LAYER_MIME
from playground.gui.views.graph_items import DETAIL, HEIGHT, INPUT_BLOCK, OUTPUT_BLOCK, WIDTH, Block, Wire
from playground.gui.views.graph_view import GraphView

BLOCKS_MIME = "application/x-neural-playground-blocks"
NUDGE = 10.0


def shape_words(shape) -> str:
    return "" if shape is None else "×".join(str(s) for s in shape)


class GraphCanvas(QWidget):
    addRequested = Signal(str, float, float)                 # kind, where
    insertRequested = Signal(str, int, int, float, float)    # kind, on the wire source → target, where
    connectRequested = Signal(int, int)                      # source, target
    disconnectRequested = Signal(int, int)
    deleteRequested = Signal(object)
    duplicateRequested = Signal(object)
    pasteRequested = Signal(object)                            # blocks (graph_edits.copy_blocks)
    moveRequested = Signal(object)                             # layer index → (x, y)
    arrangeRequested = Signal()
    expandRequested = Signal(int)                            # a residual block into its blocks
    selectionChanged = Signal(int)
    channelHovered = Signal(int, int)                        # layer, output channel under the mouse
    hoverEnded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scene = QGraphicsScene(self)
        self.view = GraphView(self)
        self.blocks: dict[int, Block] = {}
        self.wires: list[Wire] = []
        self.project: Project | None = None
        self.space_held = False
        self._fit_pending = True
        self._detailed = True
        self._drawn: tuple | None = None   # what the scene shows (set_project)
        self.status = QLabel(objectName="graphStatus")
        self.status.setWordWrap(True)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 0)
        for text, tip, slot in (("Arrange", "lay the graph out automatically", self.arrangeRequested.emit),
                                ("Fit", "show the whole graph", self.fit),
                                ("−", "zoom out", lambda: self.view.zoom(1 / 1.25)),
                                ("+", "zoom in", lambda: self.view.zoom(1.25))):
            button = QPushButton(text, toolTip=tip, objectName=f"graph{text if text.isalpha() else tip.split()[-1]}")
            button.clicked.connect(slot)
            button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            bar.addWidget(button)
        bar.addStretch(1)
        self.status.setContentsMargins(6, 0, 6, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)
        self.scene.selectionChanged.connect(self._selection_changed)

    # ------------------------------------------------------------------ showing a project

    def set_project(self, project: Project, analysis: Analysis) -> None:
        """Draw the project's graph: blocks where the file places them (else the automatic layout).
        A change the drawing does not show (a learning rate typed, say) draws nothing again."""
        drawn = (repr(project.model), repr(project.data), repr(project.training.loss), repr(analysis.layers),
                 str(analysis.error), analysis.pending, tuple(w.message for w in analysis.warnings))
        if drawn == self._drawn:
            self.project = project
            return
        self._drawn = drawn
        chosen = {b.index for b in self.selected_blocks()}
        self.scene.blockSignals(True)
        self.scene.clear()
        self.scene.blockSignals(False)
        self.project, self.blocks, self.wires = project, {}, []
        layers = project.model.layers
        placed = graph_edits.layout(project)
        infos = analysis.layers
        warnings = {w.path: w.message for w in analysis.warnings}
        for i, layer in enumerate(layers):
            info = infos[i] if i < len(infos) else None
            kind = LAYERS[layer.type]
            out = info.output_shape if info else None
            detail = (f"→ {shape_words(out)} · {info.params:,} params" if out is not None and info.params
                      else f"→ {shape_words(out)}" if out is not None else "no shape yet")
            name = layer.id or f"layer {i + 1}"
            fault = analysis.layer_errors.get(i)
            title = f"{layer.id}: {kind.summary(layer.params)}" if layer.id else kind.summary(layer.params)
            block = Block(i, title, detail, kind.entry.extra.get("group", "Core"),
                          fault.message if fault else "", warnings.get(f"model.layers[{i}]", ""),
                          accessible=f"Block {i + 1} of {len(layers)}, {name}: {kind.summary(layer.params)}, {detail}")
            block.setPos(*(layer.at if layer.at is not None else placed[i]))
            if project.data.kind == "plane" and out is not None and len(out) == 1:
                block.channels = out[0]
                block.on_hover = lambda unit, i=i: (self.hoverEnded.emit() if unit is None
                                                   else self.channelHovered.emit(i, unit))
                block.setToolTip(block.toolTip() + "\nmove the mouse along the block: the boundary view shows "
                                 "each output channel's map over the plane")
            self.scene.addItem(block)
            self.blocks[i] = block
        self._add_ends(project, analysis)
        for target, src in enumerate(sources(layers)):
            for j in src:
                shape = analysis.input_shape if j == INPUT_INDEX else (infos[j].output_shape if j < len(infos) else None)
                self._wire(INPUT_BLOCK if j == INPUT_INDEX else j, target, shape_words(shape))
        self._wire(len(layers) - 1, OUTPUT_BLOCK, shape_words(analysis.output_shape))
        for index in chosen:
            if index in self.blocks:
                self.blocks[index].setSelected(True)
        self._detailed = True
        self.show_detail()
        self._show_status(analysis)
        self.scene.setSceneRect(self.scene.itemsBoundingRect().adjusted(-400, -300, 400, 300))
        if self._fit_pending:
            self.fit()

    def set_statistics(self, statistics) -> None:
        """Live per-block figures while training (core.probes.BlockStatistics)."""
        for i, block in self.blocks.items():
            if 0 <= i < len(statistics.mean):
                rms = statistics.gradient_rms[i]
                block.set_statistics(f"μ {statistics.mean[i]:.2g}  σ {statistics.std[i]:.2g}"
                                     + (f"  ∇ {rms:.1g}" if rms is not None else ""))

    def _add_ends(self, project: Project, analysis: Analysis) -> None:
        layers = project.model.layers
        xs = [self.blocks[j].pos() for j, src in enumerate(sources(layers)) if INPUT_INDEX in src] or \
             [b.pos() for b in self.blocks.values()]
        top = min(b.pos().y() for b in self.blocks.values())
        bottom = max(b.pos().y() for b in self.blocks.values())
        if project.data.kind == "plane":
            what = f"{len(project.data.features)} features: {', '.join(project.data.features)}"
        else:
            what = describe_shape(analysis.input_shape) if analysis.input_shape else "not read yet"
        data = Block(INPUT_BLOCK, f"Input · {project.data.dataset}", what, inputs=False,
                     accessible=f"Input block: {project.data.dataset}, {what}")
        data.setPos(sum(p.x() for p in xs) / len(xs), top - 1.8 * HEIGHT)
        loss = LOSSES[project.training.loss["name"]].title
        fault = (analysis.error.message if analysis.error is not None and analysis.error_layer is None
                 and not analysis.pending else "")
        output = Block(OUTPUT_BLOCK, f"Output · loss {loss}",
                       f"{analysis.total_params:,} parameters in all" if analysis.ok else
                       "reading the data…" if analysis.pending else "fix the red block to train",
                       fault=fault, outputs=False, accessible=f"Output block: loss {loss}")
        output.setPos(self.blocks[len(layers) - 1].pos().x(), bottom + 1.8 * HEIGHT)
        for block in (data, output):
            self.scene.addItem(block)
            self.blocks[block.index] = block

    def _wire(self, source: int, target: int, shape: str) -> None:
        wire = Wire(self.blocks[source], self.blocks[target], shape)
        self.scene.addItem(wire)
        self.wires.append(wire)

    def _show_status(self, analysis: Analysis) -> None:
        n = len(self.blocks) - 2
        if analysis.ok:
            text = f"{n} block{'s' if n != 1 else ''} · {analysis.total_params:,} parameters · ready to train"
            if analysis.warnings:
                text += f" · ⚠ {analysis.warnings[0].message}"
        elif analysis.pending:
            text = "Reading the data…"
        else:
            text = f"<span style='color:#c62828'>Training waits: {analysis.error}</span>"
        self.status.setText(text)

    def show_detail(self) -> None:
        """Ports and wire labels only where they can be read and aimed at (graph_items.DETAIL)."""
        detailed = self.view.transform().m11() >= DETAIL
        if detailed == self._detailed:
            return
        self._detailed = detailed
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing, detailed)
        cache = QGraphicsItem.CacheMode.DeviceCoordinateCache if detailed else QGraphicsItem.CacheMode.NoCache
        for block in self.blocks.values():
            block.setCacheMode(cache)   # far out a block is a plain rectangle: cheaper drawn than cached
            for port in (block.input_port, block.output_port):
                if port is not None:
                    port.setVisible(detailed)
        for wire in self.wires:
            wire.label.setVisible(detailed)

    def fit(self) -> None:
        """Show the whole graph (no larger than life)."""
        self._fit_pending = not self.isVisible() or self.view.viewport().width() < 50
        rect = self.scene.itemsBoundingRect().adjusted(-30, -30, 30, 30)
        self.view.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.view.transform().m11() > 1.0:
            self.view.resetTransform()
            self.view.centerOn(rect.center())
        self.show_detail()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._fit_pending and self.blocks:
            self.fit()

    def fit_on_next_show(self) -> None:
        """A newly opened project: show all of it."""
        self._fit_pending = True
        if self.isVisible() and self.blocks:
            self.fit()

    # ------------------------------------------------------------------ selection and requests

    def selected_blocks(self) -> list[Block]:
        return sorted((i for i in self.scene.selectedItems() if isinstance(i, Block) and i.index >= 0),
                      key=lambda b: b.index)

    def selected_indices(self) -> list[int]:
        return [b.index for b in self.selected_blocks()]

    def select(self, index: int) -> None:
        self.scene.clearSelection()
        if index in self.blocks:
            self.blocks[index].setSelected(True)
            self.view.ensureVisible(self.blocks[index])

    def _selection_changed(self) -> None:
        chosen = self.selected_blocks()
        if chosen:
            self.view.setAccessibleDescription(chosen[0].accessible_name)
            self.selectionChanged.emit(chosen[0].index)

    def request_positions(self, nudge: QPointF | None = None) -> None:
        """Ask to keep every block where it is drawn (the chosen ones moved by `nudge`)."""
        chosen = set(self.selected_indices()) if nudge is not None else set()
        positions = {}
        for i, block in self.blocks.items():
            if i >= 0:
                pos = block.pos() + (nudge if i in chosen else QPointF())
                positions[i] = (pos.x(), pos.y())
        self._drawn = None   # the scene has moved ahead of the project: draw whatever comes back
        self.moveRequested.emit(positions)

    def handle_drop(self, mime: QMimeData, at: QPointF) -> bool:
        """A palette layer dropped at scene point `at`: on a wire it is inserted there, else added."""
        if not mime.hasFormat(LAYER_MIME):
            return False
        kind = bytes(mime.data(LAYER_MIME)).decode(errors="replace")
        if kind not in LAYERS:
            return False
        corner = at - QPointF(WIDTH / 2, HEIGHT / 2)
        wire = next((item for item in self.scene.items(QRectF(at - QPointF(6, 6), at + QPointF(6, 6)))
                     if isinstance(item, Wire)), None)
        if wire is not None:
            self.insertRequested.emit(kind, wire.source.index, wire.target.index, corner.x(), corner.y())
        else:
            self.addRequested.emit(kind, corner.x(), corner.y())
        return True

    def copy_selected(self) -> None:
        if self.project is None or not self.selected_indices():
            return
        mime = QMimeData()
        blocks = graph_edits.copy_blocks(self.project, self.selected_indices())
        mime.setData(BLOCKS_MIME, json.dumps(blocks).encode())
        mime.setText(json.dumps(blocks, indent=1))
        QApplication.clipboard().setMimeData(mime)

    def paste(self) -> None:
        mime = QApplication.clipboard().mimeData()
        if mime is None or not mime.hasFormat(BLOCKS_MIME):
            return
        try:
            blocks = json.loads(bytes(mime.data(BLOCKS_MIME)).decode())
        except ValueError:
            return
        self.pasteRequested.emit(blocks if isinstance(blocks, list) else [])

    def handles(self, event: QKeyEvent) -> bool:
        """Whether `event` is one of the canvas's keys (handle_key)."""
        key, control = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        return (key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up,
                        Qt.Key.Key_Down) or (control and key == Qt.Key.Key_D)
                or event.matches(QKeySequence.StandardKey.Copy) or event.matches(QKeySequence.StandardKey.Paste))

    def handle_key(self, event: QKeyEvent) -> bool:
        key, chosen = event.key(), self.selected_indices()
        wires = [w for w in self.scene.selectedItems() if isinstance(w, Wire)]
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            if chosen:
                self.deleteRequested.emit(chosen)
            elif wires and wires[0].target.index >= 0:
                self.disconnectRequested.emit(wires[0].source.index, wires[0].target.index)
            return True
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selected()
            return True
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
            return True
        if key == Qt.Key.Key_D and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            if chosen:
                self.duplicateRequested.emit(chosen)
            return True
        steps = {Qt.Key.Key_Left: (-NUDGE, 0), Qt.Key.Key_Right: (NUDGE, 0), Qt.Key.Key_Up: (0, -NUDGE),
                 Qt.Key.Key_Down: (0, NUDGE)}
        if key in steps and chosen:
            self.request_positions(QPointF(*steps[key]))
            return True
        if key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            layers = sorted(i for i in self.blocks if i >= 0)
            if layers:
                now = chosen[0] if chosen else -1
                step = -1 if key == Qt.Key.Key_Backtab else 1
                self.select(layers[(layers.index(now) + step) % len(layers)] if now in layers else layers[0])
            return True
        if key == Qt.Key.Key_Space:
            self.space_held = True
            return True
        return False

    def contextMenuEvent(self, event) -> None:  # noqa: N802
        chosen = self.selected_indices()
        menu = QMenu(self)
        if chosen:
            menu.addAction("Duplicate\tCtrl+D", lambda: self.duplicateRequested.emit(chosen))
            menu.addAction("Copy\tCtrl+C", self.copy_selected)
            menu.addAction("Delete\tDel", lambda: self.deleteRequested.emit(chosen))
            if self.project is not None and len(chosen) == 1 and self.project.model.layers[chosen[0]].type == "residual":
                menu.addAction("Expand into its blocks", lambda: self.expandRequested.emit(chosen[0]))
        menu.addAction("Paste\tCtrl+V", self.paste)
        menu.addAction("Arrange", self.arrangeRequested.emit)
        menu.addAction("Fit", self.fit)
        menu.exec(event.globalPos())
