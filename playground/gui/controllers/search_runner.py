"""A hyper-parameter search run from the window: `playground search` in a process (and session)
of its own, so its workers train on every core while the window stays live, and watched through
its output folder (the trials' `trial.json` files; a trial folder without one is training).

Stop sends SIGINT to the search's whole process group — what Ctrl+C does in a terminal: every
worker stops its trial, which is queued again, and the same search continues later. Closing the
window stops it so too."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from playground.core.io.jsonfile import json_bytes, write_atomic
from playground.core.model.spec import Project
from playground.experiments.runs import trial_rows
from playground.experiments.space import parse_search

POLL_MS = 400
SEARCH_FILE = "search-file.json"


def search_command(file: Path, output: Path, workers: int) -> list[str]:
    """How this installation runs `playground search` (the frozen bundle is its own interpreter)."""
    head = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "playground"]
    return head + ["search", str(file), "--output", str(output), "--workers", str(workers), "--quiet"]


class SearchRunner(QObject):
    """One search at a time. `trialsChanged(rows, search)` whenever a trial starts or ends (rows as
    `playground runs --json` gives them); `finished(message, error)` when the process ends."""

    trialsChanged = Signal(list, dict)
    finished = Signal(str, bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.process: subprocess.Popen | None = None
        self.output: Path | None = None
        self.stopping = False
        self._seen: tuple = ()
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, project: Project, search: dict, output: Path, workers: int) -> None:
        """Check the search against the project (a ValidationError names the path and the fix),
        write it as a search file in `output` and start it."""
        if self.running:
            raise RuntimeError("a search is running")
        parse_search(search, project)
        output.mkdir(parents=True, exist_ok=True)
        file = output / SEARCH_FILE
        write_atomic(file, json_bytes({**project.to_dict(), "search": search}))
        log = open(output / "search.log", "ab")  # noqa: SIM115 - handed to the process
        try:
            self.process = subprocess.Popen(search_command(file, output, workers), stdout=log, stderr=log,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            log.close()
        self.output, self.stopping, self._seen = output, False, ()
        self._timer.start()
        self.poll()

    def stop(self) -> None:
        """Ctrl+C to every process of the search; it ends once each worker has stopped its trial."""
        if self.running:
            self.stopping = True
            try:
                os.killpg(self.process.pid, signal.SIGINT)
            except ProcessLookupError:
                pass

    def shutdown(self, wait_s: float = 10.0) -> None:
        """Stop and wait (the window is closing); a search that does not stop in time is killed —
        the next run retries its trials."""
        if not self.running:
            return
        self.stop()
        try:
            self.process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._timer.stop()

    def poll(self) -> None:
        if self.output is None:
            return
        signature = _folder_signature(self.output)  # cheap: names and which trials have ended
        if signature != self._seen:
            self._seen = signature
            rows, search = trial_rows(self.output) if self.output.is_dir() else ([], {})
            self.trialsChanged.emit(rows, search)
        if self.process is not None and self.process.poll() is not None:
            self._timer.stop()
            code, self.process = self.process.returncode, None
            self.finished.emit(*self._ending(code))

    def _ending(self, code: int) -> tuple[str, bool]:
        done = sum(1 for _, ended in self._seen if ended)
        if code == 0:
            return f"The search finished: {done} trials in {self.output}.", False
        if code == 130 or self.stopping:
            return f"The search stopped after {done} trials; Run continues it.", False
        return f"The search failed: {_last_error(self.output)}", True


def _folder_signature(output: Path) -> tuple:
    """(trial folder, whether its trial.json is there) for every trial folder: what changes when a
    trial starts or ends, read without opening a file (a long search has thousands)."""
    try:
        entries = sorted(entry.name for entry in os.scandir(output) if entry.name.startswith("trial-") and entry.is_dir())
    except OSError:
        return ()
    return tuple((name, (output / name / "trial.json").exists()) for name in entries)


def _last_error(output: Path | None) -> str:
    """The search process's last `error:` line (its log), or its last line."""
    try:
        lines = [line for line in (output / "search.log").read_text(errors="replace").splitlines() if line.strip()]
    except (OSError, TypeError):
        return "no log"
    errors = [line for line in lines if line.startswith(("error:", "internal error:"))]
    return (errors or lines or ["no message"])[-1]


def read_search_file(output: Path) -> dict | None:
    """The search file a folder was started with (a project with its search section), or None."""
    try:
        raw = json.loads((output / SEARCH_FILE).read_text())
    except (OSError, ValueError):
        return None
    return raw if isinstance(raw, dict) and isinstance(raw.get("search"), dict) else None


def read_search(output: Path) -> dict | None:
    """The search section a folder was started with, or None."""
    raw = read_search_file(output)
    return raw["search"] if raw is not None else None


def same_search(raw: dict, project: Project, section: dict) -> bool:
    """Whether the search file `raw` is this project with this search (its total of trials aside):
    then running it again continues that study."""
    def plain(value):
        return json.loads(json.dumps(value, sort_keys=True))

    def without_trials(search: dict) -> dict:
        return {k: v for k, v in search.items() if k != "trials"}

    before = {k: v for k, v in raw.items() if k != "search"}
    return (plain(before) == plain(project.to_dict())
            and plain(without_trials(raw["search"])) == plain(without_trials(section)))
