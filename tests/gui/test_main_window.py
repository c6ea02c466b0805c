"""The window as a person uses it: drag, edit, train, undo, save, reopen, export, close."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialogButtonBox, QSpinBox

from playground.core.io.project import load_project
from playground.gui.panels.canvas import card_mime
from playground.gui.panels.palette import layer_mime
from tests.conftest import EXAMPLES
from tests.gui.trained import ask


def drop(editor, mime, y: int) -> None:
    """What Qt delivers when a drag is released over the editor at height y (editor coordinates)."""
    event = QDropEvent(QPointF(60, y), Qt.DropAction.CopyAction | Qt.DropAction.MoveAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    editor.dropEvent(event)


def between(editor, upper: int) -> int:
    """A y (editor coordinates) just below card `upper`, above the next one."""
    card = editor.cards[upper]
    bottom = card.mapTo(editor, QPoint(0, card.height())).y()
    return bottom + 2


def open_layers_tab(window, qtbot) -> None:
    """Click the "Layers" tab, where the card editor is (the network view is the first tab)."""
    bar = window.left_tabs.tabBar()
    index = window.left_tabs.indexOf(window.editor)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert window.left_tabs.currentWidget() is window.editor
    qtbot.waitUntil(lambda: window.editor.isVisible())


def layer_types(window) -> list:
    return [layer.type for layer in window.document.project.model.layers]


def test_the_stable_names_exist(window):
    for name in ("layerPalette", "networkEditor", "inspector", "dataPanel", "trainingPanel", "playButton",
                 "stepButton", "resetButton", "lossPlot", "boundaryView", "statusBar"):
        assert window.findChild(object, name) is not None, name


def test_drag_a_dense_layer_from_the_palette_edit_it_train_and_undo(window, qtbot):
    assert layer_types(window) == ["dense", "dense", "dense"]
    open_layers_tab(window, qtbot)
    palette_item = window.palette.items()["dense"]
    mime = window.palette.tree.mimeData([palette_item])  # what the palette puts on the drag
    drop(window.editor, mime, between(window.editor, 0))
    assert layer_types(window) == ["dense"] * 4
    assert len(window.editor.cards) == 4
    assert window.editor.selected == 1 and window.inspector.index == 1

    spin = window.inspector.form.widget("units")
    assert isinstance(spin, QSpinBox)
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "7")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert window.document.project.model.layers[1].params["units"] == 7
    assert "7 units" in window.editor.cards[1].title.text()
    assert "→ 7 features" in window.editor.cards[1].detail.text()

    before = window.boundary.image_data().copy()
    qtbot.mouseClick(window.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.loss_plot.point_count() >= 5, timeout=20000)
    qtbot.waitUntil(lambda: not np.array_equal(window.boundary.image_data(), before), timeout=20000)
    qtbot.mouseClick(window.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.state == "paused", timeout=10000)
    assert window.status_labels["epoch"].text().startswith("epoch ")

    window.undo_action.trigger()  # the units edit
    assert window.document.project.model.layers[1].params["units"] == 4
    window.undo_action.trigger()  # the drop
    assert layer_types(window) == ["dense"] * 3
    window.redo_action.trigger()
    assert layer_types(window) == ["dense"] * 4


def test_reorder_duplicate_and_delete_cards(window, qtbot):
    open_layers_tab(window, qtbot)
    drop(window.editor, layer_mime("dropout"), between(window.editor, 2))  # after the last card
    assert layer_types(window) == ["dense", "dense", "dense", "dropout"]
    # an error: the output is now a dropout layer after a 1-unit dense: still valid; move dropout to the top
    drop(window.editor, card_mime(3), 5)
    assert layer_types(window) == ["dropout", "dense", "dense", "dense"]
    window.editor.select(1)
    window.editor.duplicate_action.trigger()
    assert layer_types(window) == ["dropout", "dense", "dense", "dense", "dense"]
    window.editor.select(0)
    qtbot.keyClick(window.editor, Qt.Key.Key_Delete)
    assert layer_types(window) == ["dense"] * 4
    # +/− units on a card
    qtbot.mouseClick(window.editor.findChild(object, "moreUnits0"), Qt.MouseButton.LeftButton)
    assert window.document.project.model.layers[0].params["units"] == 5


def test_an_invalid_network_shows_the_error_on_the_card_and_disables_training(window, qtbot):
    window.edit_layer(2, "units", 3)  # 3 outputs for 2 classes with mse
    card = window.editor.cards[2]
    assert not card.error.isHidden() and "2 classes" in card.error.text()
    assert not window.play_action.isEnabled() and not window.play_button.isEnabled()
    assert not window.banner.isHidden()
    window.undo_action.trigger()
    assert window.play_action.isEnabled() and window.editor.cards[2].error.isHidden()


def type_into(qtbot, edit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def test_out_of_range_values_are_refused_with_a_message(window, qtbot):
    lr = window.training_panel.form.widget("learning_rate")
    type_into(qtbot, lr, "50")
    assert lr.parsed() is None and "background" in lr.styleSheet()  # red as you type
    qtbot.keyClick(lr, Qt.Key.Key_Return)
    assert window.document.project.training.learning_rate == 0.03
    window.change_units(2, -1)  # 1 → 0 units
    assert window.document.project.model.layers[2].params["units"] == 1
    assert "units" in window.banner.text() and "≥ 1" in window.banner.text()


def test_data_and_training_settings_are_undoable(window):
    window.data_panel.features["x1^2"].click()
    assert window.document.project.data.features == ["x1", "x2", "x1^2"]
    assert "3 features" in window.editor.input_card.label.text()
    combo = window.data_panel.dataset
    combo.setCurrentIndex(combo.findData("xor"))
    assert window.document.project.data.dataset == "xor"
    window.training_panel.form.widget("optimizer").setCurrentIndex(
        window.training_panel.form.widget("optimizer").findData("adam"))
    assert window.document.project.training.optimizer["name"] == "adam"
    for _ in range(3):
        window.undo_action.trigger()
    assert window.document.project.data.features == ["x1", "x2"]
    assert window.document.project.data.dataset == "circle"
    assert window.data_panel.dataset.currentData() == "circle"


def test_learning_rate_applies_live_and_architecture_change_asks(window, qtbot):
    window.toggle_play()
    qtbot.waitUntil(lambda: window.epoch >= 3, timeout=20000)
    lr = window.training_panel.form.widget("learning_rate")
    type_into(qtbot, lr, "0.1")
    qtbot.keyClick(lr, Qt.Key.Key_Return)
    assert window.document.project.training.learning_rate == 0.1
    epoch = window.epoch
    qtbot.waitUntil(lambda: window.epoch > epoch + 2, timeout=20000)
    assert window.loss_plot.point_count() >= window.epoch - 1  # no reset: the curve went on
    asked = []
    window.confirm = lambda title, text: asked.append(title) or False
    window.change_units(0, +1)
    assert asked and window.document.project.model.layers[0].params["units"] == 4  # refused
    if window.state == "playing":  # the fast path may have finished the run's epochs already
        window.toggle_play()
    qtbot.waitUntil(lambda: window.state in ("paused", "finished"), timeout=10000)


def test_divergence_is_reported_and_the_window_keeps_working(make_window, qtbot, write_project):
    from tests.conftest import project_dict
    layers = [{"type": "dense", "units": 16, "activation": "relu"}, {"type": "dense", "units": 1}]
    window = make_window(write_project(project_dict("plane", layers=layers, learning_rate=5.0, epochs=0, samples=200)))
    window.toggle_play()
    qtbot.waitUntil(lambda: "loss became" in window.banner.text(), timeout=20000)
    assert window.state == "failed"
    window.edit_setting("training", "learning_rate", 0.001)
    window.toggle_play()
    epoch = window.epoch
    qtbot.waitUntil(lambda: window.epoch > epoch + 2, timeout=20000)
    window.toggle_play()


def test_save_reopen_and_bad_files(window, make_window, qtbot, tmp_path):
    window.edit_layer(0, "units", 6)
    assert window.windowTitle().startswith("Untitled •")
    path = tmp_path / "mine.json"
    assert window.save_to(path)
    assert window.windowTitle().startswith("mine.json —")
    assert load_project(path).model.layers[0].params["units"] == 6
    again = make_window(path)
    assert again.document.project == window.document.project
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "neural-playground-project", "version": 1, "data": ')
    with qtbot.waitSignal(again.projectOpened, timeout=10000) as opened:
        again.open_project(bad)
    assert opened.args[1] and "bad.json" in again.banner.text() and "not valid JSON" in again.banner.text()
    assert again.document.project == window.document.project  # nothing lost
    assert again._recent()[0] == str(path.resolve())
    assert [a.text() for a in again.recent_menu.actions()][0] == str(path.resolve())


def test_export_onnx_through_the_dialog(window, qtbot, tmp_path):
    import onnxruntime
    window.step_action.trigger()
    qtbot.waitUntil(lambda: window.epoch >= 1, timeout=20000)
    dialog = window.show_export_dialog()
    dialog.format.setCurrentIndex(dialog.format.findData("onnx"))
    dialog.path.setText(str(tmp_path / "circle.onnx"))
    with qtbot.waitSignal(window.worker.exportFinished, timeout=60000):
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Exported" in window.banner.text(), timeout=5000)
    session = onnxruntime.InferenceSession(str(tmp_path / "circle.onnx"), providers=["CPUExecutionProvider"])
    probabilities = session.run(None, {"input": np.zeros((3, 2), np.float32)})[0]  # raw points, class 0 / 1
    assert probabilities.shape == (3, 2) and np.allclose(probabilities.sum(axis=1), 1)
    assert (tmp_path / "circle.signature.json").is_file()
    # a failed export says so and the window goes on
    window.export_model("onnx", tmp_path)
    assert "file name" in window.banner.text()


def test_new_from_template_and_close_during_training(window, qtbot):
    window.new_project(EXAMPLES / "spiral3-softmax.json")
    qtbot.waitUntil(lambda: window.boundary.classes == 3, timeout=20000)
    window.toggle_play()
    qtbot.waitUntil(lambda: window.epoch >= 2, timeout=20000)
    window.close()
    assert window.worker.wait(10000) and window.worker.isFinished()


def test_screenshot_while_training_the_spiral(make_window, qtbot, tmp_path):
    window = make_window(EXAMPLES / "spiral.json")
    window.toggle_play()
    qtbot.waitUntil(lambda: window.epoch >= 30, timeout=30000)
    window.toggle_play()
    qtbot.waitUntil(lambda: window.state in ("paused", "finished"), timeout=10000)
    shot = window.grab()
    path = tmp_path / "spiral.png"
    assert shot.save(str(path))
    image = shot.toImage()
    assert image.width() >= 1280 and image.height() >= 800
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 37) for y in range(0, image.height(), 37)}
    assert len(colours) > 20  # a drawn window, not a blank one


def test_loss_plot_log_scales_smoothing_readout_and_remembered_settings(window, qtbot, settings):
    from playground.gui.views.loss_plot import LossPlot
    window.toggle_play()
    qtbot.waitUntil(lambda: window.loss_plot.point_count() >= 10, timeout=20000)
    window.toggle_play()
    qtbot.waitUntil(lambda: window.state == "paused", timeout=10000)
    plot = window.loss_plot
    qtbot.waitUntil(lambda: plot.drawn_count() == plot.point_count(), timeout=5000)  # redrawn at 10 Hz
    plot.log_x.click()
    assert plot.plot.getPlotItem().ctrl.logXCheck.isChecked()
    plot.log_y.setChecked(False)
    assert not plot.plot.getPlotItem().ctrl.logYCheck.isChecked()
    plot.smoothing.setValue(0)
    x, y = plot.train_curve.getData()
    assert np.allclose(y, plot.train)  # no smoothing: the raw values
    plot.smoothing.setValue(90)
    _, smoothed = plot.train_curve.getData()
    assert smoothed[0] == pytest.approx(plot.train[0]) and not np.allclose(smoothed, plot.train)
    # hovering shows the epoch under the mouse
    box = plot.plot.getPlotItem().getViewBox()
    scene_pos = box.mapViewToScene(QPointF(np.log10(5), 0.0))
    plot._mouse_moved((scene_pos,))
    assert plot.readout.text().startswith("epoch 5: train loss")
    again = LossPlot(settings)
    qtbot.addWidget(again)
    assert again.log_x.isChecked() and not again.log_y.isChecked() and again.smoothing.value() == 90


def test_the_status_bar_says_which_training_path_runs(window, qtbot):
    """The default network trains on the fast path; a layer the fast path does not compute
    (dropout) sends training to the eager path, and the status bar's tooltip says why."""
    from playground.core import fastpath

    label = window.status_labels["path"]
    window.step()
    if fastpath.compiler() is None:  # no C compiler on this machine: eager, and it says why
        qtbot.waitUntil(lambda: label.text() == "eager", timeout=20000)
        assert "no C compiler" in label.toolTip()
        return
    qtbot.waitUntil(lambda: label.text() == "fast path", timeout=20000)
    assert "compiled kernel" in label.toolTip()
    open_layers_tab(window, qtbot)
    drop(window.editor, layer_mime("dropout"), between(window.editor, 0))
    window.step()
    qtbot.waitUntil(lambda: label.text() == "eager", timeout=20000)
    assert "dense layers only" in label.toolTip() and "dropout" in label.toolTip()


