"""The layer palette: every layer kind from the registry, grouped and searchable, dragged onto the
network editor (or double-clicked to append)."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from playground.core.model.layers import LAYERS

LAYER_MIME = "application/x-neural-playground-layer"
KIND_ROLE = Qt.ItemDataRole.UserRole


def layer_mime(kind: str) -> QMimeData:
    """The mime data a palette drag carries (tests feed the same to the editor's drop)."""
    data = QMimeData()
    data.setData(LAYER_MIME, kind.encode())
    data.setText(kind)
    return data


class _PaletteTree(QTreeWidget):
    def mimeTypes(self) -> list[str]:  # noqa: N802 (Qt's name)
        return [LAYER_MIME]

    def mimeData(self, items) -> QMimeData:  # noqa: N802 (Qt's name)
        kinds = [item.data(0, KIND_ROLE) for item in items if item.data(0, KIND_ROLE)]
        return layer_mime(kinds[0]) if kinds else QMimeData()


class LayerPalette(QWidget):
    layerRequested = Signal(str)  # double-click or Enter: append this kind

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerPalette")
        self.search = QLineEdit(placeholderText="Search layers…")
        self.search.setObjectName("layerSearch")
        self.search.setToolTip("Type to find a layer kind by name or description")
        self.search.setClearButtonEnabled(True)
        self.tree = _PaletteTree()
        self.tree.setObjectName("layerTree")
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setToolTip("Drag a layer onto the network, or double-click to append it")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        groups: dict[str, QTreeWidgetItem] = {}
        for kind in LAYERS.values():
            entry = kind.entry
            group = entry.extra.get("group", "Other")
            if group not in groups:
                groups[group] = QTreeWidgetItem(self.tree, [group])
                groups[group].setFlags(Qt.ItemFlag.ItemIsEnabled)
            item = QTreeWidgetItem(groups[group], [entry.title])
            item.setData(0, KIND_ROLE, entry.name)
            item.setToolTip(0, entry.tooltip())
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
        self.tree.expandAll()
        self.search.textChanged.connect(self._filter)
        self.tree.itemActivated.connect(self._activated)

    def items(self) -> dict[str, QTreeWidgetItem]:
        """The layer items by kind."""
        out = {}
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            for j in range(group.childCount()):
                out[group.child(j).data(0, KIND_ROLE)] = group.child(j)
        return out

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for kind, item in self.items().items():
            entry = LAYERS[kind].entry
            hay = f"{entry.name} {entry.title} {entry.doc}".lower()
            item.setHidden(bool(needle) and needle not in hay)
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            group.setHidden(all(group.child(j).isHidden() for j in range(group.childCount())))

    def _activated(self, item: QTreeWidgetItem) -> None:
        kind = item.data(0, KIND_ROLE)
        if kind:
            self.layerRequested.emit(kind)
