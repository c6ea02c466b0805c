"""Editors generated from the registry's parameter descriptions.

`ParamForm` shows one widget per `Param` (spin boxes with the param's range, combo boxes with each
choice's tooltip, a name + sub-form for initializers) and emits `edited(name, value)` when the
person changes a value. Numbers are checked as they are typed: an out-of-range or malformed value
turns the field red; Enter (or leaving the field) on such a value puts back the value in use — what
is shown is always what is used — and `refused(message)` says why, for the window's message bar.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLineEdit, QMenu, QSpinBox, QWidget

from playground.core.model.params import Param
from playground.core.model.catalogues import catalogue, catalogue_names

INVALID_STYLE = "QLineEdit { background: #ffd7d7; }"


SEARCH_OVER = "Search over this…"


def offer_search(widget: QWidget, requested) -> None:
    """Add "Search over this…" to `widget`'s context menu (beside its own edit actions); choosing
    it calls `requested()`."""
    widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def show(position) -> None:
        edit = widget if isinstance(widget, QLineEdit) else getattr(widget, "lineEdit", lambda: None)()
        menu = edit.createStandardContextMenu() if isinstance(edit, QLineEdit) else QMenu(widget)
        if not menu.isEmpty():
            menu.addSeparator()
        menu.addAction(SEARCH_OVER, requested)
        menu.exec(widget.mapToGlobal(position))
        menu.deleteLater()

    widget.customContextMenuRequested.connect(show)


def format_number(value: float) -> str:
    return f"{value:.6g}"


class NumberEdit(QLineEdit):
    """A float field that validates its range as you type; emits `valueEdited(float)` only for a
    valid number, on Enter or when focus leaves; an invalid one is replaced by the value in use
    and `refused(message)` names the field, the value and the range."""

    valueEdited = Signal(float)
    refused = Signal(str)

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        self.setValidator(QDoubleValidator(self))
        self.setToolTip(f"{param.doc} ({param.range_text()})" if param.range_text() else param.doc)
        self.textEdited.connect(self._check)
        self.editingFinished.connect(self._commit)
        self._value: float | None = None

    def set_value(self, value: float | None) -> None:
        self._value = value
        self.setText("" if value is None else format_number(value))
        self.setStyleSheet("")

    def parsed(self) -> float | None:
        """The typed value if it is valid, else None."""
        text = self.text().strip()
        if not text and self.param.kind == "optional_float":
            return math.nan
        try:
            value = float(text)
        except ValueError:
            return None
        p = self.param
        if not math.isfinite(value):
            return None
        if p.low is not None and (value <= p.low if p.low_exclusive else value < p.low):
            return None
        if p.high is not None and value > p.high:
            return None
        return value

    def _check(self) -> None:
        ok = self.parsed() is not None
        self.setStyleSheet("" if ok else INVALID_STYLE)
        self.setToolTip(self.param.doc if ok else f"{self.param.doc}: must be {self.param.range_text()}")

    def _commit(self) -> None:
        value = self.parsed()
        if value is None:
            typed = self.text().strip()
            if self._value is None and self.param.kind != "optional_float" and not typed:
                return
            name = self.param.name.replace("_", " ")
            kept = "empty" if self._value is None else format_number(self._value)
            self.set_value(self._value)
            self.refused.emit(f"{name}: {typed or 'an empty field'} is not valid (it must be "
                              f"{self.param.range_text() or 'a number'}); it stays {kept}")
            return
        if math.isnan(value):
            value = None  # optional, left empty: off
        if value != self._value:
            self._value = value
            self.valueEdited.emit(value)


def choice_combo(names: list[str], entries: Mapping[str, Any] | None = None) -> QComboBox:
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(8)
    for i, name in enumerate(names):
        entry = entries.get(name) if entries else None
        combo.addItem(entry.title if entry else name, name)
        if entry is not None:
            combo.setItemData(i, entry.tooltip(), Qt.ItemDataRole.ToolTipRole)

    def explain_current(index: int) -> None:  # the chosen entry's formula, on the closed combo too
        tip = combo.itemData(index, Qt.ItemDataRole.ToolTipRole)
        if tip:
            combo.setToolTip(tip)
    combo.currentIndexChanged.connect(explain_current)
    explain_current(combo.currentIndex())
    return combo


def entries_for(choices: tuple[str, ...]) -> Mapping[str, Any] | None:
    """The registry catalogue that explains these choices (activation, regularization, …)."""
    for name in catalogue_names():
        entries = catalogue(name)
        if set(choices) <= set(entries):
            return entries
    return None


class ParamForm(QWidget):
    """A form for `params`; `set_values` fills it without emitting, `edited(name, value)` reports
    the person's changes (initializer choices come as {"name": ..., params}); `refused(message)`
    a value typed out of range (see NumberEdit)."""

    edited = Signal(str, object)
    refused = Signal(str)
    searchRequested = Signal(str)  # a parameter's name: "Search over this…" in its context menu

    def __init__(self, params: tuple[Param, ...] | list[Param], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.params = list(params)
        self._widgets: dict[str, QWidget] = {}
        self._values: dict[str, Any] = {}
        self._subforms: dict[str, ParamForm] = {}
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for p in self.params:
            widget = self._make(p)
            widget.setObjectName(f"param_{p.name}")
            widget.setToolTip(widget.toolTip() or p.doc)
            offer_search(widget, lambda name=p.name: self.searchRequested.emit(name))
            self._widgets[p.name] = widget
            layout.addRow(p.name.replace("_", " "), widget)
            if p.kind == "ref":
                sub = ParamForm([], self)
                self._subforms[p.name] = sub
                layout.addRow("", sub)

    def widget(self, name: str) -> QWidget:
        return self._widgets[name]

    def _make(self, p: Param) -> QWidget:
        if p.kind == "int":
            spin = QSpinBox()
            spin.setRange(int(p.low if p.low is not None else -2**31 + 1), int(min(p.high or 2**31 - 1, 2**31 - 1)))
            spin.setKeyboardTracking(False)
            spin.setToolTip(f"{p.doc} ({p.range_text()})")
            spin.valueChanged.connect(lambda v, name=p.name: self._emit(name, int(v)))
            return spin
        if p.kind in ("float", "optional_float"):
            edit = NumberEdit(p)
            edit.valueEdited.connect(lambda v, name=p.name: self._emit(name, v))
            edit.refused.connect(self.refused)
            return edit
        if p.kind == "bool":
            box = QCheckBox()
            box.toggled.connect(lambda v, name=p.name: self._emit(name, bool(v)))
            return box
        if p.kind == "choice":
            combo = choice_combo(list(p.choices), entries_for(p.choices))
            combo.currentIndexChanged.connect(lambda _i, name=p.name, c=combo: self._emit(name, c.currentData()))
            return combo
        if p.kind == "ref":
            entries = catalogue(p.ref)
            combo = choice_combo(list(entries), entries)
            combo.currentIndexChanged.connect(lambda _i, name=p.name, c=combo: self._ref_chosen(name, c.currentData()))
            return combo
        raise AssertionError(p.kind)

    def set_values(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)
        for p in self.params:
            widget = self._widgets[p.name]
            value = values.get(p.name, p.default)
            widget.blockSignals(True)
            try:
                if isinstance(widget, QSpinBox):
                    widget.setValue(int(value))
                elif isinstance(widget, NumberEdit):
                    widget.set_value(value)
                elif isinstance(widget, QCheckBox):
                    widget.setChecked(bool(value))
                elif isinstance(widget, QComboBox):
                    name = value["name"] if isinstance(value, dict) else value
                    widget.setCurrentIndex(max(0, widget.findData(name)))
                    tip = widget.itemData(widget.currentIndex(), Qt.ItemDataRole.ToolTipRole)
                    widget.setToolTip(tip or widget.toolTip())  # signals are blocked here
            finally:
                widget.blockSignals(False)
            if p.kind == "ref":
                self._show_subform(p, value)

    def _show_subform(self, p: Param, value: Mapping[str, Any]) -> None:
        entry = catalogue(p.ref)[value["name"]]
        old = self._subforms[p.name]
        layout: QFormLayout = self.layout()  # type: ignore[assignment]
        row, _ = layout.getWidgetPosition(old)
        if [q.name for q in old.params] != [q.name for q in entry.params]:
            layout.removeRow(row)
            sub = ParamForm(entry.params, self)
            sub.edited.connect(lambda name, v, ref=p.name: self._sub_edited(ref, name, v))
            sub.refused.connect(self.refused)
            layout.insertRow(row, "", sub)
            self._subforms[p.name] = sub
        self._subforms[p.name].set_values({k: v for k, v in value.items() if k != "name"})
        self._subforms[p.name].setVisible(bool(entry.params))

    def _ref_chosen(self, name: str, choice: str) -> None:
        p = next(q for q in self.params if q.name == name)
        value = {"name": choice, **catalogue(p.ref)[choice].defaults()}
        self._show_subform(p, value)
        self._emit(name, value)

    def _sub_edited(self, ref: str, name: str, value: Any) -> None:
        current = dict(self._values.get(ref) or {})
        current[name] = value
        self._emit(ref, current)

    def _emit(self, name: str, value: Any) -> None:
        self._values[name] = value
        self.edited.emit(name, value)
