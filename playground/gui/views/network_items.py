"""The network view's scene items: a feature's or neuron's map tile, a bias square, a header
button and all links into one dense layer (one item: a network of 6 × 32 has 5,216 links); the
colours and widths of the TensorFlow Playground, and the sizes the view lays them out with."""

from __future__ import annotations

import math
from dataclasses import dataclass
import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (QGraphicsObject, QGraphicsPixmapItem, QGraphicsRectItem, QGraphicsSimpleTextItem,
                               QWidget)

from playground.gui.theme import diverging_lut

TILE = 32
SMALL_TILE = 22           # for layers wider than MAX_ROWS
MAX_ROWS = 10
ROW_GAP = 7
SUB_COLUMN_GAP = 6
COLUMN_GAP = 64
HEADER = 44
BIAS = 8
MIN_ZOOM, MAX_ZOOM = 0.35, 1.5
#: Between the columns of a deep network (more than DEEP dense layers) the gap narrows
NARROW_GAP, DEEP = 36, 3
#: Links drawn at most (a network of 6 × 32 has 5,216: all of them)
MAX_LINKS = 6000
#: Link width for |w| from 0 to WIDTH_SATURATION, as the TensorFlow Playground scales it.
MIN_WIDTH, MAX_WIDTH, WIDTH_SATURATION = 1.0, 10.0, 5.0
_LUT = diverging_lut(256)


def value_colour(value: float) -> QColor:
    """The diverging colour of a value in [−1, 1] (orange negative, grey zero, blue positive)."""
    index = int(round((max(-1.0, min(1.0, value)) + 1) / 2 * 255)) if math.isfinite(value) else 128
    return QColor(*(int(c) for c in _LUT[index]))


def link_width(weight: float) -> float:
    size = min(abs(weight), WIDTH_SATURATION) if math.isfinite(weight) else WIDTH_SATURATION
    return MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * size / WIDTH_SATURATION


def map_images(maps: np.ndarray) -> list[QImage]:
    """units×R×R values → one RGB image per unit (row 0 at the top = the largest x₂)."""
    index = np.clip(np.round((np.nan_to_num(maps) + 1) * 127.5), 0, 255).astype(np.uint8)
    rgb = np.ascontiguousarray(_LUT[index[:, ::-1, :]])
    size = maps.shape[1]
    return [QImage(rgb[k].tobytes(), size, size, 3 * size, QImage.Format.Format_RGB888).copy()
            for k in range(len(rgb))]


@dataclass(frozen=True)
class Selected:
    """A weight (index (to, from)) or a bias (index (unit,)) of the dense layer at spec index `layer`."""

    layer: int
    name: str
    index: tuple[int, ...]


class Tile(QGraphicsPixmapItem):
    """A feature's or a neuron's map. `layer` is −1 for the input features."""

    def __init__(self, view: QWidget, layer: int, unit: int, size: int, name: str = "") -> None:
        super().__init__()
        self.view, self.layer, self.unit, self.size, self.name = view, layer, unit, size, name
        self.setAcceptHoverEvents(True)
        self.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.frame = QGraphicsRectItem(0, 0, size, size, self)
        self.frame.setPen(QPen(QColor("#9e9e9e"), 1))
        self.setCursor(Qt.CursorShape.PointingHandCursor if layer < 0 else Qt.CursorShape.ArrowCursor)

    def set_image(self, image: QImage) -> None:
        self.setPixmap(QPixmap.fromImage(image))
        self.setScale(self.size / max(1, image.width()))
        self.frame.setScale(1 / self.scale())

    def hoverEnterEvent(self, event) -> None:  # noqa: N802
        self.frame.setPen(QPen(QColor("#212121"), 2))
        self.view.neuronHovered.emit(self.layer, self.unit)

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802
        self.frame.setPen(QPen(QColor("#9e9e9e"), 1))
        self.view.hoverEnded.emit()

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if self.layer < 0 and event.button() == Qt.MouseButton.LeftButton:
            self.view.featureToggled.emit(self.name)
        else:
            super().mousePressEvent(event)


class BiasMark(QGraphicsRectItem):
    def __init__(self, view: QWidget, layer: int, unit: int) -> None:
        super().__init__(0, 0, BIAS, BIAS)
        self.view, self.layer, self.unit = view, layer, unit
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(3)
        self.setPen(QPen(QColor("#616161"), 0.5))

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self.view.select(Selected(self.layer, "bias", (self.unit,)))


