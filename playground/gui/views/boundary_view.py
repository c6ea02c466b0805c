"""The decision boundary: the model's output over the input plane as a heatmap, with the training
points (and the test points, on demand) drawn over it, and a colour bar. Two classes and regression
use the orange–grey–blue scale; more classes colour each cell by its predicted class, faded by the
model's confidence. "Discretize output" shows the predicted class only (no shades); while the mouse
is over a neuron in the network view, the map shown is that neuron's output."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QGraphicsItem, QHBoxLayout, QLabel, QWidget

from playground.core.grids import GRID_EXTENT
from playground.gui.views import stack_with_bar
from playground.gui.theme import CLASS_COLOURS, class_image, diverging_lut

PLANE = QRectF(-GRID_EXTENT, -GRID_EXTENT, 2 * GRID_EXTENT, 2 * GRID_EXTENT)


class BoundaryView(QWidget):
    axesChanged = Signal(int, int)   # a table's columns chosen for x and y

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("boundaryView")
        self.plot = pg.PlotWidget(background="w")
        self.plot.setAspectLocked(True)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        item = self.plot.getPlotItem()
        item.setRange(xRange=(-GRID_EXTENT, GRID_EXTENT), yRange=(-GRID_EXTENT, GRID_EXTENT), padding=0)
        for name in ("left", "bottom"):  # fixed axes: painted from a cached pixmap, not redrawn per frame
            item.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        item.setLabel("bottom", "x₁")
        item.setLabel("left", "x₂")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(diverging_lut())
        item.addItem(self.image)
        self.train_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("w", width=1))
        self.test_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("k", width=1))
        item.addItem(self.train_points)
        item.addItem(self.test_points)
        colour_map = pg.ColorMap(np.linspace(0, 1, len(diverging_lut())), diverging_lut())
        self.colour_bar = pg.ColorBarItem(values=(-1, 1), colorMap=colour_map, interactive=False, width=12)
        self.colour_bar.setImageItem(self.image, insert_in=item)
        self.show_test = QCheckBox("Show test data", objectName="showTestData")
        self.show_test.toggled.connect(self.test_points.setVisible)
        self.test_points.setVisible(False)
        self.discretize = QCheckBox("Discretize output", objectName="discretizeOutput")
        self.discretize.setToolTip("Show only the predicted class (or the sign of the output), without shades")
        self.discretize.toggled.connect(self._redraw)
        self.legend = QLabel(objectName="boundaryLegend")
        self.x_axis = QComboBox(objectName="boundaryXAxis", toolTip="The column along x (the others at their mean)")
        self.y_axis = QComboBox(objectName="boundaryYAxis", toolTip="The column along y (the others at their mean)")
        for combo in (self.x_axis, self.y_axis):
            combo.activated.connect(self._axes_chosen)
            # a long column name must not widen the window's centre (the docks would be cut)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
            combo.hide()
        self.legend.setWordWrap(True)
        self.axes = (0, 1)
        bar = QHBoxLayout()
        bar.addWidget(self.show_test)
        bar.addWidget(self.discretize)
        bar.addWidget(self.x_axis)
        bar.addWidget(self.y_axis)
        bar.addStretch(1)
        stack_with_bar(self, bar, self.plot, self.legend)  # the legend below: ten classes need the width
        self.classes = 2
        self.task = "classification"
        self.frames = 0
        self._probe = None
        self._focus = None
        self.focus_title: str | None = None
        self._legend_text = ""

    def _axes_chosen(self, _index: int) -> None:
        axes = (self.x_axis.currentIndex(), self.y_axis.currentIndex())
        if axes[0] == axes[1]:  # the same column twice: move the other one
            other = self.y_axis if self.sender() is self.x_axis else self.x_axis
            other.setCurrentIndex((axes[0] + 1) % other.count())
            axes = (self.x_axis.currentIndex(), self.y_axis.currentIndex())
        self.axes = axes
        self.axesChanged.emit(*axes)

    def set_data(self, data) -> None:
        """Points of a DataUpdate (gui.controllers.worker); a table's are two of its columns."""
        self.classes, self.task = data.classes, data.task
        table = data.kind == "table" and data.axes is not None
        item = self.plot.getPlotItem()
        for combo in (self.x_axis, self.y_axis):
            combo.setVisible(table)
        if table:
            names = list(data.feature_names)
            for combo, index in ((self.x_axis, data.axes[0]), (self.y_axis, data.axes[1])):
                combo.blockSignals(True)
                combo.clear()
                combo.addItems([f"{axis}: {name}" for name in names for axis in ["x" if combo is self.x_axis else "y"]])
                combo.setCurrentIndex(index)
                combo.blockSignals(False)
            self.axes = tuple(data.axes)
            scaled = " (standardized)" if data.spec is None or data.spec.dataset != "arrays" else ""
            item.setLabel("bottom", f"{names[data.axes[0]]}{scaled}")
            item.setLabel("left", f"{names[data.axes[1]]}{scaled}")
        else:
            item.setLabel("bottom", "x₁")
            item.setLabel("left", "x₂")
        self.train_points.setData(pos=np.asarray(data.points_train), brush=self._brushes(data.labels_train))
        self.test_points.setData(pos=np.asarray(data.points_test), brush=self._brushes(data.labels_test))
        if self.task == "regression":
            self._legend_text = "colour: the model's output"
        else:
            names = list(data.class_names) if len(data.class_names) == self.classes else [str(i) for i in range(self.classes)]
            self._legend_text = "&nbsp;&nbsp;&nbsp;".join(
                f"<span style='color: rgb{CLASS_COLOURS[i % len(CLASS_COLOURS)]}'>■</span>&nbsp;class {name}"
                for i, name in enumerate(names))
        self._show_legend()

    def _show_legend(self) -> None:
        if self.focus_title and self._focus is not None:
            self.legend.setText(f"showing <b>{self.focus_title}</b>")
        else:
            self.legend.setText(self._legend_text)

    def _brushes(self, labels) -> list:
        labels = np.asarray(labels)
        if self.task == "regression":
            lut = diverging_lut(256)
            idx = np.clip(((labels + 1) / 2 * 255).astype(int), 0, 255)
            return [pg.mkBrush(*lut[i]) for i in idx]
        return [pg.mkBrush(*CLASS_COLOURS[int(v) % len(CLASS_COLOURS)]) for v in labels]

    def set_focus_title(self, title: str | None) -> None:
        """Name the neuron under the mouse (None: back to the model's output)."""
        self.focus_title = title
        if title is None:
            self._focus = None
            self._redraw()

    def set_boundary(self, probe, focus: np.ndarray | None = None) -> None:
        """Show a BoundaryProbe (core.probes), or `focus`, a neuron's map, while one is hovered."""
        if probe is None:
            return
        self._probe = probe
        self._focus = focus if self.focus_title is not None else None
        self._redraw()
        self.frames += 1

    def _redraw(self) -> None:
        probe = self._probe
        if probe is None:
            return
        self._show_legend()
        discrete = self.discretize.isChecked()
        if self._focus is not None:
            self._show_scalar(np.sign(self._focus) if discrete else self._focus)
        elif self.task == "classification" and self.classes > 2 and probe.classes is not None:
            self.colour_bar.setVisible(False)
            self.image.setLookupTable(None)
            confidence = np.ones_like(probe.confidence) if discrete else probe.confidence
            self.image.setImage(class_image(probe.classes, confidence, self.classes), autoLevels=False,
                                levels=(0, 255), rect=PLANE)
        else:
            score = probe.score
            if discrete:
                score = np.round(score) if self.task == "regression" else np.where(score >= 0, 1.0, -1.0)
            self._show_scalar(score)

    def _show_scalar(self, values: np.ndarray) -> None:
        self.colour_bar.setVisible(True)
        self.image.setLookupTable(diverging_lut())
        self.image.setImage(np.ascontiguousarray(values, dtype=np.float32), autoLevels=False, levels=(-1, 1),
                            rect=PLANE)

    def image_data(self) -> np.ndarray | None:
        return None if self.image.image is None else np.array(self.image.image)
