"""`playground bench --serve-flood [REQUESTS]`: a million tiny bad requests at the model server
(64 keep-alive connections): malformed JSON, a wrong shape, a wrong datatype, NaN, an unknown
model, an unknown path, an empty body. Every one must get a 4xx whose `{"error": …}` names the
problem; every thousandth request is a good one and must get onnxruntime's answer; the server's
memory is read before and after."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np

from playground.bench.serve import _free_port, _rss_mib, _start, _trained_run

_STATUS = re.compile(rb"^HTTP/1\.1 (\d{3})")
_LENGTH = re.compile(rb"(?i)content-length:\s*(\d+)")
GOOD_EVERY = 1000


def _request(path: str, body: bytes) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def bad_requests(name: str) -> list[tuple[str, bytes, int]]:
    """(what is wrong, the request, the status it must get)."""
    infer = f"/v2/models/{name}/infer"

    def tensor(**fields) -> bytes:
        return json.dumps({"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP32", "data": [0.5, 0.5],
                                       **fields}]}).encode()

    return [("malformed JSON", _request(infer, b'{"inputs": [{'), 400),
            ("wrong shape", _request(infer, tensor(shape=[1, 3], data=[1, 2, 3])), 400),
            ("wrong datatype", _request(infer, tensor(datatype="BYTES")), 400),
            ("NaN", _request(infer, b'{"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP32", '
                                    b'"data": [NaN, 1]}]}'), 400),
            ("unknown model", _request("/v2/models/nobody/infer", tensor()), 404),
            ("unknown path", _request("/v2/nothing", b"{}"), 404),
            ("empty body", _request(infer, b""), 400)]


async def _flood(port: int, bad: list, good: bytes, wanted: np.ndarray, total: int, clients: int) -> dict:
    counts = {"requests": 0, "refused_as_expected": 0, "wrong_status": 0, "no_message": 0, "good_right": 0,
              "good_wrong": 0, "connection_errors": 0}
    issued = 0

    async def client() -> None:
        nonlocal issued
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while issued < total:
                number = issued
                issued += 1
                is_good = number % GOOD_EVERY == 0
                request, status = (good, 200) if is_good else bad[number % len(bad)][1:]
                try:
                    writer.write(request)
                    head = await reader.readuntil(b"\r\n\r\n")
                    body = await reader.readexactly(int(_LENGTH.search(head).group(1)))
                except (OSError, asyncio.IncompleteReadError, AttributeError):
                    counts["connection_errors"] += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                counts["requests"] += 1
                got = int(_STATUS.match(head).group(1))
                answer = json.loads(body)
                if is_good:
                    right = got == 200 and np.allclose(answer["outputs"][0]["data"], wanted, atol=1e-4)
                    counts["good_right" if right else "good_wrong"] += 1
                elif got != status:
                    counts["wrong_status"] += 1
                elif not isinstance(answer.get("error"), str) or not answer["error"]:
                    counts["no_message"] += 1
                else:
                    counts["refused_as_expected"] += 1
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return counts


def run_flood(total: int = 1_000_000, clients: int = 64, report: Callable[[str], None] = print) -> dict:
    import onnxruntime as ort

    from playground.serving.source import served_model

    try:
        import uvloop

        factory = uvloop.new_event_loop
    except ImportError:
        factory = None
    with tempfile.TemporaryDirectory(prefix="playground-bench-flood-") as tmp:
        folder = Path(tmp)
        model = served_model(_trained_run("spiral.json", 20, folder), folder / "exports")
        session = ort.InferenceSession(str(model.path), providers=["CPUExecutionProvider"])
        point = np.array([[0.5, -1.0]], np.float32)
        wanted = session.run(None, {"input": point})[0].reshape(-1)
        good = _request("/v2/models/m/infer", json.dumps({"inputs": [{"name": "input", "shape": [1, 2],
                        "datatype": "FP32", "data": point.reshape(-1).tolist()}], "outputs": [{"name": "probabilities"}]}).encode())
        port = _free_port()
        process = _start([sys.executable, "-m", "playground", "serve", str(model.path), "--port", str(port),
                          "--name", "m"], port)
        try:
            bad = bad_requests("m")
            with asyncio.Runner(loop_factory=factory) as runner:
                runner.run(_flood(port, bad, good, wanted, 2000, clients))  # warm-up
                before = _rss_mib(process.pid)
                report(f"{total:,} requests ({', '.join(kind for kind, _, _ in bad)}; every {GOOD_EVERY:,}th a good "
                       f"one), {clients} connections, server RSS {before:.0f} MiB…")
                began = time.perf_counter()
                counts = runner.run(_flood(port, bad, good, wanted, total, clients))
                seconds = time.perf_counter() - began
            after = _rss_mib(process.pid)
            alive = process.poll() is None
        finally:
            process.terminate()
            process.wait(30)
    counts.update(seconds=seconds, requests_per_second=counts["requests"] / seconds, rss_mib_before=before,
                  rss_mib_after=after, server_alive=alive)
    report(f"  {counts['requests']:,} answered in {seconds:.0f} s ({counts['requests_per_second']:.0f}/s): "
           f"{counts['refused_as_expected']:,} refused with the right status and a message, "
           f"{counts['wrong_status']} wrong statuses, {counts['no_message']} without a message, "
           f"{counts['good_right']:,} good ones answered right, {counts['good_wrong']} wrong, "
           f"{counts['connection_errors']} connection errors")
    report(f"  server memory {before:.0f} → {after:.0f} MiB; still serving: {'yes' if alive else 'NO'}")
    return counts
