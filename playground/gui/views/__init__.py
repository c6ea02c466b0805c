"""Live views fed with plain snapshots: loss curves and the decision boundary."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget


class DecadeAxis(pg.AxisItem):
    """A log axis labelled at whole decades, and at 2 and 5 × 10ᵏ when it spans less than two
    decades. pyqtgraph's own labels every minor tick (2, 3, …, 9) of a narrow range, and on a
    plot a few hundred pixels high they overlap."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802, N803 - pyqtgraph's names
        first, last = math.floor(minVal), math.ceil(maxVal)
        decades = [float(k) for k in range(first, last + 1) if minVal <= k <= maxVal]
        ticks = [(1.0, decades)]
        if maxVal - minVal < 2 or len(decades) < 2:
            ticks.append((None, [k + math.log10(m) for k in range(first - 1, last + 1) for m in (2, 5)
                                 if minVal <= k + math.log10(m) <= maxVal]))
        return ticks


def stack_with_bar(owner: QWidget, bar: QHBoxLayout, plot: QWidget, *below: QWidget) -> None:
    """A view's layout: its row of controls above the plot, anything else below."""
    layout = QVBoxLayout(owner)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addLayout(bar)
    layout.addWidget(plot, 1)
    for widget in below:
        layout.addWidget(widget)
