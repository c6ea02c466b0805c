"""`playground bench --canvas`: frames per second of the graph canvas panning and zooming over a
200-block graph (a chain of dense layers with a skip connection around every pair, laid out by
Arrange), each frame painted to the end before the next; and the time to draw the graph anew
after an edit. Runs the real GraphCanvas in a window of 1280×800 (offscreen where there is no
display)."""

from __future__ import annotations

import os
import statistics
import time

BLOCKS = 200
GOAL_FPS = 30.0


def graph_project(blocks: int = BLOCKS):
    """A valid project of `blocks` layers: dense 16 → (dense 16, dense 16, add with the pair's input) …"""
    from playground.core.model import graph_edits
    from playground.core.model.spec import Project

    layers: list[dict] = [{"id": "l0", "type": "dense", "units": 16, "activation": "tanh"}]
    while len(layers) < blocks - 1:
        k, base = len(layers), layers[-1]["id"]
        layers += [{"id": f"l{k}", "type": "dense", "units": 16, "activation": "tanh", "inputs": [base]},
                   {"id": f"l{k + 1}", "type": "dense", "units": 16, "activation": "tanh"},
                   {"id": f"l{k + 2}", "type": "add", "inputs": [base, f"l{k + 1}"]}]
    layers = layers[:blocks - 1] + [{"type": "dense", "units": 1, "activation": "tanh"}]
    raw = {"format": "neural-playground-project", "version": 1,
           "data": {"dataset": "spiral", "features": ["x1", "x2"]}, "model": {"layers": layers},
           "training": {"loss": "mse", "epochs": 10}}
    return graph_edits.arrange(Project.from_dict(raw))


def run_canvas_bench(seconds: float = 3.0, report=print) -> dict:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from playground.core.model.shapes import analyze
    from playground.gui.panels.graph_canvas import GraphCanvas

    app = QApplication.instance() or QApplication([])
    project = graph_project()
    analysis = analyze(project)
    canvas = GraphCanvas()
    canvas.resize(1280, 800)
    canvas.show()
    app.processEvents()
    redraws = []
    for _ in range(5):
        start = time.perf_counter()
        canvas.set_project(project, analysis)
        app.processEvents()
        redraws.append(time.perf_counter() - start)
    view = canvas.view
    view.resetTransform()
    view.centerOn(canvas.blocks[0])
    figures: dict = {"blocks": len(project.model.layers), "platform": QApplication.platformName(),
                     "redraw_ms": statistics.median(redraws) * 1000}

    def frames(step) -> float:
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            step(count)
            view.viewport().repaint()
            count += 1
        return count / (time.perf_counter() - start)

    def oscillate(factor: float):
        return lambda k: view.zoom(factor if (k // 20) % 2 == 0 else 1 / factor)

    bar = view.verticalScrollBar()
    span = max(1, bar.maximum() - bar.minimum())
    figures["pan_fps"] = frames(lambda k: bar.setValue(bar.minimum() + (k * 37) % span))
    canvas.fit()   # every block on screen, then in and out by 1.08 a frame, 20 frames each way
    figures["zoom_all_fps"] = frames(oscillate(1.08))
    view.resetTransform()
    view.scale(0.6, 0.6)
    canvas.show_detail()
    view.centerOn(canvas.blocks[len(canvas.blocks) // 2])
    figures["zoom_close_fps"] = frames(oscillate(1.04))   # at reading size: text, ports and labels drawn
    figures["zoom_fps"] = min(figures["zoom_all_fps"], figures["zoom_close_fps"])
    canvas.close()
    met = min(figures["pan_fps"], figures["zoom_fps"]) >= GOAL_FPS
    report(f"graph canvas, {figures['blocks']} blocks, 1280×800 ({figures['platform']}), each frame painted in full:")
    report(f"  pan {figures['pan_fps']:.1f} frames/s; zoom over the whole graph {figures['zoom_all_fps']:.1f}, "
           f"zoom at reading size {figures['zoom_close_fps']:.1f} frames/s (goal ≥ {GOAL_FPS:g}: "
           f"{'met' if met else 'NOT met'})")
    report(f"  drawing the whole graph anew after an edit: {figures['redraw_ms']:.0f} ms (median of 5)")
    return figures
