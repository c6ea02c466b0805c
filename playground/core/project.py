"""Project files: load (validated, migrated) and save (atomically). The format is documented in
README.md; `spec.Project` holds the content."""

from __future__ import annotations

import os
from typing import Any

from playground.core.jsonfile import read_json, write_json
from playground.core.spec import Project


def migrate(raw: Any) -> Any:
    """Bring an older project version up to the current one. Version 1 is the first; later
    versions add their steps here, each from N to N+1."""
    return raw


def load_project(path: str | os.PathLike) -> Project:
    """Read and validate a project file; raises PlaygroundError (ValidationError) on any problem."""
    return Project.from_dict(migrate(read_json(path, "project")))


def save_project(project: Project, path: str | os.PathLike) -> None:
    write_json(path, project.to_dict())
