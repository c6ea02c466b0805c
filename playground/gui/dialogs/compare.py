"""Compare runs: any saved run folders (trials of a search, `playground train` runs) side by side —
their test-loss curves overlaid and the settings in which their projects differ, with their
metrics (`playground runs compare`'s table)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QDialog, QFileDialog, QHBoxLayout, QListWidget, QPlainTextEdit, QPushButton, QSplitter,
                               QVBoxLayout, QWidget)

from playground.experiments.runs import compare
from playground.gui.views.trial_plots import TrialCurves


def is_run_folder(folder: Path) -> bool:
    return (folder / "project.json").is_file() and (folder / "metrics.json").is_file()


class CompareDialog(QDialog):
    def __init__(self, folders: list[Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareDialog")
        self.setWindowTitle("Compare runs")
        self.runs = QListWidget(objectName="comparedRuns")
        self.runs.setAccessibleName("runs compared")
        add = QPushButton("Add run…", objectName="addComparedRun")
        add.clicked.connect(self._choose)
        remove = QPushButton("Remove", objectName="removeComparedRun")
        remove.clicked.connect(self._remove)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        self.curves = TrialCurves()
        self.table = QPlainTextEdit(objectName="comparison")
        self.table.setReadOnly(True)
        self.table.setFont(QFont("monospace"))
        self.table.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        top = QWidget()
        column = QVBoxLayout(top)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.runs)
        column.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.curves)
        split.addWidget(self.table)
        split.setSizes([120, 260, 220])
        QVBoxLayout(self).addWidget(split)
        self.resize(760, 640)
        self.folders: list[Path] = []
        for folder in folders:
            self.add(folder)

    def add(self, folder: Path) -> bool:
        """Add a run folder (not twice); False, with the reason shown, for a folder that is none."""
        folder = Path(folder)
        if folder in self.folders:
            return True
        if not is_run_folder(folder):
            self.table.setPlainText(f"{folder}: not a run folder (it needs project.json and metrics.json)")
            return False
        self.folders.append(folder)
        self.runs.addItem(str(folder))
        self._show()
        return True

    def _choose(self) -> None:
        start = str(self.folders[-1].parent) if self.folders else ""
        folder = QFileDialog.getExistingDirectory(self, "A run folder", start)
        if folder:
            self.add(Path(folder))

    def _remove(self) -> None:
        for item in self.runs.selectedItems():
            self.folders.remove(Path(item.text()))
            self.runs.takeItem(self.runs.row(item))
        self._show()

    def _show(self) -> None:
        self.curves.set_runs(self.folders)
        self.table.setPlainText(compare(self.folders) if len(self.folders) >= 2 else
                                "Add another run to see what differs.")
