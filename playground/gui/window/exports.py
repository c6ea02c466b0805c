"""Exports from the window: the model (verified by the training thread), a view as an image, the
loss history as CSV; and serving the model (File ▸ Serve model…).

A part of MainWindow (gui/window/main_window.py), in a module of its own."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFileDialog

from playground.core.commands import ExportRequest
from playground.core.io.formats import FORMATS
from playground.gui.dialogs.export_dialog import FORMAT_TITLES, ExportDialog
from playground.gui.dialogs.serve import ServeDialog
from playground.serving.model import model_name


class Exports:
    """Exports from the window (a part of MainWindow)."""

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
        from playground.gui.views.image_export import save_image

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

    def show_serve_dialog(self) -> ServeDialog:
        """File ▸ Serve model…: one dialog per window, shown again if it is already open."""
        if self.serve_dialog is None:
            stem = self.document.path.stem if self.document.path else "model"
            self.serve_dialog = ServeDialog(self.worker, model_name(stem), self)
        self.serve_dialog.show()
        self.serve_dialog.raise_()
        return self.serve_dialog

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
