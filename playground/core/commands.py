"""The commands a front end sends to a training session's thread (gui.controllers.worker queues them): plain,
typed values, one class each, handled by `match` on their class."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from playground.core.model.spec import Project


@dataclass(frozen=True)
class Configure:
    """Train `project` from now on; keep the trained weights if its architecture allows
    (`keep_weights`), or resume from a saved TrainingState (`state`)."""

    project: Project
    keep_weights: bool
    data_changed: bool = True
    state: Any = None


@dataclass(frozen=True)
class Play:
    """Train until paused or the spec's epochs are done."""


@dataclass(frozen=True)
class Step:
    """Train one epoch, then stay paused."""


@dataclass(frozen=True)
class Reset:
    """Fresh weights, the same project."""


@dataclass(frozen=True)
class Refresh:
    """Send the views an update now (what they show changed)."""


@dataclass(frozen=True)
class SetParameter:
    """Set one weight or bias of a dense layer between two steps."""

    layer: int
    name: str
    index: tuple[int, ...]
    value: float


@dataclass(frozen=True)
class SetThreads:
    threads: int


@dataclass(frozen=True)
class RevertToBest:
    """Put back the weights of the epoch with the lowest test loss."""


@dataclass(frozen=True)
class ExportRequest:
    format: str
    path: Path
    with_training: bool = False


@dataclass(frozen=True)
class Export:
    request: ExportRequest


@dataclass(frozen=True)
class Autosave:
    """Save `project` with the trained state to `path`; the answer comes as a signal."""

    path: Path
    project: Project


@dataclass(frozen=True)
class Call:
    """Run `job(session)` on the training thread between two steps; its result goes into
    `result` and `done` is set (the caller waits on it)."""

    job: Callable[[Any], Any]
    done: threading.Event = field(default_factory=threading.Event)
    result: list = field(default_factory=list)


@dataclass(frozen=True)
class Quit:
    """End the training thread."""