def test_devices_arrive_once_torch_has_loaded(window, qtbot):
    """The device list is filled by the training thread after it imports torch (the window shows
    before that); the chosen device stays chosen."""
    from playground.core.devices import list_devices

    combo = window.training_panel.device
    names = lambda: [combo.itemData(i) for i in range(combo.count())]  # noqa: E731
    qtbot.waitUntil(lambda: names()[1:] == [d.name for d in list_devices()], timeout=20000)
    assert combo.currentData() == window.document.project.training.device
    window.training_panel.set_devices(list_devices())  # again: nothing doubled, the choice kept
    assert names()[1:] == [d.name for d in list_devices()]
    assert combo.currentData() == window.document.project.training.device


def test_docks_toggle_from_the_view_menu_and_the_layout_resets(window, qtbot):
    from PySide6.QtWidgets import QDockWidget

    docks = window.findChildren(QDockWidget)
    view_menu = [m for m in window.menus if m.title() == "&View"][0]
    toggles = {a.text() for a in view_menu.actions()}
    assert {d.windowTitle() for d in docks} <= toggles
    data_dock = [d for d in docks if d.widget() and "data" in d.objectName().lower()][0]
    data_dock.toggleViewAction().trigger()
    assert not data_dock.isVisible()
    window.removeDockWidget(docks[0])
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, docks[0])  # moved somewhere else
    window.findChild(type(window.play_action), "resetLayoutAction").trigger()
    assert all(d.isVisible() for d in docks)
    assert window.dockWidgetArea(docks[0]) != Qt.DockWidgetArea.BottomDockWidgetArea


