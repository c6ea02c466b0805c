"""A model's file and its picture: `save` (the project, its weights, the arrays beside it) and
`summary` as Keras prints it (keras/loading.py reads models back)."""

from __future__ import annotations

import shutil
from pathlib import Path




def print_summary(model) -> None:  # noqa: ANN001 (a keras Model)
    from playground.core.model.layers import LAYERS
    from playground.core.model.shapes import analyze_model
    from playground.core.model.spec import ModelSpec

    shape = model._input_shape or (model._layers[0].input_shape if model._layers else None)
    if shape is None:
        raise ValueError("the model does not know its input yet: give the first layer input_dim or "
                         "input_shape, or fit it")
    model._input_shape = tuple(shape)
    spec = ModelSpec.from_dict({"layers": model._layer_dicts()})
    analysis = analyze_model(spec, tuple(shape))
    rows = [(f"{layer.id or f'{layer.type}_{i + 1}'} ({LAYERS[layer.type].entry.title})",
             "(None, " + ", ".join(map(str, info.output_shape)) + ")" if info.output_shape else "?",
             f"{info.params:,}") for i, (layer, info) in enumerate(zip(spec.layers, analysis.layers))]
    width = [max(len(r[k]) for r in rows + [("Layer (type)", "Output Shape", "Param #")]) + 2 for k in range(3)]
    line = "─" * sum(width)
    print(f'Model: "{model.name}"\n{line}')
    print("".join(text.ljust(w) for text, w in zip(("Layer (type)", "Output Shape", "Param #"), width)))
    print(line)
    for row in rows:
        print("".join(text.ljust(w) for text, w in zip(row, width)))
    print(f"{line}\n Total params: {analysis.total_params:,}")
    if analysis.error is not None:
        print(f" ⚠ {analysis.error}")

# ------------------------------------------------------------------ files and the window


def save_model(model, path: str | Path) -> Path:  # noqa: ANN001 (a keras Model)
    """The project (with its weights and the arrays it was fit on, beside it) at `path`."""
    from dataclasses import replace

    from playground.core.io.project import save_project

    if model._trainer is None or model._project is None:
        raise RuntimeError("fit the model before saving it: the project names the arrays it was fit on")
    path = Path(path)
    if path.suffix != ".json":
        path = path.with_suffix(".json")
    path.parent.mkdir(parents=True, exist_ok=True)
    data = path.with_suffix(".npz")
    shutil.copyfile(model._project.data.path, data.with_suffix(".partial.npz"))
    data.with_suffix(".partial.npz").replace(data)
    project = replace(model._project, data=replace(model._project.data, path=data.name))
    save_project(project, path, model._trainer.state())
    return path
