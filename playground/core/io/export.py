"""Exports of a trained model, each read back and compared with the live model before success.

Every format holds the deployable model (core.io.deployable): it takes the data's raw values (the
plane's x1, x2; pixel values; a table's numbers) and gives one probability per class (or the
value, for regression). Beside each export, `<name>.signature.json` says what goes in and comes
out, with the class names (ONNX also carries them in its metadata). The read-back check feeds
raw test inputs to both the export and the live deployable model.

Formats:
  onnx         ONNX (torch.export-based exporter), dynamic batch; checked with onnxruntime
  pt2          torch.export ExportedProgram (torch.export.save), dynamic batch; torch.export.load
  torchscript  TorchScript (traced; deprecated upstream but what LibTorch loads); torch.jit.load
  safetensors  the network's weights (.safetensors) + the project as JSON beside them; the
               signature holds the input preparation; rebuilt and reloaded from the files
  python       a .py file that rebuilds the deployable model with only torch, weights in a .pt
               state dict beside it (torch.load(weights_only=True)); with_training adds
               <name>_train.py
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import runpy
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from playground.core.io import codegen
from playground.core.model.build import build_model
from playground.core.io.deployable import RawInput, Readable, deployable, signature
from playground.core.errors import ExportError
from playground.core.io.formats import EXTENSIONS, FORMATS  # noqa: F401  (re-exported)
from playground.core.io.jsonfile import json_bytes, write_atomic, write_json
from playground.core.io.rundir import load_state_into, load_weights, save_weights
from playground.core.model.shapes import analyze
from playground.core.model.spec import Project

TOLERANCE = 1e-4


@dataclass
class ExportResult:
    format: str
    files: list[Path] = field(default_factory=list)
    max_difference: float = 0.0
    checked_batches: tuple[int, ...] = ()


@contextlib.contextmanager
def _quiet():
    """Exporters print progress and deprecation notes; the app reports its own outcome."""
    loggers = [logging.getLogger(name) for name in ("torch.onnx", "torch.export", "torch._dynamo",
                                                    "onnxscript", "torch.onnx._internal.exporter._registration")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _compare(name: str, reference: nn.Module, run, inputs: list[torch.Tensor]) -> float:
    """The largest difference between the export (`run`) and the live deployable model."""
    worst = 0.0
    for x in inputs:
        with torch.inference_mode():
            expected = reference(x).detach().cpu().numpy()
        got = np.asarray(run(x))
        if got.shape != expected.shape:
            raise ExportError(f"{name} export gives shape {got.shape} for a batch of {len(x)}, "
                              f"the model gives {expected.shape}")
        diff = float(np.max(np.abs(got - expected))) if got.size else 0.0
        if not np.isfinite(diff) or diff > TOLERANCE * (1 + float(np.max(np.abs(expected)))):
            raise ExportError(f"{name} export differs from the live model by {diff:.3g} on a batch of {len(x)}")
        worst = max(worst, diff)
    return worst


def export_model(model: nn.Module, project: Project, fmt: str, path: str | os.PathLike, dataset, *,
                 with_training: bool = False) -> ExportResult:
    """Write `model` (trained on `dataset`) as `fmt` to `path`, deployable (raw input in,
    probabilities out), with its signature beside it; read it back and compare with the live
    deployable model on the raw test inputs and on the first alone (batch 1). Raises
    ExportError if it cannot or does not match."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    path = with_extension(Path(path), fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    analysis = analyze(project)
    analysis.raise_error()
    model = model.to("cpu").eval()
    wrapped = deployable(model, project, dataset, analysis)
    raw = torch.as_tensor(dataset.raw_test()).to("cpu", torch.float32).contiguous()
    inputs = [raw, raw[:1]]
    described = signature(project, dataset, analysis)
    described["preparation"] = preparation(wrapped)
    result = ExportResult(fmt, checked_batches=tuple(len(x) for x in inputs))
    try:
        exporter = {"onnx": _onnx, "pt2": _pt2, "torchscript": _torchscript,
                    "safetensors": _safetensors, "python": _python}[fmt]
        files, run = exporter(wrapped, project, path, raw, described, with_training)
        signature_path = path.with_name(path.stem + ".signature.json")
        write_atomic(signature_path, json_bytes(described))
        result.files = files + [signature_path]
        result.max_difference = _compare(fmt, wrapped, run, inputs)
    except ExportError:
        raise
    except Exception as err:  # an exporter's own failure, reported in the app's terms
        raise ExportError(f"{fmt} export failed: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}") from err
    return result


