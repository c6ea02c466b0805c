"""A main window per test, with its own settings file; closed (and its worker joined) after."""

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from playground.gui import MainWindow


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, settings, monkeypatch):
    windows = []

    def make(project=None) -> MainWindow:
        window = MainWindow(project_path=project, settings=settings)
        window.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
        window.confirm = lambda title, text: True
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        qtbot.waitUntil(lambda: window.worker._trainer is not None and window.boundary.frames > 0, timeout=30000)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        assert window.worker.wait(10000)


@pytest.fixture
def window(make_window):
    return make_window()
