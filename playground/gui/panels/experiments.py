"""The Experiments panel: search hyper-parameters of the current project (the set-up on the left),
Run / Stop, and while it runs in processes of its own the trials table (sortable; state, objective,
parameters), the optimization history, the chosen trials' loss curves overlaid, a setting against
the objective, Optuna's parameter importance, and the trial under the mouse: its decision boundary
or its confusion matrix. "Open trial" makes a trial the current project (the window does it,
undoably); "Compare runs…" sets the chosen trials, or any saved runs, side by side."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSplitter,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from playground.core.errors import PlaygroundError
from playground.core.model.spec import Project
from playground.gui.controllers.background import BackgroundJob
from playground.gui.controllers.search_runner import SearchRunner, read_search, read_search_file, same_search
from playground.gui.panels.search_setup import SearchSetup
from playground.gui.views.trial_plots import (STATE_COLOURS, OptimizationHistory, ParameterScatter, TrialCurves,
                                             TrialPicture)

MAX_CURVES = 10
HOVER_MS = 150  # the mouse rests this long on a trial before its picture is made


def _item(value) -> QTableWidgetItem:
    """A cell that sorts numbers as numbers."""
    item = QTableWidgetItem()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        item.setData(Qt.ItemDataRole.DisplayRole, round(value, 6) if isinstance(value, float) else value)
    else:
        item.setText("–" if value is None else ",".join(map(str, value)) if isinstance(value, list) else str(value))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


def importance(output: Path) -> dict[str, float]:
    """Optuna's parameter importance (its default evaluator) for the study in `output` (a pool
    thread runs it)."""
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    from playground.experiments.study import STUDY_NAME

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=STUDY_NAME, storage=JournalStorage(JournalFileBackend(str(output / "study.journal"))))
    complete = [t for t in study.trials if t.state.name == "COMPLETE"]
    if len(complete) < 3:
        raise PlaygroundError(f"parameter importance needs 3 complete trials; there are {len(complete)}")
    return optuna.importance.get_param_importances(study)


class ExperimentsPanel(QWidget):
    """`openTrial(folder)`: the person wants that trial's run as the current project."""

    openTrial = Signal(str)
    message = Signal(str, bool)  # text, is an error

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("experimentsPanel")
        self.project: Project | None = None
        self.runner = SearchRunner(self)
        self.rows: list[dict] = []
        self.search_info: dict = {}

        self.setup = SearchSetup()
        self.folder = QLineEdit(objectName="searchFolder")
        self.folder.setAccessibleName("search folder")
        self.folder.setToolTip("The study's folder: a run folder per trial, best, the study's journal. "
                               "Run on a folder with the same search continues it.")
        browse = QPushButton("…", objectName="chooseSearchFolder")
        browse.setMaximumWidth(32)
        browse.clicked.connect(self._choose_folder)
        self.run_button = QPushButton("Run", objectName="runSearch")
        self.run_button.clicked.connect(self.run)
        self.stop_button = QPushButton("Stop", objectName="stopSearch")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.runner.stop)
        self.status = QLabel("Pick settings to search: Add, or right-click a field ▸ Search over this…",
                             objectName="searchStatus")
        self.status.setWordWrap(True)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 4, 0)
        column.addWidget(self.setup, 1)
        folder = QHBoxLayout()
        folder.addWidget(QLabel("folder"))
        folder.addWidget(self.folder, 1)
        folder.addWidget(browse)
        column.addLayout(folder)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.stop_button)
        column.addLayout(buttons)
        column.addWidget(self.status)

        self.table = QTableWidget(0, 0, objectName="trialsTable")
        self.table.setAccessibleName("trials")
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.setMouseTracking(True)  # hovering a trial shows its model (the Trial tab)
        self.table.cellEntered.connect(lambda row, _column: self._hovered(row))
        self._hover = QTimer(self, singleShot=True, interval=HOVER_MS)
        self._hover.timeout.connect(self._preview_hovered)
        self._hovered_run: str | None = None
        self._previews: dict = {}  # run → its TrialPreview
        self.history = OptimizationHistory()
        self.curves = TrialCurves()
        self.scatter = ParameterScatter()
        self.importance_label = QLabel("Once three trials are complete: Importance.", objectName="importanceText")
        self.importance_label.setTextFormat(Qt.TextFormat.RichText)
        self.importance_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.plots = QTabWidget(objectName="searchPlots")
        self.plots.addTab(self.history, "History")
        self.plots.addTab(self.curves, "Curves")
        self.plots.addTab(self.scatter, "Settings")
        self.plots.setTabToolTip(2, "a searched setting against the objective")
        self.plots.addTab(self.importance_label, "Importance")
        self.picture = TrialPicture()
        self.plots.addTab(self.picture, "Trial")
        self.open_button = QPushButton("Open trial", objectName="openTrial")
        self.open_button.setToolTip("Make the chosen trial the current project, weights included (Edit ▸ Undo goes back)")
        self.open_button.clicked.connect(self.open_selected)
        self.compare_button = QPushButton("Compare runs…", objectName="compareTrials")
        self.compare_button.setToolTip("The chosen trials (or any saved runs you add) side by side: curves and what differs")
        self.compare_button.clicked.connect(self.compare_selected)
        self.importance_button = QPushButton("Importance", objectName="computeImportance")
        self.importance_button.clicked.connect(lambda: self.compute_importance())
        actions = QHBoxLayout()
        for button in (self.open_button, self.compare_button, self.importance_button):
            actions.addWidget(button)
        actions.addStretch(1)
        right = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        top_column = QVBoxLayout(top)
        top_column.setContentsMargins(0, 0, 0, 0)
        top_column.addWidget(self.table, 1)
        top_column.addLayout(actions)
        right.addWidget(top)
        right.addWidget(self.plots)
        right.setSizes([300, 300])

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([330, 470])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)
        # its parts' natural widths would push the docks aside; the tab takes the width it is given
        for part, width in ((left, 240), (right, 240), (self, 360)):
            part.setMinimumWidth(width)

        self.runner.trialsChanged.connect(self.show_trials)
        self.runner.finished.connect(self._finished)
        self._selection_changed()

    # ------------------------------------------------------------------ the project

    def set_project(self, project: Project, default_folder: Path) -> None:
        self.project = project
        self.setup.set_project(project)
        if not self.folder.text() or not self.runner.running and not self.rows:
            self.folder.setText(str(default_folder))

    def search_over(self, path: str) -> None:
        """A field's "Search over this…": add its row."""
        self.setup.add_path(path)
        self.status.setText(f"{path}: added — check its values, then Run.")

    # ------------------------------------------------------------------ running

    def run(self) -> None:
        if self.project is None or self.runner.running:
            return
        section = self.setup.section()
        output = Path(self.folder.text()).expanduser()
        previous = read_search_file(output) if output.is_dir() else None
        if previous is not None and not same_search(previous, self.project, section):
            output = _fresh(output)  # another project or search: never mixed into that study
            self.folder.setText(str(output))
        try:
            self.runner.start(self.project, section, output, self.setup.workers.value())
        except (PlaygroundError, OSError) as err:
            self._say(f"Cannot run this search: {err}", error=True)
            return
        self.run_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self._say(f"Searching in {output}…")

    def _finished(self, text: str, error: bool) -> None:
        self.run_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self._say(text, error)
        if sum(1 for r in self.rows if r["state"] == "complete") >= 3:  # enough for Optuna's evaluator
            self.compute_importance(show=False)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #b00020;" if error else "")
        self.message.emit(text, error)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Search folder", self.folder.text())
        if folder:
            self.folder.setText(folder)
            previous = read_search(Path(folder))
            if previous is not None:  # a search of its own: show it, Run continues it
                self.setup.set_section(previous)
                self.runner.output = Path(folder)
                self.runner.poll()

    # ------------------------------------------------------------------ showing trials

    def show_trials(self, rows: list[dict], search: dict) -> None:
        self.rows, self.search_info = rows, search
        metric = search.get("metric", "objective")
        keys = sorted({k for r in rows for k in r["params"]})
        header = ["run", "state", metric, *keys, "epochs", "seconds"]
        selected = set(self.selected_runs())
        self.table.setSortingEnabled(False)
        self.table.clear()
        self.table.setColumnCount(len(header))
        self.table.setHorizontalHeaderLabels(header)
        self.table.setRowCount(len(rows))
        for index, r in enumerate(rows):
            cells = [r["run"], r["state"], r["objective"], *[r["params"].get(k) for k in keys], r["epochs"], r["seconds"]]
            for column, value in enumerate(cells):
                item = _item(value)
                if column == 1:
                    item.setForeground(QColor(*STATE_COLOURS.get(r["state"], (0, 0, 0))))
                    if r.get("reason"):
                        item.setToolTip(r["reason"])
                self.table.setItem(index, column, item)
        self.table.setSortingEnabled(True)
        self.table.resizeColumnsToContents()
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() in selected:
                self.table.selectRow(row)
        maximize = search.get("direction") == "maximize"
        self.history.set_trials(rows, metric, maximize)
        self.scatter.set_trials(rows, metric)
        done = [r for r in rows if r["state"] != "running"]
        running = len(rows) - len(done)
        if self.runner.running:
            self._say(f"{len(done)} of {search.get('trials', '?')} trials done, {running} running…")

    def selected_runs(self) -> list[str]:
        rows = sorted({index.row() for index in self.table.selectedIndexes()})
        return [self.table.item(row, 0).text() for row in rows if self.table.item(row, 0) is not None]

    def _selection_changed(self) -> None:
        runs = self.selected_runs()
        states = {r["run"]: r["state"] for r in self.rows}
        self.open_button.setEnabled(len(runs) == 1 and states.get(runs[0]) in ("complete", "pruned", "diverged"))
        output = self.runner.output
        if output is not None:
            self.curves.set_runs([output / run for run in runs[:MAX_CURVES]])
        if len(runs) == 1:
            self._preview(runs[0])

    def open_selected(self) -> None:
        runs = self.selected_runs()
        if len(runs) == 1 and self.runner.output is not None and self.open_button.isEnabled():
            self.openTrial.emit(str(self.runner.output / runs[0]))

    def compare_selected(self) -> None:
        from playground.gui.dialogs.compare import CompareDialog

        output = self.runner.output
        runs = [output / run for run in self.selected_runs()] if output is not None else []
        self.compare_dialog = CompareDialog([run for run in runs if (run / "metrics.json").is_file()], self)
        self.compare_dialog.show()

    # ------------------------------------------------------------------ one trial's picture

    def _hovered(self, row: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self._hovered_run = item.text()
            self._hover.start()

    def _preview_hovered(self) -> None:
        if self._hovered_run is not None:
            self._preview(self._hovered_run)

    def _preview(self, run: str) -> None:
        """Show `run`'s model in the Trial tab (made on a pool thread once, then remembered)."""
        states = {r["run"]: r["state"] for r in self.rows}
        output = self.runner.output
        if output is None or states.get(run) not in ("complete", "pruned", "diverged") or self.picture.shown == run:
            return
        if run in self._previews:
            self.picture.show_preview(self._previews[run])
            return

        def done(preview, error: str) -> None:
            if error:
                self.picture.show_error(run, error)
                return
            self._previews[run] = preview
            if run == self._hovered_run or run in self.selected_runs():
                self.picture.show_preview(preview)

        from playground.experiments.preview import trial_preview

        BackgroundJob(lambda: trial_preview(output / run), done, self)

    def compute_importance(self, show: bool = True) -> None:
        output = self.runner.output
        if output is None:
            return
        self.importance_label.setText("<i>Computing…</i>")
        if show:
            self.plots.setCurrentWidget(self.importance_label)
        BackgroundJob(lambda: importance(output), self._importance_done, self)

    def _importance_done(self, result: dict | None, error: str) -> None:
        if error:
            self.importance_label.setText(f"<span style='color:#b00020'>{error}</span>")
            return
        rows = "".join(f"<tr><td>{name}</td><td><span style='background:#0877bd'>{'&nbsp;' * max(1, round(40 * value))}"
                       f"</span> {value:.2f}</td></tr>" for name, value in result.items())
        self.importance_label.setText(f"<b>Parameter importance</b> (Optuna's evaluator)<table>{rows}</table>")

    def shutdown(self) -> None:
        self.runner.shutdown()


def _fresh(folder: Path) -> Path:
    """`folder`, or `folder-2`, `folder-3`… : the first that holds no search yet."""
    number = 2
    candidate = folder
    while read_search(candidate) is not None:
        candidate = folder.with_name(f"{folder.name}-{number}")
        number += 1
    return candidate