def test_loading_a_data_file_shows_progress_until_it_arrives(window, qtbot):
    messages = []
    window.status.messageChanged.connect(messages.append)
    window.open_project(EXAMPLES / "digits-cnn.json")
    assert window.busy.isVisible() and "Opening digits-cnn.json" in window.status.currentMessage()
    qtbot.waitUntil(lambda: window.document.project.data.dataset == "digits", timeout=10000)
    qtbot.waitUntil(lambda: not window.busy.isVisible(), timeout=20000)
    assert any(m.startswith("Loading digits") for m in messages)
    assert window.play_action.isEnabled() and "Loading" not in window.status.currentMessage()


def test_the_loss_plot_range_grows_in_steps(window, qtbot):
    """Auto-range follows "nice" bounds (1-2-5 epochs, decades of loss) so the axes are redrawn
    only when the curves cross one, not with every epoch."""
    from playground.core.training import Snapshot

    plot = window.loss_plot
    plot.clear()
    snaps = [Snapshot("epoch", e, e * 25, 0.5 / e, 0.6 / e, 0.5, 0.5, 0.03, 1.0, e / 100) for e in range(1, 138)]
    plot.add(snaps)
    qtbot.waitUntil(lambda: plot.drawn_count() == 137, timeout=5000)
    x, y = plot.range_anchor.getData()
    assert list(x) == [1.0, 200.0]
    if plot.log_y.isChecked():
        assert np.allclose(10 ** np.asarray(y), [1e-3, 1.0])  # the plot holds log10 values
    plot.add([Snapshot("epoch", 138, 138 * 25, 0.004, 0.005, 0.5, 0.5, 0.03, 1.0, 1.38)])
    qtbot.waitUntil(lambda: plot.drawn_count() == 138, timeout=5000)
    assert list(plot.range_anchor.getData()[0]) == [1.0, 200.0]  # no step crossed: the same range


