"""The confusion matrix of the test split, live: rows are the true class, columns the predicted
one, each cell shaded by the fraction of its row and labelled with its count; each class's accuracy
(recall) at the end of its row, the overall accuracy and the weakest class in one line below. The
labels' size follows the number of classes, so ten classes fit the tab as well as two."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from playground.gui.views import stack_with_bar

#: White to the playground's blue, for the share of a row.
RECALL_COLOUR = "#2e7d32"
_LUT = np.array([np.linspace(255, c, 256) for c in (0x08, 0x77, 0xBD)], dtype=np.float64).T.round().astype(np.uint8)


class ConfusionView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confusionView")
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setAspectLocked(True)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "predicted class")
        item.setLabel("left", "true class")
        item.invertY(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(_LUT)
        item.addItem(self.image)
        self.texts: list[pg.TextItem] = []
        self.recall_texts: list[pg.TextItem] = []
        self.summary = QLabel(objectName="confusionSummary", wordWrap=True)
        self.caption = QLabel("Test split: rows are the true class, columns the predicted one.")
        bar = QHBoxLayout()
        bar.addWidget(self.caption)
        stack_with_bar(self, bar, self.plot, self.summary)
        self.matrix: np.ndarray | None = None

    def clear(self, classification: bool) -> None:
        self.matrix = None
        self.image.clear()
        for text in self.texts + self.recall_texts:
            self.plot.removeItem(text)
        self.texts, self.recall_texts = [], []
        self.summary.setText("" if classification else
                             "A regression data set has no classes: its test RMSE and R² stand by the loss curves.")

    def set_matrix(self, matrix: np.ndarray) -> None:
        matrix = np.asarray(matrix, dtype=np.int64)
        n = len(matrix)
        if self.matrix is None or len(self.matrix) != n:
            self._layout(n)
        self.matrix = matrix
        rows = matrix.sum(axis=1, keepdims=True)
        share = np.divide(matrix, rows, out=np.zeros(matrix.shape), where=rows > 0)
        self.image.setImage(np.ascontiguousarray(share, dtype=np.float32), autoLevels=False, levels=(0, 1),
                            rect=QRectF(-0.5, -0.5, n, n))
        for k, text in enumerate(self.texts):
            i, j = divmod(k, n)
            text.setText(f"{matrix[i, j]}")
            text.setColor("w" if share[i, j] > 0.6 else "#222")
        for i, text in enumerate(self.recall_texts):
            text.setText(f"{share[i, i]:.0%}" if rows[i, 0] else "–")
        total = matrix.sum()
        overall = np.trace(matrix) / total if total else 0.0
        present = [i for i in range(n) if rows[i, 0]]
        weakest = min(present, key=lambda i: share[i, i]) if present else None
        self.summary.setText(f"Accuracy {overall:.1%} of {total} test samples" +
                             (f"; weakest: class {weakest} ({share[weakest, weakest]:.0%})" if weakest is not None else "") +
                             ". Right: each class's accuracy.")

    def recall(self) -> list[str]:
        """The per-class accuracies as shown at the end of each row."""
        return [t.toPlainText() for t in self.recall_texts]

    def _layout(self, n: int) -> None:
        for text in self.texts + self.recall_texts:
            self.plot.removeItem(text)
        self.texts, self.recall_texts = [], []
        font = QFont()
        font.setPointSizeF(10.0 if n <= 5 else 8.0 if n <= 10 else 6.5)
        for i in range(n):
            for j in range(n):
                self.texts.append(self._text(j, i, font))
            recall = self._text(n + 0.35, i, font, anchor=(0.0, 0.5))
            recall.setColor(RECALL_COLOUR)
            self.recall_texts.append(recall)
        ticks = [[(k, str(k)) for k in range(n)]]
        item = self.plot.getPlotItem()
        item.getAxis("bottom").setTicks(ticks)
        item.getAxis("left").setTicks(ticks)
        item.setRange(xRange=(-0.5, n + 0.9), yRange=(-0.5, n - 0.5), padding=0.0)

    def _text(self, x: float, y: float, font: QFont, anchor=(0.5, 0.5)) -> pg.TextItem:
        text = pg.TextItem("", anchor=anchor)
        text.setFont(font)
        text.setPos(x, y)
        self.plot.addItem(text)
        return text
