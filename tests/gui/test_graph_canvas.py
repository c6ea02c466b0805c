"""The graph canvas as a person uses it: drop layers from the palette, drag wires between ports,
move, delete, duplicate, copy and paste, arrange; train and export what was drawn; save, reopen,
undo and redo it exactly."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest

from playground.core.io.project import load_project
from playground.core.model.graph import INPUT_INDEX, sources
from playground.gui.panels.palette import layer_mime
from playground.gui.views.graph_items import INPUT_BLOCK, OUTPUT_BLOCK
from tests.conftest import project_dict


@pytest.fixture
def graph_window(make_window, write_project, qtbot):
    """A window on a project with nothing but its output layer, the Graph tab shown."""
    path = write_project(project_dict("spiral", layers=[{"type": "dense", "units": 1, "activation": "tanh"}],
                                      samples=200, learning_rate=0.03, epochs=0))
    window = make_window(path)
    qtbot.waitUntil(lambda: len(window.document.project.model.layers) == 1, timeout=10000)
    bar = window.left_tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(window.left_tabs.indexOf(window.graph_canvas)).center())
    qtbot.waitUntil(lambda: window.graph_canvas.view.isVisible())
    return window


def view_point(canvas, scene_point: QPointF):
    return canvas.view.mapFromScene(scene_point)


def drop_on(canvas, kind: str, scene_point: QPointF) -> None:
    """What Qt delivers when a palette drag of `kind` is released over the canvas at that point."""
    mime = layer_mime(kind)   # kept alive: the event only points at it
    event = QDropEvent(QPointF(view_point(canvas, scene_point)), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    canvas.view.dropEvent(event)


def wire_middle(canvas, source: int, target: int) -> QPointF:
    wire = next(w for w in canvas.wires if w.source.index == source and w.target.index == target)
    return wire.path().pointAtPercent(0.5)


def drag(qtbot, canvas, start: QPointF, end: QPointF) -> None:
    """Press at scene point `start`, move in steps and release at `end`, as a mouse does."""
    viewport = canvas.view.viewport()
    a, b = view_point(canvas, start), view_point(canvas, end)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for k in range(1, 6):
        QTest.mouseMove(viewport, a + (b - a) * k / 5)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def wire_ports(qtbot, canvas, source: int, target: int) -> None:
    blocks = canvas.blocks
    drag(qtbot, canvas, blocks[source].output_port.centre(), blocks[target].input_port.centre())


def wiring(window) -> list:
    return sources(window.document.project.model.layers)


def test_build_the_spiral_skip_network_with_the_mouse_train_export_save_reopen_undo_redo(
        graph_window, make_window, qtbot, tmp_path):
    window, canvas = graph_window, graph_window.graph_canvas
    first = window.document.project
    drop_on(canvas, "dense", wire_middle(canvas, INPUT_BLOCK, 0))          # on the input → output wire
    drop_on(canvas, "dense", wire_middle(canvas, 0, 1))                    # and on the next wire
    assert [layer.type for layer in window.document.project.model.layers] == ["dense"] * 3
    assert window.document.project.model.is_chain
    drop_on(canvas, "add", wire_middle(canvas, 1, 2))                      # the add takes the second dense
    wire_ports(qtbot, canvas, 0, 2)                                        # and, dragged, the first
    assert wiring(window) == [[INPUT_INDEX], [0], [1, 0], [2]]
    assert [w.shape_text for w in canvas.wires if w.target.index == 2] == ["4", "4"]
    assert "4 params" not in canvas.blocks[2].detail and canvas.blocks[0].detail == "→ 4 · 12 params"
    assert window.play_action.isEnabled() and "ready to train" in canvas.status.text()

    qtbot.mouseClick(window.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.epoch >= 5, timeout=30000)
    qtbot.mouseClick(window.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.state == "paused", timeout=10000)
    assert "eager" in window.status_labels["path"].text()

    with qtbot.waitSignal(window.worker.exportFinished, timeout=60000):
        window.export_model("onnx", tmp_path / "skip.onnx")
    import onnxruntime

    session = onnxruntime.InferenceSession(str(tmp_path / "skip.onnx"), providers=["CPUExecutionProvider"])
    assert session.run(None, {"input": np.zeros((3, 2), np.float32)})[0].shape == (3, 2)

    path = tmp_path / "skip.json"
    assert window.save_to(path)
    again = make_window(path)
    assert again.document.project == window.document.project
    assert load_project(path).model.to_dict() == window.document.project.model.to_dict()
    drawn = window.document.project
    steps = window.document.undo_stack.count()
    for _ in range(steps):
        window.undo_action.trigger()
    assert window.document.project == first and len(canvas.blocks) == 3
    for _ in range(steps):
        window.redo_action.trigger()
    assert window.document.project == drawn


def test_a_mismatched_merge_is_red_with_the_reason_and_training_waits(graph_window, qtbot):
    window, canvas = graph_window, graph_window.graph_canvas
    drop_on(canvas, "dense", wire_middle(canvas, INPUT_BLOCK, 0))
    drop_on(canvas, "dense", wire_middle(canvas, 0, 1))
    drop_on(canvas, "add", wire_middle(canvas, 1, 2))
    wire_ports(qtbot, canvas, 0, 2)
    window.edit_layer(1, "units", 8)
    fault = canvas.blocks[2].fault
    assert fault == "add needs equal shapes; dense2 gives 8, dense1 gives 4 — give dense1 8 units or add a dense layer of 8 units after it"
    assert not window.play_action.isEnabled() and "Training waits" in canvas.status.text()
    window.undo_action.trigger()
    assert canvas.blocks[2].fault == "" and window.play_action.isEnabled()
    # a wire that would make a cycle is refused in words; nothing changes
    before = window.document.project
    wire_ports(qtbot, canvas, 2, 0)
    assert "cycle" in window.banner.text() and window.document.project == before


def test_keyboard_delete_duplicate_copy_paste_move_and_tab(graph_window, qtbot):
    window, canvas = graph_window, graph_window.graph_canvas
    for _ in range(3):
        drop_on(canvas, "dense", wire_middle(canvas, INPUT_BLOCK, 0))
    assert len(window.document.project.model.layers) == 4
    canvas.view.setFocus()
    canvas.select(1)
    qtbot.keyClick(canvas.view, Qt.Key.Key_Tab)
    assert canvas.selected_indices() == [2] and "Block 3 of 4" in canvas.view.accessibleDescription()
    qtbot.keyClick(canvas.view, Qt.Key.Key_Delete)                        # the chain closes over it
    assert len(window.document.project.model.layers) == 3 and window.document.project.model.is_chain
    canvas.select(0)
    qtbot.keyClick(canvas.view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert len(window.document.project.model.layers) == 4 and wiring(window)[2] == [INPUT_INDEX]
    canvas.select(1)
    qtbot.keyClick(canvas.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(canvas.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert len(window.document.project.model.layers) == 5
    canvas.select(0)
    x, y = canvas.blocks[0].pos().x(), canvas.blocks[0].pos().y()
    qtbot.keyClick(canvas.view, Qt.Key.Key_Right)
    assert window.document.project.model.layers[0].at == (x + 10, y)
    assert canvas.blocks[0].pos().x() == x + 10                            # drawn where the file says


def test_dragging_a_block_moves_it_as_one_undo_step_and_arrange_lays_it_out(graph_window, qtbot):
    window, canvas = graph_window, graph_window.graph_canvas
    drop_on(canvas, "dense", wire_middle(canvas, INPUT_BLOCK, 0))
    before = canvas.blocks[0].pos()
    start = canvas.blocks[0].sceneBoundingRect().center() + QPointF(-40, 0)
    drag(qtbot, canvas, start, start + QPointF(120, 30))
    at = window.document.project.model.layers[0].at
    assert at == (before.x() + 120, before.y() + 30) and canvas.blocks[0].pos() == QPointF(*at)   # the redrawn block
    assert window.document.undo_stack.undoText() == "Move blocks"
    window.graph_canvas.arrangeRequested.emit()
    assert window.document.project.model.layers[0].at[1] < window.document.project.model.layers[1].at[1]
    scale = canvas.view.transform().m11()
    canvas.view.zoom(0.5)
    assert canvas.view.transform().m11() == pytest.approx(scale * 0.5)


def test_while_a_graph_trains_every_block_shows_live_statistics_and_its_maps_on_hover(make_window, qtbot):
    from tests.conftest import EXAMPLES

    window = make_window(EXAMPLES / "spiral-skip.json")
    qtbot.waitUntil(lambda: not window.document.project.model.is_chain, timeout=10000)
    window.left_tabs.setCurrentWidget(window.graph_canvas)
    canvas = window.graph_canvas
    assert "Graph tab" in window.network_view.message.text()
    window.toggle_play()
    qtbot.waitUntil(lambda: canvas.blocks[3].statistics.startswith("μ "), timeout=30000)
    assert "∇" in canvas.blocks[0].statistics and "∇" not in canvas.blocks[3].statistics   # the add has no weights
    window.toggle_play()
    qtbot.waitUntil(lambda: window.state == "paused", timeout=10000)
    block = canvas.blocks[1]
    assert block.channels == 8
    canvas.view.centerOn(block)
    right_end = block.mapToScene(QPointF(block.boundingRect().width() - 8, 20))
    QTest.mouseMove(canvas.view.viewport(), view_point(canvas, right_end))
    qtbot.waitUntil(lambda: "showing <b>channel 8 of h2 (dense)</b>" in window.boundary.legend.text(), timeout=10000)
    QTest.mouseMove(canvas.view.viewport(), view_point(canvas, block.mapToScene(QPointF(4, 20))))
    qtbot.waitUntil(lambda: "channel 1 of h2" in window.boundary.legend.text(), timeout=10000)


def find(window, test) -> int:
    """The index of the one layer for which test(index, layer) holds."""
    found = [i for i, layer in enumerate(window.document.project.model.layers) if test(i, layer)]
    assert len(found) == 1, found
    return found[0]


def click_block(qtbot, canvas, index: int) -> None:
    canvas.view.centerOn(canvas.blocks[index])
    centre = canvas.blocks[index].mapToScene(QPointF(40, 12))
    QTest.mouseClick(canvas.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     view_point(canvas, centre))
    assert canvas.selected_indices() == [index]


def type_setting(qtbot, window, index: int, name: str, value) -> None:
    """Choose the block on the canvas and type the value into the layer settings, as a person does."""
    click_block(qtbot, window.graph_canvas, index)
    qtbot.waitUntil(lambda: window.inspector.index == index)
    field = window.inspector.form.widget(name)
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, str(value))
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.document.project.model.layers[index].params[name] == value


def choose_setting(qtbot, window, index: int, name: str, value: str) -> None:
    """Choose the block and pick the value from its settings' list (the keyboard's arrows)."""
    click_block(qtbot, window.graph_canvas, index)
    qtbot.waitUntil(lambda: window.inspector.index == index)
    combo = window.inspector.form.widget(name)
    combo.setFocus()
    target = combo.findData(value)
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up)
    assert window.document.project.model.layers[index].params[name] == value


def drop_unwired(canvas, kind: str) -> None:
    """A drop on empty canvas, to the right of everything."""
    right = canvas.scene.itemsBoundingRect().right() + 150
    drop_on(canvas, kind, QPointF(right, canvas.scene.itemsBoundingRect().center().y()))


def train_one_epoch_and_export(window, qtbot, path) -> None:
    import onnxruntime

    assert window.play_action.isEnabled(), window.graph_canvas.status.text()
    # the worker builds the drawn network first (a step before that has nothing to step)
    qtbot.waitUntil(lambda: window.worker.trained_project is not None
                    and window.worker.trained_project.same_architecture(window.document.project), timeout=60000)
    window.step_action.trigger()
    qtbot.waitUntil(lambda: window.epoch >= 1, timeout=60000)
    with qtbot.waitSignal(window.worker.exportFinished, timeout=120000):
        window.export_model("onnx", path)
    assert onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]).get_inputs()


@pytest.mark.slow
def test_build_the_inception_example_with_the_mouse_train_and_export(make_window, write_project, qtbot, tmp_path):
    raw = project_dict(layers=[{"type": "dense", "units": 10, "activation": "linear"}], loss="cross_entropy",
                       optimizer="adam", learning_rate=0.01, batch_size=32)
    raw["data"] = {"dataset": "digits", "samples": 300, "train_fraction": 0.8, "seed": 1}
    window = make_window()
    window.new_project(write_project(raw))   # a project with nothing but its output layer
    qtbot.waitUntil(lambda: window.document.project.data.dataset == "digits", timeout=10000)
    window.left_tabs.setCurrentWidget(window.graph_canvas)
    canvas = window.graph_canvas
    conv = lambda i, layer: layer.type == "conv2d"   # noqa: E731
    drop_on(canvas, "conv2d", wire_middle(canvas, INPUT_BLOCK, 0))                    # the stem
    type_setting(qtbot, window, 0, "filters", 16)
    drop_on(canvas, "conv2d", wire_middle(canvas, 0, 1))                              # the 1×1 branch
    type_setting(qtbot, window, 1, "kernel", 1)
    drop_on(canvas, "concatenate", wire_middle(canvas, 1, 2))
    for kernel in (3, 5):                                                             # two more branches
        drop_unwired(canvas, "conv2d")
        branch = find(window, lambda i, layer: conv(i, layer) and layer.inputs == [])
        if kernel != 3:
            type_setting(qtbot, window, branch, "kernel", kernel)
        wire_ports(qtbot, canvas, 0, branch)
        branch = find(window, lambda i, layer: conv(i, layer) and layer.params["kernel"] == kernel
                      and layer.params["filters"] == 8)              # the stem has 16
        wire_ports(qtbot, canvas, branch, find(window, lambda i, layer: layer.type == "concatenate"))
    joined = find(window, lambda i, layer: layer.type == "concatenate")
    drop_on(canvas, "global_avg_pool", wire_middle(canvas, joined, joined + 1))
    layers = window.document.project.model.layers
    assert [layer.type for layer in layers] == ["conv2d"] * 4 + ["concatenate", "global_avg_pool", "dense"]
    assert len(wiring(window)[4]) == 3 and sorted(layer.params["kernel"] for layer in layers[1:4]) == [1, 3, 5]
    assert canvas.blocks[4].detail.startswith("→ 24×8×8")                            # 8 + 8 + 8 channels
    train_one_epoch_and_export(window, qtbot, tmp_path / "inception.onnx")


def test_build_the_wide_and_deep_example_with_the_mouse_train_and_export(make_window, write_project, qtbot, tmp_path):
    from tests.conftest import EXAMPLES

    raw = project_dict(layers=[{"type": "dense", "units": 2, "activation": "linear"}], loss="cross_entropy",
                       optimizer="adam", learning_rate=0.003, batch_size=32)
    raw["data"] = {"dataset": "csv", "path": str(EXAMPLES.parent / "data" / "breast-cancer.csv"), "target": "diagnosis",
                   "train_fraction": 0.8, "seed": 1}
    window = make_window()
    window.new_project(write_project(raw))
    window.left_tabs.setCurrentWidget(window.graph_canvas)
    canvas = window.graph_canvas
    qtbot.waitUntil(lambda: "ready to train" in canvas.status.text(), timeout=30000)
    drop_on(canvas, "dense", wire_middle(canvas, INPUT_BLOCK, 0))                     # the wide branch
    type_setting(qtbot, window, 0, "units", 2)
    drop_on(canvas, "concatenate", wire_middle(canvas, 0, 1))
    drop_unwired(canvas, "dense")                                                     # the deep branch
    deep = find(window, lambda i, layer: layer.inputs == [])
    wire_ports(qtbot, canvas, INPUT_BLOCK, deep)
    type_setting(qtbot, window, find(window, lambda i, layer: layer.inputs == ["input"]), "units", 16)
    wire_ports(qtbot, canvas, find(window, lambda i, layer: layer.params.get("units") == 16),
               find(window, lambda i, layer: layer.type == "concatenate"))
    joined = find(window, lambda i, layer: layer.type == "concatenate")
    assert canvas.blocks[joined].detail == "→ 18"
    train_one_epoch_and_export(window, qtbot, tmp_path / "wide-deep.onnx")


@pytest.mark.slow
def test_build_the_resnet_example_with_the_mouse_second_block_by_copy_and_paste(make_window, write_project, qtbot,
                                                                               tmp_path):
    raw = project_dict(layers=[{"type": "dense", "units": 10, "activation": "linear"}], loss="cross_entropy",
                       optimizer="adam", learning_rate=0.003, batch_size=32)
    raw["data"] = {"dataset": "digits", "samples": 300, "train_fraction": 0.8, "seed": 1}
    window = make_window()
    window.new_project(write_project(raw))
    qtbot.waitUntil(lambda: window.document.project.data.dataset == "digits", timeout=10000)
    window.left_tabs.setCurrentWidget(window.graph_canvas)
    canvas = window.graph_canvas
    kinds = lambda: [layer.type for layer in window.document.project.model.layers]   # noqa: E731
    drop_on(canvas, "conv2d", wire_middle(canvas, INPUT_BLOCK, 0))                    # the stem
    drop_on(canvas, "conv2d", wire_middle(canvas, 0, 1))                              # a1
    drop_on(canvas, "conv2d", wire_middle(canvas, 1, 2))                              # a2
    choose_setting(qtbot, window, 2, "activation", "linear")
    drop_on(canvas, "add", wire_middle(canvas, 2, 3))                                 # the sum takes a2 …
    wire_ports(qtbot, canvas, 0, 3)                                                   # … and the stem
    drop_on(canvas, "activation", wire_middle(canvas, 3, 4))
    drop_on(canvas, "global_avg_pool", wire_middle(canvas, 4, 5))
    assert kinds() == ["conv2d"] * 3 + ["add", "activation", "global_avg_pool", "dense"]
    # the second block: copy a1, a2, the sum and its activation, paste, and wire it in
    canvas.view.setFocus()
    canvas.select(1)
    for index in (2, 3, 4):
        canvas.blocks[index].setSelected(True)
    qtbot.keyClick(canvas.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(canvas.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert kinds().count("add") == 2
    qtbot.mouseClick(canvas.findChild(object, "graphArrange"), Qt.MouseButton.LeftButton)
    sums = [i for i, kind in enumerate(kinds()) if kind == "add"]
    relus = [i for i, kind in enumerate(kinds()) if kind == "activation"]
    first_relu, second_relu, second_sum = relus[0], relus[1], sums[1]
    pasted_a1 = find(window, lambda i, layer: layer.type == "conv2d" and i > first_relu
                     and wiring(window)[i] == [0])
    wire_ports(qtbot, canvas, first_relu, pasted_a1)                                  # a1' takes the first block
    second_sum = find(window, lambda i, layer: layer.type == "add" and 0 in wiring(window)[i] and i > first_relu)
    stem_wire = wire_middle(canvas, 0, second_sum)
    QTest.mouseClick(canvas.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     view_point(canvas, stem_wire))
    qtbot.keyClick(canvas.view, Qt.Key.Key_Delete)                                    # the sum forgets the stem
    first_relu = [i for i, kind in enumerate(kinds()) if kind == "activation"][0]
    second_sum = [i for i, kind in enumerate(kinds()) if kind == "add"][1]
    wire_ports(qtbot, canvas, first_relu, second_sum)                                 # and adds the first block
    second_relu = [i for i, kind in enumerate(kinds()) if kind == "activation"][1]
    wire_ports(qtbot, canvas, second_relu, find(window, lambda i, layer: layer.type == "global_avg_pool"))
    layers, src = window.document.project.model.layers, wiring(window)
    assert [layer.type for layer in layers] == ["conv2d"] * 3 + ["add", "activation"] + ["conv2d"] * 2 + \
        ["add", "activation", "global_avg_pool", "dense"]
    assert src[3] == [2, 0] and sorted(src[7]) == [4, 6] and src[5] == [4] and src[9] == [8]
    assert not window.analysis.warnings
    train_one_epoch_and_export(window, qtbot, tmp_path / "resnet.onnx")
