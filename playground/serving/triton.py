"""A Triton / KServe model repository from an export: NAME/1/model.onnx, NAME/config.pbtxt (its
inputs and outputs as the ONNX file names them, `max_batch_size` and dynamic batching, the
onnxruntime backend) and NAME/labels.txt (the class names, Triton's classification labels), so
that `tritonserver --model-repository=…` loads it as it is."""

from __future__ import annotations

import shutil
from pathlib import Path

from playground.core.io.jsonfile import write_atomic
from playground.serving.model import ServedModel

TRITON_TYPES = {"FP32": "TYPE_FP32", "FP64": "TYPE_FP64", "INT64": "TYPE_INT64", "INT32": "TYPE_INT32",
                "UINT8": "TYPE_UINT8", "BOOL": "TYPE_BOOL", "BYTES": "TYPE_STRING"}


def _tensor(name: str, datatype: str, dims: list[int], labels: bool = False) -> str:
    label = '\n    label_filename: "labels.txt"' if labels else ""
    return (f'  {{\n    name: "{name}"\n    data_type: {TRITON_TYPES[datatype]}\n'
            f'    dims: [ {", ".join(str(d) for d in dims)} ]{label}\n  }}')


def model_config(model: ServedModel, max_batch_size: int = 64, max_queue_delay_us: int = 500) -> str:
    """config.pbtxt for `model` (protobuf text format of Triton's ModelConfig)."""
    output = model.signature["output"]
    inputs = _tensor(model.input_name, "FP32", list(model.feature_shape))
    outputs = _tensor(output["name"], "FP32", [model.output_width], labels=model.classify)
    return (f'name: "{model.name}"\nbackend: "onnxruntime"\nmax_batch_size: {int(max_batch_size)}\n'
            f"input [\n{inputs}\n]\noutput [\n{outputs}\n]\n"
            f"dynamic_batching {{\n  max_queue_delay_microseconds: {int(max_queue_delay_us)}\n}}\n"
            'version_policy: { latest: { num_versions: 1 } }\n')


def write_repository(model: ServedModel, folder: str | Path, max_batch_size: int = 64,
                     max_queue_delay_us: int = 500) -> list[Path]:
    """Write `model` into the model repository `folder` (made if missing; another model already
    there is left alone, this one's folder is replaced whole). Returns the files written."""
    folder = Path(folder)
    target = folder / model.name
    partial = folder / f".{model.name}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    (partial / "1").mkdir(parents=True)
    shutil.copyfile(model.path, partial / "1" / "model.onnx")
    write_atomic(partial / "config.pbtxt", model_config(model, max_batch_size, max_queue_delay_us).encode())
    if model.classify:
        write_atomic(partial / "labels.txt", ("\n".join(model.classes) + "\n").encode())
    if target.exists():
        shutil.rmtree(target)
    partial.rename(target)
    return sorted(p for p in target.rglob("*") if p.is_file())
