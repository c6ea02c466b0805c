"""A search as an Optuna study: its storage is a journal file in the output folder (or any Optuna
storage URL), every trial is a normal run folder (`trial-0007/`: project.json, model.safetensors,
history.csv, metrics.json, plus trial.json with its number, state and parameters), `best` points
at the best trial's folder. Pruners hear each epoch's objective through a training callback. A
rerun on the same output continues the same study until its total of trials is reached."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Callable

from playground.core.errors import PlaygroundError
from playground.core.io.jsonfile import json_bytes, write_atomic
from playground.core.model.spec import Project
from playground.core.training.callbacks import Callback
from playground.experiments.space import Dimension, Search, apply
from playground.experiments.tensorboard import TensorBoardLog

STUDY_NAME = "search"
#: Snapshot fields each objective metric is read from during training (for the pruners).
EPOCH_FIELDS = {"test_accuracy": "test_accuracy", "test_loss": "test_loss", "train_loss": "train_loss",
                "train_accuracy": "train_accuracy"}


def _sampler(search: Search):
    import optuna

    if search.sampler == "grid":
        grid = {dimension.path if dimension.kind != "subsets_of" else f"{dimension.path}:{item}": dimension.grid()
                for dimension in search.space for item in (dimension.values if dimension.kind == "subsets_of" else [None])}
        return optuna.samplers.GridSampler(grid, seed=search.seed)
    if search.sampler == "random":
        return optuna.samplers.RandomSampler(seed=search.seed)
    if search.sampler == "gp":
        return optuna.samplers.GPSampler(seed=search.seed)
    if search.sampler == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=search.seed)
    return optuna.samplers.TPESampler(seed=search.seed)


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


def open_study(search: Search, output: Path, storage: str | None = None):
    """The study of `output` (made if new; continued if it exists)."""
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    output.mkdir(parents=True, exist_ok=True)
    backend = storage or JournalStorage(JournalFileBackend(str(output / "study.journal")))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(study_name=STUDY_NAME, storage=backend, load_if_exists=True,
                               direction=search.direction, sampler=_sampler(search), pruner=_pruner(search))


def finished(study) -> int:
    import optuna

    done = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED, optuna.trial.TrialState.FAIL)
    return len(study.get_trials(deepcopy=False, states=done))


def run_search(project: Project, search: Search, output: Path, storage: str | None = None,
               trials: int | None = None, report: Callable[[str], None] = print) -> Any:
    """Run trials in this process until the study has `trials` (default: the search's) finished
    ones; returns the study."""
    import optuna

    study = open_study(search, output, storage)
    total = trials or search.trials
    write_atomic(output / "search.json", json_bytes({"metric": search.metric, "direction": search.direction,
                                                     "trials": total}))

    def objective(trial) -> float:
        return _trial(trial, project, search, output, report)

    remaining = total - finished(study)
    if remaining > 0:
        study.optimize(objective, n_trials=remaining, timeout=search.timeout_s, catch=(PlaygroundError,),
                       callbacks=[optuna.study.MaxTrialsCallback(total, states=None)])
    link_best(study, output)
    return study


def _trial(trial, project: Project, search: Search, output: Path, report: Callable[[str], None]) -> float:
    import optuna

    from playground.core.io.rundir import write_run
    from playground.core.training import Trainer

    values = {d.path: suggest(trial, d) for d in search.space}
    folder = output / f"trial-{trial.number:04d}"
    trial_project = apply(project, values)
    trainer = Trainer(trial_project)
    pruning = ReportToTrial(trial, search.metric)
    events = TensorBoardLog(folder, values)
    last = trainer.run(callbacks=[pruning, events])
    metrics = trainer.metrics()
    events.close(metrics)
    state = "pruned" if pruning.pruned else "diverged" if last is not None and last.kind in ("diverged", "failed") else "complete"
    if state == "diverged":
        metrics["diverged"] = last.message
    write_run(folder, trial_project, trainer.state_dict(), trainer.history, metrics, trainer.state())
    value = metrics.get(search.metric)
    write_atomic(folder / "trial.json", json_bytes({"number": trial.number, "state": state, "params": values,
                                                   "objective": value, "metric": search.metric}))
    report(f"trial {trial.number}: {state}, {search.metric} {value if value is None else round(value, 4)}  "
           + ", ".join(f"{k}={_short(v)}" for k, v in values.items()))
    if state == "pruned":
        raise optuna.TrialPruned(f"pruned at epoch {trainer.epoch}")
    if state == "diverged" or value is None or not math.isfinite(value):
        raise PlaygroundError(metrics.get("diverged", f"no {search.metric} for this trial"))
    return float(value)


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else json.dumps(value)


def link_best(study, output: Path) -> None:
    """`output/best` → the best complete trial's folder (a relative symbolic link)."""
    try:
        best = study.best_trial
    except ValueError:  # no complete trial yet
        return
    target = f"trial-{best.number:04d}"
    link = output / "best"
    temporary = output / ".best.partial"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    os.symlink(target, temporary)
    os.replace(temporary, link)