class Button(QGraphicsSimpleTextItem):
    """A small clickable +/− in a column's header."""

    def __init__(self, text: str, action, tip: str) -> None:
        super().__init__(text)
        self.action = action
        font = self.font()
        font.setPointSize(13)
        font.setBold(True)
        self.setFont(font)
        self.setBrush(QBrush(QColor("#455a64")))
        self.setToolTip(tip)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self.action()


class Links(QGraphicsObject):
    """All links into one dense layer, drawn by one item (a network of 6 × 32 has 6,000)."""

    SAMPLES = 12

    def __init__(self, view: QWidget, layer: int, sources: list[QPointF], targets: list[QPointF],
                 budget: int | None = None) -> None:
        super().__init__()
        self.view, self.layer = view, layer
        self.setZValue(-1)
        self.paths: list[QPainterPath] = []
        pairs = sampled_pairs(len(targets), len(sources), budget)
        self.pairs = pairs
        t = np.linspace(0.0, 1.0, self.SAMPLES)[:, None]
        samples = []
        for j, i in pairs:
            a, b = sources[i], targets[j]
            mid = (a.x() + b.x()) / 2
            path = QPainterPath(a)
            path.cubicTo(QPointF(mid, a.y()), QPointF(mid, b.y()), b)
            self.paths.append(path)
            p0, p1, p2, p3 = (np.array([p.x(), p.y()]) for p in (a, QPointF(mid, a.y()), QPointF(mid, b.y()), b))
            samples.append((1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t ** 2 * p2 + t ** 3 * p3)
        self.samples = np.array(samples).reshape(len(pairs), self.SAMPLES, 2)
        xs = [p.x() for p in sources + targets] or [0.0]
        ys = [p.y() for p in sources + targets] or [0.0]
        self._rect = QRectF(min(xs), min(ys) - MAX_WIDTH, max(xs) - min(xs), max(ys) - min(ys) + 2 * MAX_WIDTH)
        self.weights = np.zeros((len(targets), len(sources)), dtype=np.float32)
        self.selected: tuple[int, int] | None = None

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._rect

    def set_weights(self, weights: np.ndarray) -> None:
        if weights.shape == self.weights.shape:
            self.weights = weights
            self.update()

    def pen(self, to: int, source: int) -> QPen:
        w = float(self.weights[to, source])
        pen = QPen(value_colour(w), link_width(w))
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        return pen

    def paint(self, painter: QPainter, _option, _widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for (j, i), path in zip(self.pairs, self.paths):
            painter.setPen(self.pen(j, i))
            painter.drawPath(path)
        if self.selected is not None:
            j, i = self.selected
            painter.setPen(QPen(QColor("#212121"), 1.5, Qt.PenStyle.DashLine))
            painter.drawPath(self.paths[self.pairs.index((j, i))])

    def link_at(self, point: QPointF, tolerance: float = 5.0) -> tuple[int, int] | None:
        """The (to, from) link nearest to `point`, if within `tolerance` of it (plus its width)."""
        if not self.pairs:
            return None
        distance = np.hypot(*(self.samples - np.array([point.x(), point.y()])).transpose(2, 0, 1)).min(axis=1)
        k = int(np.argmin(distance))
        j, i = self.pairs[k]
        return (j, i) if distance[k] <= tolerance + link_width(float(self.weights[j, i])) / 2 else None

    def mousePressEvent(self, event) -> None:  # noqa: N802
        hit = self.link_at(event.pos())
        if hit is None:
            event.ignore()
            return
        self.view.select(Selected(self.layer, "weight", hit))


def sampled_pairs(targets: int, sources: int, budget: int | None) -> list[tuple[int, int]]:
    """Every (to, from) pair, or, past `budget`, an evenly spaced sample of each target's sources."""
    if budget is None or targets * sources <= budget:
        return [(j, i) for j in range(targets) for i in range(sources)]
    per_target = max(1, budget // max(1, targets))
    chosen = np.unique(np.linspace(0, sources - 1, per_target).round().astype(int))
    return [(j, int(i)) for j in range(targets) for i in chosen]
