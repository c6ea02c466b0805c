"""A training session: the one trainer a front end drives, on the thread that trains it. It
turns commands (core.commands) into trainers, runs them, and answers with what the views need
(core.views); it knows nothing of Qt. gui.controllers.worker is a QThread, a queue and a throttle around it.

Every method runs on the training thread. A new project reuses the data set it already has when
only the training or the model changed (no file is read again), and carries the trained weights
over when the architecture allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from playground.core.commands import Configure, ExportRequest
from playground.core.errors import PlaygroundError
from playground.core.model.spec import Project
from playground.core.views import DataUpdate, TrainingUpdate, ViewRequest, data_update, table_axes, table_boundary, \
    training_update


@dataclass(frozen=True)
class Configured:
    """What configuring did: `restarted` (a new history with fresh or loaded weights, not the
    previous one carried on), `data` (the data set as the views draw it, when they need it again)
    and `warning` (a saved state that could not be used, in words; "" when none)."""

    restarted: bool
    data: DataUpdate | None
    warning: str = ""


class Session:
    """The trainer of a front end (None until a project could be configured)."""

    def __init__(self) -> None:
        self.trainer = None  # core.training.Trainer
        self.views = ViewRequest()
        self._drawn_axes: tuple[int, int] | None = None

    def configure(self, command: Configure) -> Configured:
        """Train `command.project` from now on. Raises PlaygroundError when it cannot be trained
        (then there is no trainer until the next configure)."""
        from playground.core.training import Trainer

        previous, self.trainer = self.trainer, None
        reuse = (previous is not None and not command.data_changed
                 and previous.project.data == command.project.data)
        trainer = Trainer(command.project, dataset=previous.dataset if reuse else None)
        restarted, warning = True, ""
        if command.state is not None:
            try:
                trainer.load_state(command.state)
            except PlaygroundError as err:
                warning = f"The saved weights could not be used ({err}); training starts afresh."
        elif (command.keep_weights and previous is not None and previous.epoch > 0
              and trainer.same_architecture(previous)):
            trainer.adopt(previous)
            restarted = False
        self.trainer = trainer
        data = None
        if command.data_changed or previous is None:
            data = self.data()
        return Configured(restarted, data, warning)

    def reset(self) -> Configured | None:
        """Fresh weights for the same project (None when there is no trainer)."""
        if self.trainer is None:
            return None
        return self.configure(Configure(self.trainer.project, keep_weights=False, data_changed=False))

    def run(self, epochs: int | None, callbacks: Sequence = ()):
        """Train `epochs` more epochs (None: until the spec's end, or stopped); the last snapshot.
        A stop requested before this call ends it at once (clear it first to train anyway)."""
        return self.trainer.run(epochs, callbacks=callbacks)

    def data(self, axes: tuple[int, int] | None = None) -> DataUpdate:
        """The data set as the views draw it (a table's points on `axes`, or the requested ones)."""
        trainer = self.trainer
        if axes is None and table_boundary(trainer):
            axes = table_axes(trainer, self.views)
        self._drawn_axes = axes
        return data_update(trainer, axes)

    def update(self, snapshots: list, restarted: bool = False,
               slow_views: bool = True) -> tuple[DataUpdate | None, TrainingUpdate]:
        """(the data set again when a table's drawn columns changed, else None; what the views
        asked for after `snapshots`)."""
        trainer = self.trainer
        data = None
        if self.views.boundary and table_boundary(trainer) and table_axes(trainer, self.views) != self._drawn_axes:
            data = self.data()
        return data, training_update(trainer, self.views, snapshots, restarted, slow_views)

    def revert_to_best(self) -> str:
        """Put back the best epoch's weights; says what happened, in words."""
        epoch = self.trainer.revert_to_best()
        return (f"Reverted to the weights of epoch {epoch}, the lowest test loss so far." if epoch
                else "No epoch has finished yet: nothing to revert to.")

    def save(self, path: Path, project: Project) -> str:
        """Save `project`, with the trained state when it fits, to `path`; an error message or ""."""
        from playground.core.io.project import save_project

        trainer = self.trainer
        fits = trainer is not None and trainer.epoch + trainer.step > 0 and trainer.project.same_architecture(project)
        try:
            save_project(project, path, trainer.state() if fits else None)
        except OSError as err:
            return f"could not write {path}: {err.strerror or err}"
        except (ValueError, UnicodeError, TypeError, PlaygroundError) as err:  # a value JSON cannot hold
            return f"the project cannot be written as it is ({err}); nothing was saved"
        return ""

    def write_history(self, path: Path) -> str:
        """The whole training history as CSV at `path`; an error message or ""."""
        from playground.core.io.jsonfile import write_atomic
        from playground.core.io.rundir import history_csv

        trainer = self.trainer
        if trainer is None or not trainer.history:
            return "no epoch has been trained yet"
        try:
            write_atomic(path, history_csv(trainer.history).encode())
        except OSError as err:
            return f"could not write {path}: {err.strerror or err}"
        return ""

    def export(self, request: ExportRequest):
        """Export the trained model (core.io.export); raises PlaygroundError with the reason."""
        from playground.core.io.export import export_model

        trainer = self.trainer
        if trainer is None:
            raise PlaygroundError("There is no model to export yet: fix the network first.")
        try:
            return export_model(trainer.model, trainer.project, request.format, request.path,
                                trainer.dataset, with_training=request.with_training)
        finally:
            trainer.model.to(trainer.device)
