"""The graph canvas's view (gui/panels/graph_canvas.py has the canvas): the wheel zooms, the middle
button (or Space + drag) pans, a drag from an output port draws a wire to the input port it ends
on, palette layers drop here, and the canvas's keys (Tab, Delete, Ctrl+D, …) reach the canvas
before the window's shortcuts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPainterPath, QPen, QWheelEvent
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsView

from playground.gui.panels.palette import LAYER_MIME
from playground.gui.views.graph_items import Block, Port

MIN_SCALE, MAX_SCALE = 0.02, 3.0


class GraphView(QGraphicsView):
    """The view: zoom on the wheel, pan with the middle button, wiring and drops (the canvas's)."""

    def __init__(self, canvas: Any) -> None:  # the GraphCanvas it serves
        super().__init__(canvas.scene)
        self.canvas = canvas
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Network graph")
        self._wiring: tuple[Port, QGraphicsPathItem] | None = None
        self._pan: QPointF | None = None
        self._pressed_at: dict[int, QPointF] = {}

    # zoom and pan
    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        self.zoom(1.15 ** (event.angleDelta().y() / 120))

    def zoom(self, factor: float) -> None:
        now = self.transform().m11()
        factor = max(MIN_SCALE / now, min(MAX_SCALE / now, factor))
        self.scale(factor, factor)
        self.canvas.show_detail()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.MiddleButton or (event.button() == Qt.MouseButton.LeftButton
                                                             and self.canvas.space_held):
            self._pan = event.position()
            return
        item = self.itemAt(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and isinstance(item, Port) and item.output:
            temp = QGraphicsPathItem()
            temp.setPen(QPen(QColor("#1e88e5"), 2, Qt.PenStyle.DashLine))
            self.scene().addItem(temp)
            self._wiring = (item, temp)
            return
        super().mousePressEvent(event)
        self._pressed_at = {b.index: b.pos() for b in self.canvas.selected_blocks()}

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan is not None:
            delta = event.position() - self._pan
            self._pan = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            return
        if self._wiring is not None:
            port, temp = self._wiring
            start, end = port.centre(), self.mapToScene(event.position().toPoint())
            path = QPainterPath(start)
            path.cubicTo(start + QPointF(0, 40), end - QPointF(0, 40), end)
            temp.setPath(path)
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan is not None:
            self._pan = None
            return
        if self._wiring is not None:
            port, temp = self._wiring
            self._wiring = None
            self.scene().removeItem(temp)
            target = self._block_at(event.position().toPoint(), exclude=temp)
            if target is not None and target is not port.block and target.input_port is not None:
                self.canvas.connectRequested.emit(port.block.index, target.index)
            return
        super().mouseReleaseEvent(event)
        moved = {b.index: b.pos() for b in self.canvas.selected_blocks()
                 if b.index in self._pressed_at and b.pos() != self._pressed_at[b.index]}
        self._pressed_at = {}
        if moved:
            self.canvas.request_positions()

    def _block_at(self, point, exclude=None) -> Block | None:
        for item in self.items(point):
            if item is exclude:
                continue
            if isinstance(item, Port):
                return item.block
            if isinstance(item, Block):
                return item
        return None

    # drops from the palette
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasFormat(LAYER_MIME):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasFormat(LAYER_MIME):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        if self.canvas.handle_drop(event.mimeData(), self.mapToScene(event.position().toPoint())):
            event.acceptProposedAction()

    def event(self, event) -> bool:
        # Tab walks the blocks here, not the focus out of the canvas; the canvas's keys (Delete,
        # Ctrl+D, …) win over the window's shortcuts for the same keys while the canvas has the focus
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            return self.canvas.handle_key(event)
        if event.type() == QEvent.Type.ShortcutOverride and self.canvas.handles(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if not self.canvas.handle_key(event):
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.canvas.space_held = False
        super().keyReleaseEvent(event)
