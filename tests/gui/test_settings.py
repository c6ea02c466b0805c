"""Settings (Edit ▸ Settings…): every preference round-trips through QSettings, applies at once
(theme on widgets and plots, threads, refresh rate, autosave interval, default device of new
projects, data folder of downloads), Cancel changes nothing, and damaged values fall back."""

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from playground.gui.preferences import Preferences
from playground.gui.theme import DARK_PLOTS, LIGHT_PLOTS


def open_settings(window, qtbot):
    window.findChild(type(window.play_action), "settingsAction").trigger()
    dialog = window.settings_dialog
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def pick(combo, data) -> None:
    combo.setCurrentIndex(combo.findData(data))


def click(qtbot, dialog, button) -> None:
    qtbot.mouseClick(dialog.buttons.button(button), Qt.MouseButton.LeftButton)


def window_colour() -> str:
    return QApplication.instance().palette().color(QPalette.ColorRole.Window).name()


@pytest.fixture(autouse=True)
def light_again():
    yield
    from playground.gui.theme import apply_theme

    apply_theme(QApplication.instance(), "light")


def test_every_setting_round_trips_and_applies(window, qtbot, settings, tmp_path, make_window):
    dialog = open_settings(window, qtbot)
    pick(dialog.theme, "dark")
    pick(dialog.device, "cpu")
    dialog.threads.setValue(1)
    dialog.refresh.clear()
    qtbot.keyClicks(dialog.refresh, "12")
    dialog.autosave.setValue(25)
    dialog.folder.setText(str(tmp_path / "my data"))
    click(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)
    prefs = window.preferences
    assert (prefs.theme, prefs.device, prefs.threads, prefs.refresh_hz, prefs.autosave_seconds) == \
        ("dark", "cpu", 1, 12, 25)
    assert prefs.data_folder == str(tmp_path / "my data")
    # applied at once
    assert window.worker.update_interval == pytest.approx(1 / 12)
    assert window.autosave_timer.interval() == 25_000
    assert window.training_panel.threads.value() == 1
    # remembered: a new window reads the same preferences
    settings.sync()
    assert Preferences.load(QSettings(settings.fileName(), QSettings.Format.IniFormat)) == prefs
    second = make_window()
    assert second.preferences == prefs and second.autosave_timer.interval() == 25_000
    # new projects train on the default device
    second.new_project()
    assert second.document.project.training.device == "cpu"


def test_cancel_changes_nothing_and_defaults_can_be_restored(window, qtbot):
    before = Preferences(**vars(window.preferences))
    dialog = open_settings(window, qtbot)
    pick(dialog.theme, "dark")
    dialog.autosave.setValue(999)
    click(qtbot, dialog, QDialogButtonBox.StandardButton.Cancel)
    assert window.preferences == before and window.autosave_timer.interval() == before.autosave_seconds * 1000
    dialog = open_settings(window, qtbot)
    dialog.autosave.setValue(999)
    click(qtbot, dialog, QDialogButtonBox.StandardButton.RestoreDefaults)
    assert dialog.autosave.value() == 60 and dialog.theme.currentData() == "system"


def test_dark_and_light_themes_reach_widgets_and_plots(window, qtbot):
    dialog = open_settings(window, qtbot)
    pick(dialog.theme, "dark")
    click(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)
    assert window_colour() == "#2b2d30"
    plots = window.findChildren(pg.PlotWidget)
    assert len(plots) >= 3
    for plot in plots:
        assert plot.backgroundBrush().color().name() == DARK_PLOTS.background
    axis = window.loss_plot.plot.getPlotItem().getAxis("bottom")
    assert axis.pen().color().name() == DARK_PLOTS.foreground
    assert window.network_view.view.backgroundBrush().color().name() == DARK_PLOTS.background
    # what the eye sees: the loss plot's pixels are dark now
    image = window.loss_plot.plot.grab().toImage()
    assert image.pixelColor(image.width() // 2, 8).lightness() < 80
    # and back to light
    dialog = open_settings(window, qtbot)
    pick(dialog.theme, "light")
    click(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)
    assert QApplication.instance().palette().color(QPalette.ColorRole.Window).lightness() > 200
    assert window.boundary.plot.backgroundBrush().color().name() == LIGHT_PLOTS.background
    image = window.loss_plot.plot.grab().toImage()
    assert image.pixelColor(image.width() // 2, 8).lightness() > 200


def test_damaged_settings_fall_back_to_defaults(tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    settings.setValue("appearance/theme", "purple")
    settings.setValue("view/refreshHz", "fast")
    settings.setValue("autosave/seconds", 1)
    settings.setValue("training/threads", -3)
    prefs = Preferences.load(settings)
    assert prefs.theme == "system" and prefs.refresh_hz == 30 and prefs.autosave_seconds == 10 and prefs.threads == 1


def test_downloads_go_to_the_chosen_data_folder(window, qtbot, tmp_path):
    import dataclasses

    window.apply_preferences(dataclasses.replace(window.preferences, data_folder=str(tmp_path / "elsewhere")))
    window.download_url = "http://127.0.0.1:9/"  # nothing listens there
    window.download_data("mnist", "kmnist", "KMNIST")
    qtbot.waitUntil(lambda: window._download is None, timeout=20000)
    assert str(tmp_path / "elsewhere" / "kmnist") in window.banner.text()


def test_a_data_folder_that_cannot_be_one_is_a_message(window, qtbot, tmp_path):
    import dataclasses

    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    window.apply_preferences(dataclasses.replace(window.preferences, data_folder=str(blocker)))
    window.download_data("mnist", "mnist", "MNIST")
    qtbot.waitUntil(lambda: window._download is None, timeout=20000)
    assert "cannot use" in window.banner.text() and "Settings ▸ Data folder" in window.banner.text()
    assert window.play_action.isEnabled()
