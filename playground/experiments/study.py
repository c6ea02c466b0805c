"""A search as an Optuna study: its storage is a journal file in the output folder (or any Optuna
storage URL), every trial is a normal run folder (`trial-0007/`: project.json, model.safetensors,
history.csv, metrics.json, plus trial.json with its number, state and parameters), `best` points
at the best trial's folder. Pruners hear each epoch's objective through a training callback. A
rerun on the same output continues the same study until its total of trials is reached."""

from __future__ import annotations

import json
import math
import os
import time
import warnings
from pathlib import Path
from typing import Any, Callable

from playground.core.errors import PlaygroundError
from playground.core.io.jsonfile import json_bytes, write_atomic
from playground.core.model.spec import Project
from playground.core.training.callbacks import Callback
from playground.experiments.space import Dimension, Search, apply
from playground.experiments.tensorboard import TensorBoardLog
from playground.experiments.workers import (WORKER_ATTR, WorkerLock, counted, retry, trial_folder,
                                            withdraw_if_surplus)

STUDY_NAME = "search"
HEARTBEAT_S = 5
OPEN_ATTEMPTS = 5
#: Snapshot fields each objective metric is read from during training (for the pruners).
EPOCH_FIELDS = {"test_accuracy": "test_accuracy", "test_loss": "test_loss", "train_loss": "train_loss",
                "train_accuracy": "train_accuracy"}


def _sampler(search: Search, seed: int):
    import optuna

    if search.sampler == "grid":
        grid = {dimension.path if dimension.kind != "subsets_of" else f"{dimension.path}:{item}": dimension.grid()
                for dimension in search.space for item in (dimension.values if dimension.kind == "subsets_of" else [None])}
        return optuna.samplers.GridSampler(grid, seed=seed)
    if search.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if search.sampler == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    if search.sampler == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed)
    if search.sampler == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def _pruner(search: Search):
    import optuna

    if search.pruner == "median":
        return optuna.pruners.MedianPruner(n_warmup_steps=search.warmup_epochs)
    if search.pruner == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=max(1, search.warmup_epochs))
    if search.pruner == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=max(1, search.warmup_epochs))
    return optuna.pruners.NopPruner()


def suggest(trial, dimension: Dimension) -> Any:
    """The trial's value for one dimension of the space."""
    kind, values = dimension.kind, dimension.values
    if kind == "choice":
        return trial.suggest_categorical(dimension.path, list(values))
    if kind == "subsets_of":
        chosen = [item for item in values if trial.suggest_categorical(f"{dimension.path}:{item}", [True, False])]
        return chosen or [values[0]]  # never no feature at all
    low, high = values
    if kind in ("int", "log_int"):
        return trial.suggest_int(dimension.path, int(low), int(high), log=kind == "log_int")
    return trial.suggest_float(dimension.path, float(low), float(high), log=kind == "log_uniform")


class ReportToTrial(Callback):
    """Each epoch's objective to the Optuna trial; stops the run when the pruner says so."""

    def __init__(self, trial, metric: str) -> None:
        self.trial, self.field, self.pruned = trial, EPOCH_FIELDS.get(metric), False

    def on_epoch_end(self, trainer, snapshot) -> None:
        value = getattr(snapshot, self.field) if self.field and snapshot.kind == "epoch" else None
        if value is None or not math.isfinite(value):
            return
        self.trial.report(float(value), snapshot.epoch)
        if self.trial.should_prune():
            self.pruned = True
            trainer.control.stop()

    def horizon(self, trainer) -> int | None:
        return 1  # the pruner judges every epoch: the fast path runs no epoch past its verdict


RDB_SCHEMES = ("postgresql", "mysql", "sqlite")


