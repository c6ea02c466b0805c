"""File ▸ Serve model… as a person uses it: start, send a request, watch the count, stop."""

import json
import urllib.error
import urllib.request

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.gui.test_inspection_views import train_a_little


def test_serve_the_trained_model_from_the_window(make_window, qtbot):
    window = make_window()
    train_a_little(qtbot, window)
    window.serve_action.trigger()
    dialog = window.serve_dialog
    assert dialog.isVisible() and dialog.url.text() == "not serving"
    dialog.port.setValue(0)  # any free port
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.server is not None, timeout=60000)
    url = dialog.server.url
    assert url in dialog.url.text() and "curl -d" in dialog.curl.text() and "/v2/models/" in dialog.curl.text()
    name = dialog.server.model.name
    body = {"inputs": [{"name": "input", "shape": [2, 2], "datatype": "FP32", "data": [0, 0, 5, 5]}]}
    request = urllib.request.Request(f"{url}/v2/models/{name}/infer", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    import onnxruntime as ort

    session = ort.InferenceSession(str(dialog.server.model.path), providers=["CPUExecutionProvider"])
    expected = session.run(None, {"input": np.array([[0, 0], [5, 5]], np.float32)})[0]
    served = next(o for o in answer["outputs"] if o["name"] == "probabilities")["data"]
    np.testing.assert_allclose(np.reshape(served, expected.shape), expected, atol=1e-6)
    qtbot.waitUntil(lambda: dialog.figures.text().startswith("1 answered"), timeout=5000)
    assert "latency p50" in dialog.figures.text()
    qtbot.mouseClick(dialog.stop_button, Qt.MouseButton.LeftButton)
    assert dialog.server is None and dialog.url.text() == "not serving"
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}/v2/health/live", timeout=5)


def test_a_port_in_use_is_a_message_and_the_dialog_stays_usable(make_window, qtbot):
    import socket

    window = make_window()
    train_a_little(qtbot, window)
    window.serve_action.trigger()
    dialog = window.serve_dialog
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        dialog.port.setValue(busy.getsockname()[1])
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "cannot serve on port" in dialog.message.text(), timeout=60000)
    assert dialog.server is None and dialog.start_button.isEnabled()
