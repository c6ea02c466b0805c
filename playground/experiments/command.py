"""`playground search FILE` and `playground runs DIR`: the command line's experiment commands
(their arguments are added to cli.py's parser here; running them imports torch and Optuna)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from playground.core.errors import PlaygroundError


def add_commands(sub) -> None:
    search = sub.add_parser("search", help="search hyper-parameters on Optuna: every trial a run folder")
    search.add_argument("file", help="a search file: a project with a \"search\" section")
    search.add_argument("--trials", type=int, help="the study's total of trials (default: the file's)")
    search.add_argument("--workers", type=int, help="trial processes (default: the cores, at most the trials)")
    search.add_argument("--output", help="the study's folder (default: runs/<file name>)")
    search.add_argument("--storage", help="an Optuna storage URL (default: a journal file in the output)")
    search.add_argument("--quiet", action="store_true", help="print nothing but errors")
    runs = sub.add_parser("runs", help="the trials of a search as a table, best first; "
                          "'runs compare RUN RUN…' shows what differs")
    runs.add_argument("folders", nargs="+", metavar="DIR", help="a search's output folder; or compare RUN RUN…")
    runs.add_argument("--sort", metavar="COLUMN", help="sort by this column instead of best first")
    runs.add_argument("--json", action="store_true", help="the rows as JSON (for scripts)")


def _worker(file: str, output: str, storage: str | None, trials: int, quiet: bool) -> None:
    """One trial process: one torch thread, trials until the study has its total."""
    import torch

    from playground.core.devices import limit_blas_threads
    from playground.experiments.space import load_search
    from playground.experiments.study import run_search

    limit_blas_threads()
    torch.set_num_threads(1)
    project, search, _ = load_search(file)
    run_search(project, search, Path(output), storage, trials, report=(lambda text: None) if quiet else print)


def search(args: argparse.Namespace) -> int:
    from playground.experiments.runs import table
    from playground.experiments.space import load_search
    from playground.experiments.study import open_study

    project, plan, _ = load_search(args.file)
    trials = args.trials or plan.trials
    if trials < 1:
        raise PlaygroundError(f"--trials must be ≥ 1, not {trials}")
    workers = args.workers or min(os.cpu_count() or 1, trials)
    if workers < 1:
        raise PlaygroundError(f"--workers must be ≥ 1, not {workers}")
    output = Path(args.output) if args.output else Path("runs") / Path(args.file).stem
    if output.exists() and not output.is_dir():
        raise PlaygroundError(f"--output {output}: exists and is not a folder")
    open_study(plan, output, args.storage)  # made once, before the workers share it
    if workers == 1:
        _worker(args.file, str(output), args.storage, trials, args.quiet)
    else:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        processes = [context.Process(target=_worker, args=(args.file, str(output), args.storage, trials, args.quiet))
                     for _ in range(workers)]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
    from playground.experiments.study import link_best

    study = open_study(plan, output, args.storage)
    link_best(study, output)
    if not args.quiet:
        print(table(output))
    return 0 if any(t.state.name == "COMPLETE" for t in study.get_trials(deepcopy=False)) else 1


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
