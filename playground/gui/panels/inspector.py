"""The inspector: the selected layer's parameters as a form generated from the registry."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from playground.core.model.layers import LAYERS
from playground.core.model.spec import LayerSpec
from playground.gui.panels.forms import ParamForm


class Inspector(QWidget):
    layerEdited = Signal(int, str, object)  # layer index, parameter, value
    refused = Signal(str)                   # a value typed out of range, and why
    searchRequested = Signal(str)           # a key path to search over (a field's context menu)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 6)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self._layout.addWidget(self.heading)
        self.form: ParamForm | None = None
        self._layout.addStretch(1)
        self.index = -1
        self._kind = ""
        self.show_layer(-1, None)

    def show_layer(self, index: int, layer: LayerSpec | None) -> None:
        """Show `layer` (the index-th) or, with None, a hint."""
        self.index = index
        if layer is None:
            self._replace_form(None)
            self._kind = ""
            self.heading.setText("<i>Select a layer in the network to edit it.</i>")
            return
        entry = LAYERS[layer.type].entry
        name = f"{layer.id} · " if layer.id else ""
        self.heading.setText(f"<b>{index + 1}. {name}{entry.title}</b><br><span style='color:gray'>{entry.doc}</span>"
                             f"<br><code>{entry.formula}</code>")
        if layer.type != self._kind or self.form is None:
            form = ParamForm(entry.params)
            form.edited.connect(self._edited)
            form.refused.connect(self.refused)
            form.searchRequested.connect(lambda name: self.searchRequested.emit(f"model.layers[{self.index}].{name}"))
            self._replace_form(form)
            self._kind = layer.type
        self.form.set_values(layer.params)

    def _replace_form(self, form: ParamForm | None) -> None:
        if self.form is not None:
            self._layout.removeWidget(self.form)
            self.form.deleteLater()
        self.form = form
        if form is not None:
            self._layout.insertWidget(1, form)

    def _edited(self, name: str, value: Any) -> None:
        if self.index >= 0:
            self.layerEdited.emit(self.index, name, value)
