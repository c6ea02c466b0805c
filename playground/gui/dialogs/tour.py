"""A short tour of the panels: a bubble beside each panel in turn, with Next, Back and Close.
Shown on the first run (then remembered in QSettings as "tour/shown") and from Help ▸ Quick tour.
It is a child frame, not a modal dialog: the window stays usable while it is open."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


@dataclass
class Stop:
    target: QWidget
    title: str
    text: str


class Tour(QFrame):
    finished = Signal()

    def __init__(self, window: QWidget, stops: list[Stop]) -> None:
        super().__init__(window)
        self.setObjectName("tour")
        self.window_, self.stops, self.index = window, stops, 0
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setStyleSheet("#tour { background: #fffde7; border: 2px solid #f9a825; border-radius: 6px; }"
                           " #tour QLabel { color: #212121; }")
        self.title = QLabel(objectName="tourTitle")
        self.title.setStyleSheet("font-weight: bold; font-size: 14px;")
        self.text = QLabel(objectName="tourText", wordWrap=True)
        self.text.setMinimumWidth(300)
        self.step = QLabel(objectName="tourStep")
        self.back = QPushButton("Back", objectName="tourBack")
        self.next = QPushButton("Next", objectName="tourNext")
        self.close_button = QPushButton("Close", objectName="tourClose")
        self.close_button.setToolTip("End the tour (Help ▸ Quick tour shows it again)")
        self.back.clicked.connect(lambda: self.show_stop(self.index - 1))
        self.next.clicked.connect(self._next)
        self.close_button.clicked.connect(self.end)
        buttons = QHBoxLayout()
        buttons.addWidget(self.step)
        buttons.addStretch(1)
        for button in (self.back, self.next, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        self.setMaximumWidth(380)

    def start(self) -> None:
        self.show_stop(0)
        self.show()
        self.raise_()
        self.next.setFocus()

    def _next(self) -> None:
        if self.index + 1 < len(self.stops):
            self.show_stop(self.index + 1)
        else:
            self.end()

    def show_stop(self, index: int) -> None:
        self.index = max(0, min(index, len(self.stops) - 1))
        stop = self.stops[self.index]
        self.title.setText(stop.title)
        self.text.setText(stop.text)
        self.step.setText(f"{self.index + 1} of {len(self.stops)}")
        self.back.setEnabled(self.index > 0)
        self.next.setText("Done" if self.index == len(self.stops) - 1 else "Next")
        self.adjustSize()
        self._place(stop.target)

    def _place(self, target: QWidget) -> None:
        """Beside the target (right of it if there is room, else left, else over it), inside the window."""
        window = self.window_
        top_left = target.mapTo(window, QPoint(0, 0)) if target.isVisible() else QPoint(40, 80)
        width, height = self.width(), self.height()
        x = top_left.x() + target.width() + 8
        if x + width > window.width():
            x = top_left.x() - width - 8
        if x < 0:
            x = top_left.x() + 16
        y = top_left.y() + 16
        x = max(4, min(x, window.width() - width - 4))
        y = max(4, min(y, window.height() - height - 4))
        self.move(x, y)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self.end()
        else:
            super().keyPressEvent(event)

    def end(self) -> None:
        self.hide()
        self.finished.emit()