def test_the_loss_plot_keeps_bounded_memory_on_a_long_run(window, qtbot, monkeypatch):
    from playground.core.training import Snapshot
    from playground.gui.views import loss_plot

    monkeypatch.setattr(loss_plot, "KEPT_POINTS", 100)
    plot = window.loss_plot
    plot.clear()
    for start in range(1, 3001, 50):
        plot.add([Snapshot("epoch", e, e, 1.0 / e, 1.1 / e, 0.5, 0.5, 0.03, 1.0, 0.0) for e in range(start, start + 50)])
    assert plot.point_count() <= 100 and plot.epochs[-1] == 3000 and plot.epochs[0] == 1
    assert plot.train[-1] == pytest.approx(1 / 3000)
    qtbot.waitUntil(lambda: plot.drawn_count() == plot.point_count(), timeout=5000)
    plot.smoothing.setValue(30)  # smoothing again over the kept points stays aligned with them
    plot.add([Snapshot("epoch", 3001, 3001, 0.1, 0.1, 0.5, 0.5, 0.03, 1.0, 0.0)])
    qtbot.waitUntil(lambda: plot.train_curve.getData()[0][-1] == 3001, timeout=5000)
    x, y = plot.train_curve.getData()
    assert len(x) == len(plot.epochs) == len(plot._columns["train_smooth"])


def test_a_busy_window_gets_no_backlog_of_frames_and_loses_no_epoch(window, qtbot):
    """While the UI thread is busy, the worker sends at most MAX_UNDRAWN updates ahead and gathers
    the epochs meanwhile; once the window catches up, every epoch is in the loss curves."""
    import time

    from playground.gui.controllers.worker import MAX_UNDRAWN

    window.edit_setting("training", "epochs", 0)  # until stopped
    window.toggle_play()
    qtbot.waitUntil(lambda: window.epoch >= 5, timeout=20000)
    time.sleep(1.0)  # the UI thread does nothing for a second; training goes on
    assert window.worker._undrawn <= MAX_UNDRAWN
    window.toggle_play()
    qtbot.waitUntil(lambda: window.state == "paused", timeout=10000)
    epoch = ask(window, lambda t: t.epoch)
    qtbot.waitUntil(lambda: window.loss_plot.point_count() == epoch, timeout=10000)
    assert epoch > 50 and list(window.loss_plot.epochs) == list(range(1, epoch + 1))
