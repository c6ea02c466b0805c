"""The server as its users meet it: NVIDIA Triton's own HTTP client and plain HTTP against a real
uvicorn on loopback, answers compared with onnxruntime run in-process on the same export."""

import concurrent.futures
import json
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import project_dict

tritonclient_http = pytest.importorskip("tritonclient.http", reason="needs tritonclient[http] (pip install -e '.[test]' installs it; CI has it)")


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """A trained circle classifier's run folder (what `playground train` writes)."""
    from playground.core.io.rundir import write_run
    from playground.core.model.spec import Project
    from playground.core.training import Trainer

    project = Project.from_dict(project_dict(epochs=40, learning_rate=0.1))
    trainer = Trainer(project)
    trainer.run()
    folder = tmp_path_factory.mktemp("runs") / "circle"
    write_run(folder, project, trainer.state_dict(), trainer.history, trainer.metrics(), trainer.state())
    return folder


@pytest.fixture(scope="module")
def served(run_folder, tmp_path_factory):
    from playground.serving.server import BackgroundServer
    from playground.serving.source import served_model

    model = served_model(run_folder, tmp_path_factory.mktemp("export"))
    server = BackgroundServer(model, max_queue_delay_us=20_000).start()
    yield server
    server.stop()


def reference(server, x: np.ndarray) -> np.ndarray:
    """onnxruntime in-process on the same file: what every answer must equal."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(server.model.path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x.astype(np.float32)})[0]


def call(url: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers=headers or {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_triton_client_reads_metadata_and_infers(served):
    client = tritonclient_http.InferenceServerClient(url=served.url.removeprefix("http://"))
    assert client.is_server_live() and client.is_server_ready() and client.is_model_ready("circle")
    meta = client.get_model_metadata("circle")
    assert meta["inputs"] == [{"name": "input", "datatype": "FP32", "shape": [-1, 2]}]
    assert [o["name"] for o in meta["outputs"]] == ["probabilities", "class_index", "class"]
    assert meta["parameters"]["classes"] == ["0", "1"]
    x = np.array([[0.0, 0.0], [5.0, 5.0], [-4.0, 1.0]], np.float32)
    expected = reference(served, x)
    # Triton's default: binary tensors both ways
    tensor = tritonclient_http.InferInput("input", list(x.shape), "FP32")
    tensor.set_data_from_numpy(x)
    result = client.infer("circle", [tensor])
    np.testing.assert_allclose(result.as_numpy("probabilities"), expected, atol=1e-6)
    assert result.as_numpy("class_index").tolist() == expected.argmax(axis=1).tolist()
    classes = meta["parameters"]["classes"]
    assert [c.decode() for c in result.as_numpy("class")] == [classes[i] for i in expected.argmax(axis=1)]
    # JSON both ways, one output asked for
    tensor.set_data_from_numpy(x, binary_data=False)
    wanted = tritonclient_http.InferRequestedOutput("probabilities", binary_data=False)
    result = client.infer("circle", [tensor], outputs=[wanted], request_id="42")
    np.testing.assert_allclose(result.as_numpy("probabilities"), expected, atol=1e-6)
    assert result.as_numpy("class") is None and result.get_response()["id"] == "42"
    with pytest.raises(tritonclient_http.InferenceServerException, match="unknown model 'nope'"):
        client.infer("nope", [tensor])


def test_plain_http_and_the_errors_a_user_can_make(served):
    base = served.url + "/v2/models/circle"
    status, meta = call(served.url + "/v2")
    assert status == 200 and "binary_tensor_data" in meta["extensions"]
    good = {"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP32", "data": [1.0, 2.0]}]}
    status, answer = call(base + "/infer", json.dumps(good).encode())
    assert status == 200 and answer["model_name"] == "circle"
    probabilities = next(o for o in answer["outputs"] if o["name"] == "probabilities")
    np.testing.assert_allclose(probabilities["data"], reference(served, np.array([[1.0, 2.0]]))[0], atol=1e-6)
    bad = [
        (b"{", 400, "not valid JSON"),
        (json.dumps({"inputs": [{"name": "input", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}]}).encode(),
         400, "has shape [-1, 2]"),
        (json.dumps({"inputs": [{"name": "input", "shape": [1, 2], "datatype": "INT64", "data": [1, 2]}]}).encode(),
         400, "is FP32"),
        (json.dumps({"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP32", "data": [1, 2]}]}).encode(),
         400, "takes one input, 'input'"),
        (b'{"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP32", "data": [1, NaN]}]}', 400, "NaN"),
        (json.dumps({"inputs": [{"name": "input", "shape": [0, 2], "datatype": "FP32", "data": []}]}).encode(),
         400, "no rows"),
        (json.dumps({**good, "outputs": [{"name": "logits"}]}).encode(), 400, "no output 'logits'"),
    ]
    for body, code, words in bad:
        status, answer = call(base + "/infer", body)
        assert status == code and words in answer["error"], (body[:60], answer)
    assert call(served.url + "/v2/models/nope")[0] == 404
    status, answer = call(base + "/versions/7")
    assert status == 404 and "has no version '7'" in answer["error"]
    assert call(served.url + "/v2/nothing/here")[1]["error"].startswith("no such endpoint")
    assert call(base + "/infer", json.dumps(good).encode())[0] == 200  # still serving


def test_concurrent_requests_are_batched_and_each_gets_its_own_answer(served):
    rng = np.random.default_rng(0)
    points = rng.uniform(-6, 6, (48, 2)).astype(np.float32)
    before = served.statistics.snapshot()

    def one(point):
        body = {"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP32", "data": point.tolist()}]}
        status, answer = call(served.url + "/v2/models/circle/infer", json.dumps(body).encode())
        assert status == 200, answer
        return next(o for o in answer["outputs"] if o["name"] == "probabilities")["data"]

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(one, points))
    np.testing.assert_allclose(np.array(answers), reference(served, points), atol=1e-6)
    after = served.statistics.snapshot()
    requests, calls = after["requests"] - before["requests"], after["calls"] - before["calls"]
    assert requests == 48 and calls < requests  # gathered into fewer onnxruntime calls
    status, stats = call(served.url + "/v2/models/circle/stats")
    assert stats["model_stats"][0]["request_count"] == after["requests"]


def test_a_body_over_the_limit_is_refused_and_the_server_lives(served):
    from playground.serving.server import BackgroundServer

    small = BackgroundServer(served.model, max_request_bytes=2048).start()
    try:
        big = json.dumps({"inputs": [{"name": "input", "shape": [200, 2], "datatype": "FP32",
                                      "data": [0.5] * 400}]}).encode()
        status, answer = call(small.url + "/v2/models/circle/infer", big)
        assert status == 413 and "--max-request-bytes" in answer["error"]
        assert call(small.url + "/v2/health/ready")[0] == 200
    finally:
        small.stop()


def test_the_page_is_self_contained_and_names_the_model(served):
    with urllib.request.urlopen(served.url + "/", timeout=30) as response:
        page = response.read().decode()
    assert '"circle"' in page and "<script>" in page
    assert "src=\"http" not in page and "href=\"http" not in page and "@import" not in page
    status, card = call(served.url + "/v2/models/circle/card")
    assert status == 200 and card["layers"][0].startswith("Dense") and "test_accuracy" in card["metrics"]
    assert card["signature"]["input"]["kind"] == "plane"


def test_triton_repository_config_parses_and_matches_the_model(run_folder, tmp_path, capsys):
    import importlib.util

    import onnx
    import tritonclient
    from google.protobuf import text_format

    from playground.cli import main

    repository = tmp_path / "model_repository"
    assert main(["export", str(run_folder), "--format", "triton", "--output", str(repository)]) == 0
    assert "docker run" in capsys.readouterr().out
    folder = repository / "circle"
    assert sorted(p.name for p in folder.rglob("*") if p.is_file()) == ["config.pbtxt", "labels.txt", "model.onnx"]
    schema = Path(tritonclient.__file__).parent / "grpc" / "model_config_pb2.py"  # Triton's ModelConfig
    spec = importlib.util.spec_from_file_location("model_config_pb2", schema)
    model_config = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(model_config)
    config = text_format.Parse((folder / "config.pbtxt").read_text(), model_config.ModelConfig())
    graph = onnx.load(str(folder / "1" / "model.onnx")).graph
    onnx_input = [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim][1:]
    onnx_output = [d.dim_value for d in graph.output[0].type.tensor_type.shape.dim][1:]
    assert config.name == "circle" and config.backend == "onnxruntime" and config.max_batch_size == 64
    assert (config.input[0].name, list(config.input[0].dims)) == (graph.input[0].name, onnx_input)
    assert (config.output[0].name, list(config.output[0].dims)) == (graph.output[0].name, onnx_output)
    assert config.output[0].label_filename == "labels.txt" and config.dynamic_batching.max_queue_delay_microseconds == 500
    assert len((folder / "labels.txt").read_text().split()) == 2


def test_playground_serve_answers_and_sigterm_ends_it_cleanly(run_folder, served, tmp_path):
    """The command a user types: it prints the URL and a curl line, answers, and exits 0 on
    SIGTERM; a port in use is a one-line error before anything starts. (It serves the exported
    .onnx here: no torch is loaded to answer.)"""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    from playground.cli import main

    root = Path(__file__).resolve().parents[2]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", str(run_folder), "--port", str(port)]) == 2
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    child = subprocess.Popen([sys.executable, "-m", "playground", "serve", str(served.model.path), "--port", str(port),
                              "--name", "rings"], stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        lines = []
        deadline = time.monotonic() + 120
        while not any("Ctrl+C stops" in line for line in lines) and time.monotonic() < deadline:
            line = child.stderr.readline()
            if not line:
                break
            lines.append(line)
        text = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in text and "curl -d" in text and "WARNING" not in text, text
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):  # uvicorn binds right after the banner
            try:
                status, _ = call(url + "/v2/health/ready")
                break
            except OSError:
                time.sleep(0.05)
        assert status == 200
        body = {"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP32", "data": [0, 0]}]}
        status, answer = call(url + "/v2/models/rings/infer", json.dumps(body).encode())
        assert status == 200 and answer["model_name"] == "rings"
        child.send_signal(signal.SIGTERM)
        assert child.wait(30) == 0
    finally:
        if child.poll() is None:
            child.kill()
