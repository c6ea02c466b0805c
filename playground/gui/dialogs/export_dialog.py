"""The export dialog: format, file and (for python) the training script. It only gathers the
choice; the main window has the worker export and verify it off the UI thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLineEdit, QPushButton, QWidget)

from playground.core.io.formats import EXTENSIONS, FORMATS

FORMAT_TITLES = {"onnx": "ONNX (.onnx): onnxruntime, Netron, most tools",
                 "pt2": "torch.export program (.pt2): PyTorch's native format",
                 "torchscript": "TorchScript (.pt): LibTorch and older deployments",
                 "safetensors": "safetensors weights + project spec (.safetensors, .json)",
                 "python": "PyTorch code (.py) + weights (.pt)"}


class ExportDialog(QDialog):
    def __init__(self, directory: Path, stem: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export model")
        self.directory, self.stem = directory, stem
        self.format = QComboBox(objectName="exportFormat")
        for fmt in FORMATS:
            self.format.addItem(FORMAT_TITLES[fmt], fmt)
        self.path = QLineEdit(objectName="exportPath")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.with_training = QCheckBox("Also write a training script that reproduces the run",
                                       objectName="exportWithTraining")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QFormLayout(self)
        layout.addRow("Format", self.format)
        layout.addRow("File", row)
        layout.addRow("", self.with_training)
        layout.addRow(self.buttons)
        self.format.currentIndexChanged.connect(self._format_changed)
        self._format_changed()
        self.resize(560, self.sizeHint().height())

    def chosen_format(self) -> str:
        return self.format.currentData()

    def chosen_path(self) -> Path:
        return Path(self.path.text().strip()).expanduser()

    def _format_changed(self) -> None:
        fmt = self.chosen_format()
        current = self.path.text().strip()
        base = Path(current).with_suffix("") if current else self.directory / self.stem
        self.path.setText(str(base) + EXTENSIONS[fmt])
        self.with_training.setEnabled(fmt == "python")
        if fmt != "python":
            self.with_training.setChecked(False)

    def _browse(self) -> None:
        fmt = self.chosen_format()
        name, _ = QFileDialog.getSaveFileName(self, "Export model", self.path.text(),
                                              f"{fmt} (*{EXTENSIONS[fmt]})")
        if name:
            self.path.setText(name)
