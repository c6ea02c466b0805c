"""`playground bench --soak MINUTES`: the window trains flat out with its live views for a while;
memory is sampled at the start (after a warm-up) and the end, and must stay flat."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Callable


def resident_bytes() -> int:
    """This process's resident memory (Linux /proc; elsewhere the peak from getrusage)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def soak(minutes: float, project: Path, report: Callable[[str], None] = print, warmup: float = 15.0) -> dict:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile

    import torch  # noqa: F401  (before the QApplication)
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from playground.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "soak.ini"), QSettings.Format.IniFormat)
        settings.setValue("autosave/folder", folder)
        window = MainWindow(project_path=project, settings=settings)
        window.resize(1280, 800)
        window.show()

        def wait(seconds: float) -> None:
            loop = QEventLoop()
            QTimer.singleShot(int(seconds * 1000), loop.quit)
            loop.exec()

        while window.worker._trainer is None:
            wait(0.1)
        window.edit_setting("training", "epochs", 0)  # until stopped
        while window.worker._trainer is None or window.worker._trainer.project.training.epochs:
            wait(0.1)
        window.toggle_play()
        wait(warmup)
        start_rss, start_epoch, start_frames = resident_bytes(), window.epoch, window.boundary.frames
        report(f"soak: {project.name}, {minutes:g} min after {warmup:g} s warm-up; start: {start_rss / 2**20:.1f} MiB, "
               f"epoch {start_epoch}")
        started = time.monotonic()
        end = started + minutes * 60
        while time.monotonic() < end:
            wait(min(30.0, max(0.1, end - time.monotonic())))
            report(f"  {(time.monotonic() - started) / 60:5.1f} min: {resident_bytes() / 2**20:.1f} MiB, "
                   f"epoch {window.epoch}, frames {window.boundary.frames}")
        end_rss, end_epoch, end_frames = resident_bytes(), window.epoch, window.boundary.frames
        window.toggle_play()
        window.document.undo_stack.setClean()
        window.close()
        app.processEvents()
    seconds = minutes * 60
    result = {"start_mib": start_rss / 2**20, "end_mib": end_rss / 2**20,
              "growth_mib": (end_rss - start_rss) / 2**20, "epochs": end_epoch - start_epoch,
              "epochs_per_second": (end_epoch - start_epoch) / seconds,
              "frames_per_second": (end_frames - start_frames) / seconds}
    report(f"end: {result['end_mib']:.1f} MiB (growth {result['growth_mib']:+.1f} MiB); "
           f"{result['epochs_per_second']:.0f} epochs/s with {result['frames_per_second']:.1f} view updates/s")
    return result
