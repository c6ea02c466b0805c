"""Accessibility: every input a person can reach has a name or a tooltip (what a screen reader
announces), form labels lead to their fields, and the Tab key walks through every panel."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractSlider, QAbstractSpinBox, QApplication,
                               QComboBox, QLineEdit, QScrollBar)


def test_every_visible_input_has_a_name_or_a_tooltip(window):
    unnamed = []
    for kind in (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QAbstractSlider, QAbstractItemView):
        for widget in window.findChildren(kind):
            if not widget.isVisibleTo(window) or isinstance(widget, QScrollBar):
                continue
            if isinstance(widget.parent(), (QAbstractSpinBox, QComboBox)):
                continue  # the editor inside a spin box or combo: the box itself is named
            text = widget.text() if isinstance(widget, QAbstractButton) else ""
            if not (widget.accessibleName() or widget.toolTip() or text):
                unnamed.append(f"{type(widget).__name__} {widget.objectName()}")
    assert not unnamed
    # form fields carry their label's name, and the label is their buddy
    assert window.training_panel.device.accessibleName() == "device"
    assert window.data_panel.dataset.accessibleName() == "Data set"


def test_tab_walks_through_every_panel(window, qtbot):
    window.palette.search.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.palette.search)
    visited = []
    for _ in range(120):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
        visited.append(widget)
        if widget is window.palette.search:
            break
    names = {w.objectName() for w in visited if w is not None}
    assert {"layerTree", "datasetCombo", "deviceCombo", "threadsSpin"} <= names, sorted(names)
    panels = [window.palette, window.data_panel, window.training_panel, window.left_tabs]
    for panel in panels:
        assert any(w is not None and (w is panel or panel.isAncestorOf(w)) for w in visited), panel.objectName()
