"""Live views fed with plain snapshots: loss curves and the decision boundary."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget


def stack_with_bar(owner: QWidget, bar: QHBoxLayout, plot: QWidget, *below: QWidget) -> None:
    """A view's layout: its row of controls above the plot, anything else below."""
    layout = QVBoxLayout(owner)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addLayout(bar)
    layout.addWidget(plot, 1)
    for widget in below:
        layout.addWidget(widget)
