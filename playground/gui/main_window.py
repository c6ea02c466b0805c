"""The main window: assembles the palette, network editor, inspector, data and training panels and
the live views; owns the project document (with its undo stack), the settings and the training
worker. Every button is a call into the core through plain objects; every view is fed by the
worker's snapshots."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QEvent, QSettings, QStandardPaths, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (QApplication, QComboBox, QDockWidget, QFileDialog, QFormLayout, QLabel, QMainWindow, QMessageBox,
                               QProgressBar, QScrollArea, QSplitter, QStackedWidget, QStatusBar, QTabWidget, QToolBar,
                               QToolButton, QVBoxLayout, QWidget)

from playground.assets import EXAMPLES
from playground.core import edits
from playground.core.data.sources import cached_only
from playground.core.errors import PlaygroundError, ValidationError
from playground.core.formats import FORMATS
from playground.core.project import load_project, load_state
from playground.core.shapes import analyze, check_memory
from playground.core.spec import Project
from playground.gui.background import BackgroundJob
from playground.gui.canvas import NetworkEditor
from playground.gui.code_view import CodeView
from playground.gui.controls import DataPanel, TrainingPanel
from playground.gui.dialogs.export_dialog import FORMAT_TITLES, ExportDialog
from playground.gui.document import ProjectDocument
from playground.gui.inspector import Inspector
from playground.gui.learn_view import LearnView
from playground.gui.palette import LayerPalette
from playground.gui.plots.boundary_view import BoundaryView
from playground.gui.plots.confusion_view import ConfusionView
from playground.gui.plots.histogram_view import HistogramView
from playground.gui.plots.loss_plot import LossPlot
from playground.gui.plots.network_view import NetworkView
from playground.gui.plots.sample_view import SampleView
from playground.gui.dialogs.download import CHOICES as DOWNLOAD_CHOICES, DataDownload, DownloadDialog
from playground.gui.dialogs.settings import SettingsDialog
from playground.gui.dialogs.tour import Stop, Tour
from playground.gui.preferences import Preferences
from playground.gui.theme import apply_theme, theme_plots
from playground.gui.worker import SPEEDS, ExportRequest, TrainingWorker, ViewRequest

DEFAULT_TEMPLATE = "tf-default.json"
MAX_RECENT = 8
#: A docked panel narrower than this after start-up is widened to DOCK_WIDTH (see _readable_docks)
MIN_DOCK_WIDTH, DOCK_WIDTH = 200, 270


def templates() -> list[tuple[str, Path]]:
    """(title, path) of the example projects, the TensorFlow Playground default first."""
    out = []
    for path in sorted(EXAMPLES.glob("*.json"), key=lambda p: (p.name != DEFAULT_TEMPLATE, p.name)):
        try:
            title = json.loads(path.read_text()).get("title", path.stem)
        except (OSError, ValueError):
            continue
        out.append((title, path))
    return out


def default_project() -> Project:
    try:
        return load_project(EXAMPLES / DEFAULT_TEMPLATE)
    except PlaygroundError:
        return Project.from_dict({"format": "neural-playground-project", "version": 1,
                                  "data": {"dataset": "circle"},
                                  "model": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"},
                                                       {"type": "dense", "units": 1, "activation": "tanh"}]},
                                  "training": {}})


DROP_HINT = ("drop a project (.json), a CSV table, an .npz, or a folder of MNIST-format files, CIFAR-10 "
             "batches or class sub-folders of images.")


def dropped_kind(path: Path) -> str | None:
    """What a path dropped on the window is: "project", a data set name, or None. Looks into a
    folder (call it off the GUI thread); an unreadable folder is a PlaygroundError."""
    from playground.core.data import images
    from playground.core.user_files import list_folder

    suffix = path.suffix.lower()
    if path.is_file():
        return {".json": "project", ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".npz": "mnist"}.get(suffix)
    if not path.is_dir():
        return None
    entries = list_folder(path)
    names = {p.name for p in entries}
    if any(stem in names or f"{stem}.gz" in names for stem in images.MNIST_FILES.values()):
        return "mnist"
    if images.CIFAR_TEST in names or "cifar-10-batches-bin" in names or "data_batch_1" in names:
        return "cifar10"
    return "folder" if any(p.is_dir() for p in entries) else None


class MainWindow(QMainWindow):
    #: a project file was opened (path, "") or could not be (path, the message); files are read
    #: on a background thread, so this comes after open_project has returned
    projectOpened = Signal(str, str)

    def __init__(self, project_path: str | Path | None = None, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)  # projects, CSV tables and data folders dropped on the window
        self.settings = settings if settings is not None else QSettings("NeuralPlayground", "Neural Playground")
        self.document = ProjectDocument(default_project(), self)
        with cached_only():  # the window never reads a data file on its own thread
            self.analysis = analyze(self.document.project)
        self.epoch = 0
        self.state = "idle"
        self.export_dialog: ExportDialog | None = None
        self._pending_state = None  # a TrainingState to resume with the next configure
        self._download: tuple | None = None  # (job, dialog, data set, title) while one runs
        self.download_url: str | None = None  # another mirror than the publishers' (tests)
        self._configured_data = None  # the data spec the worker was last configured with
        self.preferences = Preferences.load(self.settings)
        self.plot_colours = None  # the theme's plot colours, once applied
        threads = self.preferences.threads
        self.worker = TrainingWorker(threads=threads)
        self._build(threads)
        self._name_inputs()
        self._connect()
        self._speed_changed()
        self.worker.set_views(self.view_request())
        self.worker.start()
        try:
            self._finish_start(project_path)
        except BaseException:
            self.worker.shutdown()  # a QThread still running when Python ends aborts the process
            raise

    def _finish_start(self, project_path: str | Path | None) -> None:
        self.resize(1280, 800)
        self._default_layout = self.saveState()  # for View ▸ Reset layout
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        self._document_changed(None, self.document.project)
        self._path_changed(None)
        if not self.worker.ready:  # torch loads on the training thread, after the window is up
            self.status.showMessage("Starting PyTorch… (Play starts training as soon as it has loaded)")
        self.autosave_timer = QTimer(self)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start(1000 * self.preferences.autosave_seconds)
        self.apply_preferences(self.preferences)
        self._checkpoints_changed(int(self.settings.value("training/checkpointEvery", 0, type=int)))
        self.tour: Tour | None = None
        if not self.settings.value("tour/shown", False, type=bool):  # the first run: a short tour
            self.settings.setValue("tour/shown", True)
            QTimer.singleShot(400, self.show_tour)
        if not self.offer_recovery() and project_path is not None:
            self.open_project(Path(project_path))

    # ================================================================ building

    def _build(self, threads: int) -> None:
        self.palette = LayerPalette()
        self.editor = NetworkEditor()
        self.inspector = Inspector()
        self.data_panel = DataPanel()
        self.training_panel = TrainingPanel([], threads, max(1, os.cpu_count() or 1),
                                            int(self.settings.value("training/checkpointEvery", 0, type=int)))
        self.boundary = BoundaryView()
        self.loss_plot = LossPlot(self.settings)
        self.network_view = NetworkView()
        self.sample_view = SampleView()
        self.confusion_view = ConfusionView()
        self.histogram_view = HistogramView()
        self.code_view = CodeView()
        self.learn_view = LearnView()

        self.banner = QLabel(objectName="messageBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        self.banner.mousePressEvent = lambda _e: self.banner.hide()  # click to dismiss

        self.lower_tabs = QTabWidget(objectName="lowerTabs")
        self.lower_tabs.addTab(self.loss_plot, "Loss")
        self.lower_tabs.addTab(self.confusion_view, "Confusion matrix")
        self.lower_tabs.addTab(self.histogram_view, "Weights && gradients")
        self.lower_tabs.setCurrentIndex(int(self.settings.value("view/lowerTab", 0, type=int)) % self.lower_tabs.count())
        self.data_views = QStackedWidget(objectName="dataViews")
        self.data_views.addWidget(self.boundary)
        self.data_views.addWidget(self.sample_view)
        views = QSplitter(Qt.Orientation.Vertical)
        views.addWidget(self.data_views)
        views.addWidget(self.lower_tabs)
        views.setSizes([430, 300])
        self.left_tabs = QTabWidget(objectName="leftTabs")
        self.left_tabs.addTab(self.network_view, "Network")
        self.left_tabs.addTab(self.editor, "Layers")
        self.left_tabs.addTab(self.code_view, "Code")
        self.left_tabs.addTab(self.learn_view, "Learn")
        self.left_tabs.tabBar().setChangeCurrentOnDrag(True)  # drag a palette item over "Layers"
        self.left_tabs.setCurrentIndex(int(self.settings.value("view/leftTab", 0, type=int)) % self.left_tabs.count())
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.left_tabs)
        split.addWidget(views)
        split.setSizes([440, 300])
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.banner)
        column.addWidget(split, 1)
        self.setCentralWidget(central)

        docks = [self._dock("Layers", self.palette, Qt.DockWidgetArea.LeftDockWidgetArea),
                 self._dock("Data", self.data_panel, Qt.DockWidgetArea.LeftDockWidgetArea),
                 self._dock("Layer settings", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea),
                 self._dock("Training", self.training_panel, Qt.DockWidgetArea.RightDockWidgetArea)]
        self.resizeDocks(docks, [230, 400, 290, 420], Qt.Orientation.Vertical)
        self.resizeDocks([docks[0], docks[2]], [265, 300], Qt.Orientation.Horizontal)

        self.status = QStatusBar(objectName="statusBar")
        self.setStatusBar(self.status)
        self.status_labels = {}
        for key in ("epoch", "step", "speed", "path", "device", "elapsed"):
            label = QLabel(objectName=f"status_{key}")
            label.setMinimumWidth(70)
            self.status_labels[key] = label
            self.status.addPermanentWidget(label)
        self.busy = QProgressBar(objectName="busyIndicator")
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.hide()
        self.status.addPermanentWidget(self.busy)
        self._actions()

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{widget.objectName()}Dock")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        holder = QWidget()  # the panel at its natural height, the spare room below it
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(widget)
        column.addStretch(1)
        scroll.setWidget(holder)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        dock.setWidget(scroll)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, text: str, slot: Callable, shortcut: Any = None, name: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if name:
            action.setObjectName(name)
        action.triggered.connect(slot)
        return action

    def _actions(self) -> None:
        menu = self.menuBar()
        files = menu.addMenu("&File")
        self.new_action = self._action("&New", lambda: self.new_project(), QKeySequence.StandardKey.New, "newAction")
        files.addAction(self.new_action)
        self.templates_menu = files.addMenu("New from &template")
        for title, path in templates():
            self.templates_menu.addAction(title, lambda p=path: self.new_project(p))
        files.addAction(self._action("&Open…", self.open_dialog, QKeySequence.StandardKey.Open, "openAction"))
        self.recent_menu = files.addMenu("Open &recent")
        files.addAction(self._action("&Save", self.save, QKeySequence.StandardKey.Save, "saveAction"))
        files.addAction(self._action("Save &as…", self.save_as, QKeySequence("Ctrl+Shift+S"), "saveAsAction"))
        files.addSeparator()
        self.export_action = self._action("&Export model…", self.show_export_dialog, QKeySequence("Ctrl+E"), "exportAction")
        files.addAction(self.export_action)
        files.addAction(self._action("Export loss &history (CSV)…", self.export_history_dialog, None,
                                     "exportHistoryAction"))
        downloads = files.addMenu("&Download data set")
        for dataset, choices in DOWNLOAD_CHOICES.items():
            for title, source in choices:
                downloads.addAction(self._action(f"{title}…", lambda _=False, d=dataset, s=source, t=title:
                                                 self.download_data(d, s, t), None, f"download_{source}"))
        files.addSeparator()
        files.addAction(self._action("&Quit", self.close, QKeySequence.StandardKey.Quit, "quitAction"))

        edit = menu.addMenu("&Edit")
        self.undo_action = self.document.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.document.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.StandardKey.Redo])
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        edit.addAction(self.editor.duplicate_action)
        edit.addAction(self.editor.delete_action)
        edit.addSeparator()
        edit.addAction(self._action("&Settings…", self.show_settings, QKeySequence.StandardKey.Preferences,
                                    "settingsAction"))

        train = menu.addMenu("&Train")
        self.play_action = self._action("&Play", self.toggle_play, QKeySequence(Qt.Key.Key_Space), "playAction")
        self.step_action = self._action("&Step one epoch", self.step, QKeySequence("Ctrl+Right"), "stepAction")
        self.reset_action = self._action("&Reset weights", self.reset, QKeySequence("Ctrl+R"), "resetAction")
        self.best_action = self._action("Revert to &best (lowest test loss)", self.worker.revert_to_best,
                                        QKeySequence("Ctrl+B"), "revertBestAction")
        for action in (self.play_action, self.step_action, self.reset_action, self.best_action):
            train.addAction(action)

        view = menu.addMenu("&View")
        for dock in self.findChildren(QDockWidget):
            view.addAction(dock.toggleViewAction())
        view.addAction(self._action("&Reset layout", self.reset_layout, None, "resetLayoutAction"))
        view.addSeparator()
        images = view.addMenu("Save view as &image")
        for key, title in self.image_views().items():
            images.addAction(self._action(f"{title}…", lambda _=False, k=key: self.save_view_dialog(k),
                                          None, f"saveImage_{key}"))

        help_menu = menu.addMenu("&Help")
        self.menus = [files, edit, train, view]
        help_menu.addAction(self._action("Quick &tour", self.show_tour, None, "tourAction"))
        help_menu.addAction(self._action("&Keyboard shortcuts", self.show_shortcuts, QKeySequence("F1"), "shortcutsAction"))
        help_menu.addAction(self._action("&About Neural Playground", self.show_about, None, "aboutAction"))

        bar = QToolBar("Transport", objectName="transportBar")
        bar.setMovable(False)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.play_button = self._tool_button(bar, self.play_action, "playButton", "Play / pause training (Space)")
        self.step_button = self._tool_button(bar, self.step_action, "stepButton", "Train one epoch")
        self.reset_button = self._tool_button(bar, self.reset_action, "resetButton", "Start again from new weights")
        bar.addSeparator()
        self.epoch_label = QLabel(objectName="epochLabel")
        self.epoch_label.setStyleSheet("font-size: 15px; padding: 0 12px;")
        bar.addWidget(self.epoch_label)
        bar.addSeparator()
        bar.addWidget(QLabel("Speed ", objectName="speedLabel"))
        self.speed = QComboBox(objectName="speedCombo")
        self.speed.setToolTip("How fast training runs while playing: watch it learn (about one epoch a frame, "
                              "as the TensorFlow Playground), fast, or as fast as this machine can")
        for key, title in (("watch", "watch (≈30 epochs/s)"), ("fast", "fast (≈300 epochs/s)"),
                           ("fastest", "as fast as possible")):
            self.speed.addItem(title, key)
        chosen = str(self.settings.value("training/speed", "watch"))
        self.speed.setCurrentIndex(max(0, self.speed.findData(chosen if chosen in SPEEDS else "watch")))
        self.speed.currentIndexChanged.connect(self._speed_changed)
        bar.addWidget(self.speed)
        self._refresh_recent()

    def _tool_button(self, bar: QToolBar, action: QAction, name: str, tip: str) -> QToolButton:
        button = QToolButton(objectName=name)
        button.setDefaultAction(action)
        button.setToolTip(tip)
        button.setMinimumWidth(84)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.addWidget(button)
        return button

    def _name_inputs(self) -> None:
        """Give every input in a form the name of its label (what a screen reader announces) and
        make the label its buddy, so a label's Alt+letter moves the focus there."""
        for form in self.findChildren(QFormLayout):
            for row in range(form.rowCount()):
                label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
                field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
                if label is None or field is None or not isinstance(label.widget(), QLabel) or field.widget() is None:
                    continue
                text = label.widget().text().replace("&", "").strip()
                if text and not field.widget().accessibleName():
                    field.widget().setAccessibleName(text)
                    label.widget().setBuddy(field.widget())

    def _connect(self) -> None:
        self.document.changed.connect(self._document_changed)
        self.document.pathChanged.connect(self._path_changed)
        self.document.undo_stack.cleanChanged.connect(self._path_changed)
        self.palette.layerRequested.connect(lambda kind: self.insert_layer(len(self.document.project.model.layers) - 1, kind))
        self.editor.insertRequested.connect(self.insert_layer)
        self.editor.moveRequested.connect(self.move_layer)
        self.editor.deleteRequested.connect(self.delete_layer)
        self.editor.duplicateRequested.connect(self.duplicate_layer)
        self.editor.unitsRequested.connect(self.change_units)
        self.editor.selectionChanged.connect(self._selection_changed)
        self.inspector.layerEdited.connect(self.edit_layer)
        self.network_view.featureToggled.connect(self.toggle_feature)
        self.network_view.unitsRequested.connect(self.change_units)
        self.network_view.addLayerRequested.connect(self.add_hidden_layer)
        self.network_view.removeLayerRequested.connect(self.remove_hidden_layer)
        self.network_view.parameterEdited.connect(self.set_parameter)
        self.network_view.neuronHovered.connect(self._neuron_hovered)
        self.network_view.hoverEnded.connect(self._hover_ended)
        self.left_tabs.currentChanged.connect(self._views_changed)
        self.lower_tabs.currentChanged.connect(self._views_changed)
        self.data_panel.edited.connect(self._data_edited)
        self.data_panel.pathRequested.connect(self.choose_data_path)
        self.data_panel.downloadRequested.connect(self.download_data)
        self.sample_view.sampleChosen.connect(self._views_changed)
        self.boundary.axesChanged.connect(self._views_changed)
        self.training_panel.edited.connect(lambda key, value: self.edit_setting("training", key, value))
        self.training_panel.threadsChanged.connect(self._threads_changed)
        for refusing in (self.training_panel.refused, self.inspector.refused, self.network_view.value_edit.refused):
            refusing.connect(self._value_refused)
        self.training_panel.checkpointsChanged.connect(self._checkpoints_changed)
        self.worker.autosaved.connect(self._autosaved)
        self.worker.message.connect(self._worker_message)
        self.worker.update.connect(self._training_update)
        self.worker.dataReady.connect(self._data_ready)
        self.worker.stateChanged.connect(self._state_changed)
        self.worker.failed.connect(self._training_failed)
        self.worker.exportFinished.connect(self._export_finished)
        self.worker.devicesFound.connect(self.training_panel.set_devices)
        self.worker.configureFailed.connect(self._configure_failed)

    # ================================================================ editing

    def apply(self, edit: Callable[[Project], Project], text: str, merge_key: str | None = None) -> bool:
        """Change the project by `edit` (core.edits: Project -> Project, validated) and push it as
        one undo step. A refused edit is a message; an architecture change after training asks
        first. Returns whether the edit was made."""
        current = self.document.project
        try:
            project = edit(current)
        except ValidationError as err:
            self.show_message(str(err), error=True)
            self._show_project(current)
            return False
        if not current.same_architecture(project) and self.epoch > 0:
            if not self.confirm("Discard the trained weights?",
                                "This change alters the network, so training starts again from new "
                                "weights. Go on?"):
                self._show_project(current)
                return False
        self.document.edit(project, text, merge_key)
        return True

    def confirm(self, title: str, text: str) -> bool:
        """Ask yes/no (tests replace this)."""
        answer = QMessageBox.question(self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def insert_layer(self, index: int, kind: str) -> None:
        if self.apply(lambda p: edits.insert_layer(p, index, kind), f"Add {kind} layer"):
            self.editor.select(max(0, min(index, len(self.document.project.model.layers) - 1)))

    def move_layer(self, source: int, target: int) -> None:
        if self.apply(lambda p: edits.move_layer(p, source, target), "Move layer"):
            self.editor.select(target)

    def delete_layer(self, index: int) -> None:
        if self.apply(lambda p: edits.delete_layer(p, index), "Delete layer"):
            self.editor.select(min(index, len(self.document.project.model.layers) - 1))

    def duplicate_layer(self, index: int) -> None:
        if self.apply(lambda p: edits.duplicate_layer(p, index), "Duplicate layer"):
            self.editor.select(index + 1)

    def change_units(self, index: int, delta: int) -> None:
        self.apply(lambda p: edits.change_units(p, index, delta), f"{'Add' if delta > 0 else 'Remove'} a neuron")

    @Slot()
    def add_hidden_layer(self) -> None:
        """A new hidden dense layer just before the output layer (as the TensorFlow Playground's +)."""
        self.apply(edits.add_hidden_layer, "Add dense layer")

    @Slot()
    def remove_hidden_layer(self) -> None:
        self.apply(edits.remove_hidden_layer, "Remove hidden layer")

    @Slot(str)
    def toggle_feature(self, name: str) -> None:
        """Turn an input feature on or off."""
        on = name not in self.document.project.data.features
        self.apply(lambda p: edits.toggle_feature(p, name), f"Turn {'on' if on else 'off'} feature {name}")

    @Slot(int, str, object, float)
    def set_parameter(self, layer: int, name: str, index: tuple, value: float) -> None:
        """A weight or bias typed in the network view; applied between two training steps."""
        self.worker.set_parameter(layer, name, tuple(index), value)
        self.status.showMessage(f"Set {name} {list(index)} of layer {layer + 1} to {value:g}", 5000)

    def edit_layer(self, index: int, name: str, value: Any) -> None:
        self.apply(lambda p: edits.set_layer_parameter(p, index, name, value), f"Change {name}",
                   merge_key=f"layer{index}.{name}")

    @Slot(str, object)
    def _data_edited(self, key: str, value: Any) -> None:
        if key == "dataset":
            self.choose_dataset(value)
        else:
            self.edit_setting("data", key, value)

    def choose_dataset(self, name: str, path: str | None = None) -> bool:
        """Switch to data set `name` (core.edits.use_dataset); one read from files asks for its
        file or folder first, a table has its header read (off this thread) for the target."""
        from playground.core.registry import DATASETS

        current = self.document.project.data
        entry = DATASETS[name]
        kind = entry.extra["kind"]
        if path is None and kind != "plane" and name != "digits":
            path = current.path if current.dataset == name and current.path else self.ask_data_path(name)
            if not path:
                self._show_project(self.document.project)  # the combo goes back
                return False
        if kind == "table":  # the target column is the file's last
            from playground.core.data.sources import table_columns

            self.busy.show()
            self.status.showMessage(f"Reading {Path(path).name}…")
            BackgroundJob(lambda: table_columns(path), lambda columns, error:
                          self._table_read(name, entry.title, path, columns, error), self)
            return True
        return self.apply(lambda p: edits.use_dataset(p, name, path), f"Use the {entry.title} data set")

    def _table_read(self, name: str, title: str, path: str, columns: list | None, error: str) -> None:
        self.busy.hide()
        self.status.clearMessage()
        if error:
            self.show_message(f"Could not read {path}: {error}", error=True)
            self._show_project(self.document.project)
            return
        self.apply(lambda p: edits.use_dataset(p, name, path, columns[-1]), f"Use the {title} data set")

    def ask_data_path(self, name: str) -> str:
        """Ask for a data set's file or folder (tests replace this); "" when cancelled."""
        start = self.settings.value("files/dataDir", str(self.preferences.data_path()))
        if name == "csv":
            chosen, _ = QFileDialog.getOpenFileName(self, "Open a CSV table", start, "CSV (*.csv *.tsv *.txt)")
        else:
            chosen = QFileDialog.getExistingDirectory(self, f"Choose the folder with the {name} files", start)
        if chosen:
            self.settings.setValue("files/dataDir", str(Path(chosen).parent))
        return chosen

    def show_tour(self) -> Tour:
        """A bubble beside each main panel in turn (Help ▸ Quick tour)."""
        stops = [
            Stop(self.play_button, "Press play",
                 "A small network and its data are ready (the first time: the TensorFlow Playground's starting "
                 "point). Play (Space) trains it; Step (Ctrl+→) trains one epoch; Reset (Ctrl+R) draws new "
                 "weights."),
            Stop(self.data_panel, "Data",
                 "Choose a data set — the 2-D toys, digits, MNIST-format files, CSV tables, sequences — and, "
                 "for the plane, which features the network sees."),
            Stop(self.left_tabs, "The network",
                 "Network shows every neuron's map and the weights as links (click one to edit it). Layers is "
                 "the editor: drag layers in from the Layers palette, reorder, duplicate, delete. Code and "
                 "Learn show the same network as PyTorch code and as formulas."),
            Stop(self.palette, "Layers palette",
                 "Every layer kind, with what it does and its formula in the tooltip. Drag one onto the "
                 "Layers tab."),
            Stop(self.training_panel, "Training",
                 "Loss, optimizer, learning rate, batch size, regularization, schedule and device. Most changes "
                 "apply while training runs; every change can be undone (Ctrl+Z)."),
            Stop(self.data_views, "What the network learned",
                 "The decision boundary over the plane (or, for images, tables and sequences, the test samples "
                 "with their predictions). Below: loss curves, the confusion matrix, weights and gradients."),
            Stop(self.menuBar(), "Keep it",
                 "File ▸ Save keeps the project with its weights; File ▸ Export model writes ONNX, torch.export, "
                 "TorchScript, safetensors or PyTorch code. Help ▸ Quick tour shows this again."),
        ]
        if self.tour is not None:
            self.tour.deleteLater()
        self.tour = Tour(self, stops)
        self.tour.start()
        return self.tour

    def reset_layout(self) -> None:
        """Every dock back where it started, and shown."""
        self.restoreState(self._default_layout)
        for dock in self.findChildren(QDockWidget):
            dock.show()

    # ================================================================ preferences

    def show_settings(self) -> SettingsDialog:
        devices = [("auto", "auto (GPU if faster)")]
        devices += [(self.training_panel.device.itemData(i), self.training_panel.device.itemText(i))
                    for i in range(1, self.training_panel.device.count())]
        self.settings_dialog = SettingsDialog(self.preferences, devices, self)
        self.settings_dialog.acceptedPreferences.connect(self.apply_preferences)
        self.settings_dialog.open()
        return self.settings_dialog

    @Slot(object)
    def apply_preferences(self, preferences: Preferences) -> None:
        """Apply and remember `preferences`: theme (windows and plots), threads, refresh rate,
        autosave interval; the default device and data folder are read where they are used."""
        self.preferences = preferences
        preferences.save(self.settings)
        self.plot_colours = apply_theme(QApplication.instance(), preferences.theme)
        theme_plots(self, self.plot_colours)
        for widget in self.findChildren(QWidget):  # widgets with a style sheet keep the old palette
            if widget.styleSheet():
                widget.setStyleSheet(widget.styleSheet())
        if self.training_panel.threads.value() != preferences.threads:
            self.training_panel.threads.setValue(preferences.threads)  # → the worker, via threadsChanged
        self.worker.set_update_interval(1.0 / preferences.refresh_hz)
        self.autosave_timer.setInterval(1000 * preferences.autosave_seconds)

    def download_data(self, dataset: str, source: str, title: str) -> None:
        """Download `source` (core.data.download) into the data folder on a background thread,
        with a progress dialog; when it arrives, train on it (an undoable data change)."""
        if self._download is not None:
            self.show_message("A download is already running; wait for it or cancel it first.")
            return
        job = DataDownload(source, self.preferences.data_path() / source, base_url=self.download_url,
                           parent=self)
        self._download = (job, DownloadDialog(job, title, self), dataset, title)
        job.finished.connect(self._download_finished)  # a slot: it runs on this (the GUI) thread
        job.start()
        self._download[1].show()

    @Slot(str, str)
    def _download_finished(self, folder: str, error: str) -> None:
        job, dialog, dataset, title = self._download
        self._download = None
        dialog.deleteLater()
        job.deleteLater()
        if folder and self.choose_dataset(dataset, folder):
            self.show_message(f"{title} is in {folder}; training uses it now.")
        elif error:
            self.show_message(f"{title}: {error}", error="cancelled" not in error)

    @Slot(str)
    def choose_data_path(self, name: str) -> None:
        path = self.ask_data_path(name)
        if path:
            self.choose_dataset(name, path)

    def edit_setting(self, section: str, key: str, value: Any) -> None:
        self.apply(lambda p: edits.set_setting(p, section, key, value), f"Change {key.replace('_', ' ')}",
                   merge_key=f"{section}.{key}")

    # ================================================================ reacting to changes

    def _analyze(self, project: Project) -> None:
        """Shapes, label encoding and the memory check of `project`, from data already in memory:
        a data file not read yet leaves the analysis pending (the training thread reads it)."""
        with cached_only():
            self.analysis = analyze(project)
            if self.analysis.ok:
                try:
                    check_memory(project, self.analysis)
                except ValidationError as err:
                    self.analysis.error, self.analysis.error_layer = err, None
            self._show_project(project)
        for action in (self.play_action, self.step_action, self.reset_action, self.export_action):
            action.setEnabled(self.analysis.ok)

    @Slot(object, object)
    def _document_changed(self, old: Project | None, new: Project) -> None:
        self._analyze(new)
        if self.analysis.pending:
            self.worker.pause()
            self.busy.show()
            self.status.showMessage(f"Loading {new.data.dataset}…")
            self._configure_worker(old, new)  # it reads the data; then _data_ready analyzes again
            return
        if not self.analysis.ok:
            self.worker.pause()
            self.show_message(f"Training is off until this is fixed: {self.analysis.error}", error=True)
            return
        self.banner.hide()
        self._configure_worker(old, new)

    def _configure_worker(self, old: Project | None, new: Project) -> None:
        # against what the worker trains now (edits that left the project invalid never reached it)
        data_changed = self._configured_data is None or self._configured_data != new.data
        self._configured_data = new.data
        keep = old is not None and old.same_architecture(new)
        state, self._pending_state = self._pending_state, None
        if data_changed and new.data.kind != "plane":  # reading files: show it until the data arrives
            self.busy.show()
            self.status.showMessage(f"Loading {new.data.dataset}…")
        self.worker.configure(new, keep_weights=keep, data_changed=data_changed, state=state)

    @Slot(object, str)
    def _configure_failed(self, data, message: str) -> None:
        if data == self.document.project.data:
            self._analysis_after_reading(message)

    def _analysis_after_reading(self, error: str = "") -> None:
        """The training thread has read the data of the project shown (or failed to): analyze
        what was pending."""
        if not self.analysis.pending:
            return
        self._analyze(self.document.project)
        if self.analysis.pending:  # the file itself could not be read: say so, keep training off
            self.analysis.pending = False
            self.analysis.error = ValidationError("data.path", error or "the data could not be read")
            for action in (self.play_action, self.step_action, self.reset_action, self.export_action):
                action.setEnabled(False)
        if not self.analysis.ok:
            self.show_message(f"Training is off until this is fixed: {self.analysis.error}", error=True)
        elif not error:
            self.banner.hide()

    def _show_project(self, project: Project) -> None:
        self.editor.set_project(project, self.analysis)
        self.network_view.set_project(project)
        if self.plot_colours is not None:
            theme_plots(self.network_view, self.plot_colours)  # its labels were drawn again
        self.code_view.set_project(project)
        self.learn_view.set_project(project, self.analysis)
        self.loss_plot.set_scheduled(project.training.schedule["name"] != "constant")
        columns: list[str] = []
        if project.data.kind == "table":
            from playground.core.data.sources import table_columns

            try:
                with cached_only():
                    columns = table_columns(project.data.path)
            except PlaygroundError:  # DataNotRead too: the columns come once the file is read
                columns = []
        self.data_panel.set_project(project, columns)
        self.training_panel.set_project(project)
        self._selection_changed(self.editor.selected)

    @Slot(int)
    def _selection_changed(self, index: int) -> None:
        layers = self.document.project.model.layers
        self.inspector.show_layer(index, layers[index] if 0 <= index < len(layers) else None)

    @Slot(object)
    def _path_changed(self, _path_or_clean: object) -> None:
        name = self.document.path.name if self.document.path else "Untitled"
        dirty = "" if self.document.undo_stack.isClean() else " •"
        self.setWindowTitle(f"{name}{dirty} — Neural Playground")

    @Slot(int)
    def _checkpoints_changed(self, every: int) -> None:
        self.settings.setValue("training/checkpointEvery", every)
        self.worker.set_checkpoints(every, self.recovery_path())

    @Slot(int)
    def _speed_changed(self, _index: int = 0) -> None:
        key = self.speed.currentData()
        self.settings.setValue("training/speed", key)
        self.worker.set_speed(SPEEDS[key])

    @Slot(str)
    def _value_refused(self, text: str) -> None:
        self.show_message(text[:1].upper() + text[1:], error=True)

    @Slot(str)
    def _worker_message(self, text: str) -> None:
        self.show_message(text)

    @Slot(int)
    def _threads_changed(self, threads: int) -> None:
        self.preferences.threads = threads
        self.settings.setValue("training/threads", threads)
        self.worker.set_threads(threads)

    # ================================================================ what the views need

    def view_request(self, focus: tuple[int, int] | None = None) -> ViewRequest:
        """What the views on screen need; nothing while the window is minimized (training runs
        faster then)."""
        if self.isMinimized():
            return ViewRequest(boundary=False)
        lower = self.lower_tabs.currentWidget()
        return ViewRequest(network=self.left_tabs.currentWidget() is self.network_view,
                           statistics=lower is self.histogram_view, confusion=lower is self.confusion_view,
                           samples=self.data_views.currentWidget() is self.sample_view,
                           sample=self.sample_view.chosen, axes=self.boundary.axes, focus=focus)

    @Slot()
    def _views_changed(self, *_args) -> None:
        self.settings.setValue("view/leftTab", self.left_tabs.currentIndex())
        self.settings.setValue("view/lowerTab", self.lower_tabs.currentIndex())
        self.worker.set_views(self.view_request())

    @Slot(int, int)
    def _neuron_hovered(self, layer: int, unit: int) -> None:
        if layer < 0 and unit < 0:
            return  # a feature that is off: not an input of the model
        self.boundary.set_focus_title(self._neuron_title(layer, unit))
        self.worker.set_views(self.view_request((layer, unit)))

    @Slot()
    def _hover_ended(self) -> None:
        self.boundary.set_focus_title(None)
        self.worker.set_views(self.view_request())

    def _neuron_title(self, layer: int, unit: int) -> str:
        if layer < 0:
            return f"input feature {self.document.project.data.features[unit]}"
        dense = edits.dense_layers(self.document.project)
        where = "the output" if dense and layer == dense[-1] else f"layer {layer + 1}"
        return f"neuron {unit + 1} of {where}"

    # ================================================================ training

    @Slot()
    def toggle_play(self) -> None:
        if not self.analysis.ok:
            return
        if self.worker.playing:
            self.worker.pause()
        else:
            total = self.document.project.training.epochs
            if total and self.epoch >= total:
                self.show_message(f"All {total} epochs are done: raise the epochs (Training panel) or "
                                  "reset to train again.")
                return
            self.worker.play()
            self._state_changed("playing")

    @Slot()
    def step(self) -> None:
        if self.analysis.ok:
            self.sample_view.show_preview(False)
            self.worker.step()

    @Slot()
    def reset(self) -> None:
        if self.analysis.ok:
            self.worker.reset()

    @Slot(object)
    def _training_update(self, update) -> None:
        try:
            self._show_update(update)
        finally:
            self.worker.update_drawn()  # the worker may send the next one now

    def _show_update(self, update) -> None:
        if update.restarted:
            classification = self.document.project.data.task == "classification"
            self.loss_plot.clear(classification=classification)
            self.confusion_view.clear(classification)
            self.histogram_view.clear()
        self.loss_plot.add(update.snapshots)
        self.boundary.set_boundary(update.boundary, update.focus)
        if update.network is not None:
            self.network_view.set_probe(update.network)
        if update.metrics:
            self.loss_plot.set_metrics(update.metrics)
        if update.confusion is not None:
            self.confusion_view.set_matrix(update.confusion)
        if update.statistics is not None:
            self.histogram_view.add(update.epoch, update.statistics)
        if update.samples is not None:
            self.sample_view.set_samples(update.samples)
        if update.attention:
            self.sample_view.set_attention(update.attention)
        if update.feature_maps is not None:
            names = {i: layer.type for i, layer in enumerate(self.document.project.model.layers)}
            self.sample_view.set_feature_maps(update.feature_maps, names)
        self.epoch = update.epoch
        self.epoch_label.setText(f"Epoch {update.epoch:,}")
        labels = self.status_labels
        labels["epoch"].setText(f"epoch {update.epoch:,}")
        labels["step"].setText(f"step {update.step:,}")
        labels["speed"].setText(f"{update.samples_per_second:,.0f} samples/s")
        labels["device"].setText(update.device)
        labels["path"].setText("fast path" if update.path.startswith("fast") else "eager")
        labels["path"].setToolTip(f"Training runs on the {update.path}")
        minutes, seconds = divmod(int(update.elapsed), 60)
        labels["elapsed"].setText(f"{minutes}:{seconds:02d}")

    @Slot(object)
    def _data_ready(self, data) -> None:
        if self.status.currentMessage().startswith("Starting PyTorch"):
            self.status.clearMessage()
        if data.spec != self.document.project.data:
            return  # the data of a project since replaced (the worker takes commands in turn)
        self._analysis_after_reading()
        if self.status.currentMessage().startswith("Loading"):
            self.status.clearMessage()
        if self.export_action.isEnabled() or not self.analysis.ok:  # (an export keeps it until it ends)
            self.busy.hide()
        if data.kind == "plane" or data.axes is not None:
            self.data_views.setCurrentWidget(self.boundary)
            self.boundary.set_data(data)
        else:
            self.data_views.setCurrentWidget(self.sample_view)
            self.sample_view.set_data(data)
        if self.plot_colours is not None:
            theme_plots(self, self.plot_colours)  # legends and titles may have been made again
        if data.kind != "plane" and self.left_tabs.currentWidget() is self.network_view:
            self.left_tabs.setCurrentWidget(self.editor)  # the network view draws plane networks only
        self.worker.set_views(self.view_request())

    @Slot(str)
    def _state_changed(self, state: str) -> None:
        self.state = state
        playing = state == "playing"
        if playing:
            self.sample_view.show_preview(False)  # training: what matters now is its predictions
        self.play_action.setText("&Pause" if playing else "&Play")
        if state == "finished":
            self.show_message(f"Finished {self.epoch:,} epochs.")

    @Slot(str)
    def _training_failed(self, message: str) -> None:
        if self.export_action.isEnabled() or not self.analysis.ok:
            self.busy.hide()  # a data set that could not be loaded ends its indicator too
            if self.status.currentMessage().startswith("Loading"):
                self.status.clearMessage()
        self._state_changed("failed")
        self.show_message(message, error=True)

    def show_message(self, text: str, error: bool = False) -> None:
        """A message in the window (not a modal box): red for problems. Click it to dismiss."""
        colour = "#fdecea; color: #b71c1c" if error else "#e8f4fd; color: #0d47a1"
        self.banner.setStyleSheet(f"QLabel {{ background: {colour}; padding: 6px; border-radius: 4px; }}")
        self.banner.setText(text)
        self.banner.setToolTip("Click to dismiss")
        self.banner.show()
        self.status.showMessage(text, 10000)

    # ================================================================ files

    def new_project(self, template: Path | None = None) -> None:
        if not self.maybe_save():
            return
        try:
            project = load_project(template) if template else default_project()
        except PlaygroundError as err:
            self.show_message(str(err), error=True)
            return
        if self.preferences.device != "auto":  # the default device of new projects (Settings)
            raw = project.to_dict()
            raw["training"]["device"] = self.preferences.device
            project = Project.from_dict(raw)
        self.worker.pause()
        self.document.replace(project, None)

    def open_dialog(self) -> None:
        start = self.settings.value("files/lastDir", str(Path.home()))
        name, _ = QFileDialog.getOpenFileName(self, "Open project", start, "Neural Playground project (*.json)")
        if name:
            self.open_project(Path(name))

    def open_project(self, path: Path) -> bool:
        """Open a project file (read on a background thread; `projectOpened` says how it went).
        False when the person cancelled at the unsaved-changes question."""
        if not self.maybe_save():
            return False
        self._load(path, path, saved=True)
        return True

    def _load(self, path: Path, document_path: Path | Callable[[Project], Path | None] | None, saved: bool,
              after: Callable[[bool], None] | None = None) -> None:
        """Read `path` (with its trained state, if it has one) off this thread, then make it the
        document (saved as `document_path`, or what it returns for the project); `after(opened)`
        runs once it has been applied or refused."""
        self.busy.show()
        self.status.showMessage(f"Opening {path.name}…")

        def read() -> tuple:
            project = load_project(path)
            try:
                return project, load_state(path, project), ""
            except PlaygroundError as err:
                return project, None, str(err)

        BackgroundJob(read, lambda result, error: self._loaded(path, document_path, saved, result, error, after), self)

    def _loaded(self, path: Path, document_path: Path | None, saved: bool, result, error: str, after) -> None:
        self.busy.hide()
        self.status.clearMessage()
        if error:
            self.show_message(f"Could not open {path.name}: {error}", error=True)
        else:
            project, state, state_error = result
            if callable(document_path):
                document_path = document_path(project)
            if state_error:
                self.show_message(f"{path.name} opened without its trained weights: {state_error}", error=True)
            project.extra.pop("state", None)
            project.extra.pop("recovery", None)
            self._apply_view(project.extra.pop("view", None))
            self.worker.pause()
            self._pending_state = state
            self.document.replace(project, document_path, saved=saved)
            if document_path is not None and saved:
                self._remember(document_path)
        if after is not None:
            after(not error)
        self.projectOpened.emit(str(path), error)

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self.save_to(self.document.path)

    def save_as(self) -> bool:
        start = str(self.document.path or Path(self.settings.value("files/lastDir", str(Path.home()))) / "project.json")
        name, _ = QFileDialog.getSaveFileName(self, "Save project", start, "Neural Playground project (*.json)")
        return self.save_to(Path(name)) if name else False

    def save_to(self, path: Path) -> bool:
        """Save the project with its trained weights and history (training pauses for a moment)."""
        error = self.worker.save(path, self._with_view(self.document.project))
        if error:
            self.show_message(f"Could not save: {error}", error=True)
            return False
        self.document.mark_saved(path)
        self._remember(path)
        self.status.showMessage(f"Saved {path}", 5000)
        return True

    def maybe_save(self) -> bool:
        """With unsaved changes, ask Save / Discard / Cancel. False means: stop what you were doing."""
        if self.document.undo_stack.isClean():
            return True
        answer = self.ask_unsaved()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def ask_unsaved(self) -> QMessageBox.StandardButton:
        """The Save / Discard / Cancel question (tests replace this)."""
        buttons = QMessageBox.StandardButton
        return QMessageBox.question(self, "Unsaved changes", "Save the changes to this project?",
                                    buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)

    def _remember(self, path: Path) -> None:
        path = path.resolve()
        self.settings.setValue("files/lastDir", str(path.parent))
        recent = [p for p in self._recent() if p != str(path)]
        self.settings.setValue("files/recent", [str(path)] + recent[:MAX_RECENT - 1])
        self._refresh_recent()

    def _recent(self) -> list[str]:
        value = self.settings.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        for path in self._recent():
            self.recent_menu.addAction(path, lambda p=path: self.open_project(Path(p)))
        self.recent_menu.setEnabled(bool(self._recent()))

    # ================================================================ view settings kept in the project

    def _with_view(self, project: Project) -> Project:
        """The project with how its views are set (log scales, smoothing, test points)."""
        plot = self.loss_plot
        project.extra["view"] = {"loss_log_x": plot.log_x.isChecked(), "loss_log_y": plot.log_y.isChecked(),
                                 "loss_smoothing": plot.smoothing.value() / 100,
                                 "show_test_data": self.boundary.show_test.isChecked(),
                                 "discretize_output": self.boundary.discretize.isChecked()}
        return project

    def _apply_view(self, view: object) -> None:
        """Set the views as a project saved them; anything malformed is ignored."""
        if not isinstance(view, dict):
            return
        plot = self.loss_plot
        for key, box in (("loss_log_x", plot.log_x), ("loss_log_y", plot.log_y),
                         ("show_test_data", self.boundary.show_test),
                         ("discretize_output", self.boundary.discretize)):
            if isinstance(view.get(key), bool):
                box.setChecked(view[key])
        smoothing = view.get("loss_smoothing")
        if isinstance(smoothing, (int, float)) and not isinstance(smoothing, bool) and 0 <= smoothing < 1:
            plot.smoothing.setValue(round(smoothing * 100))

    # ================================================================ views and history as files

    def image_views(self) -> dict[str, str]:
        return {"boundary": "Decision boundary", "loss": "Loss curves", "network": "Network view",
                "confusion": "Confusion matrix", "histograms": "Weights and gradients"}

    def _image_target(self, key: str):
        return {"boundary": lambda: self.boundary.plot.scene(), "loss": lambda: self.loss_plot.plot.scene(),
                "network": lambda: self.network_view.scene, "confusion": lambda: self.confusion_view.plot.scene(),
                "histograms": lambda: self.histogram_view.graphics.scene()}[key]()

    def ask_save_path(self, title: str, name: str, filters: str) -> Path | None:
        """Ask where to save (tests replace this)."""
        start = self._export_folder() / name
        chosen, _ = QFileDialog.getSaveFileName(self, title, str(start), filters)
        return Path(chosen) if chosen else None

    def _export_folder(self) -> Path:
        """Where exports start: the project's folder, else the last export's, else home."""
        if self.document.path is not None:
            return self.document.path.parent
        return Path(self.settings.value("files/exportDir", str(Path.home())))

    def save_view_dialog(self, key: str) -> None:
        path = self.ask_save_path(f"Save {self.image_views()[key].lower()} as image", f"{key}.png",
                                  "PNG image (*.png);;SVG drawing (*.svg)")
        if path is not None:
            self.save_view_image(key, path)

    def save_view_image(self, key: str, path: Path) -> bool:
        from playground.gui.plots.image_export import save_image

        if not path.suffix:
            path = path.with_suffix(".png")
        try:
            save_image(self._image_target(key), path)
        except (OSError, ValueError) as err:
            self.show_message(f"Could not save the image: {err}", error=True)
            return False
        return self._exported(path)

    def export_history_dialog(self) -> None:
        path = self.ask_save_path("Export the loss history", "history.csv", "CSV (*.csv)")
        if path is not None:
            self.export_history(path)

    def export_history(self, path: Path) -> bool:
        """Every epoch's losses, accuracies, learning rate and speed as CSV."""
        error = self.worker.write_history(path)
        if error:
            self.show_message(f"Could not export the history: {error}", error=True)
            return False
        return self._exported(path)

    def _exported(self, path: Path) -> bool:
        """Remember the folder for the next export and say where the file went."""
        self.settings.setValue("files/exportDir", str(path.parent))
        self.status.showMessage(f"Saved {path}", 5000)
        return True

    # ================================================================ recovery

    def recovery_path(self) -> Path:
        """Where autosaves and training checkpoints go (not the user's own file)."""
        folder = self.settings.value("autosave/folder", "")
        if not folder:
            folder = str(Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)) / "recovery")
        return Path(folder) / "recovery.json"

    @Slot()
    def autosave(self) -> None:
        """Every minute (autosave/seconds), with unsaved changes: save to the recovery file."""
        if self.document.undo_stack.isClean():
            return
        project = self._with_view(self.document.project)
        project.extra["recovery"] = {"file": str(self.document.path) if self.document.path else None}
        self.worker.autosave(self.recovery_path(), project)

    @Slot(str, str)
    def _autosaved(self, path: str, error: str) -> None:
        if error:
            self.status.showMessage(f"Autosave failed: {error}", 10000)

    def offer_recovery(self) -> bool:
        """After a crash, offer the last autosave. True when the person chose to restore it (it
        is read on a background thread; the message says when it is back)."""
        path = self.recovery_path()
        if not path.is_file():
            return False
        if not self.ask_restore(path):
            self.discard_recovery()
            return False

        def restored(opened: bool) -> None:
            if opened:
                self.show_message("Restored the work autosaved before Neural Playground last stopped unexpectedly.")

        self._load(path, self._recovered_from, saved=False, after=restored)
        return True

    @staticmethod
    def _recovered_from(project: Project) -> Path | None:
        """The file an autosave was made for (named in it), without trusting it."""
        recovery = project.extra.get("recovery")
        original = recovery.get("file") if isinstance(recovery, dict) else None
        return Path(original) if isinstance(original, str) else None

    def ask_restore(self, path: Path) -> bool:
        """Ask whether to restore the autosave (tests replace this)."""
        answer = QMessageBox.question(self, "Restore unsaved work?",
                                      "Neural Playground did not close properly last time. Restore the work "
                                      "it autosaved?", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def discard_recovery(self) -> None:
        path = self.recovery_path()
        for file in [path, *path.parent.glob("recovery.*.state.safetensors")]:
            try:
                file.unlink()
            except OSError:
                pass

    # ================================================================ export

    def show_export_dialog(self) -> ExportDialog:
        directory = self._export_folder()
        stem = self.document.path.stem if self.document.path else "model"
        self.export_dialog = ExportDialog(directory, stem, self)
        last = self.settings.value("files/exportFormat", "onnx")
        if last in FORMATS:
            self.export_dialog.format.setCurrentIndex(FORMATS.index(last))
        self.export_dialog.accepted.connect(self._export_accepted)
        self.export_dialog.open()
        return self.export_dialog

    @Slot()
    def _export_accepted(self) -> None:
        dialog = self.export_dialog
        if dialog is None:
            return
        self.export_model(dialog.chosen_format(), dialog.chosen_path(), dialog.with_training.isChecked())

    def export_model(self, fmt: str, path: Path, with_training: bool = False) -> None:
        """Have the worker export and verify the model (training pauses meanwhile)."""
        if path.is_dir() or not path.name:
            self.show_message(f"Choose a file name to export to, not the folder {path}.", error=True)
            return
        self.settings.setValue("files/exportDir", str(path.parent))
        self.settings.setValue("files/exportFormat", fmt)
        self.busy.show()
        self.status.showMessage(f"Exporting {fmt} to {path}…")
        self.export_action.setEnabled(False)
        self.worker.export(ExportRequest(fmt, path, with_training))

    @Slot(object, str)
    def _export_finished(self, result, error: str) -> None:
        self.busy.hide()
        self.export_action.setEnabled(self.analysis.ok)
        if result is None:
            self.show_message(f"Export failed: {error}", error=True)
            return
        files = ", ".join(str(f) for f in result.files)
        self.show_message(f"Exported {FORMAT_TITLES[result.format].split(':')[0]} to {files} "
                          f"(read back and checked; largest difference {result.max_difference:.2g}).")

    # ================================================================ closing

    # ================================================================ help

    def show_about(self):
        from playground.gui.dialogs.about import about_text, show_box

        self.help_box = show_box(self, "About Neural Playground", about_text())
        return self.help_box

    def show_shortcuts(self):
        from playground.gui.dialogs.about import shortcuts_html, show_box

        self.help_box = show_box(self, "Keyboard shortcuts", shortcuts_html(self.menus))
        return self.help_box

    # ================================================================ files dropped on the window

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_dropped(paths[0])

    def open_dropped(self, path: Path) -> None:
        """A project opens; a CSV, an .npz or a data folder becomes the data set. What the path is
        (a folder's entries) is found off this thread."""
        BackgroundJob(lambda: dropped_kind(path), lambda kind, error: self._open_dropped(path, kind, error), self)

    def _open_dropped(self, path: Path, kind: str | None, error: str) -> None:
        if kind == "project":
            self.open_project(path)
        elif kind is not None:
            self.choose_dataset(kind, str(path))
        else:
            self.show_message(f"Cannot open {path.name}: " + (error or DROP_HINT), error=True)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        QTimer.singleShot(0, self._readable_docks)  # once laid out at its real size

    def _readable_docks(self) -> None:
        """A layout saved in a small window (or by a dock dragged thin) can leave docks a few
        pixels wide on a larger one: widen any docked panel narrower than MIN_DOCK_WIDTH."""
        narrow = [d for d in self.findChildren(QDockWidget)
                  if d.isVisible() and not d.isFloating() and d.width() < MIN_DOCK_WIDTH]
        if narrow:
            self.resizeDocks(narrow, [DOCK_WIDTH] * len(narrow), Qt.Orientation.Horizontal)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.WindowStateChange:
            self.worker.set_views(self.view_request())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.maybe_save():
            event.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.autosave_timer.stop()
        if self._download is not None:
            self._download[0].cancel()
            self._download[0].wait(5)
        self.worker.shutdown()
        self.discard_recovery()
        event.accept()
