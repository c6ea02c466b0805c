"""Save a view as PNG or SVG: pyqtgraph's own exporters for the plots (Qt's SVG painter where
pyqtgraph's SVG writer fails), Qt's renderer for the network view's scene. Written beside the target and renamed, so a failed export leaves no
half-written file."""

from __future__ import annotations

import os
from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (registers the exporters)
from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsScene

FORMATS = (".png", ".svg")


def save_image(target, path: Path, scale: float = 2.0) -> None:
    """Save `target` (a pyqtgraph scene or item, or a plain QGraphicsScene) to `path`, PNG or SVG
    by its suffix. Raises OSError or ValueError with a plain message."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"choose a .png or .svg file name, not {path.name!r}")
    temporary = path.with_name(f".{path.stem}.partial{suffix}")
    try:
        if isinstance(target, pg.GraphicsScene) or isinstance(target, pg.GraphicsObject):
            _export_pyqtgraph(target, temporary, suffix, scale)
        elif isinstance(target, QGraphicsScene):
            _export_scene(target, temporary, suffix, scale)
        else:
            raise TypeError(f"cannot export {type(target).__name__}")
        if not temporary.is_file() or temporary.stat().st_size == 0:
            raise OSError(f"nothing was written to {path}")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _export_pyqtgraph(target, path: Path, suffix: str, scale: float) -> None:
    if suffix == ".svg":
        try:
            pg.exporters.SVGExporter(target).export(str(path))
        except ValueError:
            # pyqtgraph's SVG writer cannot rewrite some items' coordinates (0.14: a colour bar);
            # Qt's own SVG painter draws the whole scene instead.
            _export_scene(target if isinstance(target, QGraphicsScene) else target.scene(), path, suffix, scale)
        return
    exporter = pg.exporters.ImageExporter(target)
    width = int(exporter.params["width"] * scale)
    exporter.parameters()["width"] = max(1, width)
    exporter.export(str(path))


def _export_scene(scene: QGraphicsScene, path: Path, suffix: str, scale: float) -> None:
    source = scene.sceneRect()
    if suffix == ".svg":
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(QSize(int(source.width()), int(source.height())))
        generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
        generator.setTitle("Neural Playground view")
        painter = QPainter(generator)
    else:
        image = QImage(int(source.width() * scale), int(source.height() * scale), QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    try:
        scene.render(painter, QRectF(0, 0, painter.device().width(), painter.device().height()), source)
    finally:
        painter.end()
    if suffix == ".png" and not image.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
