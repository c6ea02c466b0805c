"""Opening, saving, recovering and dropping project files: what the window does with files a person
names (read off the GUI thread, written by the training thread).

A part of MainWindow (gui/window/main_window.py), in a module of its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QStandardPaths, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox

from playground.assets import EXAMPLES
from playground.core.errors import PlaygroundError
from playground.core.io.project import load_project, load_state
from playground.core.model.spec import Project
from playground.gui.controllers.background import BackgroundJob


DEFAULT_TEMPLATE = "tf-default.json"
MAX_RECENT = 8


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
    from playground.core.io.user_files import list_folder

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


class ProjectFiles:
    """Opening, saving, recovering and dropping project files (a part of MainWindow)."""

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
        self.graph_canvas.fit_on_next_show()

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
            self.graph_canvas.fit_on_next_show()
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
