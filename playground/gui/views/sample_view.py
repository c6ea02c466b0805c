"""Test samples with the model's predictions: for images, a grid of test images captioned "true →
predicted" (mistakes in red; click one to choose it) and the feature maps every convolution or
pooling layer makes of the chosen image, live; for tables and sequence labels, the first test rows
with their input, true and predicted values; for sequence forecasts, a few test sequences with the
true and the predicted next value. Attention layers show their weights for the chosen sample as a
heatmap."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (QButtonGroup, QGridLayout, QHBoxLayout, QLabel, QScrollArea, QSplitter,
                               QStackedWidget, QTableWidget, QTableWidgetItem, QToolButton, QVBoxLayout, QWidget)

COLUMNS = 6
FORECASTS = 4
_ATTENTION_LUT = np.array([np.linspace(255, c, 256) for c in (0x4A, 0x14, 0x8C)]).T.round().astype(np.uint8)
TILE = 56
MAP_TILE = 34
MAX_MAPS = 16
WRONG = "#c62828"
RIGHT = "#2e7d32"


def image_to_qimage(image: np.ndarray) -> QImage:
    """C×H×W (C = 1 or 3) or H×W, any range → an 8-bit image, stretched to its own min–max."""
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 3 and array.shape[0] not in (1, 3):
        array = array[0]
    if array.ndim == 3:
        array = array[0] if array.shape[0] == 1 else array.transpose(1, 2, 0)
    low, high = float(array.min()), float(array.max())
    scaled = np.zeros_like(array) if high <= low else (array - low) / (high - low)
    data = np.ascontiguousarray((scaled * 255).round().astype(np.uint8))
    h, w = data.shape[:2]
    if data.ndim == 2:
        return QImage(data.tobytes(), w, h, w, QImage.Format.Format_Grayscale8).copy()
    return QImage(data.tobytes(), w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class SampleTile(QWidget):
    def __init__(self, index: int, view: "SampleView") -> None:
        super().__init__()
        self.index, self.view = index, view
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(0)
        self.picture = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.picture.setFixedSize(TILE, TILE)
        self.caption = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.caption.setStyleSheet("font-size: 10px;")
        layout.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.caption)
        self.correct: bool | None = None
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self.view.choose(self.index)


class SampleView(QWidget):
    sampleChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sampleView")
        self.pages = QStackedWidget()
        # images: the grid above, the chosen image's feature maps below
        images = QSplitter(Qt.Orientation.Vertical)
        grid_host = QWidget()
        self.grid = QGridLayout(grid_host)
        self.grid.setSpacing(2)
        self.summary = QLabel(objectName="sampleSummary", wordWrap=True)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        switch = QHBoxLayout()
        self.show_predictions_button = QToolButton(text="Test predictions", checkable=True, checked=True,
                                                   objectName="showPredictions")
        self.show_predictions_button.setToolTip("The first test images with the true and the predicted class")
        self.show_preview_button = QToolButton(text="Training images by class", checkable=True,
                                               objectName="showPreview")
        self.show_preview_button.setToolTip("What the network learns from: per class, how many images "
                                            "and the first few, as the network sees them (resized)")
        group = QButtonGroup(self)
        for button in (self.show_predictions_button, self.show_preview_button):
            group.addButton(button)
            switch.addWidget(button)
        switch.addStretch(1)
        top_layout.addLayout(switch)
        top_layout.addWidget(self.summary)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(grid_host)
        preview_host = QWidget(objectName="classPreview")
        self.preview_layout = QVBoxLayout(preview_host)
        self.preview_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        preview_scroll = QScrollArea(widgetResizable=True)
        preview_scroll.setWidget(preview_host)
        self.image_pages = QStackedWidget()
        self.image_pages.addWidget(scroll)
        self.image_pages.addWidget(preview_scroll)
        self.show_preview_button.toggled.connect(lambda on: self.show_preview(on))
        top_layout.addWidget(self.image_pages, 1)
        images.addWidget(top)
        self.maps_host = QWidget(objectName="featureMaps")
        self.maps_layout = QVBoxLayout(self.maps_host)
        self.maps_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        maps_scroll = QScrollArea(widgetResizable=True)
        maps_scroll.setWidget(self.maps_host)
        images.addWidget(maps_scroll)
        images.setSizes([320, 200])
        self.pages.addWidget(images)
        self.rows = QTableWidget(0, 4, objectName="sampleRows")
        self.rows.setHorizontalHeaderLabels(["test row", "input", "true", "predicted"])
        self.rows.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.rows.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.rows.cellClicked.connect(lambda row, _column: self.choose(row))
        # regression tables: true vs. predicted over the test split above the rows
        table_page = QSplitter(Qt.Orientation.Vertical)
        self.fit_plot = pg.PlotWidget(background="w")
        self.fit_plot.setObjectName("fitPlot")
        self.fit_plot.hideButtons()
        self.fit_plot.setLabel("bottom", "true value")
        self.fit_plot.setLabel("left", "predicted value")
        self.fit_diagonal = self.fit_plot.plot(pen=pg.mkPen("#9e9e9e", width=1, style=Qt.PenStyle.DashLine))
        self.fit_points = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(25, 118, 210, 140))
        self.fit_plot.addItem(self.fit_points)
        self.fit_plot.setMinimumHeight(160)
        table_page.addWidget(self.fit_plot)
        table_page.addWidget(self.rows)
        table_page.setSizes([3, 2])
        self.pages.addWidget(table_page)
        self.curves = pg.GraphicsLayoutWidget()
        self.curves.setObjectName("sequenceCurves")
        self.curves.setBackground("w")
        self.curve_plots = []
        for k in range(FORECASTS):
            plot = self.curves.addPlot(row=k, col=0)
            plot.hideButtons()
            plot.setMouseEnabled(x=False, y=False)
            window = plot.plot(pen=pg.mkPen("#607d8b", width=1.5))
            true = plot.plot(pen=None, symbol="o", symbolBrush="#2e7d32", symbolSize=8)
            predicted = plot.plot(pen=None, symbol="x", symbolPen=pg.mkPen("#ef6c00", width=2), symbolSize=10)
            self.curve_plots.append((plot, window, true, predicted))
        self.curve_plots[0][0].setTitle("input (grey), true next (green ●), predicted (orange ×)", size="9pt")
        self.pages.addWidget(self.curves)
        self.attention = pg.PlotWidget(background="w")
        self.attention.setObjectName("attentionMap")
        self.attention.setMouseEnabled(x=False, y=False)
        self.attention.hideButtons()
        self.attention.getPlotItem().invertY(True)
        self.attention.setLabel("bottom", "step looked at")
        self.attention.setLabel("left", "step looking")
        self.attention_image = pg.ImageItem(axisOrder="row-major")
        self.attention_image.setLookupTable(_ATTENTION_LUT)
        self.attention.addItem(self.attention_image)
        self.attention.hide()
        self.split = split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.pages)
        split.addWidget(self.attention)
        self.attention.setMinimumHeight(160)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.attention_maps: list = []
        self.tiles: list[SampleTile] = []
        self.chosen = 0
        self.class_names: tuple[str, ...] = ()
        self.regression = False
        self.map_labels: list[QLabel] = []
        self._maps_layout_key: list | None = None
        self.frames = 0
        self.sequence = False
        self.tokens: tuple[str, ...] = ()
        self.preview_rows: list[tuple[QLabel, int]] = []

    def set_data(self, data) -> None:
        """A DataUpdate (gui.controllers.worker) for image or table data."""
        self.class_names = tuple(data.class_names)
        self.regression = data.task == "regression"
        self.sequence = data.kind == "sequence"
        self.tokens = data.class_names if data.class_names and self.sequence and len(data.class_names) > 2 else ()
        if len(data.input_shape) == 3:
            self.pages.setCurrentIndex(0)
        else:
            self.pages.setCurrentIndex(2 if self.sequence and self.regression else 1)
        self.fit_plot.setVisible(self.regression and not self.sequence)
        self.attention.hide()
        self.choose(0, notify=False)
        if data.preview is not None:
            self._build_preview(data.preview, data.input_shape)
            self.show_preview(True)

    def show_preview(self, on: bool = True) -> None:
        """Show the training images by class (on) or the test predictions (off)."""
        self.image_pages.setCurrentIndex(1 if on else 0)
        button = self.show_preview_button if on else self.show_predictions_button
        if not button.isChecked():
            button.setChecked(True)
        self.summary.setVisible(not on)

    def _build_preview(self, preview: list, shape: tuple) -> None:
        while self.preview_layout.count():
            item = self.preview_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.preview_rows = []
        total = sum(count for _, count, _ in preview)
        size = "×".join(str(n) for n in shape[1:])
        self.preview_layout.addWidget(QLabel(f"{total:,} training images in {len(preview)} classes, "
                                             f"{size} pixels, {'colour' if shape[0] == 3 else 'grey'}:"))
        for index, count, images in preview:
            row = QWidget()
            row_layout = QHBoxLayout(row)
            row_layout.setContentsMargins(0, 0, 0, 0)
            row_layout.setSpacing(2)
            name = QLabel(f"{self._name(index)} ({count:,})")
            name.setMinimumWidth(110)
            row_layout.addWidget(name)
            for image in images:
                label = QLabel()
                label.setPixmap(QPixmap.fromImage(image_to_qimage(image)).scaled(
                    TILE, TILE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation))
                row_layout.addWidget(label)
            row_layout.addStretch(1)
            self.preview_layout.addWidget(row)
            self.preview_rows.append((name, len(images)))

    def _name(self, label) -> str:
        if self.regression:
            return f"{float(label):.3g}"
        index = int(label)
        return self.class_names[index] if 0 <= index < len(self.class_names) else str(index)

    def set_samples(self, probe) -> None:
        """Show a SampleProbe (core.probes)."""
        if probe is None:
            return
        self.frames += 1
        if self.pages.currentIndex() == 1:
            self._rows(probe)
            return
        if self.pages.currentIndex() == 2:
            self._forecasts(probe)
            return
        while len(self.tiles) < len(probe.indices):
            tile = SampleTile(len(self.tiles), self)
            self.grid.addWidget(tile, len(self.tiles) // COLUMNS, len(self.tiles) % COLUMNS)
            self.tiles.append(tile)
        wrong = 0
        for tile, image, true, predicted, confidence in zip(self.tiles, probe.inputs, probe.true, probe.predicted,
                                                             probe.confidence):
            tile.picture.setPixmap(QPixmap.fromImage(image_to_qimage(image)).scaled(
                TILE, TILE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation))
            tile.correct = int(true) == int(predicted)
            wrong += not tile.correct
            tile.caption.setText(f"{self._name(true)} → {self._name(predicted)}")
            tile.caption.setStyleSheet(f"font-size: 10px; color: {RIGHT if tile.correct else WRONG};"
                                       + ("" if tile.correct else " font-weight: bold;"))
            tile.setToolTip(f"test sample {tile.index}: true {self._name(true)}, predicted "
                            f"{self._name(predicted)} ({confidence:.0%} sure). Click to see its feature maps.")
        self._highlight()
        self.summary.setText(f"First {len(probe.indices)} test images, true → predicted: {wrong} mistake"
                             f"{'s' if wrong != 1 else ''} (red). Click one for its feature maps.")

    def _input_text(self, row: np.ndarray) -> str:
        """A test input in a line: characters, bits, or the first numbers."""
        values = np.asarray(row, dtype=np.float64).reshape(len(row), -1)
        if self.sequence and values.shape[1] == 1:
            ids = values[:, 0].round().astype(int)
            if self.tokens:
                return repr("".join(self.tokens[i] if 0 <= i < len(self.tokens) else "?" for i in ids))
            if set(ids.tolist()) <= {0, 1}:
                return "".join(map(str, ids))
        flat = values.ravel()
        text = ", ".join(f"{v:.3g}" for v in flat[:6])
        return text + (", …" if len(flat) > 6 else "")

    def _fit(self, fit: np.ndarray) -> None:
        """True vs. predicted as points, the ideal line dashed, RMSE and R² in the title."""
        true, predicted = fit[:, 0].astype(np.float64), fit[:, 1].astype(np.float64)
        self.fit_points.setData(true, predicted)
        low, high = float(min(true.min(), predicted.min())), float(max(true.max(), predicted.max()))
        self.fit_diagonal.setData([low, high], [low, high])
        error = predicted - true
        rmse = float(np.sqrt(np.mean(error ** 2)))
        var = float(np.var(true))
        r2 = f"{1 - float(np.mean(error ** 2)) / var:.3f}" if var > 0 else "–"
        self.fit_plot.setTitle(f"{len(true)} test rows: predicted vs. true (RMSE {rmse:.3g}, R² {r2}); "
                               "on the dashed line is perfect", size="9pt")

    def _rows(self, probe) -> None:
        if probe.fit is not None and self.fit_plot.isVisibleTo(self):
            self._fit(probe.fit)
        self.rows.setRowCount(len(probe.indices))
        for r, (index, row, true, predicted) in enumerate(zip(probe.indices, probe.inputs, probe.true,
                                                              probe.predicted)):
            texts = (str(int(index)), self._input_text(row), self._name(true), self._name(predicted))
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if c == 3 and not self.regression and int(true) != int(predicted):
                    item.setForeground(Qt.GlobalColor.red)
                self.rows.setItem(r, c, item)

    def _forecasts(self, probe) -> None:
        for k, (plot, window, true, predicted) in enumerate(self.curve_plots):
            if k >= len(probe.indices):
                break
            steps = np.asarray(probe.inputs[k], dtype=np.float64).reshape(len(probe.inputs[k]), -1)[:, 0]
            t = np.arange(len(steps))
            window.setData(t, steps)
            true.setData([len(steps)], [float(probe.true[k])])
            predicted.setData([len(steps)], [float(probe.predicted[k])])
            plot.setXRange(-0.5, len(steps) + 0.8, padding=0)

    def set_attention(self, maps: list | None) -> None:
        """[(spec layer, T×T)] attention weights of the chosen sample (the first attention layer shown)."""
        if not maps:
            return
        self.attention_maps = maps
        layer, weights = maps[0]
        if not self.attention.isVisible():
            self.attention.show()
            self.split.setSizes([3, 2])
        self.attention.setTitle(f"attention of layer {layer + 1}, test sample {self.chosen}"
                                + (f" (+{len(maps) - 1} more layers)" if len(maps) > 1 else ""), size="9pt")
        n = len(weights)
        self.attention_image.setImage(np.ascontiguousarray(weights, dtype=np.float32), autoLevels=False,
                                      levels=(0, float(weights.max()) or 1.0), rect=QRectF(-0.5, -0.5, n, n))

    def choose(self, index: int, notify: bool = True) -> None:
        self.chosen = index
        self._highlight()
        if notify:
            self.sampleChosen.emit(index)

    def _highlight(self) -> None:
        for tile in self.tiles:
            tile.setStyleSheet("background: #bbdefb;" if tile.index == self.chosen else "")

    def set_feature_maps(self, maps: list | None, layer_names: dict[int, str]) -> None:
        """[(spec layer, C×H×W)] of the chosen image: one row per layer, up to MAX_MAPS channels.
        The rows are built when the layers change and only repainted on later updates."""
        if maps is None:
            return
        layout = [(layer, stack.shape, layer_names.get(layer, "")) for layer, stack in maps]
        if layout != self._maps_layout_key:
            self._build_map_rows(layout)
        for label, channel in zip(self.map_labels, (c for _, stack in maps for c in stack[:MAX_MAPS])):
            label.setPixmap(QPixmap.fromImage(image_to_qimage(channel)).scaled(
                MAP_TILE, MAP_TILE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation))

    def _build_map_rows(self, layout: list) -> None:
        self._maps_layout_key = layout
        while self.maps_layout.count():
            item = self.maps_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.map_labels = []
        for layer, shape, name in layout:
            title = QLabel(f"layer {layer + 1} · {name}: {shape[0]} maps of {shape[1]}×{shape[2]}"
                           + (f" (first {MAX_MAPS})" if shape[0] > MAX_MAPS else ""))
            self.maps_layout.addWidget(title)
            row = QWidget()
            row_layout = QGridLayout(row)
            row_layout.setSpacing(2)
            row_layout.setContentsMargins(0, 0, 0, 0)
            for c in range(min(shape[0], MAX_MAPS)):
                label = QLabel(toolTip=f"channel {c + 1}")
                row_layout.addWidget(label, 0, c)
                self.map_labels.append(label)
            self.maps_layout.addWidget(row)
