"""The Open Inference Protocol (v2 REST, as KServe, Triton and MLServer speak it) as plain
functions: an inference request's JSON (with Triton's binary tensor extension: the JSON header's
length in `Inference-Header-Content-Length`, then the raw bytes of each tensor) into numpy arrays,
and numpy arrays back into a response. Every refusal is a ProtocolError whose message names the
field and says what was expected; nothing a client sends can make the server allocate more than
MAX_ELEMENTS values or read past the body."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: The tensor datatypes of the protocol and the numpy types that hold them (BYTES: Python bytes).
DATATYPES: dict[str, Any] = {"BOOL": np.bool_, "UINT8": np.uint8, "UINT16": np.uint16, "UINT32": np.uint32,
                             "UINT64": np.uint64, "INT8": np.int8, "INT16": np.int16, "INT32": np.int32,
                             "INT64": np.int64, "FP16": np.float16, "FP32": np.float32, "FP64": np.float64,
                             "BYTES": np.object_}
#: Values one request may carry in all (a 64 MiB float32 batch).
MAX_ELEMENTS = 1 << 24


class ProtocolError(Exception):
    """A request the protocol refuses; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class InferRequest:
    """What a client asked: its inputs by name, the outputs it wants (None: all) and which of
    them it wants as binary data."""

    id: str | None
    inputs: dict[str, np.ndarray]
    outputs: list[str] | None = None
    binary: set[str] = field(default_factory=set)
    binary_all: bool = False


def datatype_of(array: np.ndarray) -> str:
    if array.dtype == np.object_:
        return "BYTES"
    for name, kind in DATATYPES.items():
        if kind is not np.object_ and array.dtype == np.dtype(kind):
            return name
    raise ValueError(f"no protocol datatype for {array.dtype}")


def _refuse_constant(name: str) -> float:
    raise ProtocolError(f"the request holds {name}, which JSON does not allow; send finite numbers")


def _load_json(text: bytes) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except ProtocolError:
        raise
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        raise ProtocolError(f"the request is not valid JSON ({err})") from None


def _shape(raw: Any, where: str) -> tuple[int, ...]:
    if not isinstance(raw, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in raw):
        raise ProtocolError(f"{where}.shape must be a list of whole numbers ≥ 0, not {json.dumps(raw)[:80]}")
    count = math.prod(raw)
    if count > MAX_ELEMENTS:
        raise ProtocolError(f"{where}.shape {raw} holds {count:,} values; one request may hold {MAX_ELEMENTS:,}")
    return tuple(raw)


def _flatten(data: Any, limit: int) -> list:
    """The values of a (possibly nested, row-major) JSON list, at most `limit` + 1 of them."""
    out: list = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        else:
            out.append(item)
            if len(out) > limit:
                break
    return out


def _from_json(data: Any, shape: tuple[int, ...], datatype: str, where: str) -> np.ndarray:
    count = math.prod(shape)
    values = _flatten(data if isinstance(data, list) else [data], count)
    if len(values) != count:
        got = f"more than {count}" if len(values) > count else str(len(values))
        raise ProtocolError(f"{where}.data has {got} values; shape {list(shape)} needs {count}")
    if datatype == "BYTES":
        if not all(isinstance(v, str) for v in values):
            raise ProtocolError(f"{where}.data: BYTES values are strings")
        return np.array([v.encode() for v in values], dtype=np.object_).reshape(shape)
    if datatype == "BOOL":
        if not all(isinstance(v, bool) for v in values):
            raise ProtocolError(f"{where}.data: BOOL values are true or false")
    elif not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        bad = next(v for v in values if not (isinstance(v, (int, float)) and not isinstance(v, bool)))
        raise ProtocolError(f"{where}.data holds {json.dumps(bad)[:40]}; {datatype} values are numbers")
    try:
        with np.errstate(all="raise"):
            return np.asarray(values, dtype=DATATYPES[datatype]).reshape(shape)
    except (OverflowError, FloatingPointError, ValueError):
        raise ProtocolError(f"{where}.data holds a number that does not fit {datatype}") from None


def _from_bytes(raw: bytes, shape: tuple[int, ...], datatype: str, where: str) -> np.ndarray:
    count = math.prod(shape)
    if datatype == "BYTES":
        items, position = [], 0
        while position < len(raw):
            if position + 4 > len(raw):
                raise ProtocolError(f"{where}: a BYTES element's 4-byte length is cut off")
            size = int.from_bytes(raw[position:position + 4], "little")
            position += 4
            if position + size > len(raw):
                raise ProtocolError(f"{where}: a BYTES element says {size} bytes, fewer follow")
            items.append(raw[position:position + size])
            position += size
        if len(items) != count:
            raise ProtocolError(f"{where} holds {len(items)} BYTES elements; shape {list(shape)} needs {count}")
        return np.array(items, dtype=np.object_).reshape(shape)
    itemsize = np.dtype(DATATYPES[datatype]).itemsize
    if len(raw) != count * itemsize:
        raise ProtocolError(f"{where} has {len(raw)} bytes of binary data; shape {list(shape)} of {datatype} "
                            f"needs {count * itemsize}")
    return np.frombuffer(raw, dtype=np.dtype(DATATYPES[datatype]).newbyteorder("<")).reshape(shape).copy()


