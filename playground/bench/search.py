"""`playground bench --search`: a fixed 40-trial TPE search of the spiral (x1, x2; 1–4 hidden tanh
layers of 2–8 units; the learning rate; 300 epochs a trial; seed 0) run by `playground search`,
against the same Optuna search whose objective is a bare eager PyTorch loop written as a user
would — trials per minute, measured in the same run. Also: two workers against one, a trial's
fixed overhead in a warm worker, and the best objective after the trials, TPE against random,
the median over five search seeds.

Trials per minute come from the studies' own trial timestamps (each worker's first start to its
last finish, summed over the workers), so the processes' start-up is not counted for either side."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from playground.core.model.spec import Project
from playground.experiments.space import Search, parse_search

#: The goals of the issue that asked for search (the figures are measured, never typed in).
GOAL_RATIO = 10.0          # our trials/min ÷ the bare loop's
GOAL_TWO_WORKERS = 1.7     # two workers' trials/min ÷ one worker's
GOAL_OVERHEAD_MS = 50.0    # a trial's fixed cost in a warm worker

_TANH = {"type": "dense", "units": 8, "activation": "tanh"}


def search_file(trials: int = 40, epochs: int = 300, sampler: str = "tpe", seed: int = 0) -> dict:
    """The benchmark's search file as a dict."""
    return {
        "format": "neural-playground-project", "version": 1,
        "data": {"dataset": "spiral", "features": ["x1", "x2"], "samples": 500, "train_fraction": 0.5,
                 "noise": 0.0, "seed": 1},
        "model": {"layers": [_TANH, {**_TANH, "units": 1}]},
        "training": {"loss": "mse", "optimizer": "sgd", "learning_rate": 0.03, "batch_size": 10, "epochs": epochs,
                     "seed": 0, "device": "cpu"},
        "search": {"objective": {"metric": "test_accuracy", "direction": "maximize"}, "sampler": sampler,
                   "trials": trials, "seed": seed,
                   "space": {"model.hidden_layers": {"int": [1, 4]}, "model.layers[0].units": {"int": [2, 8]},
                             "training.learning_rate": {"log_uniform": [0.003, 0.3]}}},
    }


def _parsed(raw: dict) -> tuple[Project, Search]:
    raw = dict(raw)
    section = raw.pop("search")
    project = Project.from_dict(raw)
    return project, parse_search(section, project)


def trials_per_minute(trials) -> float:
    """Each worker's trials over its own span (its first trial's start to its last one's finish),
    summed over the workers: the pool's rate while it works, not counting one worker starting a
    moment after another, or finishing its last trial alone."""
    by_worker: dict = {}
    for trial in trials:
        by_worker.setdefault(trial.user_attrs.get("worker"), []).append(trial)
    rate = 0.0
    for own in by_worker.values():
        span = (max(t.datetime_complete for t in own) - min(t.datetime_start for t in own)).total_seconds()
        rate += 60.0 * len(own) / max(span, 1e-6)
    return rate


def bare_search(raw: dict):
    """The same search as a user writes it with Optuna and eager PyTorch: an in-memory study whose
    objective builds an nn.Sequential, trains it with shuffled mini-batches and measures test
    accuracy at the end. The same data points (the app's generator)."""
    import optuna
    import torch
    from torch import nn

    from playground.core.training import Trainer

    project, search = _parsed(raw)
    data = Trainer(project)  # only for the identical points
    x_train, y_train, x_test, y_test = data.x_train, data.y_train, data.x_test, data.y_test
    epochs, batch = project.training.epochs, project.training.batch_size

    def objective(trial) -> float:
        layers = trial.suggest_int("model.hidden_layers", 1, 4)
        units = trial.suggest_int("model.layers[0].units", 2, 8)
        lr = trial.suggest_float("training.learning_rate", 0.003, 0.3, log=True)
        torch.manual_seed(0)
        parts, width = [], x_train.shape[1]
        for _ in range(layers):
            parts += [nn.Linear(width, units), nn.Tanh()]
            width = units
        model = nn.Sequential(*parts, nn.Linear(width, 1), nn.Tanh())
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        loss_fn = nn.MSELoss()
        for _ in range(epochs):
            order = torch.randperm(len(x_train))
            for start in range(0, len(x_train), batch):
                index = order[start:start + batch]
                optimizer.zero_grad()
                loss_fn(model(x_train[index]), y_train[index]).backward()
                optimizer.step()
        with torch.no_grad():
            return float(((model(x_test) > 0) == (y_test > 0)).float().mean())

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=search.seed))
    study.optimize(objective, n_trials=search.trials)
    return study


