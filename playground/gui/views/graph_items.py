"""What the graph canvas draws: blocks (a layer, or the data input and the output with its loss)
with ports, and wires that show the shape they carry. Plain QGraphicsItems: they only paint and
say what they are; the canvas (gui/panels/graph_canvas.py) turns a person's gestures into requests.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import (QGraphicsEllipseItem, QGraphicsItem, QGraphicsPathItem, QGraphicsSimpleTextItem,
                               QStyleOptionGraphicsItem)

WIDTH, HEIGHT = 190.0, 62.0
PORT_RADIUS = 6.0
#: Block index of the data input and of the output (layers are 0…n−1), as in core.model.graph.
INPUT_BLOCK, OUTPUT_BLOCK = -1, -2
FAULT = QColor("#c62828")
WARNING = QColor("#ef6c00")
SELECTED = QColor("#1e88e5")
PORT_FILL, PORT_HOVER = QColor("#eceff1"), QColor("#90caf9")
WIRE_PEN, WIRE_SELECTED_PEN = QPen(QColor("#607d8b"), 1.6), QPen(SELECTED, 2.5)
#: Below this scale (level of detail) blocks are drawn without their text, ports and wire labels.
DETAIL = 0.45
GROUP_COLOURS = {"Core": "#e3f2fd", "Regularization": "#f3e5f5", "Normalization": "#e8f5e9",
                 "Convolution": "#fff3e0", "Sequences": "#e0f7fa", "Merge": "#fffde7"}


class Port(QGraphicsEllipseItem):
    """A block's input (top) or output (bottom) port; wires start at outputs and end at inputs.
    Painted by Qt itself (no Python per frame: a big graph stays smooth)."""

    def __init__(self, block: "Block", output: bool) -> None:
        super().__init__(-PORT_RADIUS, -PORT_RADIUS, 2 * PORT_RADIUS, 2 * PORT_RADIUS, block)
        self.block, self.output = block, output
        self.setPos(WIDTH / 2, HEIGHT if output else 0.0)
        self.setPen(QPen(QColor("#455a64"), 1.5))
        self.setBrush(PORT_FILL)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("drag to an input port to wire" if output else "drop a wire here")

    def hoverEnterEvent(self, event) -> None:  # noqa: N802
        self.setBrush(PORT_HOVER)

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802
        self.setBrush(PORT_FILL)

    def centre(self) -> QPointF:
        return self.scenePos()


class Block(QGraphicsItem):
    """One block: its title (kind and key settings), its output shape and parameter count, red
    with the reason when it is at fault. `index` is its layer's (INPUT_BLOCK, OUTPUT_BLOCK)."""

    def __init__(self, index: int, title: str, detail: str, group: str = "Core", fault: str = "",
                 warning: str = "", inputs: bool = True, outputs: bool = True, accessible: str = "") -> None:
        super().__init__()
        self.index, self.title, self.detail, self.fault, self.warning = index, title, detail, fault, warning
        self.accessible_name = accessible or title
        self.fill = QColor(GROUP_COLOURS.get(group, "#eceff1"))
        movable = index >= 0
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, movable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, movable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsFocusable, movable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges, True)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.input_port = Port(self, output=False) if inputs else None
        self.output_port = Port(self, output=True) if outputs else None
        self.wires: list[Wire] = []
        tips = [accessible or title] + ([f"⚠ {fault}"] if fault else []) + ([warning] if warning else [])
        self.setToolTip("\n".join(tips))
        self.statistics = ""     # live while training: output mean and spread, gradient size
        #: Output channels whose maps the boundary view can show (flat outputs on the plane), and
        #: what to call with the channel under the mouse (None when the mouse leaves).
        self.channels = 0
        self.on_hover = None
        self.setAcceptHoverEvents(True)

    def set_statistics(self, text: str) -> None:
        if text != self.statistics:
            self.statistics = text
            self.update()

    def channel_at(self, x: float) -> int:
        """The channel whose map the mouse at x (item coordinates) asks for: left to right."""
        return max(0, min(self.channels - 1, int(x / WIDTH * self.channels)))

    def hoverMoveEvent(self, event) -> None:  # noqa: N802
        if self.channels and self.on_hover is not None:
            self.on_hover(self.channel_at(event.pos().x()))
        super().hoverMoveEvent(event)

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802
        if self.channels and self.on_hover is not None:
            self.on_hover(None)
        super().hoverLeaveEvent(event)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF(-2, -2, WIDTH + 4, HEIGHT + 4)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        detailed = option.levelOfDetailFromTransform(painter.worldTransform()) >= DETAIL
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, detailed)
        if self.fault:
            pen = QPen(FAULT, 3)
        elif self.isSelected():
            pen = QPen(SELECTED, 2.5)
        elif self.warning:
            pen = QPen(WARNING, 2, Qt.PenStyle.DashLine)
        else:
            pen = QPen(QColor("#78909c"), 1.2)
        painter.setPen(pen)
        painter.setBrush(QBrush(self.fill))
        if not detailed:
            painter.drawRect(QRectF(0, 0, WIDTH, HEIGHT))
            return  # zoomed far out: text too small to read is not drawn (a big graph stays smooth)
        painter.drawRoundedRect(QRectF(0, 0, WIDTH, HEIGHT), 8, 8)
        painter.setPen(QColor("#212121"))
        bold = QFont(painter.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(QRectF(8, 5, WIDTH - 16, 20), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         painter.fontMetrics().elidedText(self.title, Qt.TextElideMode.ElideRight, int(WIDTH - 16)))
        painter.setFont(QFont(widget.font() if widget is not None else painter.font()))
        painter.setPen(FAULT if self.fault else QColor("#546e7a"))
        text = self.fault or self.detail
        painter.drawText(QRectF(8, 24, WIDTH - 16, 18), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(WIDTH - 16)))
        if self.statistics:
            painter.setPen(QColor("#1565c0"))
            painter.drawText(QRectF(8, 41, WIDTH - 16, 18), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             painter.fontMetrics().elidedText(self.statistics, Qt.TextElideMode.ElideRight,
                                                              int(WIDTH - 16)))

    def itemChange(self, change, value):  # noqa: N802
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for wire in self.wires:
                wire.follow()
        return super().itemChange(change, value)


