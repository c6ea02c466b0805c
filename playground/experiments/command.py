"""`playground search FILE` and `playground runs DIR`: the command line's experiment commands
(their arguments are added to cli.py's parser here; running them imports torch and Optuna)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from playground.core.errors import PlaygroundError


def add_commands(sub) -> None:
    search = sub.add_parser("search", help="search hyper-parameters on Optuna: every trial a run folder")
    search.add_argument("file", help="a search file: a project with a \"search\" section")
    search.add_argument("--trials", type=int, help="the study's total of trials (default: the file's)")
    search.add_argument("--workers", type=int, help="trial processes (default: the cores, at most the trials)")
    search.add_argument("--output", help="the study's folder (default: runs/<file name>)")
    search.add_argument("--storage", help="an Optuna storage URL (default: a journal file in the output)")
    search.add_argument("--worker-only", action="store_true",
                        help="only work on the study in --storage (another machine started it): no table at the end")
    search.add_argument("--quiet", action="store_true", help="print nothing but errors")
    runs = sub.add_parser("runs", help="the trials of a search as a table, best first; "
                          "'runs compare RUN RUN…' shows what differs")
    runs.add_argument("folders", nargs="+", metavar="DIR", help="a search's output folder; or compare RUN RUN…")
    runs.add_argument("--sort", metavar="COLUMN", help="sort by this column instead of best first")
    runs.add_argument("--json", action="store_true", help="the rows as JSON (for scripts)")


def _worker(file: str, output: str, storage: str | None, trials: int, quiet: bool, worker: int = 0) -> bool:
    """One trial process: one torch thread, trials until the study has its total; Ctrl+C (SIGINT)
    or SIGTERM stops the running trial, which is queued again for the next run. Whether it was stopped."""
    import signal

    import torch

    from playground.core.devices import limit_blas_threads
    from playground.experiments.space import load_search
    from playground.experiments.study import Interruption, run_search

    limit_blas_threads()
    torch.set_num_threads(1)
    interruption = Interruption()
    before = {sig: signal.signal(sig, interruption.request) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        project, search, _ = load_search(file)
        _warm_up(project)
        run_search(project, search, Path(output), storage, trials, report=(lambda text: None) if quiet else print,
                   interruption=interruption, worker=worker)
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
    return interruption.requested


def _warm_up(project) -> None:
    """Build the project once before the first trial: a process's first Trainer costs ~2 s (torch
    and the fast path getting ready), which would otherwise land in its first trial's time."""
    from playground.core.training import Trainer

    try:
        Trainer(project)
    except (PlaygroundError, RuntimeError, MemoryError):
        pass  # the trials will say what is wrong with their own projects


def search(args: argparse.Namespace) -> int:
    from playground.experiments.runs import table
    from playground.experiments.space import load_search
    from playground.experiments.study import open_study, record_results

    project, plan, _ = load_search(args.file)
    trials = args.trials or plan.trials
    if trials < 1:
        raise PlaygroundError(f"--trials must be ≥ 1, not {trials}")
    workers = args.workers or min(os.cpu_count() or 1, trials)
    if workers < 1:
        raise PlaygroundError(f"--workers must be ≥ 1, not {workers}")
    if args.worker_only and not args.storage:
        raise PlaygroundError("--worker-only joins a study in a database: give --storage postgresql://…")
    output = Path(args.output) if args.output else Path("runs") / Path(args.file).stem
    if output.exists() and not output.is_dir():
        raise PlaygroundError(f"--output {output}: exists and is not a folder")
    if args.storage is None:  # retry the trials a killed search left running, before any worker starts
        from playground.experiments.workers import recover_stale

        for number in recover_stale(open_study(plan, output), output):
            if not args.quiet:
                print(f"trial {number}: its worker was stopped; queued again")
    else:
        open_study(plan, output, args.storage)  # made once, before the workers share it
    work = (args.file, str(output), args.storage, trials, args.quiet)
    first = os.getpid() % 100_000 * 64 if args.worker_only else 0  # another machine's workers: other seeds
    stopped = _worker(*work, first) if workers == 1 else _run_processes(workers, work, first)
    study = open_study(plan, output, args.storage)
    record_results(study, output)
    if not args.quiet and not args.worker_only:
        print(table(output))
    if stopped:
        print(f"stopped: the same command continues the study in {output}", file=sys.stderr)
        return 130
    return 0 if any(t.state.name == "COMPLETE" for t in study.get_trials(deepcopy=False)) else 1


def _run_processes(workers: int, work: tuple, first: int) -> bool:
    """`workers` trial processes; Ctrl+C reaches them too (one process group): wait for them to
    stop. Whether they were stopped."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_worker, args=(*work, first + index)) for index in range(workers)]
    for process in processes:
        process.start()
    stopped = False
    for process in processes:
        while True:
            try:
                process.join()
                break
            except KeyboardInterrupt:  # the workers stop their trials; wait for them
                stopped = True
    return stopped


def runs(args: argparse.Namespace) -> int:
    import json

    from playground.experiments.runs import compare, table, trial_rows

    compare_mode = args.folders[0] == "compare"
    folders = [Path(f) for f in (args.folders[1:] if compare_mode else args.folders)]
    for folder in folders:
        if not folder.is_dir():
            raise PlaygroundError(f"{folder}: not a folder (give a search's output or run folders)")
    if compare_mode:
        if len(folders) < 2:
            raise PlaygroundError("runs compare needs two or more run folders")
        print(compare(folders))
        return 0
    for folder in folders:
        if args.json:
            rows, search = trial_rows(folder)
            print(json.dumps({"folder": str(folder), "search": search, "runs": rows}, indent=2))
            continue
        try:
            print(table(folder, args.sort))
        except ValueError as err:
            raise PlaygroundError(str(err)) from None
    return 0