def ours(raw: dict, folder: Path, workers: int, replay=None):
    """`playground search` in a process of its own with `workers` workers; its study. `replay`:
    trials whose parameters are queued first (so two runs train the very same networks)."""
    import json

    from playground.experiments.study import open_study

    file = folder / "search.json"
    file.write_text(json.dumps(raw))
    out = folder / "study"
    if replay:
        queued = open_study(_parsed(raw)[1], out)
        for trial in replay:
            queued.enqueue_trial(trial.params)
    done = subprocess.run([sys.executable, "-m", "playground", "search", str(file), "--output", str(out),
                           "--workers", str(workers), "--quiet"], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"playground search failed: {done.stderr.strip()[-500:]}")
    return open_study(_parsed(raw)[1], out)


def overhead_ms(folder: Path, trials: int = 20) -> float:
    """Milliseconds a 1-epoch trial takes in this (warm) process, less that epoch: building the
    network, the study's bookkeeping, the trial's folder and event files."""
    import torch

    from playground.core.training import Trainer
    from playground.experiments.study import run_search

    torch.set_num_threads(1)
    project, search = _parsed(search_file(trials=trials, epochs=1, sampler="random"))
    run_search(project, search, folder / "warm-up", trials=2, report=lambda _: None)
    start = time.perf_counter()
    run_search(project, search, folder / "overhead", trials=trials, report=lambda _: None)
    per_trial = (time.perf_counter() - start) / trials
    epoch = Trainer(project)
    begin = time.perf_counter()
    epoch.run(1)
    return 1000.0 * (per_trial - (time.perf_counter() - begin))


def best_after(raw: dict, folder: Path) -> float:
    from playground.experiments.study import run_search

    project, search = _parsed(raw)
    study = run_search(project, search, folder, report=lambda _: None)
    return float(study.best_value)


def run_search_bench(trials: int = 40, seeds: int = 5, epochs: int = 300,
                     report: Callable[[str], None] = print) -> dict:
    """Every figure of the search benchmark, printed as measured; returned as a dict."""
    import torch

    torch.set_num_threads(1)
    raw = search_file(trials, epochs)
    figures: dict = {"trials": trials, "epochs_per_trial": raw["training"]["epochs"]}
    with tempfile.TemporaryDirectory(prefix="playground-bench-search-") as tmp:
        folder = Path(tmp)
        report(f"a {trials}-trial TPE search of the spiral (1–4 hidden tanh layers of 2–8 units, the learning "
               f"rate, {raw['training']['epochs']} epochs a trial, seed 0):")
        (folder / "one").mkdir()
        first = ours(raw, folder / "one", workers=1)
        one = trials_per_minute(first.trials)
        report(f"  playground search, 1 worker:       {one:8.1f} trials/min")
        bare = trials_per_minute(bare_search(raw).trials)
        report(f"  Optuna + a bare eager PyTorch loop: {bare:8.1f} trials/min")
        ratio = one / bare
        report(f"  ratio {ratio:.1f}× (goal ≥ {GOAL_RATIO:g}×: {'met' if ratio >= GOAL_RATIO else 'NOT met'})")
        (folder / "two").mkdir()
        # the same networks as the one worker's search (sampled anew they would differ in size)
        two = trials_per_minute(ours(raw, folder / "two", workers=2, replay=first.trials).trials)
        scaling = two / one
        report(f"  playground search, 2 workers:      {two:8.1f} trials/min, {scaling:.2f}× one worker "
               f"(goal ≥ {GOAL_TWO_WORKERS:g}×: {'met' if scaling >= GOAL_TWO_WORKERS else 'NOT met'})")
        overhead = overhead_ms(folder)
        report(f"  a trial's fixed overhead in a warm worker: {overhead:.1f} ms "
               f"(goal ≤ {GOAL_OVERHEAD_MS:g} ms: {'met' if overhead <= GOAL_OVERHEAD_MS else 'NOT met'})")
        figures.update(ours_trials_per_minute=one, bare_trials_per_minute=bare, ratio=ratio,
                       two_workers_trials_per_minute=two, two_workers_ratio=scaling, overhead_ms=overhead)
        best = {}
        for sampler in ("tpe", "random"):
            values = [best_after(search_file(trials, epochs, sampler, seed), folder / f"{sampler}-{seed}")
                      for seed in range(seeds)]
            best[sampler] = statistics.median(values)
            report(f"  best test accuracy after {trials} trials, {sampler}: median {best[sampler]:.4f} over "
                   f"{seeds} seeds ({', '.join(f'{v:.3f}' for v in values)})")
        verdict = "not worse" if best["tpe"] >= best["random"] else "WORSE"
        report(f"  TPE is {verdict} than random search")
        figures.update(tpe_median_best=best["tpe"], random_median_best=best["random"])
    return figures