def storage_for(output: Path, url: str | None):
    """The study's storage: a journal file in `output` (one machine, any number of processes), or
    an RDB URL (many machines) with Optuna's heartbeat: a trial whose worker stops beating is
    failed and retried (workers.retry)."""
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    if url is None:
        return JournalStorage(JournalFileBackend(str(output / "study.journal")))
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme not in RDB_SCHEMES:
        raise PlaygroundError(f"--storage {url!r}: give a database URL ({', '.join(s + '://…' for s in RDB_SCHEMES)})")
    for attempt in range(OPEN_ATTEMPTS):
        try:
            with warnings.catch_warnings():  # Optuna calls its heartbeat "experimental"
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(url, heartbeat_interval=HEARTBEAT_S, grace_period=4 * HEARTBEAT_S,
                                                  heartbeat_stale_trial_callback=lambda study, trial: retry(study, trial, output))
        except ImportError as err:
            raise PlaygroundError(f"--storage: {err} (for PostgreSQL: pip install 'psycopg[binary]')") from None
        except Exception as err:  # the driver's own errors: a refused connection; two machines making the tables at once
            if attempt == OPEN_ATTEMPTS - 1:
                raise PlaygroundError(f"--storage: cannot open {url.split('@')[-1]!r}: "
                                      f"{str(err).splitlines()[0][:200]}") from None
            time.sleep(0.2 * (attempt + 1))


