"""The Experiments tab as a person uses it: pick settings to search (a field's context menu, the
Add button), Run, watch the trials arrive, see a trial's boundary, compare trials, open one as
the current project (undoable), Stop a search and continue it, and a mistake in the set-up that
names the setting."""

import json

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication

from playground.gui.panels.forms import SEARCH_OVER


def choose_from_context_menu(qtbot, widget, text):
    """Right-click `widget` and choose `text` in the menu that opens."""
    chosen = []

    def pick():
        menu = QApplication.activePopupWidget()
        if menu is None:
            QTimer.singleShot(20, pick)
            return
        action = next(a for a in menu.actions() if a.text() == text)
        chosen.append(action.text())
        action.trigger()
        menu.close()

    QTimer.singleShot(20, pick)
    widget.customContextMenuRequested.emit(QPoint(5, 5))
    qtbot.waitUntil(lambda: bool(chosen), timeout=5000)


def set_up(qtbot, window, tmp_path, trials=3, epochs=40):
    window.edit_setting("training", "epochs", epochs)
    panel = window.experiments
    choose_from_context_menu(qtbot, window.training_panel.form.widget("learning_rate"), SEARCH_OVER)
    assert window.left_tabs.currentWidget() is panel  # the tab comes forward with the new row
    panel.setup.paths.setCurrentText("model.layers[0].units")
    qtbot.mouseClick(panel.findChild(type(panel.run_button), "addSearchSetting"), Qt.MouseButton.LeftButton)
    rows = {panel.setup.table.item(r, 0).text(): panel.setup.table.item(r, 2).text()
            for r in range(panel.setup.table.rowCount())}
    assert rows == {"training.learning_rate": "0.003, 0.3", "model.layers[0].units": "1, 16"}
    panel.setup.trials.setValue(trials)
    panel.setup.workers.setValue(1)
    panel.folder.setText(str(tmp_path / "search"))
    return panel


def test_a_search_from_the_window_fills_the_table_and_a_trial_opens_as_the_project(make_window, qtbot, tmp_path):
    window = make_window()
    panel = set_up(qtbot, window, tmp_path)
    window.step_action.trigger()  # one epoch trained before the search: undo must bring it back
    qtbot.waitUntil(lambda: window.epoch == 1, timeout=30000)
    before = window.document.project
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert not panel.run_button.isEnabled() and panel.stop_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.runner.running and panel.run_button.isEnabled(), timeout=120000)
    assert "finished: 3 trials" in panel.status.text()
    # three complete trials: Optuna's parameter importance comes by itself
    qtbot.waitUntil(lambda: "Parameter importance" in panel.importance_label.text(), timeout=30000)
    assert "training.learning_rate" in panel.importance_label.text()
    table = panel.table
    header = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert header[:3] == ["run", "state", "test_accuracy"] and "training.learning_rate" in header
    assert table.rowCount() == 3 and {table.item(r, 1).text() for r in range(3)} == {"complete"}
    xs, best = panel.history.best_line()
    assert len(xs) == 3 and best == sorted(best)  # the best accuracy so far never falls
    # sorting by a column, as a click on its header does
    units = header.index("model.layers[0].units")
    table.sortItems(units)
    values = [table.item(r, units).data(Qt.ItemDataRole.DisplayRole) for r in range(3)]
    assert values == sorted(values)
    table.selectRow(0)
    run = table.item(0, 0).text()
    info = json.loads((tmp_path / "search" / run / "trial.json").read_text())
    assert len(panel.curves.curves) == 1
    # the chosen (or hovered) trial's own decision boundary, from its saved weights
    qtbot.waitUntil(lambda: panel.picture.shown == run, timeout=30000)
    assert panel.picture.stack.currentWidget() is panel.picture.boundary and panel.picture.boundary.frames == 1
    table.selectAll()
    qtbot.mouseClick(panel.compare_button, Qt.MouseButton.LeftButton)
    dialog = panel.compare_dialog
    assert len(dialog.folders) == 3 and len(dialog.curves.curves) == 3
    assert "training.learning_rate" in dialog.table.toPlainText() and "test_accuracy" in dialog.table.toPlainText()
    assert not dialog.add(tmp_path)  # not a run folder: said so, nothing added
    assert "not a run folder" in dialog.table.toPlainText() and len(dialog.folders) == 3
    dialog.close()
    table.selectRow(0)
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.document.project.model.layers[0].params["units"]
                    == info["params"]["model.layers[0].units"], timeout=30000)
    assert window.document.project.training.learning_rate == info["params"]["training.learning_rate"]
    qtbot.waitUntil(lambda: window.epoch == 40, timeout=30000)  # its trained weights came too
    window.document.undo_stack.undo()
    assert window.document.project == before
    qtbot.waitUntil(lambda: window.epoch == 1, timeout=30000)  # and the weights it had
    window.document.undo_stack.redo()
    qtbot.waitUntil(lambda: window.epoch == 40, timeout=30000)
    # another project or search (here: the trial opened, another sampler) goes beside that study, never into it
    panel.setup.sampler.setCurrentText("random")
    panel.setup.trials.setValue(1)
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert panel.folder.text() == str(tmp_path / "search-2")
    qtbot.waitUntil(lambda: not panel.runner.running and panel.run_button.isEnabled(), timeout=120000)
    assert len(list((tmp_path / "search").glob("trial-*"))) == 3
    assert len(list((tmp_path / "search-2").glob("trial-*/trial.json"))) == 1


def test_stop_and_closing_the_window_end_a_search_and_run_continues_it(make_window, qtbot, tmp_path):
    window = make_window()
    panel = set_up(qtbot, window, tmp_path, trials=4, epochs=3000)
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(r["state"] == "running" for r in panel.rows), timeout=60000)
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.runner.running and panel.run_button.isEnabled(), timeout=60000)
    assert "stopped" in panel.status.text() and "Run continues it" in panel.status.text()
    assert not any(r["state"] == "running" for r in panel.rows)  # the stopped trial's folder is gone
    assert window.isVisible() and panel.run_button.isEnabled()
    # Run again: the same folder, the same study, continued; then the window closes mid-trial
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert panel.folder.text() == str(tmp_path / "search")
    qtbot.waitUntil(lambda: any(r["state"] == "running" for r in panel.rows), timeout=60000)
    window.close()
    assert not panel.runner.running

    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    study = optuna.load_study(study_name="search",
                              storage=JournalStorage(JournalFileBackend(str(tmp_path / "search" / "study.journal"))))
    states = [t.state.name for t in study.trials]
    assert "RUNNING" not in states and states.count("FAIL") == 2  # both stopped trials, each queued again
    assert sum(1 for t in study.trials if "failed_trial" in t.system_attrs) == 2


def test_a_mistake_in_the_set_up_names_the_setting_and_starts_nothing(make_window, qtbot, tmp_path):
    window = make_window()
    panel = set_up(qtbot, window, tmp_path)
    panel.setup.table.item(1, 2).setText("1, many")
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert "search.space.model.layers[0].units" in panel.status.text()
    assert panel.runner.process is None and panel.run_button.isEnabled()
    assert not (tmp_path / "search").exists()
