"""Colours shared by the views: the TensorFlow Playground's orange–grey–blue scale for two classes
and for regression, distinct colours for more classes; and the light and dark themes of the
whole window, plots included."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

NEGATIVE = (0xF5, 0x93, 0x22)   # class 0 (the −1 class), orange
NEUTRAL = (0xE8, 0xEA, 0xEB)    # the boundary, grey
POSITIVE = (0x08, 0x77, 0xBD)   # class 1 (the +1 class), blue
CLASS_COLOURS = [NEGATIVE, POSITIVE, (0x2C, 0xA0, 0x2C), (0x94, 0x67, 0xBD), (0xD6, 0x27, 0x28),
                 (0x8C, 0x56, 0x4B), (0xE3, 0x77, 0xC2), (0x7F, 0x7F, 0x7F), (0xBC, 0xBD, 0x22), (0x17, 0xBE, 0xCF)]
#: Levels of the boundary's colour scale (the TensorFlow Playground quantizes to 30).
LEVELS = 30


def diverging_lut(levels: int = LEVELS) -> np.ndarray:
    """levels × 3 uint8: orange at 0, grey in the middle, blue at the end."""
    t = np.linspace(0.0, 1.0, levels)[:, None]
    low, mid, high = (np.array(c, dtype=np.float64) for c in (NEGATIVE, NEUTRAL, POSITIVE))
    colours = np.where(t < 0.5, low + (mid - low) * (t / 0.5), mid + (high - mid) * ((t - 0.5) / 0.5))
    return np.ascontiguousarray(np.round(colours).astype(np.uint8))


def class_colour(value: float, classes: int | None = None) -> QColor:
    """A class's colour (with `classes`), or a point on the diverging scale for value in [0, 1]."""
    if classes is not None:
        return QColor(*CLASS_COLOURS[int(value) % len(CLASS_COLOURS)])
    lut = diverging_lut(256)
    return QColor(*(int(c) for c in lut[int(np.clip(value, 0, 1) * 255)]))


def class_image(classes: np.ndarray, confidence: np.ndarray, count: int) -> np.ndarray:
    """H×W×3 uint8: each cell in its predicted class's colour, faded towards white as the model is
    less sure (confidence 1/count → white, 1 → full colour)."""
    palette = np.array([CLASS_COLOURS[i % len(CLASS_COLOURS)] for i in range(count)], dtype=np.float32)
    strength = np.clip((confidence - 1.0 / count) / (1.0 - 1.0 / count), 0.0, 1.0)[..., None] * 0.75 + 0.1
    rgb = 255.0 + (palette[classes] - 255.0) * strength
    return np.ascontiguousarray(rgb.astype(np.uint8))


# ------------------------------------------------------------------------------ light and dark

THEMES = {"system": "Follow the system", "light": "Light", "dark": "Dark"}


@dataclass(frozen=True)
class PlotColours:
    background: str
    foreground: str


LIGHT_PLOTS = PlotColours("#ffffff", "#424242")
DARK_PLOTS = PlotColours("#1f2124", "#d4d7dc")


def is_dark(choice: str) -> bool:
    """Whether `choice` (system, light, dark) means dark here; "system" asks Qt."""
    from PySide6.QtGui import QGuiApplication

    if choice in ("light", "dark"):
        return choice == "dark"
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def dark_palette() -> QPalette:
    palette = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    colours = {role.Window: "#2b2d30", role.WindowText: "#e3e5e8", role.Base: "#1f2124",
               role.AlternateBase: "#2b2d30", role.ToolTipBase: "#3c3f41", role.ToolTipText: "#e3e5e8",
               role.PlaceholderText: "#8c9096", role.Text: "#e3e5e8", role.Button: "#3c3f41",
               role.ButtonText: "#e3e5e8", role.BrightText: "#ff6b6b", role.Light: "#4a4d50",
               role.Midlight: "#3f4245", role.Mid: "#2f3134", role.Dark: "#1b1c1e", role.Shadow: "#111213",
               role.Highlight: "#2f7dd1", role.HighlightedText: "#ffffff", role.Link: "#6cb4ff"}
    for which, colour in colours.items():
        palette.setColor(which, QColor(colour))
    for which in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, which, QColor("#7a7e84"))
    return palette


def apply_theme(app, choice: str) -> PlotColours:
    """Style the whole application light or dark (Fusion, so every platform looks alike) and make
    it the default for plots created from now on; returns the plot colours to use."""
    import pyqtgraph as pg

    dark = is_dark(choice)
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if dark else app.style().standardPalette())
    colours = DARK_PLOTS if dark else LIGHT_PLOTS
    pg.setConfigOption("background", colours.background)
    pg.setConfigOption("foreground", colours.foreground)
    return colours


def theme_plots(root, colours: PlotColours) -> None:
    """Give every plot under widget `root` the theme's background, axes, titles and legends, and
    the network view its background and labels (plots keep their data colours)."""
    import pyqtgraph as pg
    from PySide6.QtGui import QBrush
    from PySide6.QtWidgets import QGraphicsSimpleTextItem, QGraphicsView

    foreground = QColor(colours.foreground)
    for view in root.findChildren(QGraphicsView):
        if isinstance(view, pg.GraphicsView):
            view.setBackground(colours.background)
        else:
            view.setBackgroundBrush(QBrush(QColor(colours.background)))
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem):
                item.setPen(foreground)
                item.setTextPen(foreground)
            elif isinstance(item, pg.LabelItem):
                item.setText(item.text, color=colours.foreground)
            elif isinstance(item, pg.LegendItem):
                item.setLabelTextColor(foreground)
            elif isinstance(item, QGraphicsSimpleTextItem):
                item.setBrush(QBrush(foreground))