def open_study(search: Search, output: Path, storage: str | None = None, worker: int = 0):
    """The study of `output` (or `search.name` in the database `storage`): made if new, else continued.

    Its sampler's seed is the search's, moved on by the worker's number and by the trials the study
    already has: workers started together, or a search continued, would otherwise draw the same
    "random" parameters again. A new search on one worker is the same every time."""
    import optuna

    output.mkdir(parents=True, exist_ok=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    name = STUDY_NAME if storage is None else search.name  # a journal holds one study; a database many
    study = optuna.create_study(study_name=name, storage=storage_for(output, storage), load_if_exists=True,
                                directions=[o.direction for o in search.objectives], sampler=_sampler(search, search.seed),
                                pruner=_pruner(search))
    before = len(study.get_trials(deepcopy=False))
    if worker or before:
        study.sampler = _sampler(search, (search.seed + 1_000_003 * worker + before) % 2**32)
    return study


class TrialInterrupted(Exception):
    """Ctrl+C or a stop request reached a worker during a trial (the trial is retried)."""

    def __init__(self, number: int) -> None:
        super().__init__(f"trial {number} was interrupted")
        self.number = number


class TrialSurplus(Exception):
    """Another worker began the trial that reached the total first (workers.withdraw_if_surplus)."""


class Interruption:
    """A stop asked of a worker (by a signal): the running trial's training stops, no trial starts."""

    def __init__(self) -> None:
        self.requested, self.control = False, None

    def request(self, *_ignored) -> None:
        self.requested = True
        if self.control is not None:
            self.control.stop()


def run_search(project: Project, search: Search, output: Path, storage: str | None = None,
               trials: int | None = None, report: Callable[[str], None] = print,
               interruption: Interruption | None = None, worker: int = 0) -> Any:
    """Run trials in this process until the study has `trials` (default: the search's) of them
    (retried ones not counted); returns the study. The process that starts a search first retries
    the trials whose worker is gone (workers.recover_stale; RDB storages do it by heartbeat)."""
    study = open_study(search, output, storage, worker)
    total = trials or search.trials
    interruption = interruption or Interruption()
    write_atomic(output / "search.json", json_bytes({
        "metric": search.metric, "direction": search.direction, "trials": total,
        "objectives": [{"metric": o.metric, "direction": o.direction} for o in search.objectives]}))
    lock = WorkerLock(output)
    try:
        def objective(trial):
            if interruption.requested:
                raise TrialInterrupted(trial.number)
            if withdraw_if_surplus(study, trial, total):
                raise TrialSurplus(trial.number)
            trial.set_user_attr(WORKER_ATTR, lock.name)
            return _trial(trial, project, search, output, report, interruption)

        def after_trial(study, trial) -> None:
            record_results(study, output)
            if interruption.requested or counted(study) >= total:
                study.stop()

        remaining = total - counted(study)
        if remaining > 0 and not interruption.requested:
            try:
                study.optimize(objective, n_trials=remaining, timeout=search.timeout_s, catch=(PlaygroundError,),
                               callbacks=[after_trial])
            except TrialInterrupted as stopped:
                retry(study, next(t for t in study.get_trials(deepcopy=False) if t.number == stopped.number), output)
                report(f"trial {stopped.number}: interrupted; it runs again when the search continues")
            except TrialSurplus:
                pass  # the total is reached
    finally:
        lock.release()
    record_results(study, output)
    return study


def _trial(trial, project: Project, search: Search, output: Path, report: Callable[[str], None],
           interruption: Interruption) -> float | list[float]:
    import optuna

    from playground.core.io.rundir import write_run
    from playground.core.training import Trainer

    values = {d.path: suggest(trial, d) for d in search.space}
    folder = trial_folder(output, trial.number)
    trial_project = apply(project, values)
    try:
        trainer = Trainer(trial_project)
    except PlaygroundError as err:  # e.g. more memory than this machine allows
        reason = str(err)
        write_failed(folder, trial_project, trial.number, values, search, reason)
        report(f"trial {trial.number}: failed, {reason}")
        raise
    except (RuntimeError, MemoryError) as err:  # the allocator refused
        reason = f"out of memory building the network ({(str(err).strip() or type(err).__name__).splitlines()[0][:160]})"
        write_failed(folder, trial_project, trial.number, values, search, reason)
        report(f"trial {trial.number}: failed, {reason}")
        raise PlaygroundError(reason) from None
    interruption.control = trainer.control
    # the pruner hears every epoch (which keeps the fast path to one epoch a call); without one, none
    pruning = ReportToTrial(trial, search.metric) if search.pruner != "none" else None
    events = TensorBoardLog(folder, values)
    try:
        last = trainer.run(callbacks=[c for c in (pruning, events) if c is not None])
    finally:
        interruption.control = None
    metrics = trainer.metrics()
    events.close(metrics)
    if interruption.requested:
        raise TrialInterrupted(trial.number)
    failed = last is not None and last.kind in ("diverged", "failed")
    state = "pruned" if pruning is not None and pruning.pruned else last.kind if failed else "complete"
    if failed:
        metrics["failed"] = last.message
    objectives = {o.metric: metrics.get(o.metric) for o in search.objectives}
    write_run(folder, trial_project, trainer.state_dict(), trainer.history, metrics, trainer.state(),
              extra={"trial.json": _trial_info(trial.number, state, values, search, objectives, metrics.get("failed"))})
    value = objectives[search.metric]
    report(f"trial {trial.number}: {state}, " + ", ".join(f"{k} {_short(v)}" for k, v in objectives.items()) + "  "
           + ", ".join(f"{k}={_short(v)}" for k, v in values.items()))
    if state == "pruned":
        raise optuna.TrialPruned(f"pruned at epoch {trainer.epoch}")
    if failed or any(v is None or not math.isfinite(v) for v in objectives.values()):
        raise PlaygroundError(metrics.get("failed", f"no {search.metric} for this trial"))
    return [float(v) for v in objectives.values()] if search.multi_objective else float(value)


def _trial_info(number: int, state: str, values: dict, search: Search, objectives: dict, reason: str | None) -> dict:
    objectives = {k: v if isinstance(v, (int, float)) and math.isfinite(v) else None for k, v in objectives.items()}
    info = {"number": number, "state": state, "params": values, "objective": objectives[search.metric],
            "metric": search.metric, "objectives": objectives}
    if reason:
        info["reason"] = reason
    return info


def write_failed(folder: Path, project: Project, number: int, values: dict, search: Search, reason: str) -> None:
    """The folder of a trial that could not train at all: its project and why (no weights)."""
    from playground.core.io.project import save_project
    from playground.core.io.run_folder import replace_folder

    def fill(partial: Path) -> None:
        save_project(project, partial / "project.json")
        write_atomic(partial / "trial.json", json_bytes(_trial_info(
            number, "failed", values, search, {o.metric: None for o in search.objectives}, reason)))

    replace_folder(folder, fill)


def _short(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.4g}" if isinstance(value, float) else json.dumps(value)


def best_trial(study):
    """The best complete trial (for several objectives: the Pareto front's best at the first); None."""
    if len(study.directions) == 1:
        try:
            return study.best_trial
        except ValueError:  # no complete trial yet
            return None
    front = study.best_trials
    if not front:
        return None
    maximize = study.directions[0].name == "MAXIMIZE"
    return (max if maximize else min)(front, key=lambda t: t.values[0])


def record_results(study, output: Path) -> None:
    """`output/best` → the best trial's folder (a relative symbolic link); for several objectives
    `output/pareto.json` lists the Pareto front's trial numbers too."""
    if len(study.directions) > 1:
        front = sorted(t.number for t in study.best_trials)
        write_atomic(output / "pareto.json", json_bytes({"trials": front}))
    best = best_trial(study)
    if best is None:
        return
    link = output / "best"
    temporary = output / f".best.{os.getpid()}.partial"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    os.symlink(trial_folder(Path(), best.number).name, temporary)
    os.replace(temporary, link)
