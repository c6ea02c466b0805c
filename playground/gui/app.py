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




def app_icon():
    """The app's icon: the SVG and every PNG size (assets/icons)."""
    from PySide6.QtGui import QIcon

    from playground.assets import ICONS

    icon = QIcon(str(ICONS / "neural-playground.svg"))
    for png in sorted(ICONS.glob("neural-playground-*.png")):
        icon.addFile(str(png))
    return icon


def _report_in(window):
    """An exception that escapes a slot on the GUI thread: printed, and shown in the window's
    message bar; the app goes on (its unsaved work is still there to save)."""
    import traceback

    def report(kind, value, trace) -> None:
        traceback.print_exception(kind, value, trace)
        try:
            window.show_message(f"Internal error: {kind.__name__}: {value}. Your work is still here; "
                                "save it, and please report this.", error=True)
        except Exception:  # noqa: BLE001 - the window itself is gone: the print above is all there is
            pass

    return report


def _probe_startup(window) -> None:
    """For `playground bench --startup`: print "shown" now (the window is painted), "ready" once
    the training thread has its trainer, then press Play and print "played" when the first epoch
    is on screen; then close."""
    from PySide6.QtCore import QTimer

    print("shown", flush=True)

    def finish() -> None:
        window.document.undo_stack.setClean()
        window.close()

    def wait_for(condition, then) -> None:
        QTimer.singleShot(5, lambda: then() if condition() else wait_for(condition, then))

    def play() -> None:
        print("ready", flush=True)
        window.toggle_play()
        wait_for(lambda: window.epoch >= 1, lambda: (print("played", flush=True), finish()))

    wait_for(lambda: window.worker.ready, play)


def run(project: str | Path | None = None, startup_probe: bool = False) -> int:
    """Open the window (with `project`, if given) and run until it closes. `startup_probe`
    (for `playground bench --startup`): print "shown" once the window has been painted, then close."""
    # torch is not imported here: the training thread imports it while the window is already on
    # screen (it takes over a second); nothing on the GUI thread needs it to show the window
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from playground.gui.window.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Neural Playground")
    app.setOrganizationName("NeuralPlayground")
    app.setDesktopFileName("io.github.neural_playground.NeuralPlayground")
    app.setWindowIcon(app_icon())
    collector = collect_garbage_in_gui_thread()
    window = MainWindow(project_path=project)
    sys.excepthook = _report_in(window)
    window.show()
    if startup_probe:
        QTimer.singleShot(0, lambda: _probe_startup(window))  # runs after the first paint of the window
    try:
        return app.exec()
    finally:
        del collector
