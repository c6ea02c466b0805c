"""The network editor: the network as a vertical stack of layer cards between an input card and an
output card. Palette items are dropped in at the drop position; cards are dragged to reorder,
duplicated, deleted (Delete key, context menu) and dense cards have +/− units buttons.

The editor only shows a project and reports what the person asked for (signals with indices);
the main window turns each request into an undoable edit.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QMimeData, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QDrag, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (QApplication, QFrame, QHBoxLayout, QLabel, QMenu, QScrollArea, QSizePolicy,
                               QToolButton, QVBoxLayout, QWidget)

from playground.core.model.layers import LAYERS, describe_shape
from playground.core.model.registry import LOSSES
from playground.core.model.shapes import Analysis
from playground.core.model.spec import LayerSpec, Project
from playground.gui.panels.palette import LAYER_MIME

CARD_MIME = "application/x-neural-playground-card"
ENCODING_WORDS = {"pm1": "targets ±1", "01": "targets 0/1", "index": "targets: class index",
                  "onehot": "targets: one-hot", "real": "targets: real values"}


def card_mime(index: int) -> QMimeData:
    data = QMimeData()
    data.setData(CARD_MIME, str(index).encode())
    return data


def layer_summary(layer: LayerSpec) -> str:
    """Kind and key settings in a few words: 'Dense · 8 units · tanh' (the kind says which)."""
    return LAYERS[layer.type].summary(layer.params)


class LayerCard(QFrame):
    """One layer: summary, output shape and parameter count, error, quick controls."""

    def __init__(self, editor: "NetworkEditor", index: int, layer: LayerSpec, info, error: str | None) -> None:
        super().__init__()
        self.editor, self.index, self.layer = editor, index, layer
        self.setObjectName(f"layerCard{index}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setProperty("card", "layer")
        self.setToolTip(LAYERS[layer.type].entry.tooltip())
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        outer.setSpacing(2)
        top = QHBoxLayout()
        self.title = QLabel(f"<b>{index + 1}. {layer_summary(layer)}</b>")
        self.title.setWordWrap(True)
        self.title.setMinimumWidth(60)
        top.addWidget(self.title, 1)
        if LAYERS[layer.type].neurons:
            for text, delta, name in (("−", -1, "fewer"), ("+", 1, "more")):
                button = QToolButton(text=text)
                button.setObjectName(f"{name}Units{index}")
                button.setToolTip(f"{'Remove' if delta < 0 else 'Add'} a neuron")
                button.setAutoRaise(True)
                button.clicked.connect(lambda _=False, d=delta: editor.unitsRequested.emit(self.index, d))
                top.addWidget(button)
        outer.addLayout(top)
        if info is not None and info.output_shape is not None:
            detail = f"→ {describe_shape(info.output_shape)} · {info.params:,} parameters"
        else:
            detail = "→ ?"
        self.detail = QLabel(detail)
        self.detail.setObjectName("cardDetail")
        self.detail.setWordWrap(True)
        outer.addWidget(self.detail)
        self.error = QLabel(error or "")
        self.error.setObjectName("cardError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        self.error.setVisible(bool(error))
        outer.addWidget(self.error)
        self.set_selected(False, error=bool(error))

    def set_selected(self, selected: bool, error: bool | None = None) -> None:
        if error is None:
            error = not self.error.isHidden()
        border = "#c62828" if error else ("#0877bd" if selected else "#b0b7bd")
        background = "#e3f0fa" if selected else "palette(base)"
        self.setStyleSheet(f"LayerCard {{ border: {2 if selected or error else 1}px solid {border}; "
                           f"border-radius: 6px; background: {background}; }}")

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
            self.editor.select(self.index)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        start = getattr(self, "_press", None)
        if start is None or not (event.buttons() & Qt.MouseButton.LeftButton):
            return
        if (event.position().toPoint() - start).manhattanLength() < QApplication.startDragDistance():
            return
        drag = QDrag(self)
        drag.setMimeData(card_mime(self.index))
        drag.setPixmap(self.grab())
        drag.setHotSpot(start)
        self._press = None
        drag.exec(Qt.DropAction.MoveAction)

    def contextMenuEvent(self, event) -> None:  # noqa: N802
        self.editor.select(self.index)
        self.editor.context_menu().exec(event.globalPos())


class EndCard(QFrame):
    """The input or the output card."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setStyleSheet(f"#{name} {{ border: 1px dashed #8a949c; border-radius: 6px; background: #f4f6f7; }}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.label)


