"""Starting the desktop app."""

from __future__ import annotations

import sys
from pathlib import Path


def run(project: str | Path | None = None) -> int:
    """Open the window (with `project`, if given) and run until it closes."""
    import torch  # noqa: F401  (before the QApplication: a crash was reported the other way round)
    from PySide6.QtWidgets import QApplication

    from playground.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Neural Playground")
    app.setOrganizationName("NeuralPlayground")
    window = MainWindow(project_path=project)
    window.show()
    return app.exec()
