"""Colours shared by the views: the TensorFlow Playground's orange–grey–blue scale for two classes
and for regression, and distinct colours for more classes."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

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
