"""`playground bench`: the Trainer's epochs/s against a bare eager PyTorch loop on the same model
and data, in the same process, for the TensorFlow Playground configurations (a), (b), (c).

The bare loop is what a person would write: zero_grad, forward, loss, backward, optimizer.step
over the same fixed-order mini-batches, without any per-epoch evaluation. The Trainer does its
full epoch (including measuring train and test loss and accuracy every epoch on the 2-D data
sets), on its fast path where that applies (core.fastpath), as the app trains.
"""

from __future__ import annotations

import time
from pathlib import Path
from dataclasses import dataclass
from typing import Callable

import torch

from playground.assets import EXAMPLES
from playground.core import probes
from playground.core.model.build import build_model, make_loss, make_optimizer
from playground.core.io.project import load_project
from playground.core.model.spec import Project
from playground.core.training import Trainer

#: The TensorFlow Playground's own speed on this kind of machine (shared/reference), epochs/s.
BROWSER_EPOCHS_PER_SECOND = {"a": 6514.0, "b": 601.0, "c": 2050.0}
#: Its time to recompute the 100×100 boundary and every neuron map of (b), milliseconds.
BROWSER_PROBE_MS = 42.8

#: Configurations that are graphs (branches and merges): the examples, trained as a bare loop over
#: the very module the app builds.
GRAPH_EXAMPLES = {"resnet": "digits-resnet.json", "skip": "spiral-skip.json"}
CONFIGS = ("a", "b", "c", "digits", *GRAPH_EXAMPLES)

_TF_INIT = {"init": {"name": "uniform", "low": -0.5, "high": 0.5}, "bias_init": {"name": "constant", "value": 0.1}}


def _dense(units: int, activation: str) -> dict:
    return {"type": "dense", "units": units, "activation": activation, **_TF_INIT}




def config(name: str) -> Project:
    """(a) circle [4,2] tanh; (b) spiral 6×8 tanh; (c) spiral, 7 features, [8,8] relu; 250 train
    points. "digits": the digits CNN example (1,437 training images, batch 32), in fixed order;
    "resnet", "skip": the graph examples digits-resnet and spiral-skip, likewise."""
    if name in GRAPH_EXAMPLES or name == "digits":
        raw = load_project(EXAMPLES / GRAPH_EXAMPLES.get(name, "digits-cnn.json")).to_dict()
        raw["training"].update({"epochs": 0, "shuffle": False, "device": "cpu"})
        return Project.from_dict(raw)
    if name == "a":
        data = {"dataset": "circle", "features": ["x1", "x2"]}
        layers = [_dense(4, "tanh"), _dense(2, "tanh"), _dense(1, "tanh")]
        training = {"learning_rate": 0.03, "batch_size": 10}
    elif name == "b":
        data = {"dataset": "spiral", "features": ["x1", "x2"]}
        layers = [_dense(8, "tanh") for _ in range(6)] + [_dense(1, "tanh")]
        training = {"learning_rate": 0.03, "batch_size": 10}
    elif name == "c":
        data = {"dataset": "spiral", "features": ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]}
        layers = [_dense(8, "relu"), _dense(8, "relu"), _dense(1, "tanh")]
        training = {"learning_rate": 0.01, "batch_size": 30}
    else:
        raise ValueError(f"unknown bench configuration {name!r}")
    return Project.from_dict({
        "format": "neural-playground-project", "version": 1,
        "data": {**data, "samples": 500, "train_fraction": 0.5, "noise": 0.0, "seed": 1},
        "model": {"layers": layers},
        "training": {"loss": "mse", "optimizer": "sgd", "epochs": 0, "seed": 0, "device": "cpu", **training}})


@dataclass
class BenchResult:
    config: str
    trainer_epochs_per_second: float
    bare_epochs_per_second: float
    path: str = ""

    @property
    def ratio(self) -> float:
        return self.trainer_epochs_per_second / self.bare_epochs_per_second

    @property
    def browser_ratio(self) -> float | None:
        browser = BROWSER_EPOCHS_PER_SECOND.get(self.config)
        return self.trainer_epochs_per_second / browser if browser else None

    def to_dict(self) -> dict:
        return {"config": self.config, "trainer_epochs_per_second": self.trainer_epochs_per_second,
                "bare_epochs_per_second": self.bare_epochs_per_second, "ratio": self.ratio,
                "browser_epochs_per_second": BROWSER_EPOCHS_PER_SECOND.get(self.config),
                "browser_ratio": self.browser_ratio, "path": self.path}


def _median_rates(loops: list[Callable[[int], None]], seconds: float, rounds: int = 5) -> list[float]:
    """Epochs per second of each loop: the epoch count calibrated to about seconds/rounds a
    round, the loops' rounds interleaved (so a slower moment of the machine hits all alike), the
    median of `rounds` rounds each."""
    import statistics

    counts = []
    for run in loops:
        run(2)  # warm-up
        n, start = 1, time.perf_counter()
        run(n)
        per_epoch = max(time.perf_counter() - start, 1e-6)
        counts.append(max(3, int(seconds / rounds / per_epoch)))
    rates: list[list[float]] = [[] for _ in loops]
    for _ in range(rounds):
        for run, n, out in zip(loops, counts, rates):
            start = time.perf_counter()
            run(n)
            out.append(n / (time.perf_counter() - start))
    return [statistics.median(r) for r in rates]


