"""The Experiments panel's plots (pyqtgraph items): the optimization history (each trial's objective
and the best so far), the chosen trials' test-loss curves overlaid, and one searched setting
against the objective."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QVBoxLayout, QWidget

#: Colours of trial states (the trials table uses them too).
STATE_COLOURS = {"complete": (44, 160, 44), "pruned": (150, 150, 150), "running": (8, 119, 189),
                 "failed": (214, 39, 40), "diverged": (214, 39, 40)}
BEST_COLOUR = (245, 147, 34)
CURVE_COLOURS = [(8, 119, 189), (245, 147, 34), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
                 (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def _set_up(plot: pg.PlotWidget, name: str, bottom: str, left: str = "") -> pg.PlotItem:
    """Name the plot, label its axes, draw a faint grid; its PlotItem."""
    plot.setObjectName(name)
    item = plot.getPlotItem()
    item.setLabel("bottom", bottom)
    item.setLabel("left", left)
    item.showGrid(x=True, y=True, alpha=0.25)
    return item


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class OptimizationHistory(pg.PlotWidget):
    """Each finished trial's objective by trial number (coloured by state) and the best so far."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        item = _set_up(self, "optimizationHistory", "trial")
        item.addLegend(offset=(-10, 10))
        self.points = pg.ScatterPlotItem(size=8, name="trials")
        self.best = item.plot(pen=pg.mkPen(BEST_COLOUR, width=2), stepMode=None, name="best so far")
        item.addItem(self.points)

    def set_trials(self, rows: list[dict], metric: str, maximize: bool) -> None:
        self.getPlotItem().setLabel("left", metric)
        finished = sorted((r for r in rows if r["trial"] is not None and _finite(r["objective"])), key=lambda r: r["trial"])
        self.points.setData([{"pos": (r["trial"], r["objective"]), "brush": pg.mkBrush(STATE_COLOURS.get(r["state"], (0, 0, 0))),
                              "pen": None, "data": r["run"]} for r in finished])
        xs, ys, best = [], [], None
        for r in finished:
            if r["state"] != "complete":
                continue
            value = r["objective"]
            best = value if best is None or (value > best if maximize else value < best) else best
            xs.append(r["trial"])
            ys.append(best)
        self.best.setData(xs, ys)

    def best_line(self) -> tuple[list, list]:
        xs, ys = self.best.getData()
        return ([] if xs is None else list(xs)), ([] if ys is None else list(ys))


def read_curve(folder: Path) -> tuple[list[float], list[float]]:
    """(epochs, test losses) from a run folder's history.csv; empty when it has none."""
    epochs, losses = [], []
    try:
        with (folder / "history.csv").open(newline="") as file:
            for row in csv.DictReader(file):
                try:
                    epoch, loss = float(row["epoch"]), float(row["test_loss"])
                except (KeyError, TypeError, ValueError):
                    continue
                if math.isfinite(loss):
                    epochs.append(epoch)
                    losses.append(loss)
    except OSError:
        pass
    return epochs, losses


class TrialCurves(pg.PlotWidget):
    """The test-loss curves of the chosen trials, one colour each."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.legend = _set_up(self, "trialCurves", "epoch", "test loss").addLegend(offset=(-10, 10))
        self.curves: dict[str, pg.PlotDataItem] = {}

    def set_runs(self, folders: list[Path]) -> None:
        item = self.getPlotItem()
        for curve in self.curves.values():
            item.removeItem(curve)
        self.legend.clear()
        self.curves = {}
        for index, folder in enumerate(folders):
            epochs, losses = read_curve(folder)
            colour = CURVE_COLOURS[index % len(CURVE_COLOURS)]
            self.curves[folder.name] = item.plot(epochs, losses, pen=pg.mkPen(colour, width=2), name=folder.name)


class ParameterScatter(QWidget):
    """One searched setting (chosen above the plot) against the objective, a point per trial."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.choice = QComboBox(objectName="scatterParameter")
        self.choice.setAccessibleName("setting shown against the objective")
        self.plot = pg.PlotWidget(background="w")
        _set_up(self.plot, "parameterScatter", "", "objective")
        self.points = pg.ScatterPlotItem(size=8)
        self.plot.getPlotItem().addItem(self.points)
        layout.addWidget(self.choice)
        layout.addWidget(self.plot, 1)
        self.rows: list[dict] = []
        self.metric = "objective"
        self.choice.currentIndexChanged.connect(lambda _i: self._draw())

    def set_trials(self, rows: list[dict], metric: str) -> None:
        self.rows, self.metric = rows, metric
        keys = sorted({k for r in rows for k in r["params"]})
        current = self.choice.currentText()
        self.choice.blockSignals(True)
        self.choice.clear()
        self.choice.addItems(keys)
        if current in keys:
            self.choice.setCurrentText(current)
        self.choice.blockSignals(False)
        self._draw()

    def _draw(self) -> None:
        key = self.choice.currentText()
        item = self.plot.getPlotItem()
        item.setLabel("bottom", key)
        item.setLabel("left", self.metric)
        values = [(r["params"].get(key), r["objective"]) for r in self.rows if _finite(r["objective"])]
        labels = sorted({str(v) for v, _ in values if not _finite(v)})  # choices: one column each
        axis = item.getAxis("bottom")
        axis.setTicks([list(enumerate(labels))] if labels else None)
        spots = []
        for value, objective in values:
            x = value if _finite(value) else labels.index(str(value)) if str(value) in labels else None
            if x is not None:
                spots.append({"pos": (float(x), objective), "brush": pg.mkBrush(CURVE_COLOURS[0]), "pen": None})
        self.points.setData(spots)
        item.setLogMode(x=bool(values) and all(_finite(v) and v > 0 for v, _ in values)
                        and max(v for v, _ in values) / min(v for v, _ in values) > 50, y=False)


class TrialPicture(QWidget):
    """One trial's model at a glance: its decision boundary over its data, or its confusion
    matrix (a core.experiments.preview.TrialPreview)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        from PySide6.QtWidgets import QLabel, QStackedWidget

        from playground.gui.views.boundary_view import BoundaryView
        from playground.gui.views.confusion_view import ConfusionView

        super().__init__(parent)
        self.setObjectName("trialPicture")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel("Hover over a trial (or choose one) to see its model.", objectName="trialPictureTitle")
        self.stack = QStackedWidget()
        self.boundary = BoundaryView()
        self.confusion = ConfusionView()
        self.stack.addWidget(self.boundary)
        self.stack.addWidget(self.confusion)
        layout.addWidget(self.title)
        layout.addWidget(self.stack, 1)
        self.shown: str | None = None

    def show_preview(self, preview) -> None:
        self.shown = preview.name
        if preview.boundary is not None:
            self.title.setText(f"{preview.name}: its decision boundary")
            self.boundary.set_data(preview.data)
            self.boundary.set_boundary(preview.boundary)
            self.stack.setCurrentWidget(self.boundary)
        elif preview.confusion is not None:
            self.title.setText(f"{preview.name}: its confusion matrix on the test split")
            self.confusion.clear(True)
            self.confusion.set_matrix(preview.confusion)
            self.stack.setCurrentWidget(self.confusion)
        else:
            self.title.setText(f"{preview.name}: a regression of data off the plane — its curves tell its story")

    def show_error(self, name: str, error: str) -> None:
        self.shown = None
        self.title.setText(f"{name}: {error}")
