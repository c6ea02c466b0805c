"""Training off the UI thread.

`TrainingWorker` is a QThread around a core.session.Session: the UI sends typed commands
(core.commands) through a queue and never touches the trainer or the model; the worker sends back
plain updates (core.views: snapshots, probe arrays) through signals, at most ~30 a second however
fast training runs. Pause reaches a running trainer through its control (a stop between steps;
the next run continues exactly there).
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QThread, Signal

from playground.core import commands as cmd
from playground.core.commands import ExportRequest
from playground.core.errors import PlaygroundError
from playground.core.session import Configured, Session
from playground.core.model.spec import Project
from playground.core.training.callbacks import Callback, Checkpoint
from playground.core.views import STATISTICS_INTERVAL, ViewRequest

#: Seconds between two updates to the UI (about 30 per second).
UPDATE_INTERVAL = 1 / 30
#: Updates the window may have queued but not drawn yet; past this the worker waits to send the
#: next (the snapshots gather meanwhile), so a busy window never builds a backlog of frames.
MAX_UNDRAWN = 2
#: The toolbar's speeds, in epochs per second (None: as fast as possible). "watch" is the
#: TensorFlow Playground's pace, about one epoch a frame: a person sees the boundary form.
SPEEDS = {"watch": 30.0, "fast": 300.0, "fastest": None}


class _Gather(Callback):
    """The worker's own callback: gathers epochs for the next update and sends it when due."""

    def __init__(self, worker: "TrainingWorker") -> None:
        self.worker = worker

    def on_epoch_end(self, trainer, snapshot) -> None:
        self.worker._on_epoch(snapshot)