def bare_loop(project: Project) -> Callable[[int], None]:
    """A plain eager PyTorch loop over the same model, data and mini-batches."""
    trainer = Trainer(project)  # only for identical data tensors and targets
    model = build_model(project.model, trainer.dataset.input_shape, seed=project.training.seed)
    loss_fn = make_loss(project.training.loss, trainer.activation)
    optimizer = make_optimizer(project.training.optimizer, project.training.learning_rate, list(model.parameters()))
    xs = trainer.x_train.split(project.training.batch_size)
    ys = trainer.y_train.split(project.training.batch_size)

    def run(epochs: int) -> None:
        model.train()
        for _ in range(epochs):
            for xb, yb in zip(xs, ys):
                optimizer.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                optimizer.step()

    return run


def bench_config(name: str, seconds: float = 3.0) -> BenchResult:
    """The Trainer (on the fast path where it applies, its compilation awaited first) against the
    bare eager loop, median of 5 interleaved rounds each."""
    project = config(name)
    trainer = Trainer(project)
    trainer.fast_path_ready(wait=120)
    trainer_rate, bare_rate = _median_rates([lambda n: trainer.run(n), bare_loop(project)], seconds)
    return BenchResult(name, trainer_rate, bare_rate, trainer.path)


def probe_milliseconds(name: str = "b", repeats: int = 50) -> float:
    """Median time of what the live views need after an epoch of `name`: the 100×100 boundary and
    every neuron's map over the same grid (one hooked forward pass)."""
    import statistics

    trainer = Trainer(config(name))
    features = trainer.project.data.features
    times = []
    for _ in range(repeats + 3):
        start = time.perf_counter()
        probes.boundary_and_neurons(trainer.model, features, trainer.encoding, trainer.activation,
                                    resolution=probes.GRID_RESOLUTION)
        times.append(time.perf_counter() - start)
    return statistics.median(times[3:]) * 1000


def run_bench(configs: list[str], seconds: float, threads: int, report: Callable[[str], None] = print,
              json_path: Path | None = None) -> dict:
    """Measure, print a table with the goals of issue "Fast" beside the figures, and return (and
    optionally write as JSON) every figure."""
    from playground.core.devices import limit_blas_threads

    limit_blas_threads()
    torch.set_num_threads(threads)
    report(f"torch {torch.__version__}, {threads} thread(s); epochs/s, median of 5 interleaved rounds "
           f"(~{seconds:g} s per loop and configuration)")
    report("The trainer and the bare loop run side by side here; the browser figures are a reference "
           "measured once (shared/reference): a ratio to them holds only where both ran on the same "
           "machine in the same run.")
    report(f"{'config':<9}{'trainer':>10}{'bare loop':>11}{'ratio':>8}{'browser':>9}{'vs browser':>12}  path")
    results = []
    for name in configs:
        result = bench_config(name, seconds)
        results.append(result)
        browser = BROWSER_EPOCHS_PER_SECOND.get(name)
        versus = f"{browser:>9.0f}{result.browser_ratio:>12.2f}" if browser else f"{'–':>9}{'–':>12}"
        report(f"{'(' + name + ')':<9}{result.trainer_epochs_per_second:>10.1f}{result.bare_epochs_per_second:>11.1f}"
               f"{result.ratio:>8.2f}{versus}  {result.path}")
    out: dict = {"torch": torch.__version__, "threads": threads, "seconds": seconds,
                 "training": [r.to_dict() for r in results]}
    goals = []
    for r in results:
        if r.config in BROWSER_EPOCHS_PER_SECOND:
            goals.append((f"training ({r.config}) ≥ the browser's {BROWSER_EPOCHS_PER_SECOND[r.config]:.0f} epochs/s",
                          f"{r.trainer_epochs_per_second:.0f} epochs/s ({r.browser_ratio:.2f}×; {r.ratio:.1f}× bare)",
                          r.browser_ratio >= 1.0))
        elif r.config == "digits":
            goals.append(("digits CNN epoch ≤ 1.05× the bare loop", f"{1 / r.ratio:.3f}×", 1 / r.ratio <= 1.05))
        elif r.config in GRAPH_EXAMPLES:
            goals.append((f"graph {GRAPH_EXAMPLES[r.config]} ≥ 0.95× the bare loop", f"{r.ratio:.3f}×", r.ratio >= 0.95))
    if "b" in configs:
        ms = probe_milliseconds("b")
        out["probe_milliseconds_b"] = ms
        report(f"probes (b): boundary + every neuron map, 100×100, median {ms:.2f} ms "
               f"(browser {BROWSER_PROBE_MS} ms)")
        goals.append(("boundary + every neuron map of (b) ≤ 2 ms", f"{ms:.2f} ms", ms <= 2.0))
    if goals:
        report("")
        report(f"{'goal':<52}{'measured':<40}met")
        for goal, measured, met in goals:
            report(f"{goal:<52}{measured:<40}{'yes' if met else 'NO'}")
    out["goals"] = [{"goal": g, "measured": m, "met": bool(ok)} for g, m, ok in goals]
    if json_path is not None:
        import json

        from playground.core.io.jsonfile import write_atomic

        write_atomic(Path(json_path), (json.dumps(out, indent=2) + "\n").encode())
        report(f"written to {json_path}")
    return out
