"""Keeping the work: saved weights and curves, the unsaved-changes prompt, autosave and recovery."""

import pickle

import numpy as np
from PySide6.QtWidgets import QMessageBox

from playground.core.io.project import load_project


def train_a_little(window, qtbot, epochs: int = 5) -> None:
    window.toggle_play()
    qtbot.waitUntil(lambda: window.epoch >= epochs, timeout=20000)
    window.toggle_play()
    qtbot.waitUntil(lambda: window.state == "paused", timeout=10000)


def test_reopening_shows_the_same_curves_and_boundary_and_resumes(window, make_window, qtbot, tmp_path):
    train_a_little(window, qtbot)
    window.boundary.show_test.setChecked(True)
    window.loss_plot.log_x.setChecked(True)
    path = tmp_path / "trained.json"
    assert window.save_to(path)
    saved = load_project(path)
    assert saved.extra["state"]["epoch"] == window.epoch
    curves = list(window.loss_plot.test)
    boundary = window.boundary.image_data().copy()

    again = make_window(path)
    qtbot.waitUntil(lambda: again.epoch == window.epoch, timeout=20000)
    assert list(again.loss_plot.test) == curves
    assert again.boundary.show_test.isChecked() and again.loss_plot.log_x.isChecked()  # view settings too
    assert "view" not in again.document.project.extra
    assert np.allclose(again.boundary.image_data(), boundary)
    again.step_action.trigger()
    qtbot.waitUntil(lambda: again.epoch == window.epoch + 1, timeout=20000)


def test_unsaved_changes_prompt_save_discard_cancel(window, qtbot, tmp_path, monkeypatch):
    window.edit_layer(0, "units", 5)
    asked = []
    window.ask_unsaved = lambda: asked.append(1) or QMessageBox.StandardButton.Cancel
    window.close()
    assert asked and window.isVisible()  # cancel: still open, nothing lost
    target = tmp_path / "kept.json"
    monkeypatch.setattr("playground.gui.window.files.QFileDialog.getSaveFileName",
                        lambda *args, **kwargs: (str(target), ""))
    window.ask_unsaved = lambda: QMessageBox.StandardButton.Save
    window.close()
    assert not window.isVisible()
    assert load_project(target).model.layers[0].params["units"] == 5


def test_recovery_after_a_crash(make_window, qtbot, monkeypatch):
    from playground.gui import MainWindow
    first = make_window()
    first.edit_layer(0, "units", 6)
    train_a_little(first, qtbot, 3)
    with qtbot.waitSignal(first.worker.autosaved, timeout=20000):
        first.autosave()
    recovery = first.recovery_path()
    assert recovery.is_file()
    # the process "crashes": the window never closes, and the next launch finds the autosave
    offered = []
    monkeypatch.setattr(MainWindow, "ask_restore", lambda self, path: offered.append(path) or True)
    second = make_window()
    assert offered == [recovery]
    assert second.document.project.model.layers[0].params["units"] == 6
    assert not second.document.undo_stack.isClean()  # still to be saved by the person
    qtbot.waitUntil(lambda: second.epoch >= 3, timeout=20000)  # with its weights
    assert "Restored" in second.banner.text()


def test_declining_recovery_discards_the_autosave(make_window, qtbot, monkeypatch):
    from playground.gui import MainWindow
    first = make_window()
    first.edit_layer(0, "units", 6)
    with qtbot.waitSignal(first.worker.autosaved, timeout=20000):
        first.autosave()
    monkeypatch.setattr(MainWindow, "ask_restore", lambda self, path: False)
    second = make_window()
    assert second.document.project.model.layers[0].params["units"] == 4
    assert not second.recovery_path().exists()


def test_hostile_files_are_refused_in_the_window(window, qtbot, tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    for name in ("evil.json", "evil.safetensors", "evil.state.safetensors"):
        (tmp_path / name).write_bytes(pickle.dumps(Evil()))
        with qtbot.waitSignal(window.projectOpened, timeout=10000) as opened:
            window.open_project(tmp_path / name)
        assert opened.args[1] and "Could not open" in window.banner.text()
    assert not marker.exists()


def test_checkpoints_every_n_epochs_save_a_resumable_recovery_file(window, qtbot):
    from playground.core.io.project import load_state

    saved = []
    window.worker.autosaved.connect(lambda path, error: saved.append((path, error)))
    window.training_panel.checkpoints.setValue(5)
    train_a_little(window, qtbot, 12)
    qtbot.waitUntil(lambda: len(saved) >= 2, timeout=10000)
    path = window.recovery_path()
    assert all(p == str(path) and not error for p, error in saved)
    project = load_project(path)
    assert project.extra["state"]["epoch"] >= 10  # the state as it was when it passed a multiple of 5
    assert load_state(path, project) is not None
