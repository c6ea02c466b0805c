"""Loss curves as good as TensorBoard's: train and test, a true log scale on either axis,
smoothing by a debiased moving average with the raw curve faint behind it, auto-fit as data
arrives unless the person zoomed (the "A" button fits again), accuracy on a second axis for
classification, a readout of the epoch under the mouse, and view settings remembered. When a
learning-rate schedule is active, the rate is drawn too (dotted, on its own scale) and its current
value shown; for regression the test RMSE and R² stand next to the curves."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSettings, Qt, QTimer, Slot
from PySide6.QtWidgets import QCheckBox, QGraphicsItem, QHBoxLayout, QLabel, QSlider, QWidget

from playground.core.series import ThinningArray
from playground.core.smoothing import DebiasedEMA
from playground.gui.views import DecadeAxis, stack_with_bar

TRAIN_COLOUR = (8, 119, 189)
TEST_COLOUR = (245, 147, 34)
ACCURACY_COLOUR = (44, 160, 44)
LR_COLOUR = (148, 103, 189)
#: Points handed to each curve at most (a screen is a few thousand pixels wide).
MAX_DRAWN = 4000
COLUMNS = ("epoch", "train", "test", "accuracy", "lr", "train_smooth", "test_smooth")
#: Epochs each column keeps before thinning (every 2nd, 4th, … kept; the latest always).
KEPT_POINTS = 200_000
REDRAW_HZ = 10


class LossPlot(QWidget):
    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lossPlot")
        self.settings = settings
        # every column holds one row per kept epoch; past their limit they thin in step
        self._columns = {name: ThinningArray(limit=KEPT_POINTS) for name in COLUMNS}
        self.scheduled = False
        self.classification = True

        self.plot = pg.PlotWidget(background="w", axisItems={"left": DecadeAxis("left"), "bottom": DecadeAxis("bottom")})
        self.plot.setObjectName("lossPlotWidget")
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "epoch")
        item.setLabel("left", "loss")
        item.getAxis("left").enableAutoSIPrefix(False)
        item.showGrid(x=True, y=True, alpha=0.25)
        legend = item.addLegend(offset=(-10, 10))
        self.raw_train = item.plot(pen=pg.mkPen((*TRAIN_COLOUR, 60), width=1))
        self.raw_test = item.plot(pen=pg.mkPen((*TEST_COLOUR, 60), width=1))
        self.train_curve = item.plot(pen=pg.mkPen(TRAIN_COLOUR, width=2), name="train loss")
        self.test_curve = item.plot(pen=pg.mkPen(TEST_COLOUR, width=2), name="test loss")
        # accuracy on a second y axis, sharing x
        self.accuracy_box = pg.ViewBox()
        item.showAxis("right")
        item.scene().addItem(self.accuracy_box)
        item.getAxis("right").linkToView(self.accuracy_box)
        item.getAxis("right").setLabel("test accuracy")
        self.accuracy_box.setXLink(item)
        self.accuracy_box.setYRange(0, 1.0, padding=0.02)
        self.accuracy_box.setMouseEnabled(x=False, y=False)
        self.accuracy_curve = pg.PlotDataItem(pen=pg.mkPen(ACCURACY_COLOUR, width=1.5, style=Qt.PenStyle.DashLine))
        self.accuracy_box.addItem(self.accuracy_curve)
        legend.addItem(self.accuracy_curve, "test accuracy")
        # the learning rate (when a schedule changes it) on a third, hidden scale
        self.lr_box = pg.ViewBox()
        item.scene().addItem(self.lr_box)
        self.lr_box.setXLink(item)
        self.lr_box.setMouseEnabled(x=False, y=False)
        self.lr_curve = pg.PlotDataItem(pen=pg.mkPen(LR_COLOUR, width=1.5, style=Qt.PenStyle.DotLine))
        self.lr_box.addItem(self.lr_curve)
        self.lr_curve.setVisible(False)
        self.legend = legend
        # An invisible two-point curve spanning "nice" bounds (1-2-5 steps in x, decades or 1-2-5
        # steps in y) around the data: auto-range then changes in steps instead of with every new
        # epoch, so the axes (costly to draw) are redrawn only when a step is crossed.
        self.range_anchor = item.plot(pen=None)
        self._empty_range = False
        self.empty_hint = pg.TextItem("Press Play: the loss curves appear here", color=(120, 120, 120),
                                      anchor=(0.5, 0.5))
        item.addItem(self.empty_hint, ignoreBounds=True)
        for name in ("left", "bottom", "right"):  # their text and grid, painted from a cached pixmap
            item.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        item.getViewBox().sigResized.connect(self._sync_boxes)
        # Curves are redrawn at most REDRAW_HZ times a second: painting them is the window's
        # most expensive work, and it competes with training for the interpreter.
        self._redraw_timer = QTimer(self, singleShot=True, interval=1000 // REDRAW_HZ)
        self._redraw_timer.timeout.connect(self._redraw)
        self.readout = QLabel(" ", objectName="lossReadout")
        self.readout.setStyleSheet("color: gray;")
        self._hover = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._mouse_moved)

        self.log_x = QCheckBox("log x", objectName="logX")
        self.log_y = QCheckBox("log y", objectName="logY")
        self.smoothing = QSlider(Qt.Orientation.Horizontal, objectName="smoothing")
        self.smoothing.setRange(0, 99)
        self.smoothing.setToolTip("Smoothing: weight of the debiased moving average (0: raw)")
        self.smoothing_label = QLabel()
        self.summary = QLabel(objectName="lossSummary")
        self.summary.setStyleSheet("color: gray;")
        self.log_x.setChecked(settings.value("lossPlot/logX", False, type=bool))
        self.log_y.setChecked(settings.value("lossPlot/logY", True, type=bool))
        self.smoothing.setValue(int(settings.value("lossPlot/smoothing", 60, type=int)))
        self.log_x.toggled.connect(self._view_changed)
        self.log_y.toggled.connect(self._view_changed)
        self.smoothing.valueChanged.connect(self._view_changed)

        bar = QHBoxLayout()
        bar.addWidget(self.log_x)
        bar.addWidget(self.log_y)
        bar.addWidget(QLabel("smoothing"))
        bar.addWidget(self.smoothing, 1)
        bar.addWidget(self.smoothing_label)
        below = QWidget()
        below_row = QHBoxLayout(below)
        below_row.setContentsMargins(0, 0, 0, 0)
        below_row.addWidget(self.readout, 1)
        below_row.addWidget(self.summary)
        stack_with_bar(self, bar, self.plot, below)
        self._view_changed()

    # ----------------------------------------------------------------- data

    @property
    def epochs(self) -> np.ndarray:
        return self._columns["epoch"].values

    @property
    def train(self) -> np.ndarray:
        return self._columns["train"].values

    @property
    def test(self) -> np.ndarray:
        return self._columns["test"].values

    @property
    def accuracy(self) -> np.ndarray:
        return self._columns["accuracy"].values

    @property
    def learning_rates(self) -> np.ndarray:
        return self._columns["lr"].values

    def set_scheduled(self, scheduled: bool) -> None:
        """Show the learning rate (a schedule is active) or not."""
        if scheduled != self.scheduled:
            if scheduled:
                self.legend.addItem(self.lr_curve, "learning rate (own scale)")
            else:
                self.legend.removeItem(self.lr_curve)
        self.scheduled = scheduled
        self.lr_curve.setVisible(scheduled)
        self._update_summary()

    def set_metrics(self, metrics: dict) -> None:
        """Regression metrics of the latest model (test RMSE and R²)."""
        self._metrics = dict(metrics)
        self._update_summary()

    def _update_summary(self) -> None:
        parts = []
        metrics = getattr(self, "_metrics", {})
        if not self.classification and "test_rmse" in metrics:
            parts.append(f"test RMSE {metrics['test_rmse']:.4g} · R² {metrics['test_r2']:.3f}")
        if self.scheduled and len(self.learning_rates):
            parts.append(f"lr {self.learning_rates[-1]:.3g}")
        self.summary.setText("   ".join(parts))

    def clear(self, classification: bool = True) -> None:
        self._columns = {name: ThinningArray(limit=KEPT_POINTS) for name in COLUMNS}
        if classification != self.classification:
            if classification:
                self.legend.addItem(self.accuracy_curve, "test accuracy")
            else:
                self.legend.removeItem(self.accuracy_curve)
        self.classification = classification
        self._metrics = {}
        self._update_summary()
        self._reset_smoothers()
        self.accuracy_curve.setVisible(classification)
        self.plot.getPlotItem().getAxis("right").setVisible(classification)
        self.plot.getPlotItem().enableAutoRange()
        self._redraw()

    def add(self, snapshots: list) -> None:
        """Append epoch snapshots (core.training.Snapshot)."""
        if not snapshots:
            return
        columns = self._columns
        columns["epoch"].extend([s.epoch for s in snapshots])
        columns["train"].extend([s.train_loss for s in snapshots])
        columns["test"].extend([s.test_loss for s in snapshots])
        columns["accuracy"].extend([math.nan if s.test_accuracy is None else s.test_accuracy for s in snapshots])
        columns["lr"].extend([s.learning_rate for s in snapshots])
        columns["train_smooth"].extend(self._smooth_train.extend([s.train_loss for s in snapshots]))
        columns["test_smooth"].extend(self._smooth_test.extend([s.test_loss for s in snapshots]))
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def point_count(self) -> int:
        return len(self.epochs)

    def drawn_count(self) -> int:
        """Points on screen now (curves catch up within 1/REDRAW_HZ s)."""
        x, _ = self.train_curve.getData()
        return 0 if x is None else len(x)

    # ----------------------------------------------------------------- view

    def _reset_smoothers(self) -> None:
        weight = self.smoothing.value() / 100
        columns = self._columns
        self._smooth_train = DebiasedEMA(weight)
        columns["train_smooth"] = columns["train"].like(self._smooth_train.extend(self.train))
        self._smooth_test = DebiasedEMA(weight)
        columns["test_smooth"] = columns["test"].like(self._smooth_test.extend(self.test))

    @Slot()
    def _view_changed(self) -> None:
        self.smoothing_label.setText(f"{self.smoothing.value() / 100:.2f}")
        self.settings.setValue("lossPlot/logX", self.log_x.isChecked())
        self.settings.setValue("lossPlot/logY", self.log_y.isChecked())
        self.settings.setValue("lossPlot/smoothing", self.smoothing.value())
        log_x, log_y = self.log_x.isChecked(), self.log_y.isChecked()
        self.plot.getPlotItem().setLogMode(x=log_x, y=log_y)
        self.plot.getPlotItem().getAxis("right").setLogMode(log_x, False)  # accuracy stays linear
        self.accuracy_curve.setLogMode(log_x, False)
        self.lr_curve.setLogMode(log_x, False)
        self._reset_smoothers()
        self._redraw()

    @Slot()
    def _redraw(self) -> None:
        """Hand the curves at most MAX_DRAWN points each (every k-th epoch and the last one), so
        drawing costs the same after a million epochs as after a thousand; all points are kept."""
        n = len(self.epochs)
        keep = _thin(np.arange(n))
        # larger data sets measure the test split only every few epochs (NaN between): its curves
        # are drawn through the measured epochs
        tested = _thin(np.flatnonzero(np.isfinite(self.test)))
        log_y = self.log_y.isChecked()
        x, x_tested = self.epochs[keep], self.epochs[tested]
        smoothed = self.smoothing.value() > 0
        self.raw_train.setData(x, _positive(self.train[keep], log_y))
        self.raw_test.setData(x_tested, _positive(self.test[tested], log_y))
        self.raw_train.setVisible(smoothed)
        self.raw_test.setVisible(smoothed)
        self.train_curve.setData(x, _positive(self._columns["train_smooth"].values[keep], log_y))
        self.test_curve.setData(x_tested, _positive(self._columns["test_smooth"].values[tested], log_y))
        if self.classification:
            self.accuracy_curve.setData(x_tested, self.accuracy[tested])
        if self.scheduled:
            self.lr_curve.setData(x, self.learning_rates[keep])
        self._anchor_range(x, [self.train[keep], self.test[tested]], log_y)
        self._update_summary()

    def _anchor_range(self, x: np.ndarray, ys: list[np.ndarray], log_y: bool) -> None:
        values = np.concatenate([v[np.isfinite(v) & ((v > 0) if log_y else True)] for v in ys]) if ys else []
        empty = len(x) == 0 or len(values) == 0
        self.empty_hint.setVisible(empty)
        item = self.plot.getPlotItem()
        if empty:  # a plain frame (epochs 1–100, loss 0.01–1) with a word on what will appear
            self.range_anchor.setData([], [])
            log_x = self.log_x.isChecked()
            x_range, y_range = ((0.0, 2.0) if log_x else (0.0, 100.0)), ((-2.0, 0.0) if log_y else (0.0, 1.0))
            item.setRange(xRange=x_range, yRange=y_range, padding=0.0)  # (view coordinates: log10 on log axes)
            self.empty_hint.setPos(sum(x_range) / 2, sum(y_range) / 2)
            self._empty_range = True
            return
        if self._empty_range:  # the frame above turned auto-range off; the data takes it over
            self._empty_range = False
            item.enableAutoRange()
        low, high = float(values.min()), float(values.max())
        if log_y:
            bottom, top = 10.0 ** np.floor(np.log10(low)), 10.0 ** np.ceil(np.log10(high))
        else:
            bottom, top = (0.0 if low >= 0 else -_nice_ceiling(-low)), _nice_ceiling(high)
        self.range_anchor.setData([float(x[0]), _nice_ceiling(float(x[-1]))], [bottom, top])

    @Slot()
    def _sync_boxes(self) -> None:
        self.accuracy_box.setGeometry(self.plot.getPlotItem().getViewBox().sceneBoundingRect())
        self.accuracy_box.linkedViewChanged(self.plot.getPlotItem().getViewBox(), self.accuracy_box.XAxis)
        self.lr_box.setGeometry(self.plot.getPlotItem().getViewBox().sceneBoundingRect())
        self.lr_box.linkedViewChanged(self.plot.getPlotItem().getViewBox(), self.lr_box.XAxis)

    @Slot(object)
    def _mouse_moved(self, event) -> None:
        if not len(self.epochs):
            return
        pos = event[0]
        box = self.plot.getPlotItem().getViewBox()
        if not box.sceneBoundingRect().contains(pos):
            return
        x = box.mapSceneToView(pos).x()
        epoch = 10 ** x if self.log_x.isChecked() else x
        self.show_readout(int(np.argmin(np.abs(self.epochs - epoch))))  # the nearest epoch

    def show_readout(self, i: int) -> None:
        text = f"epoch {int(self.epochs[i])}: train loss {self.train[i]:.4g}, test loss {self.test[i]:.4g}"
        if self.classification and not math.isnan(self.accuracy[i]):
            text += f", test accuracy {self.accuracy[i]:.3f}"
        if self.scheduled:
            text += f", learning rate {self.learning_rates[i]:.3g}"
        self.readout.setText(text)


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is ≥ value (value > 0); 1 otherwise."""
    if not value > 0:
        return 1.0
    decade = 10.0 ** np.floor(np.log10(value))
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * decade >= value * (1 - 1e-12):
            return float(step * decade)
    return float(10 * decade)


def _thin(indices: np.ndarray) -> np.ndarray:
    """At most about MAX_DRAWN of `indices`: every k-th and the last."""
    n = len(indices)
    if n <= MAX_DRAWN:
        return indices
    return indices[np.unique(np.append(np.arange(0, n, -(-n // MAX_DRAWN)), n - 1))]


def _positive(values: np.ndarray, log: bool) -> np.ndarray:
    """On a log axis, non-positive values cannot be drawn: leave gaps instead of breaking the plot."""
    if log:
        values = np.where(values > 0, values, np.nan)
    return values
