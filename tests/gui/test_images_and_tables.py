"""Data beyond the plane in the window: a small CNN built on the digits by drag-and-drop fills the
sample grid with predictions and shows feature maps; an MNIST-format folder and a CSV table are
chosen as a person would; a missing or damaged file is a message, not a crash."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from playground.gui.panels.palette import layer_mime
from tests.core.test_readers import mnist_folder
from tests.gui.test_main_window import between, drop, layer_types, open_layers_tab
from tests.gui.trained import ask


def pick(combo, data) -> None:
    combo.setCurrentIndex(combo.findData(data))


def test_build_a_cnn_on_digits_by_drag_and_drop_and_watch_predictions(window, qtbot):
    from playground.core.data.sources import forget_read_files

    forget_read_files()   # another test in this process may have read the digits already
    pick(window.data_panel.dataset, "digits")
    assert window.document.project.data.dataset == "digits"
    # the training thread reads the file; meanwhile the input says so and training is off
    assert "not read yet" in window.editor.input_card.label.text() and not window.play_action.isEnabled()
    qtbot.waitUntil(lambda: "images 1×8×8" in window.editor.input_card.label.text(), timeout=10000)
    assert not window.play_action.isEnabled() and "flatten" in window.banner.text()  # dense on images
    open_layers_tab(window, qtbot)
    drop(window.editor, layer_mime("conv2d"), 5)                         # above the first card
    cards = window.editor.cards
    qtbot.waitUntil(lambda: cards[1].geometry().top() > cards[0].geometry().bottom())  # laid out again
    drop(window.editor, layer_mime("global_avg_pool"), between(window.editor, 0))
    assert layer_types(window) == ["conv2d", "global_avg_pool", "dense", "dense", "dense"]
    # the output: ten units, linear, cross-entropy
    window.editor.select(4)
    units = window.inspector.form.widget("units")
    units.setValue(10)
    pick(window.inspector.form.widget("activation"), "linear")
    pick(window.training_panel.form.widget("loss"), "cross_entropy")
    assert window.play_action.isEnabled(), window.banner.text()
    assert "images 8×8×8" in window.editor.cards[0].detail.text()

    qtbot.waitUntil(lambda: window.data_views.currentWidget() is window.sample_view, timeout=10000)
    # before training: the training images by class (the digits: 10 classes, 8 shown of each)
    view = window.sample_view
    qtbot.waitUntil(lambda: len(view.preview_rows) == 10, timeout=10000)
    assert view.show_preview_button.isChecked() and view.image_pages.currentIndex() == 1
    counts = np.bincount(ask(window, lambda t: t.dataset.y_train))
    assert [label.text() for label, _ in view.preview_rows] == [f"{c} ({n:,})" for c, n in enumerate(counts)]
    assert all(shown == 8 for _, shown in view.preview_rows)
    qtbot.mouseClick(window.play_button, Qt.MouseButton.LeftButton)
    assert view.show_predictions_button.isChecked() and view.image_pages.currentIndex() == 0
    qtbot.waitUntil(lambda: window.epoch >= 3, timeout=30000)
    qtbot.mouseClick(window.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.state == "paused", timeout=10000)
    probe = ask(window, lambda t: t.probe_samples())
    shown = lambda: [t.caption.text().split(" → ")[1] for t in view.tiles]  # noqa: E731
    qtbot.waitUntil(lambda: len(view.tiles) == 36 and shown() == [str(int(p)) for p in probe.predicted],
                    timeout=10000)
    assert [t.caption.text().split(" → ")[0] for t in view.tiles] == [str(int(v)) for v in probe.true]
    mistakes = sum(not t.correct for t in view.tiles)
    assert f"{mistakes} mistake" in view.summary.text()
    assert all(not t.picture.pixmap().isNull() for t in view.tiles)
    # choose a sample: its feature maps appear (the conv layer's 8 maps of 8×8)
    qtbot.mouseClick(view.tiles[5], Qt.MouseButton.LeftButton)
    assert view.chosen == 5
    qtbot.waitUntil(lambda: len(view.map_labels) == 8, timeout=10000)
    maps = ask(window, lambda t: t.probe_feature_maps(5))
    assert maps[0][0] == 0 and maps[0][1].shape == (8, 8, 8)


def test_choose_an_mnist_format_folder(window, qtbot, tmp_path):
    folder, _ = mnist_folder(tmp_path, n_train=40, n_test=10, compress=True, size=12)
    window.ask_data_path = lambda name: str(folder)
    pick(window.data_panel.dataset, "mnist")
    data = window.document.project.data
    assert data.dataset == "mnist" and data.path == str(folder)
    qtbot.waitUntil(lambda: "images 1×12×12" in window.editor.input_card.label.text(), timeout=10000)
    assert window.data_panel.path.text() == str(folder)


def test_a_cancelled_or_damaged_data_file_changes_nothing(window, qtbot, tmp_path):
    window.ask_data_path = lambda name: ""
    pick(window.data_panel.dataset, "cifar10")
    assert window.document.project.data.dataset == "circle"
    assert window.data_panel.dataset.currentData() == "circle"
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "test_batch.bin").write_bytes(b"\x01" * 100)
    window.ask_data_path = lambda name: str(broken)
    pick(window.data_panel.dataset, "cifar10")
    qtbot.waitUntil(lambda: "has no training batch" in window.banner.text(), timeout=10000)
    assert not window.play_action.isEnabled() and not window.busy.isVisible()
    window.undo_action.trigger()
    assert window.document.project.data.dataset == "circle" and window.play_action.isEnabled()


def test_a_csv_table_with_target_and_task(window, qtbot, tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "flowers.csv"
    rows = ["petal,sepal,colour,species"]
    for i in range(60):
        species = "a" if i % 2 else "b"
        rows.append(f"{rng.normal(1 if species == 'a' else 3):.3f},{rng.normal():.3f},{'red' if i % 3 else 'blue'},{species}")
    path.write_text("\n".join(rows) + "\n")
    window.ask_data_path = lambda name: str(path)
    pick(window.data_panel.dataset, "csv")
    qtbot.waitUntil(lambda: window.document.project.data.dataset == "csv", timeout=10000)  # its header read
    data = window.document.project.data
    assert data.target == "species" and data.task == "classification"
    qtbot.waitUntil(lambda: "4 features" in window.editor.input_card.label.text(), timeout=10000)
    assert [window.data_panel.target.itemText(i) for i in range(4)] == ["petal", "sepal", "colour", "species"]
    # the input card may show the columns a moment before the data set read says it is done
    qtbot.waitUntil(lambda: not window.busy.isVisible() and "Loading" not in window.status.currentMessage(),
                    timeout=10000)
    columns = window.data_panel.columns
    assert [columns.item(i).text() for i in range(columns.count())] == ["petal", "sepal", "colour"]
    columns.item(2).setCheckState(Qt.CheckState.Unchecked)  # leave the colour out
    assert window.document.project.data.columns == ["petal", "sepal"]
    assert "2 features" in window.editor.input_card.label.text()
    columns.item(2).setCheckState(Qt.CheckState.Checked)
    assert window.document.project.data.columns == []
    window.data_panel.target.setCurrentText("petal")
    window.data_panel.target.activated.emit(0)
    window.data_panel.task.setCurrentText("regression")
    window.data_panel.task.activated.emit(1)
    assert window.document.project.data.target == "petal" and window.document.project.data.task == "regression"
    # regression: the test rows as predicted vs. true points, with RMSE and R² in the title
    view = window.sample_view
    assert "use linear" in window.banner.text()  # a tanh output cannot reach real targets
    window.editor.select(len(window.editor.cards) - 1)
    pick(window.inspector.form.widget("activation"), "linear")
    qtbot.waitUntil(lambda: view.fit_plot.isVisibleTo(view), timeout=10000)
    window.step()
    qtbot.waitUntil(lambda: window.epoch >= 1 and len(view.fit_points.data) > 0, timeout=20000)
    fit, tests = ask(window, lambda t: (t.probe_samples().fit, len(t.dataset.y_test)))
    true, predicted = view.fit_points.getData()
    assert len(true) == len(fit) == tests and np.allclose(true, fit[:, 0]) and np.allclose(predicted, fit[:, 1])
    assert "RMSE" in view.fit_plot.getPlotItem().titleLabel.text and "R²" in view.fit_plot.getPlotItem().titleLabel.text


def test_sine_forecasts_show_true_and_predicted_next_values(make_window, qtbot):
    from tests.conftest import EXAMPLES

    window = make_window(EXAMPLES / "sine-lstm.json")
    assert window.data_panel.steps.value() == 24 and window.data_panel.steps.isVisible()
    view = window.sample_view
    qtbot.waitUntil(lambda: view.pages.currentWidget() is view.curves, timeout=10000)
    window.step()
    qtbot.waitUntil(lambda: window.epoch >= 1 and view.curve_plots[0][2].getData()[1] is not None, timeout=20000)
    probe = ask(window, lambda t: t.probe_samples())
    qtbot.waitUntil(lambda: float(view.curve_plots[0][3].getData()[1][0]) == pytest.approx(float(probe.predicted[0])),
                    timeout=10000)
    assert float(view.curve_plots[0][2].getData()[1][0]) == pytest.approx(float(probe.true[0]))
    assert len(view.curve_plots[0][1].getData()[0]) == 24


def test_the_tiny_transformer_shows_its_attention_and_decoded_text(make_window, qtbot):
    from tests.conftest import EXAMPLES

    window = make_window(EXAMPLES / "tiny-transformer.json")
    view = window.sample_view
    window.step()
    qtbot.waitUntil(lambda: view.rows.rowCount() == 36 and view.attention.isVisible(), timeout=20000)
    first = view.rows.item(0, 1).text()
    assert first.startswith("'") and len(first) == 16 + 2  # sixteen characters, quoted
    assert view.attention_image.image.shape == (16, 16)
    np.testing.assert_allclose(view.attention_image.image.sum(axis=1), 1.0, atol=1e-4)  # each row a distribution
    view.rows.cellClicked.emit(4, 0)
    assert view.chosen == 4
    title = lambda: view.attention.getPlotItem().titleLabel.text  # noqa: E731
    qtbot.waitUntil(lambda: "test sample 4" in title(), timeout=10000)
    # the view ends on the model's own attention (the last update after the pause may still come)
    expected = lambda: ask(window, lambda t: t.probe_attention(4)[0][1])  # noqa: E731
    qtbot.waitUntil(lambda: np.allclose(view.attention_image.image, expected(), atol=1e-5), timeout=10000)


def test_an_image_folder_of_your_own(window, qtbot, tmp_path):
    from tests.core.test_readers import image_folder

    root = image_folder(tmp_path, per_class=5)
    window.ask_data_path = lambda name: str(root)
    pick(window.data_panel.dataset, "folder")
    data = window.document.project.data
    assert data.dataset == "folder" and data.image_size == 28 and data.channels == 1
    assert window.data_panel.image_size.isVisible()
    qtbot.waitUntil(lambda: "images 1×28×28" in window.editor.input_card.label.text(), timeout=10000)
    window.data_panel.image_size.setValue(12)
    window.data_panel.colour.click()
    assert window.document.project.data.image_size == 12 and window.document.project.data.channels == 3
    qtbot.waitUntil(lambda: "images 3×12×12" in window.editor.input_card.label.text(), timeout=10000)


def test_a_tables_boundary_over_two_chosen_columns(window, qtbot, tmp_path):
    rng = np.random.default_rng(1)
    rows = ["a,b,c,label"]
    for _ in range(80):
        a, b, c = rng.normal(size=3)
        rows.append(f"{a:.3f},{b:.3f},{c:.3f},{'yes' if a + c > 0 else 'no'}")
    path = tmp_path / "t.csv"
    path.write_text("\n".join(rows) + "\n")
    window.ask_data_path = lambda name: str(path)
    window.edit_setting("training", "loss", "mse")
    pick(window.data_panel.dataset, "csv")
    boundary = window.boundary
    qtbot.waitUntil(lambda: window.data_views.currentWidget() is boundary and boundary.x_axis.isVisible(), timeout=10000)
    assert [boundary.x_axis.itemText(i) for i in range(3)] == ["x: a", "x: b", "x: c"]
    assert boundary.axes == (0, 1)
    x_train = ask(window, lambda t: t.dataset.x_train)
    np.testing.assert_allclose(boundary.train_points.getData()[0], x_train[:, 0], atol=1e-6)
    before = boundary.image_data().copy()
    boundary.y_axis.setCurrentIndex(2)
    boundary.y_axis.activated.emit(2)
    assert boundary.axes == (0, 2)
    qtbot.waitUntil(lambda: np.allclose(boundary.train_points.getData()[1], x_train[:, 2], atol=1e-6),
                    timeout=10000)
    expected = ask(window, lambda t: t.probe_boundary(axes=(0, 2)).score)
    qtbot.waitUntil(lambda: np.allclose(boundary.image_data(), expected, atol=1e-5), timeout=10000)
    assert not np.allclose(before, expected)
    assert "c (standardized)" in boundary.plot.getPlotItem().getAxis("left").labelText
