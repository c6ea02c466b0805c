"""Exports of a trained model, each read back and compared with the live model before success.

Formats:
  onnx         ONNX (torch.export-based exporter), dynamic batch; checked with onnxruntime
  pt2          torch.export ExportedProgram (torch.export.save), dynamic batch; torch.export.load
  torchscript  TorchScript (traced; deprecated upstream but what LibTorch loads); torch.jit.load
  safetensors  weights (.safetensors) + the project as JSON beside them; rebuilt and reloaded
  python       a .py file that rebuilds the model with only torch, weights in a .pt state dict
               beside it (torch.load(weights_only=True)); with_training adds <name>_train.py
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import runpy
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from playground.core import codegen
from playground.core.build import build_model
from playground.core.errors import ExportError
from playground.core.formats import EXTENSIONS, FORMATS  # noqa: F401  (re-exported)
from playground.core.jsonfile import write_atomic, write_json
from playground.core.rundir import load_state_into, load_weights, save_weights
from playground.core.spec import Project

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


def export_model(model: nn.Module, project: Project, fmt: str, path: str | os.PathLike,
                 sample: torch.Tensor, *, with_training: bool = False) -> ExportResult:
    """Write `model` as `fmt` to `path`, read it back and compare on `sample` (real inputs) and
    on its first row alone (batch 1). Raises ExportError if it cannot or does not match."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    path = with_extension(Path(path), fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = model.to("cpu").eval()
    sample = sample.detach().to("cpu", torch.float32).contiguous()
    inputs = [sample, sample[:1]]
    result = ExportResult(fmt, checked_batches=tuple(len(x) for x in inputs))
    try:
        exporter = {"onnx": _onnx, "pt2": _pt2, "torchscript": _torchscript,
                    "safetensors": _safetensors, "python": _python}[fmt]
        result.files, run = exporter(model, project, path, sample, with_training)
        result.max_difference = _compare(fmt, model, run, inputs)
    except ExportError:
        raise
    except Exception as err:  # an exporter's own failure, reported in the app's terms
        raise ExportError(f"{fmt} export failed: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}") from err
    return result


def with_extension(path: Path, fmt: str) -> Path:
    """`path` with the format's extension (core.formats.EXTENSIONS) when it has another or none:
    torch.export and onnxruntime recognise their files by it (a .pt2 package named otherwise
    fails to load back)."""
    extension = EXTENSIONS[fmt]
    return path if path.suffix.lower() == extension else path.with_name(path.name + extension)


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial")


def _onnx(model, project, path, sample, _with_training):
    import onnx
    import onnxruntime as ort

    tmp = _tmp(path)
    batch = torch.export.Dim("batch")
    with _quiet():
        torch.onnx.export(model, (sample,), tmp, dynamo=True, external_data=False, verbose=False,
                          input_names=["input"], output_names=["output"], dynamic_shapes=({0: batch},))
    onnx.checker.check_model(str(tmp))
    os.replace(tmp, path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return [path], lambda x: session.run(None, {"input": x.numpy()})[0]


def _pt2(model, project, path, sample, _with_training):
    tmp = _tmp(path)
    with _quiet():
        program = torch.export.export(model, (sample,), dynamic_shapes=({0: torch.export.Dim("batch")},))
        torch.export.save(program, tmp)
    os.replace(tmp, path)
    loaded = torch.export.load(path).module()
    return [path], lambda x: loaded(x).detach().numpy()


def _torchscript(model, project, path, sample, _with_training):
    tmp = _tmp(path)
    with _quiet(), torch.no_grad():
        # attention picks a fused path without gradients; tracing twice (the tracer's own check)
        # may see the two paths, so that check is off: the export is verified on its outputs below
        traced = torch.jit.trace(model, sample, check_trace=False)
        traced.save(str(tmp))
    os.replace(tmp, path)
    with _quiet():
        loaded = torch.jit.load(str(path))

    def run(x):
        with _quiet():
            return loaded(x).detach().numpy()

    return [path], run


def _safetensors(model, project, path, sample, _with_training):
    spec_path = path.with_suffix(".json")
    save_weights(model.state_dict(), path, project)
    write_json(spec_path, project.to_dict())
    rebuilt = build_model(project.model, tuple(sample.shape[1:]))
    load_state_into(rebuilt, load_weights(path), str(path))
    rebuilt.eval()
    return [path, spec_path], lambda x: rebuilt(x).detach().numpy()


def _python(model, project, path, sample, with_training):
    weights = path.with_suffix(".pt")
    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, buffer)
    write_atomic(weights, buffer.getvalue())
    write_atomic(path, codegen.model_file(project, weights.name).encode())
    files = [path, weights]
    if with_training:
        script = path.with_name(path.stem + "_train.py")
        write_atomic(script, codegen.training_file(project).encode())
        files.append(script)
    namespace = runpy.run_path(str(path), run_name="neural_playground_export")
    loaded = namespace["load_model"]()
    return files, lambda x: loaded(x).detach().numpy()