class TrainingWorker(QThread):
    update = Signal(object)        # core.views.TrainingUpdate
    dataReady = Signal(object)     # core.views.DataUpdate
    stateChanged = Signal(str)     # "idle", "playing", "paused", "finished", "failed"
    failed = Signal(str)           # a message for the user
    exportFinished = Signal(object, str)  # (ExportResult or None, error message or "")
    autosaved = Signal(str, str)   # (path, error message or "")
    message = Signal(str)          # information for the status bar
    devicesFound = Signal(object)  # [core.devices.DeviceInfo] once torch has loaded
    configureFailed = Signal(object, str)  # (core.model.spec.DataSpec, message): that project cannot train

    def __init__(self, threads: int = 1, parent=None) -> None:
        super().__init__(parent)
        self._commands: queue.Queue = queue.Queue()
        self._session = Session()
        self._playing = False
        self._threads = threads
        self._pending: list = []
        self._last_emit = 0.0
        self.update_interval = UPDATE_INTERVAL  # seconds between view updates (set_update_interval)
        self._undrawn = 0  # updates sent that the window has not drawn yet (see update_drawn)
        self._undrawn_lock = threading.Lock()
        self._callbacks: list[Callback] = [_Gather(self)]
        self._last_statistics = 0.0
        self._speed: float | None = None   # epochs per second while playing (None: unlimited)
        self._wakeup = threading.Event()   # ends a paced wait between two epochs at once

    # ------------------------------------------------------------ UI thread

    def configure(self, project: Project, keep_weights: bool, data_changed: bool = True, state=None) -> None:
        """Use `project` from now on; keep the trained weights if its architecture allows, or
        resume from a saved TrainingState. `data_changed`: read the data set again."""
        self._send(cmd.Configure(project, keep_weights, data_changed, state))

    def play(self) -> None:
        self._playing = True
        self._send(cmd.Play())

    def pause(self) -> None:
        self._playing = False
        self._wakeup.set()
        self._stop_trainer()

    def step(self) -> None:
        self.pause()
        self._send(cmd.Step())

    def reset(self) -> None:
        self._send(cmd.Reset())

    def set_views(self, views: ViewRequest) -> None:
        """Compute from now on what these views need (the object is replaced, never mutated)."""
        self._session.views = views
        if not self._playing:
            self._send(cmd.Refresh())

    def set_parameter(self, layer: int, name: str, index: tuple[int, ...], value: float) -> None:
        """Set one weight or bias between two steps; training goes on if it was running."""
        self._send(cmd.SetParameter(layer, name, tuple(index), value))

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
        self._send(cmd.SetThreads(threads))

    def save(self, path: Path, project: Project, timeout: float = 60.0) -> str:
        """Save `project` with the trained state to `path`; waits for the worker (a short pause of
        training) and returns an error message, or "" on success."""
        return self._answer(lambda session: session.save(path, project), timeout)

    def write_history(self, path: Path, timeout: float = 60.0) -> str:
        """Write the whole training history (every epoch, every metric) as CSV to `path`; returns
        an error message, or "" on success."""
        return self._answer(lambda session: session.write_history(path), timeout)

    def inspect(self, job: Callable[[Session], Any], timeout: float = 60.0) -> Any:
        """`job(session)` run on the training thread between two steps, and its result (what a
        test or a tool reads of the trainer without racing the training). Raises TimeoutError
        when the thread does not answer in time, and what `job` raised."""
        call = cmd.Call(job)
        self._send(call)
        if not call.done.wait(timeout):
            raise TimeoutError("the training thread did not answer in time")
        value, error = call.result
        if error is not None:
            raise error
        return value

    def _answer(self, job: Callable[[Session], str], timeout: float) -> str:
        """An error message from `job` on the training thread ("" for success)."""
        try:
            return self.inspect(job, timeout)
        except TimeoutError:
            return "the training thread did not answer in time; try again"
        except Exception as err:  # noqa: BLE001 - the caller reports it; "" would mean success
            return f"internal error: {type(err).__name__}: {err}"

    def autosave(self, path: Path, project: Project) -> None:
        """Save to `path` in the background; reports through `autosaved`."""
        self._send(cmd.Autosave(path, project))

    def set_checkpoints(self, every: int, path: Path | None) -> None:
        """Save the project with its state to `path` every `every` epochs (0: never)."""

        def save(trainer) -> None:
            self.autosaved.emit(str(path), self._session.save(path, trainer.project))

        self._callbacks = [_Gather(self), Checkpoint(every if path is not None else 0, save)]

    def revert_to_best(self) -> None:
        self._send(cmd.RevertToBest())

    def export(self, request: ExportRequest) -> None:
        self.pause()
        self._send(cmd.Export(request))

    def shutdown(self) -> None:
        """Stop training and end the thread; returns once it has ended."""
        self._playing = False
        self._commands.put(cmd.Quit())
        self._stop_trainer()
        self.wait()

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def ready(self) -> bool:
        """True once a trainer is configured (torch has loaded): Play trains at once."""
        return self._session.trainer is not None

    @property
    def trained_project(self) -> Project | None:
        """The project the worker trains now (None before one could be configured)."""
        trainer = self._session.trainer
        return trainer.project if trainer is not None else None

    def _send(self, command) -> None:
        self._commands.put(command)
        self._wakeup.set()
        if not isinstance(command, cmd.Play):
            self._stop_trainer()  # let a running loop return and take the command

    def _stop_trainer(self) -> None:
        trainer = self._session.trainer
        if trainer is not None:
            trainer.control.stop()

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
            if isinstance(command, cmd.Quit):
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

    def _handle(self, command) -> None:
        session = self._session
        trained = session.trainer is not None
        match command:
            case cmd.Configure():
                try:
                    configured = session.configure(command)
                except PlaygroundError as err:
                    self.configureFailed.emit(command.project.data, str(err))
                    raise
                self._configured(configured)
            case cmd.Call(job=job, result=result, done=done):
                try:
                    result[:] = [job(session), None]
                except Exception as err:  # noqa: BLE001 - handed to the caller, who waits for it
                    result[:] = [None, err]
                finally:
                    done.set()
            case cmd.Autosave(path=path, project=project):
                self.autosaved.emit(str(path), session.save(path, project))
            case cmd.RevertToBest() if trained:
                text = session.revert_to_best()
                self._emit()
                self.message.emit(text)
            case cmd.Reset() if trained:
                self._configured(session.reset())
            case cmd.Refresh():
                self._emit()
            case cmd.SetParameter(layer=layer, name=name, index=index, value=value) if trained:
                session.trainer.set_parameter(layer, name, index, value)
                self._emit()
            case cmd.SetThreads(threads=threads):
                import torch

                self._threads = threads
                torch.set_num_threads(threads)
            case cmd.Step() if trained:
                session.trainer.control.clear_stop()  # the stop that made way for this command
                last = self._run(1)
                if last is not None and last.kind in ("diverged", "failed"):
                    self.failed.emit(last.message)
                    self.stateChanged.emit("failed")
                else:
                    self.stateChanged.emit("paused")
            case cmd.Export(request=request):
                try:
                    result = session.export(request)
                except PlaygroundError as err:
                    self.exportFinished.emit(None, str(err))
                else:
                    self.exportFinished.emit(result, "")

    def _configured(self, configured: Configured) -> None:
        if configured.warning:
            self.failed.emit(configured.warning)
        if configured.restarted:
            self._pending = []  # (kept otherwise: the epochs trained since the last update go on the curves)
        if configured.data is not None:
            self.dataReady.emit(configured.data)
        self._emit(restarted=configured.restarted)
        if not self._playing:
            self.stateChanged.emit("idle" if self._session.trainer.epoch == 0 else "paused")

    def _train_while_playing(self) -> None:
        trainer = self._session.trainer
        if trainer is None or not self._playing:
            return
        self.stateChanged.emit("playing")
        while self._playing and self._commands.empty():
            trainer.control.clear_stop()
            if not self._playing:  # a pause that came just before clear_stop
                break
            total = trainer.project.training.epochs
            if total and trainer.epoch >= total:
                self._playing = False
                self._emit()  # not playing any more: every view gets the final state
                self.stateChanged.emit("finished")
                return
            last = self._run_paced() if self._speed else self._run(None if not total else total - trainer.epoch)
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

    def _run_paced(self):
        """One epoch, then wait out the rest of its 1/speed seconds (a command ends the wait)."""
        start = time.monotonic()
        last = self._session.run(1, self._callbacks)
        self._wakeup.clear()
        speed = self._speed
        if speed and self._playing and self._commands.empty():
            self._wakeup.wait(max(0.0, 1.0 / speed - (time.monotonic() - start)))
        return last

    def _run(self, epochs: int | None):
        # until stopped: run in long stretches, the loop above checks for commands between
        last = self._session.run(1_000_000 if epochs is None else epochs, self._callbacks)
        self._emit()
        return last

    def _on_epoch(self, snap) -> None:
        if snap.kind == "epoch":
            self._pending.append(snap)
        if time.monotonic() - self._last_emit >= self.update_interval and self._undrawn < MAX_UNDRAWN:
            self._emit()

    def _emit(self, restarted: bool = False) -> None:
        if self._session.trainer is None:
            return
        snaps, self._pending = self._pending, []
        now = time.monotonic()
        # the slower views while training runs a few times a second; when it stops, always
        slow = not self._playing or now - self._last_statistics >= STATISTICS_INTERVAL
        if slow:
            self._last_statistics = now
        data, update = self._session.update(snaps, restarted, slow)
        if data is not None:
            self.dataReady.emit(data)
        with self._undrawn_lock:
            self._undrawn += 1
        self.update.emit(update)
        self._last_emit = time.monotonic()
