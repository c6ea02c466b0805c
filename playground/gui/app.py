"""Starting the desktop app."""

from __future__ import annotations

import sys
from pathlib import Path


def collect_garbage_in_gui_thread():
    """Python's cyclic garbage collector may run in any thread; when it frees a Qt object there
    (the training thread, say) while the GUI thread is deleting Qt objects, the two can deadlock.
    pyqtgraph's GarbageCollector turns automatic collection off and collects on a timer in the GUI
    thread instead. Keep the returned object for as long as the app runs."""
    from pyqtgraph.util.garbage_collector import GarbageCollector

    return GarbageCollector(interval=1.0)


def run(project: str | Path | None = None) -> int:
    """Open the window (with `project`, if given) and run until it closes."""
    import torch  # noqa: F401  (before the QApplication: a crash was reported the other way round)
    from PySide6.QtWidgets import QApplication

    from playground.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Neural Playground")
    app.setOrganizationName("NeuralPlayground")
    collector = collect_garbage_in_gui_thread()
    window = MainWindow(project_path=project)
    window.show()
    try:
        return app.exec()
    finally:
        del collector
