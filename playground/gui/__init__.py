"""The Qt layer: a thin window over `playground.core`. Qt is imported here and only here."""

from playground.gui.window.main_window import MainWindow

__all__ = ["MainWindow"]