class Wire(QGraphicsPathItem):
    """A wire from `source`'s output port to `target`'s input port, labelled with its shape.
    Painted by Qt itself; its label is a child item the canvas hides when zoomed far out."""

    def __init__(self, source: Block, target: Block, shape: str) -> None:
        super().__init__()
        self.source, self.target = source, target
        self.setZValue(-1)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setPen(WIRE_PEN)
        self.setToolTip(f"{shape or 'no shape yet'} · drop a layer here to insert it; Delete removes the wire")
        self.shape_text = shape
        self.label = QGraphicsSimpleTextItem(shape, self)
        self.label.setBrush(QColor("#37474f"))
        small = QFont()
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.85))
        self.label.setFont(small)
        self._hit = QPainterPath()
        source.wires.append(self)
        target.wires.append(self)
        self.follow()

    def follow(self) -> None:
        start = self.source.output_port.centre()
        end = self.target.input_port.centre()
        path = QPainterPath(start)
        bend = max(30.0, abs(end.y() - start.y()) / 2)
        # a wire that skips rows bows out to the side, clear of the blocks between
        if end.y() - start.y() > 2.2 * HEIGHT and abs(end.x() - start.x()) < WIDTH:
            side = 0.95 * WIDTH * (1 if end.x() >= start.x() else -1)
            path.cubicTo(start + QPointF(side, 24), end + QPointF(side, -24), end)
        else:
            path.cubicTo(start + QPointF(0, bend), end + QPointF(0, -bend), end)
        self.setPath(path)
        self.label.setPos(path.pointAtPercent(0.5) + QPointF(6, -8))
        stroker = QPainterPathStroker()
        stroker.setWidth(12)
        self._hit = stroker.createStroke(path)

    def shape(self) -> QPainterPath:
        return self._hit

    def itemChange(self, change, value):  # noqa: N802
        if change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.setPen(WIRE_SELECTED_PEN if value else WIRE_PEN)
        return super().itemChange(change, value)
