"""Benchmarks that need the window.

`playground bench --soak MINUTES`: the window trains flat out with its live views for a while;
memory is sampled at the start (after a warm-up) and the end, and must stay flat.

`playground bench --views`: what the live views cost. The window trains configuration (b) flat
out with the boundary, the loss curves and every neuron map of the network view live, then with the
window minimized (no views computed); epochs/s of both and the view updates per second, and how
late a 10 ms heartbeat timer on the UI thread fires meanwhile (the stutter a person would feel)."""

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


class _Window:
    """A main window on `project` in a throw-away settings folder, training until stopped."""

    def __init__(self, project: Path, folder: str) -> None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        import torch  # noqa: F401  (before the QApplication)
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication

        from playground.gui.window.main_window import MainWindow

        from playground.gui.app import collect_garbage_in_gui_thread

        self.app = QApplication.instance() or QApplication(sys.argv[:1])
        self.collector = collect_garbage_in_gui_thread()
        settings = QSettings(str(Path(folder) / "bench.ini"), QSettings.Format.IniFormat)
        settings.setValue("autosave/folder", folder)
        settings.setValue("tour/shown", True)
        settings.setValue("training/speed", "fastest")  # the benchmark measures the fastest setting
        self.window = window = MainWindow(project_path=project, settings=settings)
        window.resize(1280, 800)
        window.show()
        while not window.worker.ready:
            self.wait(0.1)
        window.edit_setting("training", "epochs", 0)  # until stopped
        while window.worker.trained_project is None or window.worker.trained_project.training.epochs:
            self.wait(0.1)

    @staticmethod
    def wait(seconds: float) -> None:
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    def close(self) -> None:
        if self.window.worker.playing:
            self.window.toggle_play()
        self.window.document.undo_stack.setClean()
        self.window.close()
        self.app.processEvents()


class Heartbeat:
    """A timer on the UI thread every `interval` ms; how late each tick comes is the event loop's
    delay (what a person feels as stutter)."""

    def __init__(self, interval_ms: int = 10) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.interval = interval_ms / 1000
        self.delays: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer(interval=interval_ms, timerType=Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.delays.clear()
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.delays.append(max(0.0, now - self._last - self.interval))
        self._last = now

    def summary(self) -> dict:
        import numpy as np

        delays = np.asarray(self.delays) * 1000 if self.delays else np.zeros(1)
        return {"ticks": len(self.delays), "p50_ms": float(np.percentile(delays, 50)),
                "p99_ms": float(np.percentile(delays, 99)), "max_ms": float(delays.max())}


def views_cost(seconds: float = 10.0, report: Callable[[str], None] = print, warmup: float = 3.0) -> dict:
    """Epochs/s of configuration (b) in the window with all live views, and minimized."""
    import json
    import tempfile

    from playground.bench.speed import config

    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "b.json"
        project.write_text(json.dumps(config("b").to_dict()))
        bench = _Window(project, folder)
        window = bench.window
        window.left_tabs.setCurrentWidget(window.network_view)
        window.lower_tabs.setCurrentWidget(window.loss_plot)
        window.toggle_play()
        bench.wait(warmup)
        heartbeat = Heartbeat()
        results = {}
        for phase in ("views on", "minimized"):
            if phase == "minimized":
                window.showMinimized()
                bench.wait(1.0)
            epoch, frames, maps = window.epoch, window.boundary.frames, window.network_view.frames
            start = time.monotonic()
            if phase == "views on":
                heartbeat.start()
            bench.wait(seconds)
            heartbeat.stop()
            took = time.monotonic() - start
            results[phase] = {"epochs_per_second": (window.epoch - epoch) / took,
                              "boundary_frames_per_second": (window.boundary.frames - frames) / took,
                              "network_frames_per_second": (window.network_view.frames - maps) / took}
            r = results[phase]
            report(f"  {phase:<10} {r['epochs_per_second']:8.1f} epochs/s, boundary {r['boundary_frames_per_second']:.1f} "
                   f"frames/s, neuron maps {r['network_frames_per_second']:.1f} frames/s")
        results["path"] = window.status_labels["path"].toolTip()
        bench.close()
    ratio = results["views on"]["epochs_per_second"] / max(results["minimized"]["epochs_per_second"], 1e-9)
    results["ratio"] = ratio
    results["heartbeat"] = beat = heartbeat.summary()
    report(f"  live views keep {ratio:.2f}× of the speed with views off (goal ≥ 0.9); {results['path']}")
    report(f"  UI heartbeat while training with views: delay p50 {beat['p50_ms']:.1f} ms, p99 {beat['p99_ms']:.1f} ms, "
           f"max {beat['max_ms']:.1f} ms over {beat['ticks']} ticks (goal p99 ≤ 20 ms, max ≤ 100 ms)")
    return results


def soak(minutes: float, project: Path, report: Callable[[str], None] = print, warmup: float = 15.0) -> dict:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        bench = _Window(project, folder)
        window, wait = bench.window, bench.wait
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
        bench.close()
    seconds = minutes * 60
    result = {"start_mib": start_rss / 2**20, "end_mib": end_rss / 2**20,
              "growth_mib": (end_rss - start_rss) / 2**20, "epochs": end_epoch - start_epoch,
              "epochs_per_second": (end_epoch - start_epoch) / seconds,
              "frames_per_second": (end_frames - start_frames) / seconds}
    report(f"end: {result['end_mib']:.1f} MiB (growth {result['growth_mib']:+.1f} MiB); "
           f"{result['epochs_per_second']:.0f} epochs/s with {result['frames_per_second']:.1f} view updates/s")
    return result


def startup_seconds(runs: int = 5, report: Callable[[str], None] = print) -> dict:
    """Wall-clock seconds from starting `playground` (a new process, as a person does) to its
    window painted on screen; the median of `runs` (the first run also warms the disk cache)."""
    import statistics
    import subprocess

    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    times, ready, played = [], [], []
    for i in range(runs + 1):
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "playground", "--startup-probe"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        moments = {}
        for line in process.stdout:  # "shown", "ready", "played", each when it happens
            moments[line.strip()] = time.perf_counter() - start
        process.wait(60)
        if set(moments) != {"shown", "ready", "played"}:
            raise RuntimeError("the window did not open and train (run 'playground' to see why)")
        if i:  # the first run only warms the caches
            times.append(moments["shown"])
            ready.append(moments["ready"])
            played.append(moments["played"] - moments["ready"])
    median = statistics.median(times)
    report(f"start-up: window painted {median:.2f} s after 'playground' started (median of {runs}; "
           f"{', '.join(f'{t:.2f}' for t in times)}; goal ≤ 1.5 s)")
    report(f"  ready to train (torch loaded, trainer built) {statistics.median(ready):.2f} s after the start; "
           f"Play pressed then: first epoch on screen {statistics.median(played) * 1000:.0f} ms later (goal ≤ 300 ms)")
    return {"startup_seconds": median, "runs": times, "ready_seconds": statistics.median(ready),
            "first_play_seconds": statistics.median(played)}
