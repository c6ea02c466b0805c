"""The main window: assembles the palette, network editor, inspector, data and training panels and
the live views; owns the project document (with its undo stack), the settings and the training
worker. Every button is a call into the core through plain objects; every view is fed by the
worker's snapshots."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (QDockWidget, QFormLayout, QLabel, QMainWindow, QProgressBar, QScrollArea, QSplitter, QStackedWidget, QStatusBar, QTabWidget,
                               QVBoxLayout, QWidget)

from playground.core.data.sources import cached_only
from playground.core.errors import PlaygroundError
from playground.core.model.shapes import analyze
from playground.core.model.spec import Project
from playground.gui.panels.canvas import NetworkEditor
from playground.gui.panels.code_view import CodeView
from playground.gui.panels.controls import DataPanel, TrainingPanel
from playground.gui.dialogs.export_dialog import ExportDialog
from playground.gui.dialogs.tour import Tour
from playground.gui.controllers.document import ProjectDocument
from playground.gui.panels.inspector import Inspector
from playground.gui.panels.learn_view import LearnView
from playground.gui.panels.palette import LayerPalette
from playground.gui.views.boundary_view import BoundaryView
from playground.gui.views.confusion_view import ConfusionView
from playground.gui.views.histogram_view import HistogramView
from playground.gui.views.loss_plot import LossPlot
from playground.gui.views.network_view import NetworkView
from playground.gui.views.sample_view import SampleView
from playground.gui.preferences import Preferences
from playground.gui.theme import theme_plots
from playground.gui.window.editing import ProjectEditing
from playground.gui.window.experiments import ExperimentsControl
from playground.gui.window.graph_editing import GraphEditing
from playground.gui.window.exports import Exports
from playground.gui.window.files import ProjectFiles, default_project
from playground.gui.window.menus import Menus
from playground.gui.window.training import TrainingControls
from playground.gui.controllers.worker import SPEEDS, TrainingWorker

#: A docked panel narrower than this after start-up is widened to DOCK_WIDTH (see _readable_docks)
MIN_DOCK_WIDTH, DOCK_WIDTH = 200, 270


class MainWindow(ProjectFiles, ProjectEditing, GraphEditing, Exports, ExperimentsControl, Menus, TrainingControls, QMainWindow):
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
        self.serve_dialog = None  # gui.dialogs.serve.ServeDialog, once File ▸ Serve model… was used
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
        self.left_tabs.addTab(self._build_graph(), "Graph")
        self.left_tabs.addTab(self.editor, "Layers")
        self.left_tabs.addTab(self.code_view, "Code")
        self.left_tabs.addTab(self.learn_view, "Learn")
        self._build_experiments()
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
        self._connect_experiments()
        self._connect_graph()

    # ================================================================ showing the project

    def _show_project(self, project: Project) -> None:
        self.editor.set_project(project, self.analysis)
        self.graph_canvas.set_project(project, self.analysis)
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
        self._show_experiments_project(project)
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

    # ================================================================ messages and window events

    def show_message(self, text: str, error: bool = False) -> None:
        """A message in the window (not a modal box): red for problems. Click it to dismiss."""
        colour = "#fdecea; color: #b71c1c" if error else "#e8f4fd; color: #0d47a1"
        self.banner.setStyleSheet(f"QLabel {{ background: {colour}; padding: 6px; border-radius: 4px; }}")
        self.banner.setText(text)
        self.banner.setToolTip("Click to dismiss")
        self.banner.show()
        self.status.showMessage(text, 10000)

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
        if self.serve_dialog is not None:
            self.serve_dialog.stop()
        self.experiments.shutdown()  # a search stops as Ctrl+C stops it: the next Run continues it
        self.worker.shutdown()
        self.discard_recovery()
        event.accept()