class NetworkEditor(QScrollArea):
    insertRequested = Signal(int, str)      # index, layer kind
    moveRequested = Signal(int, int)        # from, to
    deleteRequested = Signal(int)
    duplicateRequested = Signal(int)
    unitsRequested = Signal(int, int)       # index, +1 / −1
    selectionChanged = Signal(int)          # −1: none

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkEditor")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(240)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("")
        self._container = QWidget()
        self._layout = QVBoxLayout(self._container)
        self._layout.setSpacing(6)
        self.setWidget(self._container)
        self.input_card = EndCard("inputCard")
        self.output_card = EndCard("outputCard")
        self.drop_marker = QFrame()
        self.drop_marker.setFixedHeight(3)
        self.drop_marker.setStyleSheet("background: #0877bd;")
        self.drop_marker.hide()
        self.cards: list[LayerCard] = []
        self.selected = -1
        self._actions()

    def _actions(self) -> None:
        self.duplicate_action = QAction("Duplicate layer", self, shortcut="Ctrl+D")
        self.duplicate_action.triggered.connect(lambda: self.selected >= 0 and self.duplicateRequested.emit(self.selected))
        self.delete_action = QAction("Delete layer", self, shortcut="Del")
        self.delete_action.triggered.connect(self.delete_selected)
        self.up_action = QAction("Move up", self)
        self.up_action.triggered.connect(lambda: self._move_selected(-1))
        self.down_action = QAction("Move down", self)
        self.down_action.triggered.connect(lambda: self._move_selected(+1))

    def context_menu(self) -> QMenu:
        menu = QMenu(self)
        for action in (self.duplicate_action, self.delete_action, self.up_action, self.down_action):
            menu.addAction(action)
        return menu

    # --------------------------------------------------------------- showing a project

    def set_project(self, project: Project, analysis: Analysis) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget()
            if widget is not None and widget not in (self.input_card, self.output_card, self.drop_marker):
                widget.deleteLater()
        self.cards = []
        if project.data.kind == "plane":
            features = ", ".join(project.data.features)
            self.input_card.label.setText(f"<b>Input</b> · {len(project.data.features)} features<br>"
                                          f"<span style='color:gray'>{features}</span>")
        else:
            shape = describe_shape(analysis.input_shape) if analysis.input_shape else "not read yet"
            source = project.data.path or "shipped with the app"
            self.input_card.label.setText(f"<b>Input</b> · {shape}<br><span style='color:gray'>"
                                          f"{project.data.dataset}: {html.escape(source)}</span>")
        self._layout.addWidget(self.input_card)
        error_text = str(analysis.error.message) if analysis.error is not None else None
        for i, layer in enumerate(project.model.layers):
            info = analysis.layers[i] if i < len(analysis.layers) else None
            card = LayerCard(self, i, layer, info, error_text if analysis.error_layer == i else None)
            self.cards.append(card)
            self._layout.addWidget(card)
        self._layout.addWidget(self.output_card)
        self._layout.addStretch(1)
        self._show_output(project, analysis)
        if self.selected >= len(self.cards):
            self.selected = len(self.cards) - 1
        self._paint_selection()

    def _show_output(self, project: Project, analysis: Analysis) -> None:
        loss = LOSSES[project.training.loss["name"]].title
        if analysis.error is not None and analysis.error_layer is None:
            self.output_card.label.setText(f"<b>Output</b> · loss {loss}<br>"
                                           f"<span style='color:#c62828'>{analysis.error}</span>")
        elif analysis.ok and analysis.output_shape is not None:
            units = analysis.output_shape[0]
            self.output_card.label.setText(
                f"<b>Output</b> · {units} unit{'s' if units != 1 else ''} · {ENCODING_WORDS[analysis.encoding]}"
                f"<br><span style='color:gray'>loss {loss} · {analysis.total_params:,} parameters in all</span>")
        else:
            self.output_card.label.setText(f"<b>Output</b> · loss {loss}<br><span style='color:#c62828'>"
                                           "fix the layer marked in red to train</span>")

    # --------------------------------------------------------------- selection and keys

    def select(self, index: int) -> None:
        self.show_selected(index)
        self.setFocus()
        self.selectionChanged.emit(index)

    def show_selected(self, index: int) -> None:
        """Mark the layer chosen elsewhere (the graph canvas), without taking the focus."""
        self.selected = index
        self._paint_selection()

    def _paint_selection(self) -> None:
        for card in self.cards:
            card.set_selected(card.index == self.selected)

    def delete_selected(self) -> None:
        if 0 <= self.selected < len(self.cards):
            self.deleteRequested.emit(self.selected)

    def _move_selected(self, delta: int) -> None:
        target = self.selected + delta
        if 0 <= self.selected < len(self.cards) and 0 <= target < len(self.cards):
            self.moveRequested.emit(self.selected, target)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selected()
        elif key == Qt.Key.Key_Up and self.cards:
            self.select(max(0, self.selected - 1))
        elif key == Qt.Key.Key_Down and self.cards:
            self.select(min(len(self.cards) - 1, self.selected + 1))
        else:
            super().keyPressEvent(event)

    # --------------------------------------------------------------- drag and drop

    def insertion_index(self, pos: QPoint) -> int:
        """Where a drop at `pos` (editor coordinates) goes: before the first card below it."""
        y = self._container.mapFrom(self, pos).y()
        for i, card in enumerate(self.cards):
            if y < card.geometry().center().y():
                return i
        return len(self.cards)

    def _accepts(self, mime: QMimeData) -> bool:
        return mime.hasFormat(LAYER_MIME) or mime.hasFormat(CARD_MIME)

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if not self._accepts(event.mimeData()):
            return
        event.acceptProposedAction()
        index = self.insertion_index(event.position().toPoint())
        self._layout.removeWidget(self.drop_marker)
        self._layout.insertWidget(1 + index, self.drop_marker)
        self.drop_marker.show()

    def dragLeaveEvent(self, event) -> None:  # noqa: N802
        self.drop_marker.hide()

    def dropEvent(self, event) -> None:  # noqa: N802
        self.drop_marker.hide()
        self.handle_drop(event.mimeData(), event.position().toPoint())
        event.acceptProposedAction()

    def handle_drop(self, mime: QMimeData, pos: QPoint) -> bool:
        """Insert a palette layer or move a card to the position `pos`; True if it did."""
        index = self.insertion_index(pos)
        if mime.hasFormat(LAYER_MIME):
            kind = bytes(mime.data(LAYER_MIME)).decode(errors="replace")
            if kind in LAYERS:
                self.insertRequested.emit(index, kind)
                return True
        elif mime.hasFormat(CARD_MIME):
            try:
                source = int(bytes(mime.data(CARD_MIME)).decode())
            except ValueError:
                return False
            target = index - 1 if index > source else index
            if 0 <= source < len(self.cards) and source != target:
                self.moveRequested.emit(source, target)
                return True
        return False
