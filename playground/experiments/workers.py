"""Which trials are still being worked on, and what happens to those whose worker died.

Every worker process holds an exclusive lock on its own file in `OUTPUT/workers/` for as long as
it lives, and names that file in each trial it runs. A trial left RUNNING whose worker's lock can
be taken again is stale (its process was killed): it is marked failed, its half-written folder is
removed, and a copy with the same parameters is queued (Optuna's RetryHeartbeatStaleTrialCallback) — so it
is retried, never counted as complete, and a trial killed again and again ends failed. This is the
journal storage's answer (one machine); an RDB storage (PostgreSQL, many machines) uses Optuna's
own heartbeat instead, with the same retry."""

from __future__ import annotations

import datetime
import fcntl
import warnings
import os
import shutil
import socket
from pathlib import Path

#: How often a trial that keeps killing its worker is tried again before it is left failed.
MAX_RETRY = 2
WORKER_ATTR = "worker"
SURPLUS_ATTR = "surplus"  # a trial begun after the total was reached: failed unrun, not counted
#: A running trial that names no worker yet is given this long to name one.
UNNAMED_GRACE = datetime.timedelta(seconds=60)


def trial_folder(output: Path, number: int) -> Path:
    return output / f"trial-{number:04d}"


class WorkerLock:
    """This process's lock file in `output/workers/` (held until `release`)."""

    def __init__(self, output: Path) -> None:
        folder = output / "workers"
        folder.mkdir(parents=True, exist_ok=True)
        self.name = f"{socket.gethostname()}-{os.getpid()}.lock"
        self.path = folder / self.name
        self._fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def release(self) -> None:
        if self._fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None


def _alive(output: Path, name: str | None) -> bool:
    """Whether the worker that holds `workers/name` still runs (its lock is still held)."""
    if not name or "/" in name:
        return False
    path = output / "workers" / name
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    path.unlink(missing_ok=True)
    return False


def retry(study, trial, output: Path) -> None:
    """Queue a copy of `trial` (failed by its worker's death or an interruption), at most MAX_RETRY
    times over, and remove its half-written folder."""
    import optuna

    shutil.rmtree(trial_folder(output, trial.number), ignore_errors=True)
    with warnings.catch_warnings():  # "experimental" since Optuna 2.8
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRY)(study, trial)


def recover_stale(study, output: Path) -> list[int]:
    """Mark failed (and retry) every RUNNING trial of this output whose worker is gone; the numbers."""
    from optuna.trial import TrialState

    stale = []
    now = datetime.datetime.now()
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        name = trial.user_attrs.get(WORKER_ATTR)
        if name is None and trial.datetime_start and now - trial.datetime_start < UNNAMED_GRACE:
            continue  # just made: its worker names itself in a moment
        if name is not None and _alive(output, name):
            continue
        study._storage.set_trial_system_attr(trial._trial_id, "fail_reason", "its worker process was stopped")
        if study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL):
            retry(study, study._storage.get_trial(trial._trial_id), output)
            stale.append(trial.number)
    return stale


def retried(trials) -> set[int]:
    """The numbers of failed trials that were queued again (they do not count toward the total)."""
    return {number for t in trials for number in t.system_attrs.get("retry_history", ())}


def _counts(trial, again: set[int]) -> bool:
    from optuna.trial import TrialState

    if trial.state == TrialState.WAITING:
        return False
    return not (trial.state == TrialState.FAIL and (trial.number in again or trial.system_attrs.get(SURPLUS_ATTR)))


def counted(study) -> int:
    """Trials toward the study's total: finished or running, less those retried or surplus."""
    trials = study.get_trials(deepcopy=False)
    again = retried(trials)
    return sum(1 for t in trials if _counts(t, again))


def withdraw_if_surplus(study, trial, total: int) -> bool:
    """Whether `trial` (just begun) is one too many — `total` trials that count were begun before it
    (two workers that finish at the same moment may each begin one) — and then mark it so: failed,
    never run, never counted."""
    trials = study.get_trials(deepcopy=False)
    again = retried(trials)
    if sum(1 for t in trials if t.number < trial.number and _counts(t, again)) < total:
        return False
    study._storage.set_trial_system_attr(trial._trial_id, SURPLUS_ATTR, True)
    return True
