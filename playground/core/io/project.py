"""Project files: load (validated, migrated) and save (atomically), with the training state.

A project is one JSON file (the public format in README.md). When it holds trained weights, its
"state" key names a safetensors file beside it (weights, optimizer state, random streams, history:
see Trainer.state()). The state file gets a new name on every save and is written before the JSON
that points to it, so a crash at any moment leaves the old pair or the new pair, both complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from playground.core.errors import PlaygroundError
from playground.core.io.jsonfile import json_bytes, read_json, write_atomic
from playground.core.model.spec import Project
from playground.core.io.user_files import read_capped

STATE_FORMAT = "neural-playground-state"
MAX_STATE_BYTES = 4 * 2**30
_STATE_NAME = re.compile(r"^[\w.-]+\.state\.safetensors$")


def migrate(raw: Any) -> Any:
    """Bring an older project version up to the current one. Version 1 is the first; later
    versions add their steps here, each from N to N+1."""
    return raw


def load_project(path: str | os.PathLike) -> Project:
    """Read and validate a project file; raises PlaygroundError (ValidationError) on any problem.
    A relative data path that names a file or folder beside the project means that one (an example
    and its table travel together); any other is kept as written."""
    project = Project.from_dict(migrate(read_json(path, "project")))
    data = project.data.path
    if data and not Path(data).is_absolute():
        beside = Path(path).parent / data
        if beside.exists():
            project = replace(project, data=replace(project.data, path=str(beside.resolve())))
    return project


def save_project(project: Project, path: str | os.PathLike, state: Any = None) -> None:
    """Write the project (and, with a TrainingState, its weights and training state beside it)."""
    path = Path(path)
    raw = project.to_dict()
    raw.pop("state", None)
    data = name = None
    if state is not None:
        data = state_bytes(state)
        name = f"{path.stem}.{hashlib.sha256(data).hexdigest()[:12]}.state.safetensors"
        raw["state"] = {"file": name, "epoch": int(state.meta.get("epoch", 0))}
    text = json_bytes(raw)  # before anything is written: a value JSON cannot hold writes nothing
    if data is not None:
        write_atomic(path.with_name(name), data)
    write_atomic(path, text)
    _remove_stale_states(path, name)


def _remove_stale_states(path: Path, keep: str | None) -> None:
    for old in path.parent.glob(f"{glob_escape(path.stem)}.*.state.safetensors"):
        if old.name != keep:
            try:
                old.unlink()
            except OSError:
                pass


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def state_bytes(state: Any) -> bytes:
    from safetensors.torch import save

    metadata = {"format": STATE_FORMAT, "version": "1", "meta": json.dumps(state.meta, allow_nan=False)}
    return save(state.tensors, metadata=metadata)


def load_state(project_path: str | os.PathLike, project: Project):
    """The TrainingState a project file points to, or None if it has none. A missing, damaged or
    foreign state file is a PlaygroundError (the project itself stays usable)."""
    from playground.core.training import TrainingState

    ref = project.extra.get("state")
    if ref is None:
        return None
    if not isinstance(ref, dict) or not isinstance(ref.get("file"), str) or not _STATE_NAME.match(ref["file"]):
        raise PlaygroundError("state: must name a '<name>.state.safetensors' file beside the project")
    path = Path(project_path).with_name(ref["file"])
    tensors, metadata = read_safetensors(path, MAX_STATE_BYTES)
    if metadata.get("format") != STATE_FORMAT:
        raise PlaygroundError(f"{path.name}: not a Neural Playground training state")
    try:
        meta = json.loads(metadata.get("meta", ""), parse_constant=_no_constants)
    except (ValueError, RecursionError):
        raise PlaygroundError(f"{path.name}: its description is damaged") from None
    if not isinstance(meta, dict):
        raise PlaygroundError(f"{path.name}: its description is damaged")
    return TrainingState(tensors, meta)


def _no_constants(token: str) -> Any:
    raise ValueError(token)


def read_safetensors(path: str | os.PathLike, max_bytes: int) -> tuple[dict, dict]:
    """(tensors, metadata) from a safetensors file, checked before anything large is allocated:
    the size, the header's length and JSON, then the data. Any problem is a PlaygroundError."""
    from safetensors import SafetensorError
    from safetensors.torch import load

    path = Path(path)
    raw = read_capped(path, max_bytes, "weights file")
    if len(raw) < 8:
        raise PlaygroundError(f"{path.name}: truncated (not a safetensors file)")
    header_len = int.from_bytes(raw[:8], "little")
    if header_len > len(raw) - 8 or header_len > 100 * 2**20:
        raise PlaygroundError(f"{path.name}: not a safetensors file (its header is damaged or truncated)")
    try:
        header = json.loads(raw[8:8 + header_len])
    except (ValueError, RecursionError):
        raise PlaygroundError(f"{path.name}: not a safetensors file (its header is not JSON)") from None
    if not isinstance(header, dict):
        raise PlaygroundError(f"{path.name}: not a safetensors file")
    metadata = header.get("__metadata__") or {}
    if not isinstance(metadata, dict):
        raise PlaygroundError(f"{path.name}: damaged metadata")
    try:
        tensors = load(raw)
    except (SafetensorError, ValueError, RuntimeError, OverflowError, TypeError) as err:
        raise PlaygroundError(f"{path.name}: not a readable safetensors file ({err})") from None
    return tensors, {str(k): str(v) for k, v in metadata.items()}
