"""Shared fixtures. Qt runs offscreen (CI has no screen); torch uses one thread so two test
processes or a GUI thread never fight over the cores."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import contextlib  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)

EXAMPLES = Path(__file__).resolve().parent.parent / "assets" / "examples"

TF_INIT = {"init": {"name": "uniform", "low": -0.5, "high": 0.5}, "bias_init": {"name": "constant", "value": 0.1}}


def project_dict(dataset: str = "circle", layers: list | None = None, samples: int | None = None,
                 features: list | None = None, **training) -> dict:
    """A valid project as a dict; small by default so tests stay fast."""
    data = {"dataset": dataset, "noise": 0.0, "train_fraction": 0.5, "seed": 1,
            "features": features or ["x1", "x2"]}
    if samples is not None:
        data["samples"] = samples
    return {
        "format": "neural-playground-project", "version": 1, "data": data,
        "model": {"layers": layers or [{"type": "dense", "units": 4, "activation": "tanh", **TF_INIT},
                                       {"type": "dense", "units": 1, "activation": "tanh", **TF_INIT}]},
        "training": {"loss": "mse", "optimizer": "sgd", "learning_rate": 0.03, "batch_size": 10,
                     "epochs": 20, "seed": 0, "device": "cpu", **training},
    }


@pytest.fixture(scope="session", autouse=True)
def fast_path_built():
    """Build the fast path's kernel before any test: a trainer then uses it from its first epoch,
    so which path trains never depends on how quickly a background compile finished."""
    from playground.core import fastpath

    if fastpath.compiler() is not None:
        assert fastpath.KernelBuild.shared().wait(180), fastpath.KernelBuild.shared().error


@pytest.fixture
def write_project(tmp_path):
    """Write a project dict (or raw text or bytes) to a file and return its path."""
    def write(content, name: str = "project.json") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content if isinstance(content, str) else json.dumps(content))
        return path
    return write


@contextlib.contextmanager
def http_mirror(folder=None, handler=None):
    """A local HTTP server (serving `folder`, or answering with `handler`) for download tests;
    yields its URL and closes the port afterwards (then it plays "offline")."""
    import functools
    import http.server
    import threading

    handler = handler or functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()

