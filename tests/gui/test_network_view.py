"""The network view as a person uses it: a tile per neuron, a link per weight, feature tiles that
turn inputs on and off, hovering a neuron, typing a new weight, +/− for layers and neurons."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QGraphicsSimpleTextItem

from playground.core.probes import NetworkProbe
from playground.gui.views.network_items import MAX_LINKS, BiasMark, Button, Tile, link_width, value_colour
from tests.conftest import TF_INIT, project_dict
from tests.gui.trained import ask


def items(view, kind):
    return [item for item in view.scene.items() if isinstance(item, kind)]


def viewport_point(view, scene_point: QPointF) -> QPoint:
    return view.view.mapFromScene(scene_point)


def click_scene(qtbot, view, scene_point: QPointF) -> None:
    qtbot.mouseClick(view.view.viewport(), Qt.MouseButton.LeftButton, pos=viewport_point(view, scene_point))


def wide_project(write_project):
    layers = [{"type": "dense", "units": 5, "activation": "tanh", **TF_INIT},
              {"type": "dropout", "rate": 0.1},
              {"type": "dense", "units": 3, "activation": "tanh", **TF_INIT},
              {"type": "dense", "units": 1, "activation": "tanh", **TF_INIT}]
    return write_project(project_dict(layers=layers, features=["x1", "x2", "x1*x2"]))


@pytest.fixture
def net_window(make_window, write_project):
    window = make_window(wide_project(write_project))
    window.left_tabs.setCurrentWidget(window.network_view)
    return window


def wait_for_probe(qtbot, window):
    frames = window.network_view.frames
    window.worker.set_views(window.view_request())
    qtbot.waitUntil(lambda: window.network_view.frames > frames, timeout=10000)


def test_one_tile_per_neuron_and_one_link_per_weight(net_window, qtbot):
    view = net_window.network_view
    neurons = [t for t in items(view, Tile) if t.layer >= 0]
    features = [t for t in items(view, Tile) if t.layer < 0]
    assert len(neurons) == 5 + 3 + 1
    assert len(features) == 7 and sum(t.unit >= 0 for t in features) == 3
    assert view.link_count() == 3 * 5 + 5 * 3 + 3 * 1
    assert len(items(view, BiasMark)) == 9
    assert sorted(view.neuron_tiles) == [0, 2, 3]
    wait_for_probe(qtbot, net_window)
    # every tile shows an image, and the links carry the model's weights
    assert all(not t.pixmap().isNull() for t in neurons)
    weights = ask(net_window, lambda t: t.model[2][0].weight.detach().numpy().copy())
    np.testing.assert_allclose(view.links[2].weights, weights, atol=1e-6)


def test_link_colour_and_width_follow_the_weight(net_window):
    view = net_window.network_view
    weights = [np.zeros((5, 3), np.float32), np.zeros((3, 5), np.float32), np.zeros((1, 3), np.float32)]
    weights[1][2, 4] = -2.5
    weights[1][0, 0] = 0.8
    weights[2][0, 1] = 7.0
    maps = [np.zeros((n, 32, 32), np.float32) for n in (5, 3, 1)]
    view.set_probe(NetworkProbe(np.zeros((3, 32, 32), np.float32), [0, 2, 3], maps, weights,
                                [np.zeros(n, np.float32) for n in (5, 3, 1)]))
    negative, positive, big, zero = (view.link_pen(2, 2, 4), view.link_pen(2, 0, 0), view.link_pen(3, 0, 1),
                                     view.link_pen(2, 1, 1))
    assert negative.color().red() > negative.color().blue()      # orange: negative
    assert positive.color().blue() > positive.color().red()      # blue: positive
    assert negative.widthF() == pytest.approx(1 + 9 * 2.5 / 5)
    assert big.widthF() == pytest.approx(10.0)                   # saturates at |w| = 5
    assert zero.widthF() == pytest.approx(1.0)
    assert zero.color() == value_colour(0.0)
    assert link_width(-1.0) == link_width(1.0)


def test_clicking_a_feature_tile_changes_the_model_input(net_window, qtbot):
    view = net_window.network_view
    tile = view.feature_tiles["sin(x1)"]
    click_scene(qtbot, view, tile.sceneBoundingRect().center())
    assert net_window.document.project.data.features == ["x1", "x2", "x1*x2", "sin(x1)"]
    qtbot.waitUntil(lambda: view.links[0].weights.shape == (5, 4), timeout=10000)  # the model's new input
    assert view.feature_tiles["sin(x1)"].opacity() == 1.0
    # and off again; undo brings it back
    click_scene(qtbot, view, view.feature_tiles["x1"].sceneBoundingRect().center())
    assert net_window.document.project.data.features == ["x2", "x1*x2", "sin(x1)"]
    net_window.undo_action.trigger()
    assert net_window.document.project.data.features == ["x1", "x2", "x1*x2", "sin(x1)"]


def test_hovering_a_neuron_shows_its_map_in_the_boundary_view(net_window, qtbot):
    view, boundary = net_window.network_view, net_window.boundary
    qtbot.waitUntil(lambda: boundary.image_data() is not None)
    before = boundary.image_data().copy()
    tile = view.neuron_tiles[0][2]
    QTest.mouseMove(view.view.viewport(), viewport_point(view, tile.sceneBoundingRect().center()))
    qtbot.waitUntil(lambda: boundary.focus_title is not None and "neuron 3 of layer 1" in boundary.legend.text(),
                    timeout=10000)
    expected = ask(net_window, lambda t: t.probe_neurons().layers[0][2])
    np.testing.assert_allclose(boundary.image_data(), expected, atol=1e-5)
    assert not np.allclose(boundary.image_data(), before)
    QTest.mouseMove(view.view.viewport(), QPoint(2, 2))
    qtbot.waitUntil(lambda: boundary.focus_title is None)
    np.testing.assert_allclose(boundary.image_data(), before, atol=1e-6)


def test_typing_a_new_weight_changes_the_prediction(net_window, qtbot):
    view = net_window.network_view
    wait_for_probe(qtbot, net_window)
    import torch
    x = torch.tensor([[1.0, -2.0, -2.0]])
    before = ask(net_window, lambda t: t.outputs(x).item())
    click_scene(qtbot, view, view.link_point(3, 0, 1))
    assert view.selected is not None and view.selected.index == (0, 1) and view.selected.name == "weight"
    assert "neuron 2 of layer 3" in view.selection_label.text() and "the output" in view.selection_label.text()
    edit = view.value_edit
    edit.selectAll()
    qtbot.keyClicks(edit, "-4.5")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ask(net_window, lambda t: t.model[3][0].weight[0, 1].item()) == -4.5, timeout=10000)
    assert ask(net_window, lambda t: t.outputs(x).item()) != pytest.approx(before)
    qtbot.waitUntil(lambda: view.links[3].weights[0, 1] == -4.5, timeout=10000)
    # a bias, by its small square
    mark = view.biases[2][1]
    click_scene(qtbot, view, mark.sceneBoundingRect().center())
    assert view.selected.name == "bias" and view.selected.index == (1,)
    edit.selectAll()
    qtbot.keyClicks(edit, "0.75")
    qtbot.mouseClick(view.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ask(net_window, lambda t: t.model[2][0].bias[1].item()) == 0.75, timeout=10000)


def test_plus_and_minus_edit_layers_and_neurons_as_undoable_steps(net_window, qtbot):
    view = net_window.network_view
    plus = next(b for b in items(view, Button) if b.data(0) == "plus2")
    click_scene(qtbot, view, plus.sceneBoundingRect().center())
    assert net_window.document.project.model.layers[2].params["units"] == 4
    assert len(view.neuron_tiles[2]) == 4
    qtbot.mouseClick(view.add_layer, Qt.MouseButton.LeftButton)
    types = [layer.type for layer in net_window.document.project.model.layers]
    assert types == ["dense", "dropout", "dense", "dense", "dense"]
    assert view.layers_label.text() == "3 hidden layers"
    qtbot.mouseClick(view.remove_layer, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.remove_layer, Qt.MouseButton.LeftButton)
    assert [layer.type for layer in net_window.document.project.model.layers] == ["dense", "dropout", "dense"]
    assert view.layers_label.text() == "1 hidden layer"
    for _ in range(3):
        net_window.undo_action.trigger()
    assert net_window.document.project.model.layers[2].params["units"] == 4
    assert len(view.neuron_tiles) == 3


def test_six_layers_of_32_stay_readable(make_window, write_project, qtbot):
    layers = [{"type": "dense", "units": 32, "activation": "relu"} for _ in range(6)]
    layers.append({"type": "dense", "units": 1, "activation": "tanh"})
    window = make_window(write_project(project_dict(layers=layers)))
    window.left_tabs.setCurrentWidget(window.network_view)
    view = window.network_view
    wait_for_probe(qtbot, window)
    tiles = [t for t in items(view, Tile) if t.layer >= 0]
    assert len(tiles) == 6 * 32 + 1
    assert view.link_count() == 2 * 32 + 5 * 32 * 32 + 32
    # tiles never overlap, and wrap into sub-columns of at most ten
    rects = [t.sceneBoundingRect() for t in tiles]
    assert max(r.bottom() for r in rects) - min(r.top() for r in rects) < 10 * 30
    for i, a in enumerate(rects):
        assert not any(a.intersects(b) for b in rects[i + 1:])


def test_on_images_the_network_view_says_where_to_look(make_window, qtbot):
    from tests.conftest import EXAMPLES

    window = make_window(EXAMPLES / "digits-cnn.json")
    window.left_tabs.setCurrentWidget(window.network_view)
    view = window.network_view
    assert view.message.isVisible() and "2-D data sets" in view.message.text()
    assert not view.view.isVisible() and not view.add_layer.isVisible()
    window.new_project(EXAMPLES / "tf-default.json")
    assert view.view.isVisible() and not view.message.isVisible() and len(view.neuron_tiles) == 3


def test_a_network_too_big_for_memory_opens_with_a_message_and_bounded_views(make_window, write_project, qtbot):
    huge = [{"type": "dense", "units": 65536, "activation": "tanh"}, {"type": "dense", "units": 65536},
            {"type": "dense", "units": 1, "activation": "tanh"}]
    window = make_window(write_project(project_dict(layers=huge), "huge.json"))
    qtbot.waitUntil(lambda: "would need about" in window.banner.text(), timeout=10000)
    assert not window.play_action.isEnabled() and window.isVisible()
    window.left_tabs.setCurrentWidget(window.network_view)
    view = window.network_view
    assert len([t for t in items(view, Tile) if t.layer >= 0]) == 64 + 64 + 1
    assert view.link_count() <= MAX_LINKS and "links drawn" in view.sample_label.text()
    assert "65,536 neurons, 64 shown" in " ".join(t.text() for t in items(view, QGraphicsSimpleTextItem))


def test_a_single_wide_layer_stays_live(make_window, write_project, qtbot):
    from playground.core.grids import NETWORK_UNITS

    wide = [{"type": "dense", "units": 65536, "activation": "tanh"}, {"type": "dense", "units": 1, "activation": "tanh"}]
    window = make_window(write_project(project_dict(layers=wide, samples=100), "wide.json"))
    window.left_tabs.setCurrentWidget(window.network_view)
    view = window.network_view
    wait_for_probe(qtbot, window)
    tiles = [t for t in items(view, Tile) if t.layer == 0]
    assert len(tiles) == NETWORK_UNITS and all(not t.pixmap().isNull() for t in tiles)  # maps drawn
    assert view.link_count() == 2 * NETWORK_UNITS + NETWORK_UNITS  # every link of the shown neurons
    boundary = window.boundary.image_data()
    assert boundary is not None and boundary.shape[0] < 100  # a coarser grid keeps the frame cheap
    window.step()
    qtbot.waitUntil(lambda: window.epoch == 1, timeout=30000)
