"""Work the window must not do on its own thread (reading a file a person named can take long or,
for a slow disk, never end): run a plain function on Qt's thread pool and hand its result, or the
`PlaygroundError` it raised, back to a callback on the GUI thread."""

from __future__ import annotations

import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from playground.core.errors import PlaygroundError


class BackgroundJob(QObject):
    """`BackgroundJob(work, done, parent)`: `work()` runs on a pool thread; `done(result, error)`
    on the GUI thread afterwards, `error` being "" or a message (a PlaygroundError's own, or an
    internal error in one line). Keep no reference: the parent owns the job until it is done."""

    _finished = Signal(object, str)

    def __init__(self, work: Callable[[], Any], done: Callable[[Any, str], None], parent: QObject) -> None:
        super().__init__(parent)
        self._work, self._done = work, done
        self._finished.connect(self._deliver)  # a queued call into this (GUI-thread) object
        QThreadPool.globalInstance().start(_Runnable(self))

    def _run(self) -> None:
        try:
            result, error = self._work(), ""
        except PlaygroundError as err:
            result, error = None, str(err)
        except Exception as err:  # noqa: BLE001 - reported in the window, which keeps working
            result, error = None, "internal error: " + traceback.format_exception_only(type(err), err)[-1].strip()
        self._finished.emit(result, error)

    @Slot(object, str)
    def _deliver(self, result: Any, error: str) -> None:
        try:
            self._done(result, error)
        finally:
            self.deleteLater()


class _Runnable(QRunnable):
    def __init__(self, job: BackgroundJob) -> None:
        super().__init__()
        self.job = job

    def run(self) -> None:
        self.job._run()
