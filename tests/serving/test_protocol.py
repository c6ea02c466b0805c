"""The Open Inference Protocol's requests and responses as plain functions, and what they refuse."""

import json

import numpy as np
import pytest

from playground.serving.protocol import (MAX_ELEMENTS, InferRequest, ProtocolError, encode_infer_response,
                                         parse_infer_request)


def request(*inputs, **extra) -> bytes:
    return json.dumps({"inputs": list(inputs), **extra}).encode()


def tensor(data, shape, datatype="FP32", name="input"):
    return {"name": name, "shape": shape, "datatype": datatype, "data": data}


def test_json_tensors_flat_or_nested_become_arrays():
    flat = parse_infer_request(request(tensor([1, 2, 3, 4], [2, 2])))
    nested = parse_infer_request(request(tensor([[1, 2], [3, 4]], [2, 2])))
    for parsed in (flat, nested):
        array = parsed.inputs["input"]
        assert array.dtype == np.float32 and array.tolist() == [[1, 2], [3, 4]]
    text = parse_infer_request(request(tensor(["a", "bé"], [2], "BYTES", "words")))
    assert text.inputs["words"].tolist() == [b"a", "bé".encode()]


def test_binary_tensors_follow_the_json_header():
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    header = json.dumps({"inputs": [{"name": "input", "shape": [3, 2], "datatype": "FP32",
                                     "parameters": {"binary_data_size": x.nbytes}}],
                         "outputs": [{"name": "class", "parameters": {"binary_data": True}}]}).encode()
    parsed = parse_infer_request(header + x.tobytes(), str(len(header)))
    assert np.array_equal(parsed.inputs["input"], x) and parsed.outputs == ["class"] and parsed.binary == {"class"}
    with pytest.raises(ProtocolError, match="is 24; 20 bytes remain"):
        parse_infer_request(header + x.tobytes()[:-4], str(len(header)))
    short = header.replace(b'"binary_data_size": 24', b'"binary_data_size": 20')
    with pytest.raises(ProtocolError, match="has 20 bytes of binary data; shape \\[3, 2\\] of FP32 needs 24"):
        parse_infer_request(short + x.tobytes()[:-4], str(len(short)))
    with pytest.raises(ProtocolError, match="no input claims"):
        parse_infer_request(header + x.tobytes() + b"xx", str(len(header)))


@pytest.mark.parametrize("body,words", [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (request(), '"inputs"'),
    (request(tensor([1, 2, 3], [2, 2])), "has 3 values; shape [2, 2] needs 4"),
    (request(tensor([1] * 5, [2, 2])), "more than 4"),
    (request(tensor([1, 2], [2], "FP99")), "datatype must be one of"),
    (request(tensor([1, "x"], [2])), 'holds "x"'),
    (request(tensor([1, 2], [2, -1])), "whole numbers"),
    (request(tensor([1], [1 << 13, 1 << 13])), "one request may hold"),
    (request(tensor([1, 2], [2]), tensor([1, 2], [2])), "given twice"),
    (request(tensor([300], [1], "UINT8")), "does not fit UINT8"),
    (b'{"inputs": [{"name": "input", "shape": [1], "datatype": "FP32", "data": [NaN]}]}', "NaN"),
    (request({"name": "input", "shape": [1], "datatype": "FP32"}), 'no "data"'),
    (request(tensor([1], [1]), outputs="all"), '"outputs" must be a list'),
])
def test_bad_requests_are_refused_with_the_field_named(body, words):
    with pytest.raises(ProtocolError, match=None) as caught:
        parse_infer_request(body)
    assert words in str(caught.value) and caught.value.status == 400


def test_a_huge_nested_list_is_not_walked_past_its_shape():
    nested = [[0.5] * 1000 for _ in range(1000)]  # a million values for a shape of 4
    with pytest.raises(ProtocolError, match="more than 4"):
        parse_infer_request(request(tensor(nested, [2, 2])))
    assert MAX_ELEMENTS >= 1 << 20


def test_responses_in_json_or_binary():
    outputs = {"probabilities": np.array([[0.25, 0.75]], np.float32), "class": np.array([b"b"], dtype=object)}
    body, header = encode_infer_response("m", "1", InferRequest("7", {}), outputs)
    assert header is None
    answer = json.loads(body)
    assert answer["id"] == "7" and answer["model_name"] == "m"
    assert answer["outputs"][0] == {"name": "probabilities", "datatype": "FP32", "shape": [1, 2], "data": [0.25, 0.75]}
    assert answer["outputs"][1]["data"] == ["b"] and answer["outputs"][1]["datatype"] == "BYTES"
    body, header = encode_infer_response("m", "1", InferRequest(None, {}, binary_all=True), outputs)
    meta = json.loads(body[:header])
    sizes = [o["parameters"]["binary_data_size"] for o in meta["outputs"]]
    assert sizes == [8, 5] and len(body) == header + 13
    assert np.frombuffer(body[header:header + 8], np.float32).tolist() == [0.25, 0.75]
    assert body[header + 8:] == (1).to_bytes(4, "little") + b"b"


def test_the_batcher_keeps_batches_within_max_batch_size_and_answers_each_request():
    import asyncio

    from playground.serving.batcher import DynamicBatcher

    calls = []

    def run(rows):
        calls.append(len(rows))
        return rows * 2

    async def scenario():
        batcher = DynamicBatcher(run, max_batch_size=5, max_queue_delay_us=5000)
        batcher.start()
        requests = [np.full((n, 1), float(i), np.float32) for i, n in enumerate([2, 2, 2, 3, 1, 7])]
        answers = await asyncio.gather(*(batcher.infer(r) for r in requests))
        await batcher.stop()
        return requests, answers

    requests, answers = asyncio.run(scenario())
    assert all(np.array_equal(a, r * 2) for r, a in zip(requests, answers))
    assert sum(calls) == 17 and len(calls) < 6
    assert all(c <= 5 for c in calls if c != 7)  # a request larger than the limit runs alone
