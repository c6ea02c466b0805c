"""`playground runs DIR`: the trials of a search (or plain run folders) as a table, best first."""

from __future__ import annotations

import json
from pathlib import Path


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def trial_rows(folder: Path) -> tuple[list[dict], dict]:
    """Every trial folder of a search output (or the folder itself, a single run), and how the
    search ranks them ({"metric", "direction"})."""
    search = _read(folder / "search.json")
    folders = sorted(p for p in folder.glob("trial-*") if p.is_dir()) or [folder]
    rows = []
    for trial in folders:
        info, metrics = _read(trial / "trial.json"), _read(trial / "metrics.json")
        if not metrics and not info:
            continue
        rows.append({"run": trial.name, "trial": info.get("number"), "state": info.get("state", "complete"),
                     "objective": info.get("objective", metrics.get(search.get("metric", "test_loss"))),
                     "params": info.get("params", {}), "epochs": metrics.get("epochs"),
                     "seconds": metrics.get("seconds")})
    maximize = search.get("direction") == "maximize"
    ranked = [r for r in rows if isinstance(r["objective"], (int, float))]
    ranked.sort(key=lambda r: r["objective"], reverse=maximize)
    rest = [r for r in rows if r not in ranked]
    return ranked + rest, search


def table(folder: Path) -> str:
    rows, search = trial_rows(folder)
    if not rows:
        return f"{folder}: no runs here"
    metric = search.get("metric", "objective")
    keys = sorted({k for r in rows for k in r["params"]})
    header = ["run", "state", metric, *keys, "epochs", "seconds"]
    body = [[r["run"], r["state"], _fmt(r["objective"]), *[_fmt(r["params"].get(k)) for k in keys],
             _fmt(r["epochs"]), _fmt(r["seconds"])] for r in rows]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *body)]
    return "\n".join("  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip() for line in [header, *body])


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
