"""The views past the network: confusion matrix, weight and gradient histograms, the learning rate
on the loss plot, regression metrics, discretized output."""

import numpy as np
from PySide6.QtCore import Qt

from tests.conftest import project_dict
from tests.gui.trained import ask


def click_tab(qtbot, tabs, widget) -> None:
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(tabs.indexOf(widget)).center())
    assert tabs.currentWidget() is widget


def train_a_little(qtbot, window, epochs: int = 5) -> None:
    qtbot.mouseClick(window.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.epoch >= epochs, timeout=20000)
    if window.state == "playing":  # on the fast path a short run may already have finished
        qtbot.mouseClick(window.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.state in ("paused", "finished"), timeout=10000)


def test_confusion_matrix_counts_the_test_split_live(make_window, write_project, qtbot):
    layers = [{"type": "dense", "units": 8, "activation": "relu"}, {"type": "dense", "units": 3}]
    window = make_window(write_project(project_dict("spiral3", layers=layers, loss="cross_entropy",
                                                    optimizer="adam", learning_rate=0.01)))
    view = window.confusion_view
    click_tab(qtbot, window.lower_tabs, view)
    train_a_little(qtbot, window)
    qtbot.waitUntil(lambda: view.matrix is not None, timeout=10000)
    qtbot.waitUntil(lambda: np.array_equal(view.matrix, ask(window, lambda t: t.confusion_matrix())), timeout=10000)
    assert view.matrix.shape == (3, 3) and view.matrix.sum() == ask(window, lambda t: len(t.dataset.y_test))
    assert [t.toPlainText() for t in view.texts] == [str(v) for v in view.matrix.ravel()]
    accuracy = np.trace(view.matrix) / view.matrix.sum()
    assert f"Accuracy {accuracy:.1%}" in view.summary.text() and "weakest: class" in view.summary.text()
    rows = view.matrix.sum(axis=1)
    assert view.recall() == [f"{view.matrix[i, i] / rows[i]:.0%}" for i in range(3)]


def test_weight_and_gradient_histograms_fill_over_time(window, qtbot):
    view = window.histogram_view
    click_tab(qtbot, window.lower_tabs, view)
    train_a_little(qtbot, window)
    qtbot.waitUntil(lambda: len(view.epochs) >= 1, timeout=10000)
    assert view.layer.count() == 3  # the three dense layers' weights
    weights = view.image_of("weights", 0)
    assert weights.shape[0] == 40 and weights[:, -1].sum() == 2 * 4  # every weight of layer 1 counted
    assert np.all(np.array(view.rms)[-1] > 0)
    view.layer.setCurrentIndex(2)
    assert view.image_of("gradients", 2)[:, -1].sum() == 2  # the output layer: 2 inputs × 1 unit


def test_learning_rate_is_drawn_when_a_schedule_is_active(make_window, write_project, qtbot):
    window = make_window(write_project(project_dict(schedule={"name": "step", "step_size": 2, "gamma": 0.5})))
    assert window.loss_plot.scheduled and window.loss_plot.lr_curve.isVisible()
    train_a_little(qtbot, window, 6)
    plot = window.loss_plot
    qtbot.waitUntil(lambda: plot.lr_curve.getData()[0] is not None and len(plot.lr_curve.getData()[0]) >= 6)
    rates = plot.learning_rates
    assert rates[0] == 0.03 and rates[-1] < rates[0]
    assert f"lr {rates[-1]:.3g}" in plot.summary.text()
    window.training_panel.form.widget("schedule").setCurrentIndex(
        window.training_panel.form.widget("schedule").findData("constant"))
    assert not plot.scheduled and not plot.lr_curve.isVisible()


def test_regression_shows_rmse_and_r2_next_to_the_loss(make_window, write_project, qtbot):
    layers = [{"type": "dense", "units": 4, "activation": "tanh"}, {"type": "dense", "units": 1}]
    window = make_window(write_project(project_dict("plane", layers=layers)))
    train_a_little(qtbot, window)
    qtbot.waitUntil(lambda: "RMSE" in window.loss_plot.summary.text(), timeout=10000)
    metrics = ask(window, lambda t: t.regression_metrics())
    assert f"R² {metrics['test_r2']:.3f}" in window.loss_plot.summary.text()
    assert "no classes" in window.confusion_view.summary.text()


def test_discretize_output_shows_only_the_class(window, qtbot):
    qtbot.waitUntil(lambda: window.boundary.image_data() is not None)
    shaded = window.boundary.image_data()
    assert len(np.unique(shaded)) > 2
    window.boundary.discretize.click()
    crisp = window.boundary.image_data()
    assert set(np.unique(crisp)) <= {-1.0, 1.0}
    np.testing.assert_array_equal(crisp, np.where(shaded >= 0, 1.0, -1.0))
    window.boundary.discretize.click()
    np.testing.assert_array_equal(window.boundary.image_data(), shaded)
