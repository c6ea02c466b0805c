"""`playground bench --api`: the Python API's `fit` against a bare eager PyTorch loop over the same
data, network and mini-batches (shuffled every epoch, as Keras does), epochs/s side by side in one
run: the XOR model of README's "Python API", a tutorial's 8-input 12-8-1 binary classifier on 768
rows, and the digits CNN (goal there: as fast as the bare loop, ≥ 0.95×). Each figure is the median of interleaved rounds of a warm `fit` call (the model built and
the fast path ready: what every fit after the first costs) against the bare loop."""

from __future__ import annotations

import statistics
import time

import numpy as np

GOAL_RATIO = 10.0
CNN_GOAL = 0.95


def _bare_loop(x: np.ndarray, y: np.ndarray, widths: list[tuple[int, str]], batch_size: int, lr: float):
    import torch
    from torch import nn

    torch.manual_seed(0)
    modules, inputs = [], x.shape[1]
    for units, activation in widths:
        modules += [nn.Linear(inputs, units), {"tanh": nn.Tanh(), "relu": nn.ReLU(), "sigmoid": nn.Sigmoid()}[activation]]
        inputs = units
    model = nn.Sequential(*modules)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, eps=1e-7)
    xs, ys = torch.as_tensor(x), torch.as_tensor(y, dtype=torch.float32).reshape(-1, 1)
    loss_fn = nn.BCELoss()

    def run(epochs: int) -> None:
        for _ in range(epochs):
            order = torch.randperm(len(xs))
            for xb, yb in zip(xs[order].split(batch_size), ys[order].split(batch_size)):
                optimizer.zero_grad()
                loss_fn(model(xb), yb).backward()
                optimizer.step()
    return run


def _bare_cnn(x: np.ndarray, y: np.ndarray, batch_size: int):
    """The digits CNN of the API's example as a person writes it in PyTorch (channels first)."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1),
                          nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10), nn.Softmax(dim=1))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)
    xs, ys = torch.as_tensor(np.ascontiguousarray(x.transpose(0, 3, 1, 2))), torch.as_tensor(y)

    def run(epochs: int) -> None:
        for _ in range(epochs):
            order = torch.randperm(len(xs))
            for xb, yb in zip(xs[order].split(batch_size), ys[order].split(batch_size)):
                optimizer.zero_grad()
                nn.functional.nll_loss(torch.log(model(xb).clamp_min(1e-12)), yb).backward()
                optimizer.step()
    return run


def _cnn_model():
    from playground.keras import Sequential, layers

    model = Sequential([layers.Conv2D(16, 3, padding="same", activation="relu", input_shape=(8, 8, 1)),
                        layers.MaxPooling2D(), layers.Conv2D(32, 3, padding="same", activation="relu"),
                        layers.GlobalAveragePooling2D(), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _case(name: str, x: np.ndarray, y: np.ndarray, widths: list[tuple[int, str]] | None, batch_size: int,
          seconds: float) -> dict:
    from playground.keras import Adam, Sequential, layers

    if widths is None:
        model, bare = _cnn_model(), _bare_cnn(x, y, batch_size)
    else:
        model = Sequential([layers.Dense(units, activation=act, **({"input_dim": x.shape[1]} if i == 0 else {}))
                            for i, (units, act) in enumerate(widths)])
        model.compile(optimizer=Adam(learning_rate=0.001), loss="binary_crossentropy", metrics=["accuracy"])
        bare = _bare_loop(x, y, widths, batch_size, 0.001)
    model.fit(x, y, epochs=2, batch_size=batch_size, verbose=0)
    model._trainer.fast_path_ready(wait=120)

    def fit(epochs: int) -> None:
        model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)

    counts = []
    for run in (fit, bare):
        start = time.perf_counter()
        run(3)
        counts.append(max(3, int(seconds / 3 / max(time.perf_counter() - start, 1e-6) * 3)))
    rates: list[list[float]] = [[], []]
    for _ in range(3):
        for k, run in enumerate((fit, bare)):
            start = time.perf_counter()
            run(counts[k])
            rates[k].append(counts[k] / (time.perf_counter() - start))
    fit_rate, bare_rate = statistics.median(rates[0]), statistics.median(rates[1])
    return {"case": name, "fit_epochs_per_second": fit_rate, "bare_epochs_per_second": bare_rate,
            "ratio": fit_rate / bare_rate, "path": model._trainer.path}


def run_api_bench(seconds: float = 3.0, report=print) -> dict:
    from playground.core.devices import limit_blas_threads

    import torch

    limit_blas_threads()
    torch.set_num_threads(1)
    xor_x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
    xor_y = np.array([0, 1, 1, 0])
    rng = np.random.default_rng(0)
    table_x = rng.normal(size=(768, 8)).astype("float32")
    table_y = (table_x[:, 0] + table_x[:, 1] * table_x[:, 2] - 0.5 * table_x[:, 3] > 0).astype("int64")
    cases = [_case("XOR, Dense 4 tanh → Dense 1 sigmoid, batch 4", xor_x, xor_y, [(4, "tanh"), (1, "sigmoid")], 4,
                   seconds),
             _case("768 rows × 8, Dense 12 relu → 8 relu → 1 sigmoid, batch 10", table_x, table_y,
                   [(12, "relu"), (8, "relu"), (1, "sigmoid")], 10, seconds)]
    from playground.keras import datasets

    (digits_x, digits_y), _ = datasets.digits.load_data()
    cnn = _case("digits CNN (1,437 images), conv 16 → pool → conv 32 → global pool → dense 10, batch 32",
                (digits_x / 16.0).astype("float32")[..., None], digits_y, None, 32, seconds)
    report(f"Python API fit against a bare eager PyTorch loop, epochs/s (torch {torch.__version__}, 1 thread):")
    for case, goal in [(case, GOAL_RATIO) for case in cases] + [(cnn, CNN_GOAL)]:
        case["goal"] = goal
        met = "met" if case["ratio"] >= goal else "NOT met"
        report(f"  {case['case']}: fit {case['fit_epochs_per_second']:,.1f}, bare {case['bare_epochs_per_second']:,.1f}"
               f" epochs/s = {case['ratio']:.2f}× (goal ≥ {goal:g}×: {met}); {case['path']}")
    return {"cases": cases + [cnn]}
