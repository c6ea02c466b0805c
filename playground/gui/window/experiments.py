"""The window's side of the Experiments panel: the panel as a tab of its own (the live views fold
away while it is shown: it needs the width), "Search over this…" from any field's context menu,
and "Open trial", which makes a trial's run the current project, weights included, as one
undoable edit (undo puts back the project and the weights it had).

A part of MainWindow (gui/window/main_window.py), in a module of its own."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Slot

from playground.core.errors import PlaygroundError
from playground.core.io.project import load_project, load_state
from playground.core.model.spec import Project
from playground.gui.controllers.background import BackgroundJob
from playground.gui.panels.experiments import ExperimentsPanel


class ExperimentsControl:
    """Builds and wires the Experiments tab (a part of MainWindow)."""

    def _build_experiments(self) -> None:
        self.experiments = ExperimentsPanel()
        self.left_tabs.addTab(self.experiments, "Experiments")
        self._view_sizes: list[int] | None = None

    def _connect_experiments(self) -> None:
        self.experiments.openTrial.connect(self.open_trial)
        self.experiments.message.connect(self._experiments_message)
        self.left_tabs.currentChanged.connect(self._fold_views)
        for source in (self.training_panel, self.inspector, self.data_panel):
            source.searchRequested.connect(self.search_over)

    def search_folder(self, project: Project) -> Path:
        """Where a search of this project goes by default: beside its file, or in the app's data."""
        if self.document.path is not None:
            return self.document.path.parent / "runs" / f"{self.document.path.stem}-search"
        base = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation) or Path.home())
        return base / "runs" / "search"

    def _show_experiments_project(self, project: Project) -> None:
        self.experiments.set_project(project, self.search_folder(project))

    @Slot(str)
    def search_over(self, path: str) -> None:
        """A field's "Search over this…": its row in the Experiments tab, shown."""
        self.left_tabs.setCurrentWidget(self.experiments)
        self.experiments.search_over(path)

    @Slot(int)
    def _fold_views(self, _index: int) -> None:
        split = self.left_tabs.parentWidget()
        if self.left_tabs.currentWidget() is self.experiments:
            if self._view_sizes is None:
                self._view_sizes = split.sizes()
                split.setSizes([sum(self._view_sizes), 0])
        elif self._view_sizes is not None:
            split.setSizes(self._view_sizes)
            self._view_sizes = None

    @Slot(str, bool)
    def _experiments_message(self, text: str, error: bool) -> None:
        if error:
            self.show_message(text, error=True)
        else:
            self.status.showMessage(text, 10000)

    @Slot(str)
    def open_trial(self, folder: str) -> None:
        """A trial's run folder as the current project, with its trained weights (one undoable
        edit; the file stays the one open)."""
        path = Path(folder) / "project.json"
        self.busy.show()

        def read() -> tuple:
            project = load_project(path)
            return project, load_state(path, project)

        BackgroundJob(read, lambda result, error: self._trial_read(Path(folder).name, result, error), self)

    def _trial_read(self, name: str, result, error: str) -> None:
        self.busy.hide()
        if error:
            self.show_message(f"Could not open {name}: {error}", error=True)
            return
        project, state = result
        for key in ("state", "recovery", "view"):
            project.extra.pop(key, None)
        self.document.edit_with_weights(project, f"Open {name}", self._training_state(), state, self._use_state)
        self.status.showMessage(f"{name} is the current project, with its trained weights (Edit ▸ Undo goes back)", 10000)

    def _training_state(self):
        """What the worker has trained so far (None when nothing, or when it does not answer)."""
        try:
            return self.worker.inspect(lambda session: session.trainer.state() if session.trainer is not None
                                       and session.trainer.epoch > 0 else None, timeout=10)
        except (TimeoutError, RuntimeError, PlaygroundError):
            return None  # undo then brings back the project without its weights

    def _use_state(self, state) -> None:
        """The weights the next configure starts from (an undo or redo of "Open trial")."""
        self.worker.pause()
        self._pending_state = state
