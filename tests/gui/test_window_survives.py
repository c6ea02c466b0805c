"""The window survives what a user or an attacker hands it: every file is read off the GUI thread,
every failure is a message in the window, and unsaved work is never lost."""

import json
import os
import threading

import torch

from playground.core.io.project import save_project
from playground.core.model.spec import Project
from playground.core.training import Trainer
from tests.conftest import project_dict


def test_a_project_whose_state_is_a_folder_opens_at_start_up_with_a_message(make_window, qtbot, tmp_path):
    raw = project_dict("xor")
    raw["state"] = {"file": "p.0.state.safetensors", "epoch": 3}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(raw))
    (tmp_path / "p.0.state.safetensors").mkdir()
    window = make_window(path)
    qtbot.waitUntil(lambda: window.document.project.data.dataset == "xor", timeout=10000)
    assert "without its trained weights" in window.banner.text() and "folder" in window.banner.text()
    window.step()
    qtbot.waitUntil(lambda: window.epoch == 1, timeout=10000)


def test_a_fifo_or_a_device_as_a_project_is_a_message(make_window, qtbot, tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    window = make_window(fifo)
    qtbot.waitUntil(lambda: "pipe.json" in window.banner.text(), timeout=10000)
    assert "FIFO" in window.banner.text()
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    with qtbot.waitSignal(window.projectOpened, timeout=10000) as opened:
        window.open_project(zero)
    assert "device" in opened.args[1] and window.document.project.data.dataset == "circle"


def test_a_damaged_state_opens_the_project_and_trains_afresh(make_window, qtbot, tmp_path):
    project = Project.from_dict(project_dict(epochs=0, optimizer="adam"))
    trainer = Trainer(project)
    trainer.run(2)
    state = trainer.state()
    state.tensors["optim.0.exp_avg"] = torch.zeros(1)  # what made the fast path write past its buffers
    path = tmp_path / "p.json"
    save_project(project, path, state)
    window = make_window(path)
    qtbot.waitUntil(lambda: "optim.0.exp_avg" in window.banner.text(), timeout=10000)
    window.toggle_play()
    qtbot.waitUntil(lambda: window.epoch >= 5, timeout=20000)
    window.toggle_play()


def test_a_save_that_cannot_be_written_says_so_and_stays_unsaved(window, tmp_path):
    window.edit_layer(0, "units", 5)
    with_view = window._with_view

    def unwritable(project):  # a value JSON cannot hold, as a damaged file or a bug could leave
        project = with_view(project)
        project.extra["notes"] = float("inf")
        return project

    window._with_view = unwritable
    path = tmp_path / "p.json"
    assert not window.save_to(path)
    assert "cannot be written" in window.banner.text() and "nothing was saved" in window.banner.text()
    assert not list(tmp_path.glob("p.*")) and not window.document.undo_stack.isClean()  # no file at all
    assert window.windowTitle().startswith("Untitled •")
    window._with_view = with_view
    assert window.save_to(path) and window.document.undo_stack.isClean()


def test_data_files_are_never_read_on_the_gui_thread(window, qtbot, tmp_path, monkeypatch):
    from playground.core.data import table

    readers = []
    real = table.read_csv
    monkeypatch.setattr(table, "read_csv", lambda *a, **k: readers.append(threading.current_thread()) or real(*a, **k))
    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{'x' if i % 2 else 'z'}\n" for i in range(40)))
    window.ask_data_path = lambda name: str(path)
    window.data_panel.dataset.setCurrentIndex(window.data_panel.dataset.findData("csv"))
    qtbot.waitUntil(lambda: window.document.project.data.dataset == "csv" and window.analysis.ok, timeout=10000)
    assert "2 features" in window.editor.input_card.label.text()
    window.left_tabs.setCurrentWidget(window.code_view)
    qtbot.waitUntil(lambda: "nn.Linear(2" in window.code_view.code(), timeout=10000)
    assert readers and threading.main_thread() not in readers


def test_a_value_out_of_range_is_named_in_the_message_bar_and_the_field_shows_what_is_used(window, qtbot):
    from PySide6.QtCore import Qt

    from tests.gui.test_main_window import type_into

    lr = window.training_panel.form.widget("learning_rate")
    type_into(qtbot, lr, "1e6")
    assert lr.styleSheet()  # red while typed
    qtbot.keyClick(lr, Qt.Key.Key_Return)
    assert window.document.project.training.learning_rate == 0.03
    assert lr.text() == "0.03" and not lr.styleSheet()  # what is shown is what is used
    assert "Learning rate: 1e6 is not valid" in window.banner.text() and "≤ 10" in window.banner.text()
    assert "stays 0.03" in window.banner.text()
    type_into(qtbot, lr, "0.1")
    qtbot.keyClick(lr, Qt.Key.Key_Return)
    assert window.document.project.training.learning_rate == 0.1 and lr.text() == "0.1"


def test_a_learner_watches_it_learn_at_the_default_speed(make_window, settings, qtbot):
    import time

    settings.remove("training/speed")  # a fresh install
    window = make_window()
    assert window.speed.currentData() == "watch"
    window.toggle_play()
    start = time.monotonic()
    qtbot.waitUntil(lambda: window.epoch >= 15, timeout=20000)
    seconds = time.monotonic() - start
    window.toggle_play()
    assert seconds >= 0.4, "15 epochs at about 30 a second take half a second, not an instant"
    window.speed.setCurrentIndex(window.speed.findData("fastest"))
    assert settings.value("training/speed") == "fastest"
    window.toggle_play()
    qtbot.waitUntil(lambda: window.state == "finished", timeout=20000)  # the rest of its 500 epochs
    assert window.epoch == window.document.project.training.epochs


def test_a_layout_saved_in_a_small_window_opens_readable_in_a_larger_one(make_window, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDockWidget

    small = make_window()
    small.resize(800, 800)
    docks = small.findChildren(QDockWidget)
    small.resizeDocks(docks, [60] * len(docks), Qt.Orientation.Horizontal)
    qtbot.wait(50)
    small.close()  # saves the layout: docks about 60 px wide
    window = make_window()
    qtbot.waitUntil(lambda: all(d.width() >= 200 for d in window.findChildren(QDockWidget) if d.isVisible()),
                    timeout=5000)