def parse_infer_request(body: bytes, header_length: str | None = None) -> InferRequest:
    """The request in `body`; `header_length` is the Inference-Header-Content-Length header (then
    the JSON is the body's first bytes and the binary tensors follow, in the order of the inputs)."""
    if header_length is not None:
        try:
            length = int(header_length)
        except ValueError:
            raise ProtocolError("Inference-Header-Content-Length must be a whole number") from None
        if not 0 < length <= len(body):
            raise ProtocolError(f"Inference-Header-Content-Length is {length}, the body has {len(body)} bytes")
        header, binary = body[:length], body[length:]
    else:
        header, binary = body, b""
    request = _load_json(header)
    if not isinstance(request, dict):
        raise ProtocolError("the request must be a JSON object with \"inputs\"")
    inputs = request.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise ProtocolError('the request needs "inputs": a list of tensors {"name", "shape", "datatype", "data"}')
    arrays: dict[str, np.ndarray] = {}
    offset, total = 0, 0
    for i, tensor in enumerate(inputs):
        where = f"inputs[{i}]"
        if not isinstance(tensor, dict):
            raise ProtocolError(f"{where} must be an object")
        name, datatype = tensor.get("name"), tensor.get("datatype")
        if not isinstance(name, str) or not name:
            raise ProtocolError(f"{where}.name must be a non-empty string")
        where = f"inputs[{i}] ({name})"
        if name in arrays:
            raise ProtocolError(f"{where}: the input {name!r} is given twice")
        if datatype not in DATATYPES:
            raise ProtocolError(f"{where}.datatype must be one of {', '.join(DATATYPES)}, not {json.dumps(datatype)[:40]}")
        shape = _shape(tensor.get("shape"), where)
        total += math.prod(shape)
        if total > MAX_ELEMENTS:
            raise ProtocolError(f"the request holds more than {MAX_ELEMENTS:,} values")
        parameters = tensor.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise ProtocolError(f"{where}.parameters must be an object")
        size = parameters.get("binary_data_size")
        if size is not None:
            if not isinstance(size, int) or isinstance(size, bool) or size < 0 or offset + size > len(binary):
                raise ProtocolError(f"{where}.parameters.binary_data_size is {size}; {len(binary) - offset} bytes remain")
            arrays[name] = _from_bytes(binary[offset:offset + size], shape, datatype, where)
            offset += size
        elif "data" in tensor:
            arrays[name] = _from_json(tensor["data"], shape, datatype, where)
        else:
            raise ProtocolError(f"{where} has no \"data\" (nor binary data)")
    if offset != len(binary):
        raise ProtocolError(f"{len(binary) - offset} bytes of binary data follow that no input claims")
    parameters = request.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise ProtocolError("parameters must be an object")
    outputs, binary_outputs = None, set()
    if "outputs" in request:
        wanted = request["outputs"]
        if not isinstance(wanted, list) or not all(isinstance(o, dict) and isinstance(o.get("name"), str) for o in wanted):
            raise ProtocolError('"outputs" must be a list of {"name": …}')
        outputs = [o["name"] for o in wanted]
        binary_outputs = {o["name"] for o in wanted if isinstance(o.get("parameters"), dict)
                          and o["parameters"].get("binary_data") is True}
    request_id = request.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise ProtocolError('"id" must be a string')
    return InferRequest(request_id, arrays, outputs, binary_outputs, parameters.get("binary_data_output") is True)


def encode_infer_response(model: str, version: str, request: InferRequest,
                          outputs: dict[str, np.ndarray]) -> tuple[bytes, int | None]:
    """The response body, and the JSON header's length when binary tensors follow it (for the
    Inference-Header-Content-Length header; None: the body is all JSON)."""
    tensors, blobs = [], []
    for name, array in outputs.items():
        tensor: dict[str, Any] = {"name": name, "datatype": datatype_of(array), "shape": list(array.shape)}
        if request.binary_all or name in request.binary:
            if array.dtype == np.object_:
                blob = b"".join(len(v).to_bytes(4, "little") + v for v in array.reshape(-1))
            else:
                blob = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
            tensor["parameters"] = {"binary_data_size": len(blob)}
            blobs.append(blob)
        elif array.dtype == np.object_:
            tensor["data"] = [v.decode("utf-8", "replace") for v in array.reshape(-1)]
        else:
            tensor["data"] = array.reshape(-1).tolist()
        tensors.append(tensor)
    response: dict[str, Any] = {"model_name": model, "model_version": version, "outputs": tensors}
    if request.id is not None:
        response["id"] = request.id
    header = json.dumps(response, allow_nan=False).encode()
    if not blobs:
        return header, None
    return header + b"".join(blobs), len(header)
