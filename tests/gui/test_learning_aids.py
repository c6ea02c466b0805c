"""Learning aids and files from the views: the Code view, the Learn panel, formulas in tooltips,
views saved as PNG/SVG, the loss history as CSV."""

import csv

import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QComboBox

from playground.core.model.registry import LOSSES, OPTIMIZERS
from tests.gui.test_inspection_views import click_tab, train_a_little
from tests.gui.trained import ask


def test_code_view_follows_every_edit_and_runs(window, qtbot):
    view = window.code_view
    click_tab(qtbot, window.left_tabs, view)
    assert "nn.Linear(2, 4)" in view.code()
    window.change_units(0, 3)
    assert "nn.Linear(2, 7)" in view.code() and "nn.Linear(7, 2)" in view.code()
    namespace: dict = {}
    exec(compile(view.code(), "generated.py", "exec"), namespace)  # the code as a person would run it
    model = namespace["build_model"]()
    qtbot.waitUntil(lambda: window.worker.ready and ask(window, lambda t: t.model[0][0].out_features) == 7,
                    timeout=10000)
    trainer_keys = ask(window, lambda t: set(t.model.state_dict()))
    assert set(model.state_dict()) == trainer_keys
    assert model(torch.zeros(3, 2)).shape == (3, 1)
    qtbot.mouseClick(view.with_training, Qt.MouseButton.LeftButton)
    assert "def main(" in view.code() and "optim" in view.code()
    qtbot.mouseClick(view.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == view.code()


def test_code_view_says_why_when_the_network_is_broken(window, qtbot):
    click_tab(qtbot, window.left_tabs, window.code_view)
    window.insert_layer(0, "batch_norm")
    window.edit_setting("data", "features", ["x1"])
    assert window.code_view.code().startswith("# ") or "nn.BatchNorm1d(1" in window.code_view.code()


def test_learn_panel_explains_with_the_current_network(window, qtbot):
    click_tab(qtbot, window.left_tabs, window.learn_view)
    text = window.learn_view.text()
    assert "W₁ is 4×2 (8 weights)" in text and "h₃ = Tanh(W₃·h₂ + b₃)" in text
    assert LOSSES["mse"].formula in text and "η = 0.03" in text
    window.edit_setting("training", "optimizer", {"name": "adam", "beta1": 0.9, "beta2": 0.999, "eps": 1e-8})
    window.edit_setting("training", "learning_rate", 0.005)
    text = window.learn_view.text()
    assert " ".join(OPTIMIZERS["adam"].formula.split()) in " ".join(text.split()) and "η = 0.005" in text


def test_every_choice_explains_itself_with_its_formula(window):
    window.editor.select(0)
    combos = [c for c in window.training_panel.findChildren(QComboBox) + window.inspector.findChildren(QComboBox)
              if c.objectName().startswith("param_")]  # the choices of the registry (not the device list)
    names = {c.objectName() for c in combos}
    assert {"param_loss", "param_optimizer", "param_regularization", "param_schedule", "param_activation",
            "param_init"} <= names
    for combo in combos:
        for i in range(combo.count()):
            tip = combo.itemData(i, Qt.ItemDataRole.ToolTipRole)
            assert tip and "\n" in tip, (combo.objectName(), combo.itemText(i))  # what it does + formula
        assert combo.toolTip() == combo.itemData(combo.currentIndex(), Qt.ItemDataRole.ToolTipRole)
    palette_tips = [item.toolTip(0) for item in window.palette.items().values()]
    assert all("\n" in tip for tip in palette_tips)


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_every_view_saves_as_an_image(window, qtbot, tmp_path, suffix):
    train_a_little(qtbot, window, 2)
    for key in window.image_views():
        path = tmp_path / f"{key}{suffix}"
        window.ask_save_path = lambda *_args, p=path: p
        window.findChild(object, f"saveImage_{key}").trigger()
        assert path.is_file(), key
        if suffix == ".png":
            image = QImage(str(path))
            assert not image.isNull() and image.width() > 100, key
        else:
            assert b"<svg" in path.read_bytes()[:2000], key
    assert not list(tmp_path.glob(".*partial*"))
    window.save_view_image("loss", tmp_path / "loss.txt")
    assert "png or .svg" in window.banner.text()


def test_loss_history_exports_as_csv(window, qtbot, tmp_path):
    train_a_little(qtbot, window, 3)
    path = tmp_path / "history.csv"
    window.ask_save_path = lambda *_args: path
    window.findChild(object, "exportHistoryAction").trigger()
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == window.epoch
    assert [int(r["epoch"]) for r in rows] == list(range(1, window.epoch + 1))
    assert float(rows[-1]["test_loss"]) == pytest.approx(window.loss_plot.test[-1])
    assert not window.export_history(path / "h.csv")  # inside a file: cannot be written
    assert "Could not export" in window.banner.text()


def test_the_first_run_opens_the_default_example_with_a_tour(qtbot, tmp_path):
    """A fresh install: the TensorFlow Playground default is open and ready to play, and a tour
    of the panels walks through them (Next, Back, Done) without blocking the window; it is not
    shown again, and Help ▸ Quick tour brings it back."""
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtWidgets import QMessageBox

    from playground.gui import MainWindow

    settings = QSettings(str(tmp_path / "fresh.ini"), QSettings.Format.IniFormat)
    settings.setValue("autosave/folder", str(tmp_path / "recovery"))
    window = MainWindow(settings=settings)
    window.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.tour is not None and window.tour.isVisible(), timeout=5000)
        project = window.document.project
        assert project.data.dataset == "circle" and [layer.params["units"] for layer in project.model.layers] == [4, 2, 1]
        assert window.play_action.isEnabled() and window.epoch == 0  # ready to press play
        tour = window.tour
        titles = []
        for _ in range(len(tour.stops)):
            titles.append(tour.title.text())
            assert window.rect().contains(tour.geometry())  # inside the window
            qtbot.mouseClick(tour.next, Qt.MouseButton.LeftButton)
        assert titles[0] == "Press play" and len(set(titles)) == len(titles) >= 6
        assert not tour.isVisible()  # Done ends it
        assert settings.value("tour/shown", False, type=bool)
        window.findChild(type(window.play_action), "tourAction").trigger()
        assert window.tour.isVisible() and window.tour.title.text() == "Press play"
        qtbot.mouseClick(window.tour.next, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(window.tour.back, Qt.MouseButton.LeftButton)
        assert window.tour.title.text() == "Press play"
        window.toggle_play()  # the window works while the tour is open
        qtbot.waitUntil(lambda: window.epoch >= 2, timeout=20000)
        qtbot.keyClick(window.tour, Qt.Key.Key_Escape)
        assert not window.tour.isVisible()
    finally:
        if window.worker.playing:
            window.toggle_play()
        window.document.undo_stack.setClean()
        window.close()
        assert window.worker.wait(10000)
