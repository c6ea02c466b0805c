"""The `playground` command: no arguments (or a project file) opens the window; `train`, `export`,
`info`, `bench`.

Exit status: 0 success, 2 bad input (one line on stderr, `error: ...`), 1 an internal fault,
130 interrupted. Importing this module loads neither Qt nor torch; the commands import what they
need.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path
from typing import Sequence

from playground import __version__
from playground.core.errors import PlaygroundError
from playground.core.training.callbacks import Callback

COMMANDS = ("train", "export", "serve", "search", "runs", "info", "bench", "download")
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one `error:` line, exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise PlaygroundError(f"{message} (see '{self.prog} --help')")


def _parser() -> argparse.ArgumentParser:
    from playground.core.data.download import SOURCES
    from playground.core.io.formats import FORMATS, REPOSITORIES

    parser = _Parser(prog="playground", usage="%(prog)s [-h] [--version] [--self-test] [PROJECT.json | COMMAND ...]",
                     description="Neural Playground: build, train and export small neural networks. "
                     "Without a command, opens the window; with PROJECT.json, opens that project in it.",
                     epilog="PROJECT.json: a project file (or a run folder's project.json) to open in the window.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--self-test", action="store_true",
                        help="open the window offscreen, train the default example a few epochs, export ONNX, "
                             "exit 0 when all worked (proves an installation or a bundle)")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    train = sub.add_parser("train", help="train a project headless and write a run folder")
    train.add_argument("project", help="project file (JSON)")
    train.add_argument("--epochs", type=int, help="epochs to train (default: the project's)")
    train.add_argument("--seed", type=int, help="training seed (weights, dropout, shuffling)")
    train.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    train.add_argument("--output", help="run folder to write (default: runs/<project name>)")
    train.add_argument("--threads", type=int, help="torch threads (default: cores − 1)")
    train.add_argument("--quiet", action="store_true", help="print nothing but errors")
    train.add_argument("--checkpoint-every", type=int, default=0, metavar="N",
                       help="write DIR/checkpoint.json (resumable) every N epochs")
    train.add_argument("--tensorboard", action="store_true", help="also write TensorBoard event files into DIR "
                       "(as training.tensorboard: true in the project does)")
    train.add_argument("--patience", type=int, default=0, metavar="N",
                       help="stop early once the test loss has not improved for N epochs")

    export = sub.add_parser("export", help="export a trained run as a model file")
    export.add_argument("run", help="run folder written by 'playground train'")
    export.add_argument("--format", required=True, choices=FORMATS + REPOSITORIES)
    export.add_argument("--output", required=True, help="file to write (triton: the model repository folder)")
    export.add_argument("--with-training", action="store_true",
                        help="python only: also write <name>_train.py that reproduces the run")

    from playground.serving.command import add_serve_command

    add_serve_command(sub)
    from playground.experiments.command import add_commands

    add_commands(sub)

    sub.add_parser("info", help="versions, torch threads and the devices found")

    download = sub.add_parser("download", help="download MNIST, Fashion-MNIST, KMNIST or CIFAR-10 (needs internet)")
    download.add_argument("dataset", choices=tuple(SOURCES))
    download.add_argument("--to", help="folder to write (default: the user data folder)")
    download.add_argument("--url", help=argparse.SUPPRESS)  # another mirror (tests use a local server)

    from playground.bench.command import add_bench_command

    add_bench_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if getattr(sys, "frozen", False):  # the bundle: a search's worker processes start through this binary
        import multiprocessing

        multiprocessing.freeze_support()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if len(argv) == 1 and argv[0] not in COMMANDS and not argv[0].startswith("-"):
            return _open_window(argv[0])  # playground PROJECT.json
        args = _parser().parse_args(argv)
        if args.self_test:
            from playground.gui.self_test import self_test

            return self_test()
        if args.command is None:
            return _open_window(startup_probe=args.startup_probe)
        if args.command == "serve":
            from playground.serving.command import serve

            return serve(args)
        if args.command in ("search", "runs"):
            from playground.experiments import command

            return getattr(command, args.command)(args)
        if args.command == "bench":
            from playground.bench.command import bench

            return bench(args)
        return {"train": _train, "export": _export, "info": _info, "download": _download}[args.command](args)
    except PlaygroundError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `playground runs DIR | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as err:  # an internal fault: say so plainly; details on demand
        if os.environ.get("PLAYGROUND_DEBUG"):
            raise
        print(f"internal error: {type(err).__name__}: {err} (set PLAYGROUND_DEBUG=1 for details)", file=sys.stderr)
        return EXIT_INTERNAL


def _open_window(project: str | None = None, startup_probe: bool = False) -> int:
    if project is not None and not Path(project).exists():  # anything else is a message in the window
        raise PlaygroundError(f"{project}: no such project file (or command; see 'playground --help')")
    if (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        raise PlaygroundError("no display to open the window on (DISPLAY is not set); use the commands "
                              "(see 'playground --help'), or QT_QPA_PLATFORM=offscreen")
    try:
        from playground.gui.app import run
    except ImportError as err:
        raise PlaygroundError(f"the window cannot start: {err}. Install the app with the README's "
                              "first command, or use the commands (see 'playground --help').") from None
    return run(project, startup_probe)


def _positive(value: int | None, name: str) -> None:
    if value is not None and value < 0:
        raise PlaygroundError(f"{name} must be ≥ 0, not {value}")


def _train(args: argparse.Namespace) -> int:
    from playground.core.io.project import load_project, load_state

    project = load_project(args.project)
    state = load_state(args.project, project)  # a project saved with its weights resumes
    _positive(args.epochs, "--epochs")
    _positive(args.checkpoint_every, "--checkpoint-every")
    _positive(args.patience, "--patience")
    _positive(args.seed, "--seed")
    if args.threads is not None and args.threads < 1:
        raise PlaygroundError(f"--threads must be ≥ 1, not {args.threads}")
    changes = {k: v for k, v in (("epochs", args.epochs), ("seed", args.seed), ("device", args.device)) if v is not None}
    if changes:
        project = project.with_training(**changes)
    if project.training.epochs == 0:
        raise PlaygroundError("training.epochs is 0 (train until stopped), which suits the window; "
                              "give --epochs N on the command line")
    output = Path(args.output) if args.output else Path("runs") / Path(args.project).stem
    if output.exists() and not output.is_dir():
        raise PlaygroundError(f"--output {output}: exists and is not a folder")

    import torch

    from playground.core.devices import default_threads, limit_blas_threads
    from playground.core.io.run_folder import RunFolderLock
    from playground.core.training import Trainer

    limit_blas_threads()
    torch.set_num_threads(args.threads or default_threads())
    trainer = Trainer(project)
    if state is not None:
        trainer.load_state(state)
        if not args.quiet:
            print(f"resuming from epoch {trainer.epoch}", file=sys.stderr)
    with RunFolderLock(output):
        last, interrupted, metrics = _train_into(trainer, project, output, args)
    if interrupted:
        print(f"interrupted at epoch {trainer.epoch}; the run so far is in {output}", file=sys.stderr)
        return 130
    if last is not None and last.kind == "diverged":
        print(f"error: {last.message} The run is in {output}.", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not args.quiet:
        if metrics.get("stopped_early"):
            print(f"stopped early: {metrics['stopped_early']}", file=sys.stderr)
        print(f"trained {metrics['epochs']} epochs in {metrics['seconds']:.1f} s: {_summary(metrics)}; "
              f"run written to {output}")
    return 0


def _train_into(trainer, project, output: Path, args: argparse.Namespace):
    """Train (checkpointing into `output` every N epochs), then write the run folder whole.
    Ctrl+C stops between two steps, through the trainer's control, so the run folder (and its
    resumable state) is exactly where training stopped. Returns (the last snapshot, whether
    Ctrl+C interrupted it, the metrics written)."""
    import signal

    from playground.core.io.project import save_project
    from playground.core.io.rundir import write_run
    from playground.core.training import Checkpoint, EarlyStopping

    interrupted = []

    def on_interrupt(signum, frame) -> None:
        interrupted.append(signum)
        trainer.control.stop()

    checkpoint = Checkpoint(args.checkpoint_every,
                            lambda t: save_project(project, output / "checkpoint.json", t.state()))
    callbacks = [ProgressBar(project.training.epochs, quiet=args.quiet), checkpoint]
    board = None
    if args.tensorboard or project.training.tensorboard:
        from playground.experiments.tensorboard import TensorBoardLog

        board = TensorBoardLog(output, {f"training.{k}": v for k, v in project.training.to_dict().items()})
        callbacks.append(board)
    early = EarlyStopping(args.patience) if args.patience else None
    if early is not None:
        callbacks.append(early)
    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        last = trainer.run(callbacks=callbacks)
    finally:
        signal.signal(signal.SIGINT, previous)
        callbacks[0].close()
    metrics = trainer.metrics()
    if board is not None:
        board.close(metrics)
    if last is not None and last.kind == "diverged":
        metrics["diverged"] = last.message
    if early is not None and early.stopped_epoch and not interrupted:
        metrics["stopped_early"] = (f"at epoch {trainer.epoch}: the test loss had not improved for "
                                    f"{args.patience} epochs (best {early.best:.4g})")
    write_run(output, project, trainer.state_dict(), trainer.history, metrics, trainer.state())
    return last, bool(interrupted), metrics


def _summary(metrics: dict) -> str:
    parts = [f"train loss {metrics['train_loss']:.4g}", f"test loss {metrics['test_loss']:.4g}"]
    if metrics.get("test_accuracy") is not None:
        parts.append(f"test accuracy {metrics['test_accuracy']:.3f}")
    if metrics.get("test_r2") is not None:
        parts.append(f"test R² {metrics['test_r2']:.3f}")
    return ", ".join(parts)


class ProgressBar(Callback):
    """A progress bar on a terminal, plain lines (about ten) otherwise, nothing when quiet."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.total, self.quiet = total, quiet
        self.tty = sys.stderr.isatty()
        self.last_draw = 0.0
        self.every = max(1, total // 10)

    def on_epoch_end(self, trainer, snap) -> None:
        if self.quiet or snap.kind != "epoch":
            return
        test = f"{snap.test_loss:.4g}" if math.isfinite(snap.test_loss) else "–"  # not measured this epoch
        text = f"epoch {snap.epoch}/{self.total}  train {snap.train_loss:.4g}  test {test}"
        if snap.test_accuracy is not None:
            text += f"  acc {snap.test_accuracy:.3f}"
        if self.tty:
            now = time.monotonic()
            if now - self.last_draw < 0.1 and snap.epoch != self.total:
                return
            self.last_draw = now
            width = 24
            filled = int(width * snap.epoch / self.total)
            print(f"\r[{'#' * filled}{'.' * (width - filled)}] {text}", end="", file=sys.stderr, flush=True)
        elif snap.epoch % self.every == 0 or snap.epoch == self.total:
            print(text, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.tty and not self.quiet:
            print(file=sys.stderr)


def _export(args: argparse.Namespace) -> int:
    from playground.core.io.export import export_model
    from playground.core.io.rundir import load_run

    if args.with_training and args.format != "python":
        raise PlaygroundError("--with-training goes with --format python")
    if args.format == "triton":
        from playground.serving.command import export_repository

        return export_repository(args)
    output = Path(args.output)
    if output.is_dir():
        raise PlaygroundError(f"--output {output}: is a folder; give a file name")
    run = load_run(args.run)
    result = export_model(run.model, run.project, args.format, output, run.dataset, with_training=args.with_training)
    files = ", ".join(str(f) for f in result.files)
    print(f"exported {args.format}: {files} (read back and checked on batches of "
          f"{' and '.join(str(b) for b in result.checked_batches)}; largest difference {result.max_difference:.2g})")
    return 0


def _info(args: argparse.Namespace) -> int:
    import platform
    from importlib import metadata

    import torch

    from playground.core.devices import default_threads, list_devices

    print(f"Neural Playground {__version__}")
    print(f"Python {platform.python_version()} on {platform.system()} {platform.machine()}")
    for package in ("torch", "numpy", "safetensors", "onnx", "onnxruntime", "onnxscript", "PySide6-Essentials",
                    "pyqtgraph"):
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = "not installed"
        print(f"{package}: {version}")
    print(f"torch threads: {torch.get_num_threads()} (training uses {default_threads()}: cores − 1)")
    print("devices:")
    for device in list_devices():
        print(f"  {device.name}: {device.description}")
    return 0


def _download(args: argparse.Namespace) -> int:
    from playground.core.data.download import download

    folder = download(args.dataset, args.to, base_url=args.url)
    print(f"{args.dataset}: ready in {folder} (choose this folder in the Data panel, or use it as data.path)")
    return 0
