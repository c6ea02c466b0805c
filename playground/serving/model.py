"""The model a server answers with: an ONNX export of Neural Playground (raw input in,
probabilities or the value out; its signature in the file's metadata) run by onnxruntime, with
no torch. It checks each request's tensor against what the model takes, and turns the model's
output into the protocol's outputs: the probabilities, the predicted class (index and name),
or the regression value."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from playground.serving.protocol import InferRequest, ProtocolError

SIGNATURE_KEY = "neural_playground.signature"
VERSION = "1"


@dataclass
class ModelCard:
    """What the page and the metadata show of a model besides its tensors."""

    metrics: dict = field(default_factory=dict)   # from training (metrics.json)
    layers: list = field(default_factory=list)    # the network, a line per layer
    data: str = ""                                # the data set it was trained on


def model_name(text: str) -> str:
    """A name fit for a URL path segment, from a file or folder name."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.") or "model"
    return name[:64]


class ServedModel:
    """An exported model in onnxruntime. Raises ValueError naming the problem when `path` is not
    an ONNX export of this app (no signature in its metadata) or cannot be loaded."""

    def __init__(self, path: str | Path, name: str, card: ModelCard | None = None, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, int(threads))
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as err:  # onnxruntime raises its own exception types for a bad file
            raise ValueError(f"{path}: onnxruntime cannot load it ({str(err).splitlines()[0][:200]})") from None
        meta = self.session.get_modelmeta().custom_metadata_map
        if SIGNATURE_KEY not in meta:
            raise ValueError(f"{path}: not an export of Neural Playground (its metadata has no signature); "
                             "export the run with 'playground export … --format onnx'")
        self.signature = json.loads(meta[SIGNATURE_KEY])
        self.name, self.path, self.card = name, Path(path), card or ModelCard(data=self.signature.get("data", ""))
        self.input_name = self.session.get_inputs()[0].name
        self.feature_shape = tuple(int(d) for d in self.signature["input"]["shape"][1:])
        output = self.signature["output"]
        self.classes: list[str] | None = output.get("classes") if "classes" in output else None
        self.output_width = int(output["shape"][1])

    @property
    def classify(self) -> bool:
        return self.classes is not None

    def outputs(self) -> list[dict[str, Any]]:
        """The outputs as the protocol's metadata lists them (−1: any batch)."""
        if self.classify:
            return [{"name": "probabilities", "datatype": "FP32", "shape": [-1, self.output_width]},
                    {"name": "class_index", "datatype": "INT64", "shape": [-1]},
                    {"name": "class", "datatype": "BYTES", "shape": [-1]}]
        return [{"name": "output", "datatype": "FP32", "shape": [-1, self.output_width]}]

    def metadata(self) -> dict[str, Any]:
        """The model metadata response (GET /v2/models/NAME), with the class names and meanings."""
        inputs = [{"name": self.input_name, "datatype": "FP32", "shape": [-1, *self.feature_shape]}]
        return {"name": self.name, "versions": [VERSION], "platform": "onnxruntime_onnx", "inputs": inputs,
                "outputs": self.outputs(),
                "parameters": {"classes": self.classes or [], "input_meaning": self.signature["input"]["meaning"],
                               "output_meaning": self.signature["output"]["meaning"]}}

    def input_of(self, request: InferRequest) -> np.ndarray:
        """The request's one input as a float32 batch of the model's shape, or a ProtocolError."""
        if set(request.inputs) != {self.input_name}:
            raise ProtocolError(f"the model takes one input, {self.input_name!r} "
                                f"(shape [-1, {', '.join(map(str, self.feature_shape))}], FP32); "
                                f"the request gives {sorted(request.inputs)}")
        array = request.inputs[self.input_name]
        if array.dtype != np.float32:
            raise ProtocolError(f"input {self.input_name!r} is FP32; the request gives {array.dtype.name.upper()}")
        if array.ndim != 1 + len(self.feature_shape) or tuple(array.shape[1:]) != self.feature_shape:
            raise ProtocolError(f"input {self.input_name!r} has shape [-1, {', '.join(map(str, self.feature_shape))}]"
                                f" (a batch of {self.signature['input']['meaning']}); the request gives "
                                f"{list(array.shape)}")
        if len(array) == 0:
            raise ProtocolError(f"input {self.input_name!r} holds no rows; send at least one")
        if not np.isfinite(array).all():
            raise ProtocolError(f"input {self.input_name!r} holds NaN or infinite values")
        if request.outputs is not None:
            known = {o["name"] for o in self.outputs()}
            unknown = [name for name in request.outputs if name not in known]
            if unknown:
                raise ProtocolError(f"the model has no output {unknown[0]!r}; it has {', '.join(sorted(known))}")
        return np.ascontiguousarray(array)

    def run(self, batch: np.ndarray) -> np.ndarray:
        """The model's raw answer for a float32 batch (one onnxruntime call)."""
        return self.session.run(None, {self.input_name: batch})[0]

    def answer(self, values: np.ndarray, wanted: list[str] | None) -> dict[str, np.ndarray]:
        """The protocol's outputs for the model's answer to one request's rows."""
        values = np.asarray(values, dtype=np.float32)
        if self.classify:
            index = values.argmax(axis=1).astype(np.int64)
            names = np.array([self.classes[i].encode() for i in index], dtype=np.object_)
            out = {"probabilities": values, "class_index": index, "class": names}
        else:
            out = {"output": values}
        return out if wanted is None else {name: out[name] for name in wanted}
