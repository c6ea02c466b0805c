"""Editing the project: every change is a pure edit of core.model.edits applied as one undo
step (`apply`); layers, units, features, settings, and choosing (or downloading) a data set.

A part of MainWindow (gui/window/main_window.py), in a module of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox

from playground.core.errors import ValidationError
from playground.core.model import edits
from playground.core.model.spec import Project
from playground.gui.controllers.background import BackgroundJob
from playground.gui.dialogs.download import DataDownload, DownloadDialog


class ProjectEditing:
    """Changes to the project, each one undoable (a part of MainWindow)."""

    def apply(self, edit: Callable[[Project], Project], text: str, merge_key: str | None = None) -> bool:
        """Change the project by `edit` (core.model.edits: Project -> Project, validated) and push it as
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
        """Switch to data set `name` (core.model.edits.use_dataset); one read from files asks for its
        file or folder first, a table has its header read (off this thread) for the target."""
        from playground.core.model.registry import DATASETS

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
