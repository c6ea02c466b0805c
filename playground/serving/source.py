"""What `playground serve` (and File ▸ Serve model…) can serve, made into an ONNX export: an
exported `.onnx` file as it is; a run folder, or a project saved with its trained weights,
exported (and verified) once at start into a folder of the server's own. This is the one part
of serving that needs torch; answering requests does not."""

from __future__ import annotations

import json
from pathlib import Path

from playground.core.errors import PlaygroundError
from playground.serving.model import ModelCard, ServedModel, model_name


def _card(project, metrics: dict) -> ModelCard:
    from playground.core.model.layers import LAYERS

    layers = [LAYERS[layer.type].summary(layer.params) for layer in project.model.layers]
    return ModelCard(metrics={k: v for k, v in metrics.items() if isinstance(v, (int, float, str)) or v is None},
                     layers=layers, data=project.data.dataset)


def served_model(source: str | Path, folder: Path, name: str | None = None, threads: int = 1) -> ServedModel:
    """The model to serve from `source`; exports go into `folder`. Raises PlaygroundError
    saying what `source` should be."""
    source = Path(source)
    name = model_name(name or (source.stem if source.suffix else source.name) or "model")
    if source.suffix == ".onnx" and source.is_file():
        try:
            return ServedModel(source, name, threads=threads)
        except ValueError as err:
            raise PlaygroundError(str(err)) from None
    if source.is_dir():
        from playground.core.io.rundir import load_run

        run = load_run(source)
        project, model, dataset = run.project, run.model, run.dataset
        metrics_file = source / "metrics.json"
        try:
            metrics = json.loads(metrics_file.read_text()) if metrics_file.is_file() else {}
        except (OSError, ValueError):
            metrics = {}
    elif source.suffix == ".json" and source.is_file():
        project, model, dataset = _trained_project(source)
        metrics = {}
    else:
        raise PlaygroundError(f"{source}: serve a run folder, a project saved with its trained weights, "
                              "or an exported .onnx file")
    from playground.core.io.export import export_model

    result = export_model(model, project, "onnx", folder / f"{name}.onnx", dataset)
    return ServedModel(result.files[0], name, _card(project, metrics), threads=threads)


def _trained_project(path: Path):
    """A project file saved with its training state: the project, its model with the trained
    weights (eval mode, CPU) and its data set."""
    from playground.core.data import make_dataset
    from playground.core.io.project import load_project, load_state
    from playground.core.io.rundir import load_state_into
    from playground.core.model.build import build_model
    from playground.core.model.shapes import analyze

    project = load_project(path)
    state = load_state(path, project)
    if state is None:
        raise PlaygroundError(f"{path}: the project has no trained weights; train it (in the window, or "
                              "'playground train') and serve the run folder or the saved project")
    analyze(project).raise_error()
    dataset = make_dataset(project.data)
    model = build_model(project.model, dataset.input_shape)
    weights = {k[len("model."):]: v for k, v in state.tensors.items() if k.startswith("model.")}
    load_state_into(model, weights, str(path))
    return project, model.eval(), dataset
