"""The network view, as in the TensorFlow Playground: a tile per input feature (click to turn it on
or off), a tile per neuron showing its output over the input plane, links whose colour is the
weight's sign and whose thickness is its size, and each neuron's bias as a small square. Hover a
tile to see its map large in the boundary view; click a link or a bias to type a new value; the
+/− buttons add or remove layers and neurons (undoable edits, like the network editor's).

Columns wrap into sub-columns of at most MAX_ROWS tiles, so 6 layers of 32 neurons stay readable
(the view scrolls when it must). Its cost is bounded whatever the network: a layer shows its first
NETWORK_UNITS neurons (the caption says how many more it has), and at most MAX_LINKS links are
drawn (an evenly spaced sample of each layer's beyond that, said above the drawing)."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import (QGraphicsScene, QGraphicsView, QHBoxLayout, QLabel, QPushButton, QSizePolicy,
                               QToolButton, QVBoxLayout, QWidget)

from playground.core.data.features import compute_features
from playground.core.grids import NETWORK_UNITS, grid_points
from playground.core.model.params import Param
from playground.core.model.layers import LAYERS
from playground.core.model.registry import FEATURES
from playground.core.model.spec import Project
from playground.gui.panels.forms import NumberEdit, format_number
from playground.gui.views.network_items import (BIAS, COLUMN_GAP, DEEP, HEADER, MAX_LINKS, MAX_ROWS, MAX_ZOOM,
                                                MIN_ZOOM, NARROW_GAP, ROW_GAP, SMALL_TILE, SUB_COLUMN_GAP, TILE,
                                                BiasMark, Button, Links, Selected, Tile, map_images, value_colour)


class NetworkView(QWidget):
    featureToggled = Signal(str)
    neuronHovered = Signal(int, int)      # (spec layer or −1 for a feature, unit)
    hoverEnded = Signal()
    parameterEdited = Signal(int, str, object, float)  # (spec layer, "weight"/"bias", index, value)
    unitsRequested = Signal(int, int)     # (spec layer, +1/−1)
    addLayerRequested = Signal()
    removeLayerRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkView")
        self.scene = QGraphicsScene(self)
        self.view = QGraphicsView(self.scene, objectName="networkCanvas")
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.view.setBackgroundBrush(QBrush(QColor("#ffffff")))
        self.add_layer = QToolButton(text="+", objectName="addHiddenLayer", toolTip="Add a hidden layer")
        self.remove_layer = QToolButton(text="−", objectName="removeHiddenLayer", toolTip="Remove the last hidden layer")
        self.add_layer.clicked.connect(self.addLayerRequested)
        self.remove_layer.clicked.connect(self.removeLayerRequested)
        self.layers_label = QLabel(objectName="hiddenLayersLabel")
        self.sample_label = QLabel(objectName="linkSampleLabel")
        self.sample_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.selection_label = QLabel("Click a link or a bias square to edit it.",
                                      objectName="selectionLabel")
        self.selection_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.selection_label.setWordWrap(True)
        self.value_edit = NumberEdit(Param("value", "float", 0.0, "the new value", low=-1e6, high=1e6))
        self.value_edit.setObjectName("parameterValue")
        self.value_edit.setMaximumWidth(90)
        self.value_edit.returnPressed.connect(self._apply_value)
        self.apply_button = QPushButton("Set", objectName="setParameter")
        self.apply_button.clicked.connect(self._apply_value)
        top = QHBoxLayout()
        top.addWidget(self.add_layer)
        top.addWidget(self.remove_layer)
        top.addWidget(self.layers_label)
        top.addWidget(self.sample_label, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.selection_label, 1)
        bottom.addWidget(self.value_edit)
        bottom.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)
        self.message = QLabel(objectName="networkViewMessage", wordWrap=True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.message, 1)
        self.message.hide()

        self.feature_tiles: dict[str, Tile] = {}
        self.neuron_tiles: dict[int, list[Tile]] = {}   # spec layer → tiles
        self.biases: dict[int, list[BiasMark]] = {}
        self.links: dict[int, Links] = {}
        self.dense_layers: list[int] = []
        self._structure: tuple | None = None
        self._weights: dict[int, np.ndarray] = {}
        self._bias_values: dict[int, np.ndarray] = {}
        self.selected: Selected | None = None
        self._show_selection()
        feature_maps = compute_features(grid_points(32), list(FEATURES)).T.reshape(len(FEATURES), 32, 32)
        scale = np.maximum(np.abs(feature_maps).reshape(len(FEATURES), -1).max(axis=1), 1e-9)[:, None, None]
        self._feature_images = dict(zip(FEATURES, map_images(feature_maps / scale)))
        self.frames = 0

    # ------------------------------------------------------------ structure

    def set_project(self, project: Project) -> None:
        """Lay the network out again if its shape changed (features, dense layers and units)."""
        layers = project.model.layers
        kinds = [LAYERS[layer.type] for layer in layers]
        dense = [(i, layer.params["units"]) for i, (layer, kind) in enumerate(zip(layers, kinds)) if kind.neurons]
        flat = project.model.is_chain and all(kind.neurons or kind.keeps_neurons for kind in kinds)
        structure = (tuple(project.data.features), tuple(dense), flat)
        hidden = max(0, len(dense) - 1)
        self.layers_label.setText(f"{hidden} hidden layer{'s' if hidden != 1 else ''}")
        self.remove_layer.setEnabled(hidden > 0)
        if structure == self._structure:
            return
        self._structure = structure
        self.select(None)
        self.scene.clear()
        self.feature_tiles, self.neuron_tiles, self.biases, self.links = {}, {}, {}, {}
        self._weights, self._bias_values = {}, {}
        self._all_links = []
        self.sample_label.setText("")
        drawable = flat and bool(dense)
        self.dense_layers = [i for i, _ in dense] if drawable else []   # a probe of anything else is not drawn
        for widget in (self.view, self.selection_label, self.value_edit, self.apply_button, self.add_layer,
                       self.remove_layer, self.layers_label):
            widget.setVisible(drawable)
        self.message.setVisible(not drawable)
        if not drawable:
            self.message.setText("The network view draws chains of dense layers on the 2-D data sets (the "
                                 "TensorFlow Playground's). A graph is drawn on the Graph tab, with live statistics on "
                                 "every block and, on the plane, each block's maps as the mouse moves along it. For "
                                 "images, sequences and tables see the views on the right.")
            return
        active = list(project.data.features)
        budgets = self._link_budgets(len(active), [units for _, units in dense])
        x = 0.0
        sources: list[QPointF] = []
        self._caption("Features", "click: on/off", x, TILE)
        for row, name in enumerate(FEATURES):
            tile = Tile(self, -1, active.index(name) if name in active else -1, TILE, name)
            tile.set_image(self._feature_images[name])
            tile.setPos(x, HEADER + row * (TILE + ROW_GAP))
            tile.setOpacity(1.0 if name in active else 0.3)
            tile.setToolTip(f"{FEATURES[name].title}: {FEATURES[name].doc}" +
                            ("" if name in active else " (off: click to use it)"))
            self.scene.addItem(tile)
            label = self.scene.addSimpleText(FEATURES[name].title)
            label.setPos(x - label.boundingRect().width() - 4, tile.y() + TILE / 2 - 8)
            self.feature_tiles[name] = tile
        sources = [self._right(self.feature_tiles[name]) for name in active]
        gap = COLUMN_GAP if len(dense) <= DEEP else NARROW_GAP
        x += TILE + gap
        for k, (index, units) in enumerate(dense):
            shown = min(units, NETWORK_UNITS)
            size = TILE if shown <= MAX_ROWS else SMALL_TILE
            rows = min(shown, MAX_ROWS)
            columns = math.ceil(shown / MAX_ROWS)
            width = columns * size + (columns - 1) * SUB_COLUMN_GAP
            output = k == len(dense) - 1
            detail = f"{units:,} neuron{'s' if units != 1 else ''}" + (f", {shown} shown" if shown < units else "")
            self._caption("Output" if output else f"Layer {index + 1}", detail, x, width, None if output else index)
            tiles, marks = [], []
            for unit in range(shown):
                column, row = divmod(unit, rows)
                tile = Tile(self, index, unit, size)
                tile.setPos(x + column * (size + SUB_COLUMN_GAP), HEADER + row * (size + ROW_GAP))
                tile.setToolTip(f"{'Output' if output else f'Layer {index + 1}'}, neuron {unit + 1}: "
                                "its output over the plane (hover to see it large)")
                self.scene.addItem(tile)
                mark = BiasMark(self, index, unit)
                mark.setPos(tile.x() - BIAS / 2, tile.y() + size - BIAS / 2)
                self.scene.addItem(mark)
                tiles.append(tile)
                marks.append(mark)
            links = Links(self, index, sources, [self._left(t) for t in tiles], budgets[k])
            self.scene.addItem(links)
            self.neuron_tiles[index], self.biases[index], self.links[index] = tiles, marks, links
            sources = [self._right(t) for t in tiles]
            x += width + gap
        drawn, every = self.link_count(), sum(self._all_links)
        self.sample_label.setText(f"{drawn:,} of {every:,} links drawn" if drawn < every else "")
        self.sample_label.setToolTip(f"At most {MAX_LINKS:,} links are drawn: an evenly spaced sample of each "
                                     "layer's, and the first 64 neurons of a wider layer" if drawn < every else "")
        self.scene.setSceneRect(self.scene.itemsBoundingRect().adjusted(-8, -8, 8, 8))
        self._fit()

    def _link_budgets(self, features: int, units: list[int]) -> list[int | None]:
        """How many links each dense layer may draw: all, unless the shown neurons have more than
        MAX_LINKS together; then each layer its share. (Also keeps every layer's full count.)"""
        shown = [min(u, NETWORK_UNITS) for u in units]
        pairs = [s * n for s, n in zip(shown, [features] + shown[:-1])]
        self._all_links = [u * n for u, n in zip(units, [features] + units[:-1])]
        total = sum(pairs)
        if total <= MAX_LINKS:
            return [None] * len(pairs)
        return [max(s, MAX_LINKS * p // total) for s, p in zip(shown, pairs)]

    def _fit(self) -> None:
        """Scale the drawing to the space there is (never below MIN_ZOOM: then it scrolls)."""
        rect = self.scene.sceneRect()
        viewport = self.view.viewport().size()
        if rect.isEmpty() or viewport.isEmpty():
            return
        zoom = min((viewport.width() - 4) / rect.width(), (viewport.height() - 4) / rect.height(), MAX_ZOOM)
        zoom = max(zoom, MIN_ZOOM)
        self.view.resetTransform()
        self.view.scale(zoom, zoom)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def _caption(self, title: str, detail: str, x: float, width: float, layer: int | None = None) -> None:
        text = self.scene.addSimpleText(f"{title}\n{detail}")
        text.setPos(x + width / 2 - text.boundingRect().width() / 2, 0)
        if layer is None:
            return
        plus = Button("+", lambda: self.unitsRequested.emit(layer, 1), "Add a neuron to this layer")
        minus = Button("−", lambda: self.unitsRequested.emit(layer, -1), "Remove a neuron from this layer")
        for button, dx in ((minus, -22), (plus, 10)):
            button.setPos(x + width / 2 + dx, HEADER - 22)
            button.setData(0, f"{'plus' if button is plus else 'minus'}{layer}")
            self.scene.addItem(button)

    @staticmethod
    def _right(tile: Tile) -> QPointF:
        return QPointF(tile.x() + tile.size, tile.y() + tile.size / 2)

    @staticmethod
    def _left(tile: Tile) -> QPointF:
        return QPointF(tile.x(), tile.y() + tile.size / 2)

    # ------------------------------------------------------------ live values

    def set_probe(self, probe) -> None:
        """Show a NetworkProbe (core.probes): neuron maps, link weights, biases."""
        if probe is None or probe.layers != self.dense_layers:
            return
        for layer, maps, weights, biases in zip(probe.layers, probe.maps, probe.weights, probe.biases):
            tiles = self.neuron_tiles.get(layer, [])
            if maps is not None and len(maps) == len(tiles):
                for tile, image in zip(tiles, map_images(maps)):
                    tile.set_image(image)
            self.links[layer].set_weights(weights)
            self._weights[layer] = weights
            if biases is not None:
                self._bias_values[layer] = biases
                for mark, b in zip(self.biases[layer], biases):
                    mark.setBrush(QBrush(value_colour(float(b))))
                    mark.setToolTip(f"bias {format_number(float(b))} (click to change)")
        self.frames += 1
        if self.selected is not None:
            self._show_selection(keep_text=self.value_edit.hasFocus())

    def link_pen(self, layer: int, to: int, source: int) -> QPen:
        return self.links[layer].pen(to, source)

    def link_count(self) -> int:
        return sum(len(links.pairs) for links in self.links.values())

    def link_point(self, layer: int, to: int, source: int) -> QPointF:
        """A scene point on that link (its middle), for clicking it."""
        links = self.links[layer]
        x, y = links.samples[links.pairs.index((to, source)), Links.SAMPLES // 2]
        return QPointF(float(x), float(y))

    # ------------------------------------------------------------ editing one value

    def select(self, selected: Selected | None) -> None:
        for links in self.links.values():
            if links.selected is not None:
                links.selected = None
                links.update()
        self.selected = selected
        if selected is not None and selected.name == "weight" and selected.layer in self.links:
            self.links[selected.layer].selected = selected.index
            self.links[selected.layer].update()
        self._show_selection()
        if selected is not None:
            self.value_edit.setFocus()
            self.value_edit.selectAll()

    def _current_value(self, selected: Selected) -> float | None:
        values = (self._weights if selected.name == "weight" else self._bias_values).get(selected.layer)
        try:
            return None if values is None else float(values[selected.index])
        except IndexError:
            return None

    def _describe(self, selected: Selected) -> str:
        k = self.dense_layers.index(selected.layer)
        where = "the output" if k == len(self.dense_layers) - 1 else f"layer {selected.layer + 1}"
        if selected.name == "bias":
            return f"Bias of neuron {selected.index[0] + 1} in {where}"
        to, source = selected.index
        if k == 0:
            active = [n for n in FEATURES if self.feature_tiles[n].unit >= 0]
            origin = FEATURES[sorted(active, key=lambda n: self.feature_tiles[n].unit)[source]].title
        else:
            origin = f"neuron {source + 1} of layer {self.dense_layers[k - 1] + 1}"
        return f"Weight from {origin} to neuron {to + 1} in {where}"

    def _show_selection(self, keep_text: bool = False) -> None:
        selected = self.selected
        enabled = selected is not None and selected.layer in self.dense_layers
        self.value_edit.setEnabled(enabled)
        self.apply_button.setEnabled(enabled)
        if not enabled:
            self.selection_label.setText("Click a link or a bias square to edit it.")
            self.value_edit.set_value(None)
            return
        value = self._current_value(selected)
        self.selection_label.setText(self._describe(selected) + ":")
        self.selection_label.setToolTip(self.selection_label.text())
        if not keep_text:
            self.value_edit.set_value(value)

    def _apply_value(self) -> None:
        value = self.value_edit.parsed()
        if self.selected is None or value is None or math.isnan(value):
            return
        self.parameterEdited.emit(self.selected.layer, self.selected.name, self.selected.index, value)
        self.view.setFocus()