def preparation(wrapped: nn.Sequential) -> dict:
    """The input preparation and output reading of a deployable model, as JSON-able values (what
    the safetensors and python exports rebuild it from)."""
    raw, readable = wrapped[0], wrapped[2]
    return {"features": raw.features,
            "offset": raw.offset.tolist() if raw.standardize else None,
            "scale": raw.scale.tolist() if raw.standardize else None,
            "encoding": readable.encoding, "activation": readable.activation}


def from_preparation(model: nn.Module, prepared: dict) -> nn.Sequential:
    """A deployable model from the bare network and `preparation`'s dict."""
    offset = None if prepared["offset"] is None else np.asarray(prepared["offset"], np.float32)
    scale = None if prepared["scale"] is None else np.asarray(prepared["scale"], np.float32)
    return nn.Sequential(RawInput(prepared["features"], offset, scale), model,
                         Readable(prepared["encoding"], prepared["activation"])).eval()


def with_extension(path: Path, fmt: str) -> Path:
    """`path` with the format's extension (core.io.formats.EXTENSIONS) when it has another or none:
    torch.export and onnxruntime recognise their files by it (a .pt2 package named otherwise
    fails to load back)."""
    extension = EXTENSIONS[fmt]
    return path if path.suffix.lower() == extension else path.with_name(path.name + extension)


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial")


def _onnx(wrapped, project, path, sample, described, _with_training):
    import onnx
    import onnxruntime as ort

    tmp = _tmp(path)
    batch = torch.export.Dim("batch")
    output = described["output"]["name"]
    with _quiet():
        torch.onnx.export(wrapped, (sample,), tmp, dynamo=True, external_data=False, verbose=False,
                          input_names=["input"], output_names=[output], dynamic_shapes=({0: batch},))
    graph = onnx.load(str(tmp))
    onnx.checker.check_model(graph)
    meta = {"neural_playground.signature": json.dumps(described, ensure_ascii=False),
            "classes": json.dumps(described["output"].get("classes", []), ensure_ascii=False),
            "input_meaning": described["input"]["meaning"], "output_meaning": described["output"]["meaning"]}
    onnx.helper.set_model_props(graph, meta)
    onnx.save(graph, str(tmp))
    os.replace(tmp, path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return [path], lambda x: session.run(None, {"input": x.numpy()})[0]


def _pt2(wrapped, project, path, sample, described, _with_training):
    tmp = _tmp(path)
    with _quiet():
        program = torch.export.export(wrapped, (sample,), dynamic_shapes=({0: torch.export.Dim("batch")},))
        torch.export.save(program, tmp)
    os.replace(tmp, path)
    loaded = torch.export.load(path).module()
    return [path], lambda x: loaded(x).detach().numpy()


def _torchscript(wrapped, project, path, sample, described, _with_training):
    tmp = _tmp(path)
    with _quiet(), torch.no_grad():
        # attention picks a fused path without gradients; tracing twice (the tracer's own check)
        # may see the two paths, so that check is off: the export is verified on its outputs below
        traced = torch.jit.trace(wrapped, sample, check_trace=False)
        traced.save(str(tmp))
    os.replace(tmp, path)
    with _quiet():
        loaded = torch.jit.load(str(path))

    def run(x):
        with _quiet():
            return loaded(x).detach().numpy()

    return [path], run


def _safetensors(wrapped, project, path, sample, described, _with_training):
    spec_path = path.with_suffix(".json")
    save_weights(wrapped[1].state_dict(), path, project)
    write_json(spec_path, project.to_dict())
    rebuilt = build_model(project.model, tuple(wrapped[0](sample[:1]).shape[1:]))
    load_state_into(rebuilt, load_weights(path), str(path))
    deployed = from_preparation(rebuilt, json.loads(json_bytes(described))["preparation"])  # as a reader would
    return [path, spec_path], lambda x: deployed(x).detach().numpy()


def _python(wrapped, project, path, sample, described, with_training):
    weights = path.with_suffix(".pt")
    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in wrapped[1].state_dict().items()}, buffer)
    write_atomic(weights, buffer.getvalue())
    write_atomic(path, codegen.model_file(project, weights.name, described).encode())
    files = [path, weights]
    if with_training:
        script = path.with_name(path.stem + "_train.py")
        write_atomic(script, codegen.training_file(project).encode())
        files.append(script)
    namespace = runpy.run_path(str(path), run_name="neural_playground_export")
    loaded = namespace["load_model"]()
    return files, lambda x: loaded(x).detach().numpy()
