"""`playground bench …`: its arguments (added to cli.py's parser here) and which benchmark they run.
Importing this module loads neither Qt nor torch."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from playground.core.errors import PlaygroundError


def add_bench_command(sub) -> None:
    bench = sub.add_parser("bench", help="training speed against a bare PyTorch loop")
    bench.add_argument("--configs", default="a,b,c,digits,resnet,skip",
                       help="comma-separated: a, b, c, digits, and the graphs resnet, skip (default all)")
    bench.add_argument("--seconds", type=float, default=3.0, help="measuring time per loop and config")
    bench.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    bench.add_argument("--json", metavar="PATH", help="also write every figure to this JSON file")
    bench.add_argument("--soak", type=float, metavar="MINUTES",
                       help="instead: train in the window with live views for MINUTES and report memory")
    bench.add_argument("--views", type=float, metavar="SECONDS", nargs="?", const=10.0,
                       help="epochs/s of (b) in the window with every live view, and minimized (default 10 s each)")
    bench.add_argument("--project", help="with --soak: the project to train (default: the spiral example)")
    bench.add_argument("--serve", type=float, metavar="SECONDS", nargs="?", const=3.0,
                       help="the model server against in-process onnxruntime and a naive endpoint, at 1, 8 and 64 "
                            "clients (default 3 s each)")
    bench.add_argument("--serve-flood", type=int, metavar="REQUESTS", nargs="?", const=1_000_000,
                       help="tiny bad requests at the model server: each a 4xx with a message, memory flat "
                            "(default a million)")
    bench.add_argument("--search", type=int, metavar="TRIALS", nargs="?", const=40,
                       help="a TPE search of the spiral against Optuna with a bare PyTorch loop, 2 workers against "
                            "1, a trial's overhead, TPE against random over 5 seeds (default 40 trials)")
    bench.add_argument("--canvas", type=float, metavar="SECONDS", nargs="?", const=3.0,
                       help="frames/s of the graph canvas panning and zooming over 200 blocks (default 3 s each)")
    bench.add_argument("--api", type=float, metavar="SECONDS", nargs="?", const=8.0,
                       help="the Python API's fit against a bare PyTorch loop: XOR, a 768-row table, the digits CNN (default 8 s)")
    bench.add_argument("--startup", action="store_true",
                       help="seconds from starting 'playground' to its window on screen (median of 5)")


def bench(args: argparse.Namespace) -> int:
    from playground.bench.speed import run_bench

    if args.soak is not None:
        if not (math.isfinite(args.soak) and 0 < args.soak <= 24 * 60):
            raise PlaygroundError("--soak must be a number of minutes between 0 and 1440")
        from playground.assets import EXAMPLES
        from playground.bench.window import soak

        project = Path(args.project) if args.project else EXAMPLES / "spiral-challenge.json"
        if not project.is_file():
            raise PlaygroundError(f"--project {project}: no such project file")
        soak(args.soak, project)
        return 0

    if args.serve is not None:
        if not (math.isfinite(args.serve) and 0.5 <= args.serve <= 600):
            raise PlaygroundError("--serve must be a number of seconds between 0.5 and 600")
        from playground.bench.serve import run_serve_bench

        figures = run_serve_bench(args.serve)
        _write_json(args.json, figures)
        return 0

    if args.serve_flood is not None:
        if not 1000 <= args.serve_flood <= 100_000_000:
            raise PlaygroundError("--serve-flood must be a number of requests from 1000 to 100000000")
        from playground.bench.serve_flood import run_flood

        counts = run_flood(args.serve_flood)
        _write_json(args.json, counts)
        return 0 if counts["server_alive"] and counts["wrong_status"] == counts["no_message"] == counts["good_wrong"] == 0 else 1

    if args.search is not None:
        if not 4 <= args.search <= 1000:
            raise PlaygroundError("--search must be a number of trials from 4 to 1000")
        from playground.bench.search import run_search_bench

        figures = run_search_bench(args.search)
        _write_json(args.json, figures)
        return 0

    if args.api is not None:
        if not (math.isfinite(args.api) and 0.5 <= args.api <= 600):
            raise PlaygroundError("--api must be a number of seconds between 0.5 and 600")
        from playground.bench.api import run_api_bench

        figures = run_api_bench(args.api)
        _write_json(args.json, figures)
        return 0 if all(case["ratio"] >= case["goal"] for case in figures["cases"]) else 1

    if args.canvas is not None:
        if not (math.isfinite(args.canvas) and 0.5 <= args.canvas <= 600):
            raise PlaygroundError("--canvas must be a number of seconds between 0.5 and 600")
        from playground.bench.canvas import GOAL_FPS, run_canvas_bench

        figures = run_canvas_bench(args.canvas)
        _write_json(args.json, figures)
        return 0 if min(figures["pan_fps"], figures["zoom_fps"]) >= GOAL_FPS else 1

    if args.startup:
        from playground.bench.window import startup_seconds

        startup_seconds()
        return 0

    if args.views is not None:
        if not (math.isfinite(args.views) and 1 <= args.views <= 600):
            raise PlaygroundError("--views must be a number of seconds between 1 and 600")
        from playground.bench.window import views_cost

        print(f"live views in the window, configuration (b), {args.views:g} s each:")
        views_cost(args.views)
        return 0

    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    from playground.bench.speed import CONFIGS

    unknown = [c for c in configs if c not in CONFIGS]
    if unknown or not configs:
        raise PlaygroundError(f"--configs: unknown configuration {', '.join(unknown) or '(none)'}; use "
                              + ", ".join(CONFIGS))
    if not (math.isfinite(args.seconds) and 0 < args.seconds <= 600):
        raise PlaygroundError("--seconds must be between 0 and 600")
    if args.threads < 1:
        raise PlaygroundError(f"--threads must be ≥ 1, not {args.threads}")
    run_bench(configs, args.seconds, args.threads, json_path=Path(args.json) if args.json else None)
    return 0


def _write_json(path: str | None, figures: dict) -> None:
    """--json PATH: every figure, written atomically."""
    if path:
        from playground.core.io.jsonfile import json_bytes, write_atomic

        write_atomic(Path(path), json_bytes(figures))
