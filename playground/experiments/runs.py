"""`playground runs DIR`: the trials of a search (or plain run folders) as a table, best first (or
sorted by a column, or as JSON); `playground runs compare RUN RUN…`: the settings that differ
and the metrics side by side."""

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
    search ranks them ({"metric", "direction"}); a trial still training is a row in state
    "running" (its parameters come with its trial.json, when it ends)."""
    search = _read(folder / "search.json")
    front = set(_read(folder / "pareto.json").get("trials", ()))
    folders = sorted(p for p in folder.glob("trial-*") if p.is_dir()) or [folder]
    rows = []
    for trial in folders:
        info, metrics = _read(trial / "trial.json"), _read(trial / "metrics.json")
        if not metrics and not info:
            if trial.name.startswith("trial-") and trial.name[6:].isdigit():  # training now (its event file only)
                rows.append({"run": trial.name, "trial": int(trial.name[6:]), "state": "running", "objective": None,
                             "objectives": {}, "pareto": False, "params": {}, "epochs": None, "seconds": None,
                             "reason": None})
            continue
        rows.append({"run": trial.name, "trial": info.get("number"), "state": info.get("state", "complete"),
                     "objective": info.get("objective", metrics.get(search.get("metric", "test_loss"))),
                     "objectives": info.get("objectives", {}), "pareto": info.get("number") in front,
                     "params": info.get("params", {}), "epochs": metrics.get("epochs"),
                     "seconds": metrics.get("seconds"), "reason": info.get("reason")})
    maximize = search.get("direction") == "maximize"
    ranked = [r for r in rows if isinstance(r["objective"], (int, float))]
    ranked.sort(key=lambda r: r["objective"], reverse=maximize)
    rest = [r for r in rows if r not in ranked]
    return ranked + rest, search


def table(folder: Path, sort: str | None = None) -> str:
    """The trials as aligned columns; `sort`: a column to sort by (ascending) instead of best first."""
    rows, search = trial_rows(folder)
    if not rows:
        return f"{folder}: no runs here"
    metrics = [o["metric"] for o in search.get("objectives", ())] or [search.get("metric", "objective")]
    several = len(metrics) > 1
    keys = sorted({k for r in rows for k in r["params"]})
    header = ["run", "state", *metrics, *(["pareto"] if several else []), *keys, "epochs", "seconds"]
    body = [[r["run"], r["state"], *([r["objectives"].get(m) for m in metrics] if several else [r["objective"]]),
             *(["✓" if r["pareto"] else ""] if several else []), *[r["params"].get(k) for k in keys],
             r["epochs"], r["seconds"]] for r in rows]
    if sort is not None:
        if sort not in header:
            raise ValueError(f"--sort {sort!r}: the columns are {', '.join(header)}")
        column = header.index(sort)
        body.sort(key=lambda line: (line[column] is None, _key(line[column])))
    return _aligned([header, *[[_fmt(x) for x in line] for line in body]])


def compare(folders: list[Path]) -> str:
    """The settings in which the runs' projects differ, then their metrics, a column per run."""
    projects = [_flat(_read(folder / "project.json")) for folder in folders]
    metrics = [_read(folder / "metrics.json") for folder in folders]
    names = [folder.name if folder.name != "best" else f"best ({folder.resolve().name})" for folder in folders]
    keys = sorted({k for p in projects for k in p})
    differ = [k for k in keys if len({json.dumps(p.get(k), sort_keys=True) for p in projects}) > 1]
    lines = [["setting", *names]]
    lines += [[key, *[_fmt(p.get(key)) for p in projects]] for key in differ] or [["(the same settings)"]]
    lines.append([""])
    lines.append(["metric", *names])
    for key in sorted({k for m in metrics for k in m if isinstance(m[k], (int, float, str)) or m[k] is None}):
        lines.append([key, *[_fmt(m.get(key)) for m in metrics]])
    return _aligned(lines)


def _flat(value, prefix: str = "") -> dict:
    """A project as key path → value (model.layers[1].units → 8)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(_flat(item, f"{prefix}.{key}" if prefix else key))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for i, item in enumerate(value):
            out.update(_flat(item, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def _key(value):
    return (0, value) if isinstance(value, (int, float)) else (1, str(value))


def _aligned(lines: list[list[str]]) -> str:
    width = max(len(line) for line in lines)
    lines = [line + [""] * (width - len(line)) for line in lines]
    widths = [max(len(str(x)) for x in column) for column in zip(*lines)]
    return "\n".join("  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip() for line in lines)


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
