"""`playground --self-test`: proves an installation (a source install or the PyInstaller bundle)
works end to end without a person: opens the window (offscreen when there is no display), loads
the TensorFlow Playground default example, trains a few epochs, exports ONNX (which the app reads
back and checks against the live model), and exits 0; on any failure it says which step failed
and exits 1. Nothing of the user's is touched: settings and files live in a temporary folder."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

EPOCHS = 5


def _wait(condition: Callable[[], bool], seconds: float) -> bool:
    """Run the event loop until `condition` holds or `seconds` pass."""
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()
    return True


def self_test(report: Callable[[str], None] = print) -> int:
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import torch  # noqa: F401  (before the QApplication, as the app does)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QMessageBox

    from playground.assets import EXAMPLES
    from playground.gui.app import collect_garbage_in_gui_thread
    from playground.gui.window.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    collector = collect_garbage_in_gui_thread()
    example = EXAMPLES / "tf-default.json"
    with tempfile.TemporaryDirectory(prefix="playground-self-test-") as folder:
        tmp = Path(folder)
        settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("autosave/folder", str(tmp / "recovery"))
        settings.setValue("tour/shown", True)
        window = MainWindow(project_path=example, settings=settings)
        window.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
        window.show()
        steps: list[tuple[str, Callable[[], bool]]] = []

        def opened() -> bool:
            return _wait(lambda: window.worker.ready and window.boundary.frames > 0, 60)

        def trained() -> bool:
            window.toggle_play()
            ok = _wait(lambda: window.epoch >= EPOCHS, 60)
            if window.worker.playing:
                window.toggle_play()
            return ok and _wait(lambda: window.state in ("paused", "finished"), 20)

        target = tmp / "model.onnx"

        def exported() -> bool:
            window.export_model("onnx", target)
            done = _wait(lambda: window.banner.isVisible() and "xport" in window.banner.text(), 120)
            return done and window.banner.text().startswith("Exported") and target.is_file()

        steps = [(f"window opened with {example.name}", opened),
                 (f"trained {EPOCHS} epochs", trained),
                 ("exported ONNX, read back and checked", exported)]
        failed = None
        for title, step in steps:
            try:
                ok = step()
            except Exception as err:  # noqa: BLE001 (report which step broke, never hang)
                ok, title = False, f"{title}: {type(err).__name__}: {err}"
            if not ok:
                failed = title
                break
            extra = f" ({window.status_labels['path'].toolTip()})" if title.startswith("trained") else ""
            report(f"ok  {title}{extra}")
        if failed is not None:
            detail = window.banner.text() if window.banner.isVisible() else ""
            report(f"FAILED  {failed}" + (f": {detail}" if detail else ""))
        window.document.undo_stack.setClean()
        window.close()
        window.worker.wait(10000)
        window.deleteLater()
        app.processEvents()
    del collector
    report("self-test passed" if failed is None else "self-test failed")
    return 0 if failed is None else 1
