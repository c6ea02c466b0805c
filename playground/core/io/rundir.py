"""The run folder `playground train` writes and `playground export` reads:

    project.json       the resolved project (every default filled in), with its training state
                       beside it: `playground train DIR/project.json --epochs M` resumes
    model.safetensors  the trained weights
    history.csv        one row of metrics per epoch
    metrics.json       the final metrics (epochs, train_loss, test_loss, seconds, accuracy...)

The folder is written whole or not at all, by one process at a time (core.io.run_folder); weights are read only through safetensors (never unpickled)
and checked against the model the project describes.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import torch
from torch import nn

from playground.core.model.build import build_model
from playground.core.data import Dataset, make_dataset
from playground.core.errors import PlaygroundError
from playground.core.io.jsonfile import write_atomic, write_json
from playground.core.io.project import load_project, read_safetensors, save_project
from playground.core.io.run_folder import replace_folder
from playground.core.model.shapes import analyze, output_activation
from playground.core.model.spec import Project
from playground.core.training import HISTORY_FIELDS, Snapshot

MAX_WEIGHTS_BYTES = 4 * 2**30


def save_weights(state: dict[str, torch.Tensor], path: str | os.PathLike, project: Project | None = None) -> None:
    from safetensors.torch import save

    metadata = {"format": "neural-playground-weights"}
    if project is not None:
        metadata["project"] = json.dumps(project.to_dict())
    write_atomic(path, save({k: v.detach().cpu().contiguous() for k, v in state.items()}, metadata=metadata))


def load_weights(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Tensors from a safetensors file; any problem is a PlaygroundError."""
    return read_safetensors(path, MAX_WEIGHTS_BYTES)[0]


def load_state_into(model: nn.Module, tensors: dict[str, torch.Tensor], source: str) -> None:
    """Copy weights into `model`, refusing missing, unexpected, mis-shaped or non-finite tensors."""
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing or extra:
        raise PlaygroundError(f"{source}: the weights do not fit this model (missing: {missing[:3] or 'none'}, "
                              f"unexpected: {extra[:3] or 'none'})")
    for key, value in tensors.items():
        if value.shape != expected[key].shape:
            raise PlaygroundError(f"{source}: {key} has shape {tuple(value.shape)}, the model needs "
                                  f"{tuple(expected[key].shape)}")
        if value.is_floating_point() and not torch.isfinite(value).all():
            raise PlaygroundError(f"{source}: {key} contains NaN or infinite values")
    model.load_state_dict({k: v.to(expected[k].dtype) for k, v in tensors.items()})


def history_csv(history: Sequence[Snapshot]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HISTORY_FIELDS)
    for snap in history:
        row = snap.to_dict()
        writer.writerow(["" if row[c] is None else row[c] for c in HISTORY_FIELDS])
    return out.getvalue()


def write_run(folder: str | os.PathLike, project: Project, weights: dict[str, torch.Tensor],
              history: Sequence[Snapshot], metrics: dict, training_state=None, extra: dict[str, dict] | None = None) -> None:
    """Write the run folder whole or not at all (core.io.run_folder.replace_folder; checkpoints
    and TensorBoard event files already in it are kept); with `training_state`, project.json can be trained on (resumed).
    Non-finite metrics are written as null; `extra`: more JSON files (name → content) in the folder."""
    folder = Path(folder)

    def fill(partial: Path) -> None:
        save_weights(weights, partial / "model.safetensors", project)
        write_atomic(partial / "history.csv", history_csv(history).encode())
        write_json(partial / "metrics.json", {k: _finite_or_none(v) for k, v in metrics.items()})
        save_project(project, partial / "project.json", training_state)
        for name, content in (extra or {}).items():
            write_json(partial / name, content)

    # checkpoints and TensorBoard's event files written during training stay in the folder
    keep = ([p.name for pattern in ("checkpoint*", "events.out.tfevents.*") for p in folder.glob(pattern)]
            if folder.is_dir() else [])
    replace_folder(folder, fill, keep)


def _finite_or_none(value):
    return None if isinstance(value, float) and not math.isfinite(value) else value


@dataclass
class LoadedRun:
    project: Project
    model: nn.Module
    dataset: Dataset
    encoding: str
    activation: str


def load_run(folder: str | os.PathLike) -> LoadedRun:
    """The project, the trained model (eval mode, CPU) and its data set from a run folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PlaygroundError(f"{folder}: not a run folder (expected a folder written by 'playground train')")
    for name in ("project.json", "model.safetensors"):
        if not (folder / name).is_file():
            raise PlaygroundError(f"{folder}: {name} is missing; is this a run folder from 'playground train'?")
    project = load_project(folder / "project.json")
    analysis = analyze(project)
    analysis.raise_error()
    dataset = make_dataset(project.data)
    model = build_model(project.model, dataset.input_shape)
    load_state_into(model, load_weights(folder / "model.safetensors"), str(folder / "model.safetensors"))
    return LoadedRun(project, model.eval(), dataset, analysis.encoding or "real", output_activation(project.model))
