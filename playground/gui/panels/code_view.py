"""The Code view: the plain PyTorch code of the current network (and, on demand, the training loop
that reproduces the run), as the python export writes it, regenerated on every edit and copyable —
the bridge from playing to programming."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from playground.core.data.sources import DataNotRead, cached_only
from playground.core.errors import PlaygroundError
from playground.core.model.spec import Project


class CodeView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("codeView")
        self.text = QPlainTextEdit(objectName="codeText", readOnly=True)
        self.text.setToolTip("The current network in plain PyTorch, as File ▸ Export ▸ PyTorch code writes it")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.with_training = QCheckBox("with the training loop", objectName="codeWithTraining")
        self.with_training.setToolTip("A stand-alone script that regenerates the data and reproduces this run")
        self.with_training.toggled.connect(self.refresh)
        self.copy_button = QPushButton("Copy", objectName="copyCode")
        self.copy_button.setToolTip("Copy the code to the clipboard")
        self.copy_button.clicked.connect(self.copy)
        bar = QHBoxLayout()
        bar.addStretch(1)
        bar.addWidget(self.with_training)
        bar.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.text, 1)
        self.project: Project | None = None
        self._stale = True

    def set_project(self, project: Project) -> None:
        """Regenerate now if shown, else when next shown."""
        self.project = project
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        from playground.core.io.codegen import model_file, training_file

        if self.project is None:
            return
        self._stale = False
        try:
            with cached_only():  # never read a data file on the GUI thread
                code = training_file(self.project) if self.with_training.isChecked() else \
                    model_file(self.project, "model.pt")
        except DataNotRead:
            self._stale = True  # again when the data has been read (set_project comes then)
            code = "# Reading the data file…\n"
        except PlaygroundError as err:
            code = f"# The network cannot be built yet:\n# {err}\n"
        scroll = self.text.verticalScrollBar().value()
        self.text.setPlainText(code)
        self.text.verticalScrollBar().setValue(scroll)

    def code(self) -> str:
        return self.text.toPlainText()

    def copy(self) -> None:
        if self._stale:
            self.refresh()
        QGuiApplication.clipboard().setText(self.code())
