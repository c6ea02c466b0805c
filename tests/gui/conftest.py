"""A main window per test, with its own settings file; closed (and its worker joined) after."""

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from playground.gui import MainWindow


@pytest.fixture(scope="session", autouse=True)
def garbage_collected_in_the_gui_thread(qapp):
    """As the app does (gui.app): cyclic garbage is collected on the GUI thread only, never by a
    training thread that happens to allocate (which can deadlock against Qt)."""
    import gc

    from playground.gui.app import collect_garbage_in_gui_thread

    gc.collect()
    collector = collect_garbage_in_gui_thread()
    yield collector
    collector.timer.stop()
    gc.enable()


@pytest.fixture
def settings(tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("autosave/folder", str(tmp_path / "recovery"))
    settings.setValue("tour/shown", True)  # the first-run tour has its own test
    settings.setValue("training/speed", "fastest")  # the tests of training speed (watch) say so themselves
    return settings


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch):
    """A modal question would block the test run: every test must answer through the window's
    injectable methods (confirm, ask_unsaved, ask_restore)."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"a modal dialog was opened in a test: {args[1:3]}")
    monkeypatch.setattr(QMessageBox, "question", refuse)


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
        qtbot.waitUntil(lambda: window.worker.ready and window.boundary.frames > 0, timeout=30000)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        assert window.worker.wait(10000)
    import gc

    gc.collect()  # here, on the GUI thread


@pytest.fixture
def window(make_window):
    return make_window()
