"""`load_model`: any project file (with its weights, when it has them) or run folder, back in code."""

from __future__ import annotations

from pathlib import Path

from playground.core.errors import PlaygroundError
from playground.keras import options
from playground.keras.model import Model

_LOSS_NAMES = {"mse": "mse", "mae": "mae", "huber": "huber", "bce": "binary_crossentropy",
               "cross_entropy": "sparse_categorical_crossentropy", "hinge": "hinge"}


def load_model(path: str | Path) -> Model:
    """A project file (with its weights, when it has them) or a run folder, compiled as it was
    trained. Layers read back stay the project's (they need not be Keras-named ones)."""
    from playground.core.io.project import load_project, load_state
    from playground.core.model.build import build_model
    from playground.core.data.sources import data_info

    path = Path(path)
    try:
        if path.is_dir():
            from playground.core.io.rundir import load_run

            run = load_run(path)
            project, module = run.project, run.model
        else:
            project = load_project(path)
            module = build_model(project.model, data_info(project.data).input_shape)
            state = load_state(path, project)
            if state is not None:
                module.load_state_dict({k[len("model."):]: v for k, v in state.tensors.items()
                                        if k.startswith("model.")})
    except PlaygroundError as err:
        raise ValueError(str(err)) from None
    model = Model(name=path.stem or "model")
    model._raw = [layer.to_dict() for layer in project.model.layers]
    model._module, model._project = module.eval(), project
    shape = data_info(project.data).input_shape
    model._input_shape = tuple(shape)
    training = project.training
    classify = project.data.task == "classification"
    # compiled as the project trains: its own loss and task (an mse on classes stays a classification)
    model._compiled = {"loss": training.loss["name"], "keras_loss": _LOSS_NAMES.get(training.loss["name"], "mse"),
                       "task": project.data.task, "targets": "classes" if classify else "values",
                       "optimizer": options.Optimizer(training.optimizer["name"], training.learning_rate,
                                                      {k: v for k, v in training.optimizer.items() if k != "name"}),
                       "metrics": ["accuracy"] if classify else []}
    return model
