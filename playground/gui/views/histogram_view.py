"""Weights and gradients over time, per layer: the distribution of a layer's weights and of the
order of magnitude of its gradients (log₁₀ |g|) as images, time running left to right, and the
gradient's root mean square of every layer on one log plot — vanishing gradients show as the first
layers' lines falling far below the last layers', exploding ones as lines shooting up."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from playground.core.grids import GRADIENT_BINS, WEIGHT_BINS
from playground.gui.views import DecadeAxis, stack_with_bar
from playground.gui.theme import CLASS_COLOURS

#: Columns kept; older ones are thinned (every other dropped) when the record is full.
MAX_COLUMNS = 300
_LUT = np.array([np.linspace(255, c, 256) for c in (0x30, 0x30, 0x60)]).T.round().astype(np.uint8)


class HistogramView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("histogramView")
        self.layer = QComboBox(objectName="histogramLayer")
        self.layer.setToolTip("The layer whose weight and gradient distributions are drawn")
        self.layer.currentIndexChanged.connect(self._redraw)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.weights_plot = self.graphics.addPlot(row=0, col=0)
        self.gradients_plot = self.graphics.addPlot(row=0, col=1)
        self.rms_plot = self.graphics.addPlot(row=1, col=0, colspan=2, axisItems={"left": DecadeAxis("left")})
        self.rms_plot.setLogMode(y=True)
        self.rms_plot.setLabel("left", "gradient RMS")
        self.rms_plot.getAxis("left").enableAutoSIPrefix(False)
        self.rms_plot.setLabel("bottom", "epoch")
        self.rms_plot.showGrid(x=True, y=True, alpha=0.2)
        self.weights_plot.setLabel("left", "weight")
        self.gradients_plot.setLabel("left", "log₁₀ |gradient|")
        self.images = []
        for plot, bins in ((self.weights_plot, WEIGHT_BINS), (self.gradients_plot, GRADIENT_BINS)):
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.setLabel("bottom", "epoch")
            image = pg.ImageItem(axisOrder="row-major")
            image.setLookupTable(_LUT)
            plot.addItem(image)
            self.images.append((image, bins))
        self.rms_curves: list[pg.PlotDataItem] = []
        bar = QHBoxLayout()
        bar.addWidget(QLabel("layer"))
        bar.addWidget(self.layer, 1)
        stack_with_bar(self, bar, self.graphics)
        self.clear()

    def clear(self) -> None:
        self.epochs: list[int] = []
        self.weight_columns: list[np.ndarray] = []
        self.gradient_columns: list[np.ndarray] = []
        self.rms: list[np.ndarray] = []
        self.names: list[str] = []
        self.layer.clear()
        for curve in self.rms_curves:
            self.rms_plot.removeItem(curve)
        self.rms_curves = []
        for image, _ in self.images:
            image.clear()

    def add(self, epoch: int, statistics) -> None:
        """Record a LayerStatistics (core.probes) taken at `epoch`."""
        if statistics.names != self.names:
            self.clear()
            self.names = list(statistics.names)
            self.layer.addItems([f"layer {i + 1}: {name.split('.', 1)[1]} ({_colour_name(k)} line)"
                                 for k, (i, name) in enumerate(zip(statistics.layers, statistics.names))])
            for k, name in enumerate(self.names):
                colour = CLASS_COLOURS[k % len(CLASS_COLOURS)]
                self.rms_curves.append(self.rms_plot.plot(pen=pg.mkPen(colour, width=1.5)))
                self.layer.setItemData(k, f"<span style='color: rgb{colour}'>■</span> its gradient RMS line",
                                       Qt.ItemDataRole.ToolTipRole)
        self.epochs.append(epoch)
        self.weight_columns.append(statistics.weight_counts)
        self.gradient_columns.append(statistics.gradient_counts)
        self.rms.append(statistics.gradient_rms)
        if len(self.epochs) > MAX_COLUMNS:
            keep = slice(None, None, 2)
            self.epochs, self.weight_columns = self.epochs[keep], self.weight_columns[keep]
            self.gradient_columns, self.rms = self.gradient_columns[keep], self.rms[keep]
        self._redraw()

    def image_of(self, which: str, layer: int) -> np.ndarray:
        """bins × time counts of a layer's weights ("weights") or gradients ("gradients")."""
        columns = self.weight_columns if which == "weights" else self.gradient_columns
        return np.array([c[layer] for c in columns]).T if columns else np.zeros((0, 0))

    def _redraw(self) -> None:
        k = self.layer.currentIndex()
        if k < 0 or not self.epochs:
            return
        first, last = self.epochs[0], max(self.epochs[-1], self.epochs[0] + 1)
        for (image, bins), which in zip(self.images, ("weights", "gradients")):
            counts = self.image_of(which, k).astype(np.float32)
            peak = counts.max(axis=0, keepdims=True)
            shares = np.divide(counts, peak, out=np.zeros_like(counts), where=peak > 0)
            image.setImage(np.ascontiguousarray(shares), autoLevels=False, levels=(0, 1),
                           rect=QRectF(first, bins[0], last - first, bins[-1] - bins[0]))
        rms = np.array(self.rms)
        x = np.array(self.epochs, dtype=np.float64)
        for j, curve in enumerate(self.rms_curves):
            curve.setData(x, np.where(rms[:, j] > 0, rms[:, j], np.nan))



_COLOUR_NAMES = ["orange", "blue", "green", "purple", "red", "brown", "pink", "grey", "olive", "cyan"]


def _colour_name(k: int) -> str:
    """The name of CLASS_COLOURS[k], for the layer chooser."""
    return _COLOUR_NAMES[k % len(_COLOUR_NAMES)]
