"""A trial's picture for the Experiments panel: its trained model's decision boundary over its
data (2-D data sets and tables), or its confusion matrix on the test split (images, sequences),
made from the trial's run folder on the CPU (the window runs it on a pool thread)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from playground.core.views import DataUpdate


@dataclass
class TrialPreview:
    name: str
    data: DataUpdate
    boundary: object | None = None        # a core.probes.BoundaryProbe
    confusion: np.ndarray | None = None   # classes × classes counts on the test split


def trial_preview(folder: str | Path) -> TrialPreview:
    """The preview of the run in `folder` (a PlaygroundError when it cannot be read)."""
    from playground.core.io.project import load_project, load_state
    from playground.core.training import Trainer
    from playground.core.views import ViewRequest, boundary, data_update

    folder = Path(folder)
    project = load_project(folder / "project.json")
    state = load_state(folder / "project.json", project)
    trainer = Trainer(project, device="cpu")
    if state is not None:
        trainer.load_state(state)
    picture = boundary(trainer, ViewRequest())
    confusion = None
    if picture is None and trainer.dataset.task == "classification":
        confusion = trainer.confusion_matrix()
    return TrialPreview(folder.name, data_update(trainer), picture, confusion)
