"""Downloading an image data set from the window: `core.data.download` on a background thread,
with a progress dialog that can cancel it. The window stays usable meanwhile."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from playground.core.data import download as downloads
from playground.core.errors import PlaygroundError

#: What the download button and menu offer for each data set: (title, source name).
CHOICES: dict[str, list[tuple[str, str]]] = {}
for _name, _source in downloads.SOURCES.items():
    CHOICES.setdefault(_source.dataset, []).append((_source.title, _name))


class Cancelled(PlaygroundError):
    """The person cancelled the download."""


class DataDownload(QObject):
    """One download; `finished(folder, error)` arrives in the thread that made this object:
    folder "" and an error message when it failed or was cancelled."""

    progressed = Signal(str, int)
    finished = Signal(str, str)

    def __init__(self, name: str, folder: Path | None = None, base_url: str | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name, self.folder, self.base_url = name, folder, base_url
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"download-{self.name}", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, seconds: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(seconds)

    def _progress(self, file: str, size: int) -> None:
        if self._cancel.is_set():
            raise Cancelled("download cancelled; nothing was kept of the unfinished file")
        self.progressed.emit(file, size)

    def _run(self) -> None:
        try:
            folder = downloads.download(self.name, self.folder, base_url=self.base_url, progress=self._progress)
        except PlaygroundError as err:
            self.finished.emit("", str(err))
        except Exception as err:  # noqa: BLE001 (a thread must report, never die silently)
            self.finished.emit("", f"the download failed: {err}")
        else:
            self.finished.emit(str(folder), "")


class DownloadDialog(QProgressDialog):
    """Shows a DataDownload's progress (bytes of the current file); Cancel stops it."""

    def __init__(self, job: DataDownload, title: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Downloading {title}…", "Cancel", 0, 0, parent)
        self.setObjectName("downloadDialog")
        self.setWindowTitle("Download data")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.job = job
        self.canceled.connect(job.cancel)
        job.progressed.connect(self._progressed)
        job.finished.connect(self._finished)

    @Slot(str, int)
    def _progressed(self, file: str, size: int) -> None:
        self.setLabelText(f"Downloading {file}: {size / 2**20:.1f} MiB")

    @Slot(str, str)
    def _finished(self, _folder: str, _error: str) -> None:
        self.reset()
        self.hide()
