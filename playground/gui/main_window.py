"""The main window: assembles the palette, network editor, inspector, data and training panels and
the live views; owns the project document (with its undo stack), the settings and the training
worker. Every button is a call into the core through plain objects; every view is fed by the
worker's snapshots."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (QDockWidget, QFileDialog, QFormLayout, QLabel, QMainWindow, QMessageBox,
                               QProgressBar, QScrollArea, QSplitter, QStackedWidget, QStatusBar, QTabWidget,
                               QVBoxLayout, QWidget)

from playground.core import edits
from playground.core.data.sources import cached_only
from playground.core.errors import PlaygroundError, ValidationError
from playground.core.shapes import analyze, check_memory
from playground.core.spec import Project
from playground.gui.background import BackgroundJob
from playground.gui.canvas import NetworkEditor
from playground.gui.code_view import CodeView
from playground.gui.controls import DataPanel, TrainingPanel
from playground.gui.dialogs.download import DataDownload, DownloadDialog
from playground.gui.dialogs.export_dialog import ExportDialog
from playground.gui.dialogs.tour import Tour
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
from playground.gui.preferences import Preferences
from playground.gui.theme import theme_plots
from playground.gui.window_exports import Exports
from playground.gui.window_files import ProjectFiles, default_project
from playground.gui.window_menus import Menus
from playground.gui.window_training import TrainingControls
from playground.gui.worker import SPEEDS, TrainingWorker

#: A docked panel narrower than this after start-up is widened to DOCK_WIDTH (see _readable_docks)
MIN_DOCK_WIDTH, DOCK_WIDTH = 200, 270


class MainWindow(ProjectFiles, Exports, Menus, TrainingControls, QMainWindow):
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

    # ================================================================ preferences

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

    # ================================================================ training

    def show_message(self, text: str, error: bool = False) -> None:
        """A message in the window (not a modal box): red for problems. Click it to dismiss."""
        colour = "#fdecea; color: #b71c1c" if error else "#e8f4fd; color: #0d47a1"
        self.banner.setStyleSheet(f"QLabel {{ background: {colour}; padding: 6px; border-radius: 4px; }}")
        self.banner.setText(text)
        self.banner.setToolTip("Click to dismiss")
        self.banner.show()
        self.status.showMessage(text, 10000)

    # ================================================================ files

    # ================================================================ view settings kept in the project

    # ================================================================ views and history as files

    # ================================================================ recovery

    # ================================================================ export

    # ================================================================ closing

    # ================================================================ help

    # ================================================================ files dropped on the window

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
