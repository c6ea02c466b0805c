"""The data panel and the training panel. Both show a project and emit `edited(key, value)` for
the person's changes; the main window turns those into undoable edits."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGridLayout, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QMenu, QPushButton, QSlider,
                               QSpinBox, QToolButton, QVBoxLayout, QWidget)

from playground.core.data import toy2d
from playground.core.model.registry import DATASETS, FEATURES
from playground.core.model.spec import MAX_SAMPLES, TRAIN_PARAMS, Project
from playground.gui.dialogs.download import CHOICES as DOWNLOAD_CHOICES
from playground.gui.panels.forms import ParamForm, offer_search
from playground.gui.theme import class_colour

THUMBNAIL = 48


def dataset_thumbnail(name: str, size: int = THUMBNAIL) -> QPixmap:
    """A small picture of a data set: its points coloured by label (plane data sets), or a glyph
    for images and tables."""
    entry = DATASETS[name].extra
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor("#ffffff"))
    if entry["kind"] != "plane":
        painter = QPainter(pixmap)
        font = painter.font()
        font.setPointSize(11 if entry["kind"] == "images" else 9)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("#455a64"))
        glyph = {"digits": "8×8", "mnist": "28²", "cifar10": "RGB", "folder": "PNG", "csv": "CSV", "arrays": "npz", "image_arrays": "npz", "sequence_arrays": "npz", "sine": "∿",
                 "parity": "0110",
                 "chars": "abc"}.get(name, "?")
        painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, glyph)
        painter.end()
        return pixmap
    points, labels = toy2d.GENERATORS[name](240, 0.0, np.random.default_rng(0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    scale = size / 12.0
    if entry["task"] == "regression":
        span = max(float(np.abs(labels).max()), 1e-9)
        colours = [class_colour(0.5 + 0.5 * float(v) / span) for v in labels]
    else:
        colours = [class_colour(int(v), entry["classes"]) for v in labels]
    for (x, y), colour in zip(points, colours):
        painter.setBrush(colour)
        painter.drawEllipse(QPointF((x + 6) * scale, (6 - y) * scale), 1.6, 1.6)
    painter.end()
    return pixmap


class DataPanel(QWidget):
    edited = Signal(str, object)  # data key, value
    pathRequested = Signal(str)   # the data set whose file the person wants to choose
    downloadRequested = Signal(str, str, str)  # data set, source to download, its title
    searchRequested = Signal(str)  # a key path to search over (a field's context menu)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataPanel")
        layout = QFormLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.dataset = QComboBox(objectName="datasetCombo")
        self.dataset.setToolTip("The data set to learn: 2-D toys, images, tables or sequences")
        self.dataset.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.dataset.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.dataset.setMinimumContentsLength(8)
        for i, (name, entry) in enumerate(DATASETS.items()):
            self.dataset.addItem(QIcon(dataset_thumbnail(name)), entry.title, name)
            self.dataset.setItemData(i, f"{entry.doc} ({entry.extra['task']})", Qt.ItemDataRole.ToolTipRole)
        self.dataset.currentIndexChanged.connect(lambda _i: self.edited.emit("dataset", self.dataset.currentData()))
        layout.addRow("Data set", self.dataset)

        self.noise = QSlider(Qt.Orientation.Horizontal, objectName="noiseSlider")
        self.noise.setRange(0, 50)
        self.noise.setToolTip("Noise, 0–50 (as in the TensorFlow Playground: 0–0.5)")
        self.noise_label = QLabel()
        self.noise_label.setMinimumWidth(32)
        self.noise.valueChanged.connect(lambda v: self.noise_label.setText(str(v)))
        self.noise.valueChanged.connect(lambda v: self.edited.emit("noise", v / 100))
        layout.addRow("Noise", _row(self.noise, self.noise_label))

        self.ratio = QSlider(Qt.Orientation.Horizontal, objectName="ratioSlider")
        self.ratio.setRange(10, 90)
        self.ratio.setToolTip("Share of the points used for training; the rest test")
        self.ratio_label = QLabel()
        self.ratio_label.setMinimumWidth(32)
        self.ratio.valueChanged.connect(lambda v: self.ratio_label.setText(f"{v}%"))
        self.ratio.valueChanged.connect(lambda v: self.edited.emit("train_fraction", v / 100))
        layout.addRow("Train", _row(self.ratio, self.ratio_label))

        self.samples = QSpinBox(objectName="samplesSpin")
        self.samples.setRange(10, MAX_SAMPLES)
        self.samples.setSingleStep(100)
        self.samples.setKeyboardTracking(False)
        self.samples.valueChanged.connect(lambda v: self.edited.emit("samples", int(v)))
        layout.addRow("Samples", self.samples)

        self.steps = QSpinBox(objectName="stepsSpin")
        self.steps.setRange(2, 4096)
        self.steps.setKeyboardTracking(False)
        self.steps.setToolTip("Steps in each sequence")
        self.steps.valueChanged.connect(lambda v: self.edited.emit("steps", int(v)))
        layout.addRow("Steps", self.steps)

        grid = QGridLayout()
        grid.setSpacing(2)
        self.features: dict[str, QToolButton] = {}
        for i, (name, entry) in enumerate(FEATURES.items()):
            button = QToolButton(text=entry.title, checkable=True, objectName=f"feature_{name}")
            button.setToolTip(f"{entry.doc} Click to use it as an input or not.")
            button.setMinimumWidth(44)
            button.toggled.connect(lambda _on: self._features_toggled())
            self.features[name] = button
            grid.addWidget(button, i // 4, i % 4)
        features = QWidget()
        features.setLayout(grid)
        layout.addRow("Features", features)
        for widget, path in ((self.noise, "data.noise"), (self.ratio, "data.train_fraction"),
                             (self.samples, "data.samples"), (features, "data.features"),
                             *((button, "data.features") for button in self.features.values())):
            offer_search(widget, lambda path=path: self.searchRequested.emit(path))

        # files: images and tables
        self.path = QLabel(objectName="dataPath", wordWrap=True)
        self.choose_path = QPushButton("Choose…", objectName="chooseDataPath")
        self.choose_path.setToolTip("Choose the file or folder to read the data from")
        self.choose_path.clicked.connect(lambda: self.pathRequested.emit(self.dataset.currentData()))
        self.download = QPushButton("Download", objectName="downloadData")
        self.download.setToolTip("Download the files into your data folder (needs the internet)")
        self.download_menus: dict[str, QMenu] = {}
        for dataset, choices in DOWNLOAD_CHOICES.items():
            menu = self.download_menus[dataset] = QMenu(self.download)
            for title, source in choices:
                menu.addAction(f"{title}…", lambda _=False, d=dataset, s=source, t=title: self.downloadRequested.emit(d, s, t))
        layout.addRow("File", _row(self.path, self.choose_path, self.download))
        self.image_size = QSpinBox(objectName="imageSize")
        self.image_size.setRange(4, 512)
        self.image_size.setKeyboardTracking(False)
        self.image_size.setToolTip("Every image is resized to this many pixels square")
        self.image_size.valueChanged.connect(lambda v: self.edited.emit("image_size", int(v)))
        layout.addRow("Image size", self.image_size)
        self.colour = QCheckBox("colour (RGB)", objectName="imageColour")
        self.colour.setToolTip("Keep the colours (3 channels) or turn the images grey (1 channel)")
        self.colour.toggled.connect(lambda on: self.edited.emit("channels", 3 if on else 1))
        layout.addRow("", self.colour)
        self.target = QComboBox(objectName="targetColumn")
        self.target.setToolTip("The column to predict")
        self.target.activated.connect(lambda _i: self.edited.emit("target", self.target.currentText()))
        layout.addRow("Target", self.target)
        self.columns = QListWidget(objectName="featureColumns")
        self.columns.setToolTip("The columns the model reads (the target is never one of them)")
        self.columns.setMaximumHeight(110)
        self.columns.itemChanged.connect(self._columns_changed)
        layout.addRow("Features", self.columns)
        self.task = QComboBox(objectName="tableTask")
        self.task.addItems(["classification", "regression"])
        self.task.setToolTip("Classification: the target's values are classes; regression: a number to predict")
        self.task.activated.connect(lambda _i: self.edited.emit("task", self.task.currentText()))
        layout.addRow("Task", self.task)

        self.regenerate = QPushButton("Regenerate", objectName="regenerateButton")
        self.regenerate.setToolTip("Draw new points (a new data seed)")
        self.regenerate.clicked.connect(lambda: self.edited.emit("seed", self._seed + 1))
        layout.addRow("", self.regenerate)
        self._seed = 1
        self.form = layout

    def _columns_changed(self, _item) -> None:
        checked = [self.columns.item(i).text() for i in range(self.columns.count())
                   if self.columns.item(i).checkState() == Qt.CheckState.Checked]
        every = self.columns.count()
        self.edited.emit("columns", [] if len(checked) == every else checked)

    def _features_toggled(self) -> None:
        chosen = [name for name, button in self.features.items() if button.isChecked()]
        self.edited.emit("features", chosen)

    def set_project(self, project: Project, columns: list[str] | None = None) -> None:
        """Show `project`'s data settings; `columns` are a table's column names (for the target)."""
        data = project.data
        self._seed = data.seed
        kind = data.kind
        noisy = kind == "plane" or data.dataset == "sine"
        arrays = data.dataset in ("arrays", "image_arrays", "sequence_arrays")
        for widget, visible in ((self.noise, noisy), (self.features["x1"].parentWidget(), kind == "plane"),
                                (self.steps, kind == "sequence" and not arrays), (self.image_size, data.dataset == "folder"),
                                (self.colour, data.dataset == "folder"),
                                (self.path, kind in ("images", "table") or data.dataset == "sequence_arrays"),
                                (self.target, kind == "table" and not arrays), (self.columns, kind == "table" and not arrays),
                                (self.ratio, not arrays),   # a person's arrays come split already
                                (self.task, kind == "table" or data.dataset == "sequence_arrays"),
                                (self.regenerate, kind == "plane")):
            row = widget if self.form.indexOf(widget) >= 0 else widget.parentWidget()
            self.form.setRowVisible(row, visible)
        with _Blocked(self.steps, self.image_size, self.colour):
            self.steps.setValue(max(2, data.steps))
            self.image_size.setValue(max(4, data.image_size))
            self.colour.setChecked(data.channels == 3)
        self.path.setText(data.path or ("shipped with the app" if data.dataset == "digits" else "none chosen"))
        self.path.setToolTip(data.path)
        self.choose_path.setEnabled(data.dataset != "digits")
        self.download.setVisible(data.dataset in self.download_menus)
        self.download.setMenu(self.download_menus.get(data.dataset))
        with _Blocked(self.target, self.task, self.columns):
            self.target.clear()
            self.target.addItems(columns or ([data.target] if data.target else []))
            self.target.setCurrentText(data.target)
            self.task.setCurrentText(data.task)
            self.columns.clear()
            for name in columns or []:
                if name == data.target:
                    continue
                item = QListWidgetItem(name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if not data.columns or name in data.columns
                                   else Qt.CheckState.Unchecked)
                self.columns.addItem(item)
        generated = kind == "plane" or (kind == "sequence" and not arrays)
        self.samples.setMinimum(10 if generated else 0)
        self.samples.setSpecialValueText("" if generated else "all")
        with _Blocked(self.dataset, self.noise, self.ratio, self.samples, *self.features.values()):
            self.dataset.setCurrentIndex(self.dataset.findData(data.dataset))
            self.noise.setValue(round(data.noise * 100))
            self.noise_label.setText(str(round(data.noise * 100)))
            self.ratio.setValue(round(data.train_fraction * 100))
            self.ratio_label.setText(f"{round(data.train_fraction * 100)}%")
            self.samples.setValue(data.samples)
            for name, button in self.features.items():
                button.setChecked(name in data.features)


class TrainingPanel(QWidget):
    edited = Signal(str, object)   # training key, value
    refused = Signal(str)          # a value typed out of range, and why
    searchRequested = Signal(str)  # a key path to search over (a field's context menu)
    threadsChanged = Signal(int)
    checkpointsChanged = Signal(int)

    KEYS = ("loss", "optimizer", "learning_rate", "batch_size", "epochs", "regularization",
            "regularization_rate", "clip_grad_norm", "schedule", "shuffle", "seed")

    def __init__(self, devices: list, threads: int, max_threads: int, checkpoint_every: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.form = ParamForm([TRAIN_PARAMS[k] for k in self.KEYS])
        self.form.edited.connect(self.edited)
        self.form.refused.connect(self.refused)
        self.form.searchRequested.connect(lambda name: self.searchRequested.emit(f"training.{name}"))
        epochs = self.form.widget("epochs")
        epochs.setSpecialValueText("unlimited")
        layout.addWidget(self.form)
        more = QFormLayout()
        self.device = QComboBox(objectName="deviceCombo")
        self.device.setToolTip("Where this project trains; auto takes a GPU where it is faster than the CPU")
        self.device.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.device.setMinimumContentsLength(12)
        self.device.addItem("auto (GPU if faster)", "auto")
        self.device.addItem("cpu", "cpu")
        self._devices_found = False
        self.set_devices(devices)
        self.device.currentIndexChanged.connect(lambda _i: self.edited.emit("device", self.device.currentData()))
        more.addRow("device", self.device)
        self.threads = QSpinBox(objectName="threadsSpin")
        self.threads.setRange(1, max_threads)
        self.threads.setValue(threads)
        self.threads.setToolTip("Torch threads for training (default: cores − 1, leaving one to the window)")
        self.threads.valueChanged.connect(self.threadsChanged)
        more.addRow("torch threads", self.threads)
        self.checkpoints = QSpinBox(objectName="checkpointSpin")
        self.checkpoints.setRange(0, 1_000_000)
        self.checkpoints.setSpecialValueText("off")
        self.checkpoints.setSuffix(" epochs")
        self.checkpoints.setValue(checkpoint_every)
        self.checkpoints.setKeyboardTracking(False)
        self.checkpoints.setToolTip("Save a recovery checkpoint (weights and all) every N epochs during long runs")
        self.checkpoints.valueChanged.connect(self.checkpointsChanged)
        more.addRow("checkpoint every", self.checkpoints)
        layout.addLayout(more)
        layout.addStretch(1)

    @Slot(object)
    def set_devices(self, devices: list) -> None:
        """The devices torch found (core.devices.DeviceInfo); they arrive once torch is loaded, so
        the window can show before it. The chosen device stays chosen."""
        if not devices:
            return
        with _Blocked(self.device):
            chosen = self.device.currentData()
            while self.device.count() > 1:
                self.device.removeItem(1)
            for device in devices:
                self.device.addItem(f"{device.name}: {device.description}", device.name)
            self._devices_found = True
            self._select_device(chosen)

    def _select_device(self, name: str | None) -> None:
        index = self.device.findData(name)
        if index < 0 and name:
            found = "not found here" if self._devices_found else "looking for devices…"
            self.device.addItem(f"{name} ({found})", name)
            index = self.device.count() - 1
        self.device.setCurrentIndex(max(0, index))

    def set_project(self, project: Project) -> None:
        values: dict[str, Any] = {k: getattr(project.training, k) for k in self.KEYS}
        self.form.set_values(values)
        with _Blocked(self.device):
            self._select_device(project.training.device)


def _row(*widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return box


class _Blocked:
    """Block the widgets' signals while the panel shows a project (not the person's edit)."""

    def __init__(self, *widgets: QWidget) -> None:
        self.widgets = widgets

    def __enter__(self) -> None:
        for widget in self.widgets:
            widget.blockSignals(True)

    def __exit__(self, *exc: object) -> None:
        for widget in self.widgets:
            widget.blockSignals(False)
