"""Help ▸ About (versions of the app, Python, Qt, pyqtgraph, torch, and the devices found) and
Help ▸ Keyboard shortcuts (every menu action that has one). Non-modal boxes with selectable text."""

from __future__ import annotations

import platform
import sys

from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget


def about_text() -> str:
    import pyqtgraph
    import PySide6
    import torch

    from playground import __version__
    from playground.core.devices import list_devices

    devices = "".join(f"<li><b>{d.name}</b>: {d.description}</li>" for d in list_devices())
    return (f"<h3>Neural Playground {__version__}</h3>"
            "<p>Build a neural network, watch it learn, export it as a real model file.</p>"
            f"<p>Python {platform.python_version()} ({sys.platform})<br>Qt {qVersion()}, PySide6 {PySide6.__version__}"
            f"<br>pyqtgraph {pyqtgraph.__version__}<br>torch {torch.__version__} "
            f"({torch.get_num_threads()} threads)</p><p>Devices:</p><ul>{devices}</ul>")


def shortcut_rows(menus: list[QMenu]) -> list[tuple[str, str]]:
    """(action text, shortcut) of every action with a shortcut in `menus` (and their sub-menus)."""
    rows = []
    for menu in menus:
        for action in menu.actions():
            if action.menu() is not None:
                rows += shortcut_rows([action.menu()])
            elif isinstance(action, QAction) and not action.shortcut().isEmpty():
                rows.append((action.text().replace("&", ""), action.shortcut().toString()))
    return rows


def show_box(parent: QWidget, title: str, html: str) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Information, title, html, QMessageBox.StandardButton.Close, parent)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setModal(False)
    box.show()
    return box


def shortcuts_html(menus: list[QMenu]) -> str:
    rows = "".join(f"<tr><td>{text}</td><td>&nbsp;&nbsp;<b>{keys}</b></td></tr>" for text, keys in shortcut_rows(menus))
    return f"<h3>Keyboard shortcuts</h3><table>{rows}</table>"
