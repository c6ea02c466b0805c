"""Training off the UI thread.

`TrainingWorker` is a QThread running a command loop. The UI sends plain commands (configure,
play, step, reset, export) through a queue and never touches the trainer or the model; the worker
sends back plain updates (snapshots, probe arrays) through signals, at most ~30 a second however
fast training runs. Pause and stop reach a running trainer through its thread-safe controls.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QThread, Signal

from playground.core.errors import PlaygroundError
from playground.core.spec import Project

#: Seconds between two updates to the UI (about 30 per second).
UPDATE_INTERVAL = 1 / 30
#: Updates the window may have queued but not drawn yet; past this the worker waits to send the
#: next (the snapshots gather meanwhile), so a busy window never builds a backlog of frames.
MAX_UNDRAWN = 2
#: Seconds between two computations of the slower views (histograms, confusion matrix, metrics).
STATISTICS_INTERVAL = 0.25
#: The toolbar's speeds, in epochs per second (None: as fast as possible). "watch" is the
#: TensorFlow Playground's pace, about one epoch a frame: a person sees the boundary form.
SPEEDS = {"watch": 30.0, "fast": 300.0, "fastest": None}


@dataclass
class ViewRequest:
    """Which probes the visible views need; set from the UI thread, read by the worker."""

    boundary: bool = True
    network: bool = False
    statistics: bool = False
    confusion: bool = False
    samples: bool = False
    sample: int = 0                        # the test sample whose feature maps are shown
    axes: tuple[int, int] = (0, 1)         # a table's two columns the boundary is drawn over
    focus: tuple[int, int] | None = None   # (spec layer or −1 for an input feature, unit)


@dataclass
class TrainingUpdate:
    """What the views need after some epochs: the new snapshots and a fresh boundary."""

    snapshots: list = field(default_factory=list)
    boundary: Any = None          # core.probes.BoundaryProbe
    epoch: int = 0
    step: int = 0
    elapsed: float = 0.0
    samples_per_second: float = 0.0
    device: str = "cpu"
    path: str = ""                # which training path runs (core.training.Trainer.path), in words
    restarted: bool = False       # a new history begins (fresh weights)
    test_accuracy: float | None = None
    network: Any = None           # core.probes.NetworkProbe, while the network view is shown
    focus: Any = None             # R×R map of the neuron under the mouse (full resolution)
    statistics: Any = None        # core.probes.LayerStatistics, every STATISTICS_INTERVAL
    confusion: Any = None         # classes × classes counts on the test split
    samples: Any = None           # core.probes.SampleProbe (image and table data)
    feature_maps: Any = None      # [(spec layer, C×H×W)] of the chosen test image
    attention: Any = None         # [(spec layer, T×T)] attention weights of the chosen test sequence
    metrics: dict = field(default_factory=dict)  # test RMSE and R² for regression


@dataclass
class DataUpdate:
    """The data set as the views draw it (points only for plane data sets)."""

    points_train: Any
    labels_train: Any
    points_test: Any
    labels_test: Any
    task: str
    classes: int
    features: list
    kind: str = "plane"
    input_shape: tuple = ()
    class_names: tuple = ()
    feature_names: tuple = ()
    axes: tuple | None = None     # a table's two columns shown as the points' x and y
    preview: list | None = None   # images: [(class, count, first images)] of the training set
    spec: Any = None              # the core.spec.DataSpec this is the data of


@dataclass
class ExportRequest:
    format: str
    path: Path
    with_training: bool = False


class TrainingWorker(QThread):
    update = Signal(object)        # TrainingUpdate
    dataReady = Signal(object)     # DataUpdate
    stateChanged = Signal(str)     # "idle", "playing", "paused", "finished", "failed"
    failed = Signal(str)           # a message for the user
    exportFinished = Signal(object, str)  # (ExportResult or None, error message or "")
    autosaved = Signal(str, str)   # (path, error message or "")
    message = Signal(str)          # information for the status bar
    devicesFound = Signal(object)  # [core.devices.DeviceInfo] once torch has loaded
    configureFailed = Signal(object, str)  # (core.spec.DataSpec, message): that project cannot train

    def __init__(self, threads: int = 1, parent=None) -> None:
        super().__init__(parent)
        self._commands: queue.Queue = queue.Queue()
        self._trainer = None
        self._playing = False
        self._threads = threads
        self._pending: list = []
        self._last_emit = 0.0
        self.update_interval = UPDATE_INTERVAL  # seconds between view updates (set_update_interval)
        self._undrawn = 0  # updates sent that the window has not drawn yet (see update_drawn)
        self._undrawn_lock = threading.Lock()
        self._checkpoint = None  # core.callbacks.Checkpoint (set_checkpoints)
        self._views = ViewRequest()
        self._last_statistics = 0.0
        self._drawn_axes: tuple[int, int] | None = None
        self._speed: float | None = None   # epochs per second while playing (None: unlimited)
        self._wakeup = threading.Event()   # ends a paced wait between two epochs at once

    # ------------------------------------------------------------ UI thread

    def configure(self, project: Project, keep_weights: bool, data_changed: bool = True, state=None) -> None:
        """Use `project` from now on; keep the trained weights if its architecture allows, or
        resume from a saved TrainingState."""
        self._send(("configure", project, keep_weights, data_changed, state))

    def play(self) -> None:
        self._playing = True
        self._send(("play",))

    def pause(self) -> None:
        self._playing = False
        self._wakeup.set()
        trainer = self._trainer
        if trainer is not None:
            trainer.stop()

    def step(self) -> None:
        self.pause()
        self._send(("step",))

    def reset(self) -> None:
        self._send(("reset",))

    def set_views(self, views: ViewRequest) -> None:
        """Compute from now on what these views need (the object is replaced, never mutated)."""
        self._views = views
        if not self._playing:
            self._send(("refresh",))

    def set_parameter(self, layer: int, name: str, index: tuple[int, ...], value: float) -> None:
        """Set one weight or bias between two steps; training goes on if it was running."""
        self._send(("parameter", layer, name, tuple(index), value))

    def update_drawn(self) -> None:
        """The window has drawn an update (call on the UI thread after handling one)."""
        with self._undrawn_lock:
            self._undrawn = max(0, self._undrawn - 1)

    def set_update_interval(self, seconds: float) -> None:
        """How often (at most) the views get an update while training runs."""
        self.update_interval = max(1 / 120, float(seconds))

    def set_speed(self, epochs_per_second: float | None) -> None:
        """Train at most this many epochs a second while playing (None: as fast as it can)."""
        self._speed = None if epochs_per_second is None else max(0.1, float(epochs_per_second))
        self._wakeup.set()

    def set_threads(self, threads: int) -> None:
        self._send(("threads", threads))

    def save(self, path: Path, project: Project, timeout: float = 60.0) -> str:
        """Save `project` with the trained state to `path`; waits for the worker (a short pause of
        training) and returns an error message, or "" on success."""
        return self._ask(lambda: self._save(path, project), timeout)

    def write_history(self, path: Path, timeout: float = 60.0) -> str:
        """Write the whole training history (every epoch, every metric) as CSV to `path`; returns
        an error message, or "" on success."""
        return self._ask(lambda: self._write_history(path), timeout)

    def _ask(self, job, timeout: float) -> str:
        """Run `job` on the worker thread between two steps and wait for its error message."""
        import threading

        done = threading.Event()
        result: list[str] = []
        self._send(("call", job, done, result))
        if not done.wait(timeout):
            return "the training thread did not answer in time; try again"
        return result[0] if result else ""

    def autosave(self, path: Path, project: Project) -> None:
        """Save to `path` in the background; reports through `autosaved`."""
        self._send(("autosave", path, project))

    def set_checkpoints(self, every: int, path: Path | None) -> None:
        """Save the project with its state to `path` every `every` epochs (0: never)."""
        from playground.core.callbacks import Checkpoint

        def save(trainer) -> None:
            self.autosaved.emit(str(path), self._save(path, trainer.project))

        self._checkpoint = Checkpoint(every if path is not None else 0, save)

    def revert_to_best(self) -> None:
        self._send(("best",))

    def export(self, request: ExportRequest) -> None:
        self.pause()
        self._send(("export", request))

    def shutdown(self) -> None:
        """Stop training and end the thread; returns once it has ended."""
        self._playing = False
        self._commands.put(("quit",))
        trainer = self._trainer
        if trainer is not None:
            trainer.stop()
        self.wait()

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def ready(self) -> bool:
        """True once a trainer is configured (torch has loaded): Play trains at once."""
        return self._trainer is not None

    def _send(self, command: tuple) -> None:
        self._commands.put(command)
        self._wakeup.set()
        trainer = self._trainer
        if trainer is not None and command[0] != "play":
            trainer.stop()  # let a running loop return and take the command

    # ------------------------------------------------------------ worker thread

    def run(self) -> None:  # noqa: D401 (QThread's entry point)
        # torch is first imported here, in the training thread, so the window shows before it
        # has loaded (it takes over a second); then the devices it finds go to the window
        import torch

        from playground.core.devices import limit_blas_threads, list_devices

        limit_blas_threads()
        torch.set_num_threads(self._threads)
        self.devicesFound.emit(list_devices())
        while True:
            command = self._commands.get()
            if command[0] == "quit":
                return
            try:
                self._handle(command)
            except PlaygroundError as err:
                self._playing = False
                self.failed.emit(str(err))
                self.stateChanged.emit("failed")
            except Exception as err:  # a fault in a step: report it, keep the window alive
                self._playing = False
                detail = traceback.format_exception_only(type(err), err)[-1].strip()
                self.failed.emit(f"Training stopped by an internal error: {detail}")
                self.stateChanged.emit("failed")
            if self._commands.empty():
                self._train_while_playing()

    def _handle(self, command: tuple) -> None:
        kind = command[0]
        if kind == "configure":
            _, project, keep, data_changed, state = command
            self._configure(project, keep, data_changed, state)
        elif kind == "call":
            _, job, done, result = command
            try:
                result.append(job())
            except Exception as err:  # noqa: BLE001 - the caller reports it; "" would mean success
                result.append(f"internal error: {type(err).__name__}: {err}")
            finally:
                done.set()
        elif kind == "autosave":
            _, path, project = command
            self.autosaved.emit(str(path), self._save(path, project))
        elif kind == "best" and self._trainer is not None:
            epoch = self._trainer.revert_to_best()
            self._emit()
            self.message.emit(f"Reverted to the weights of epoch {epoch}, the lowest test loss so far."
                              if epoch else "No epoch has finished yet: nothing to revert to.")
        elif kind == "reset":
            if self._trainer is not None:
                self._configure(self._trainer.project, False, False)
        elif kind == "refresh":
            self._emit()
        elif kind == "parameter" and self._trainer is not None:
            _, layer, name, index, value = command
            self._trainer.set_parameter(layer, name, index, value)
            self._emit()
        elif kind == "threads":
            import torch

            self._threads = command[1]
            torch.set_num_threads(command[1])
        elif kind == "step" and self._trainer is not None:
            self._trainer.clear_stop()  # the stop that made way for this command
            last = self._run(1)
            if last is not None and last.kind in ("diverged", "failed"):
                self.failed.emit(last.message)
                self.stateChanged.emit("failed")
            else:
                self.stateChanged.emit("paused")
        elif kind == "export":
            self._export(command[1])

    def _configure(self, project: Project, keep: bool, data_changed: bool, state=None) -> None:
        from playground.core.training import Trainer

        previous = self._trainer
        self._trainer = None
        try:
            trainer = Trainer(project)
        except PlaygroundError as err:
            self.configureFailed.emit(project.data, str(err))
            raise
        restarted = True
        if state is not None:
            try:
                trainer.load_state(state)
            except PlaygroundError as err:
                self.failed.emit(f"The saved weights could not be used ({err}); training starts afresh.")
        elif keep and previous is not None and previous.epoch > 0 and trainer.same_architecture(previous):
            trainer.adopt(previous)
            restarted = False
        self._trainer = trainer
        if restarted:
            self._pending = []  # (kept otherwise: the epochs trained since the last update go on the curves)
        if data_changed or previous is None:
            self._emit_data(trainer)
        self._emit(restarted=restarted)
        if not self._playing:
            self.stateChanged.emit("idle" if trainer.epoch == 0 else "paused")

    def _train_while_playing(self) -> None:
        trainer = self._trainer
        if trainer is None or not self._playing:
            return
        self.stateChanged.emit("playing")
        while self._playing and self._commands.empty():
            trainer.clear_stop()
            if not self._playing:  # a pause that came just before clear_stop
                break
            total = trainer.project.training.epochs
            if total and trainer.epoch >= total:
                self._playing = False
                self._emit()  # not playing any more: every view gets the final state
                self.stateChanged.emit("finished")
                return
            last = self._run_paced(trainer) if self._speed else self._run(None if not total else total - trainer.epoch)
            if last is not None and last.kind in ("diverged", "failed"):
                self._playing = False
                self._emit()
                self.failed.emit(last.message)
                self.stateChanged.emit("failed")
                return
        if self._pending:
            self._emit()  # paced epochs not drawn yet
        if not self._playing and self._commands.empty():
            self.stateChanged.emit("paused")

    def _run_paced(self, trainer):
        """One epoch, then wait out the rest of its 1/speed seconds (a command ends the wait)."""
        start = time.monotonic()
        last = trainer.run(1, callback=self._on_epoch, callbacks=self._callbacks())
        self._wakeup.clear()
        speed = self._speed
        if speed and self._playing and self._commands.empty():
            self._wakeup.wait(max(0.0, 1.0 / speed - (time.monotonic() - start)))
        return last

    def _run(self, epochs: int | None):
        trainer = self._trainer
        if epochs is None:
            # until stopped: run in long stretches, the loop above checks for commands between
            epochs = 1_000_000
        last = trainer.run(epochs, callback=self._on_epoch, callbacks=self._callbacks())
        self._emit()
        return last

    def _save(self, path: Path, project: Project) -> str:
        from playground.core.project import save_project

        trainer = self._trainer
        fits = trainer is not None and trainer.epoch + trainer.step > 0 and trainer.project.same_architecture(project)
        try:
            save_project(project, path, trainer.state() if fits else None)
        except OSError as err:
            return f"could not write {path}: {err.strerror or err}"
        except (ValueError, UnicodeError, TypeError, PlaygroundError) as err:  # a value JSON cannot hold
            return f"the project cannot be written as it is ({err}); nothing was saved"
        return ""

    def _write_history(self, path: Path) -> str:
        from playground.core.jsonfile import write_atomic
        from playground.core.rundir import history_csv

        trainer = self._trainer
        if trainer is None or not trainer.history:
            return "no epoch has been trained yet"
        try:
            write_atomic(path, history_csv(trainer.history).encode())
        except OSError as err:
            return f"could not write {path}: {err.strerror or err}"
        return ""

    def _callbacks(self) -> list:
        return [self._checkpoint] if self._checkpoint is not None else []

    def _on_epoch(self, snap) -> None:
        if snap.kind == "epoch":
            self._pending.append(snap)
        if time.monotonic() - self._last_emit >= self.update_interval and self._undrawn < MAX_UNDRAWN:
            self._emit()

    def _emit(self, restarted: bool = False) -> None:
        trainer = self._trainer
        if trainer is None:
            return
        snaps, self._pending = self._pending, []
        last = trainer.history[-1] if trainer.history else None
        update = TrainingUpdate(
            snapshots=list(trainer.history) if restarted else snaps,
            boundary=self._boundary(trainer),
            epoch=trainer.epoch, step=trainer.step,
            elapsed=trainer.elapsed, samples_per_second=last.samples_per_second if last else 0.0,
            device=str(trainer.device), path=trainer.path, restarted=restarted,
            test_accuracy=last.test_accuracy if last else None)
        self._probe_views(trainer, update)
        with self._undrawn_lock:
            self._undrawn += 1
        self.update.emit(update)
        self._last_emit = time.monotonic()

    def _probe_views(self, trainer, update: TrainingUpdate) -> None:
        """Fill in what the visible views asked for; the slower ones a few times a second."""
        views = self._views
        flat = self._plane(trainer)
        if views.network and flat:
            update.network = trainer.probe_network()
        if views.focus is not None and flat:
            update.focus = self._focus_map(trainer, *views.focus)
        now = time.monotonic()
        if self._playing and now - self._last_statistics < STATISTICS_INTERVAL and not update.restarted:
            return  # while training runs, a few times a second; when it stops, always
        self._last_statistics = now
        if views.statistics:
            update.statistics = trainer.layer_statistics()
        if views.samples and not flat:
            update.samples = trainer.probe_samples()
            if len(trainer.dataset.input_shape) == 3:
                update.feature_maps = trainer.probe_feature_maps(views.sample)
            elif len(trainer.dataset.input_shape) == 2:
                update.attention = trainer.probe_attention(views.sample)
        if trainer.encoding == "real":
            update.metrics = trainer.regression_metrics()
        elif views.confusion:
            update.confusion = trainer.confusion_matrix()

    def _boundary(self, trainer):
        views = self._views
        if not views.boundary:
            return None
        if self._plane(trainer):
            return trainer.probe_boundary()
        if self._table_boundary(trainer):
            axes = self._table_axes(trainer)
            if axes != self._drawn_axes:
                self._emit_data(trainer, axes)
            return trainer.probe_boundary(axes=axes)
        return None

    def _table_axes(self, trainer) -> tuple[int, int]:
        n = trainer.dataset.input_shape[0]
        x, y = self._views.axes
        return (x, y) if 0 <= x < n and 0 <= y < n and x != y else (0, 1)

    def _emit_data(self, trainer, axes: tuple[int, int] | None = None) -> None:
        """The data set for the views; a table's points are its two `axes` columns."""
        d, project = trainer.dataset, trainer.project
        points_train, points_test = d.points_train, d.points_test
        if self._table_boundary(trainer):
            axes = axes or self._table_axes(trainer)
            points_train, points_test = d.x_train[:, list(axes)], d.x_test[:, list(axes)]
        self._drawn_axes = axes
        preview = None
        if project.data.kind == "images":
            from playground.core.probes import class_preview

            preview = class_preview(d.x_train, d.y_train, d.num_classes)
        self.dataReady.emit(DataUpdate(points_train, d.y_train, points_test, d.y_test, d.task,
                                       d.num_classes, list(project.data.features), project.data.kind,
                                       d.input_shape, d.class_names, d.feature_names, axes, preview, project.data))

    @staticmethod
    def _table_boundary(trainer) -> bool:
        """A classification table is drawn as a boundary over two of its columns; a regression
        table as predicted vs. true (the sample view)."""
        return (trainer.project.data.kind == "table" and trainer.dataset.input_shape[0] >= 2
                and trainer.dataset.task != "regression")

    @staticmethod
    def _plane(trainer) -> bool:
        return trainer.project.data.kind == "plane"

    @staticmethod
    def _focus_map(trainer, layer: int, unit: int):
        probe = trainer.probe_neurons()
        maps = probe.features if layer < 0 else (probe.layers[layer] if 0 <= layer < len(probe.layers) else None)
        if maps is None or not 0 <= unit < len(maps):
            return None
        return maps[unit]

    def _export(self, request: ExportRequest) -> None:
        from playground.core.export import export_model

        trainer = self._trainer
        if trainer is None:
            self.exportFinished.emit(None, "There is no model to export yet: fix the network first.")
            return
        try:
            result = export_model(trainer.model, trainer.project, request.format, request.path,
                                  trainer.dataset, with_training=request.with_training)
        except PlaygroundError as err:
            self.exportFinished.emit(None, str(err))
        else:
            self.exportFinished.emit(result, "")
        finally:
            trainer.model.to(trainer.device)
