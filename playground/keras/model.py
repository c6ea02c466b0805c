"""`Sequential` and `Model` in Keras's words over the engine: `compile` chooses the loss, optimizer
and metrics; `fit` saves the arrays it is given (an .npz in the model's folder, the project's data
set "arrays") and trains the project with the same Trainer the window and `playground train` use,
on the fast path wherever they would; `evaluate`, `predict`, `summary`; `save` writes a project
that `playground FILE` opens (weights and the arrays beside it); `load_model` reads any project or
run folder back.

Where Keras and the engine differ, it is said: the loss reported per epoch is the loss over the
whole training set after the epoch for networks the fast path could train (the window's rule),
the mean of the epoch's batch losses otherwise; optimizer state carries over between fit calls.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from playground.core.errors import PlaygroundError, ValidationError
from playground.keras import options
from playground.keras.callbacks import Callback, History
from playground.keras.files import print_summary, save_model
from playground.keras.fitting import train
from playground.keras.inputs import prepare_inputs, prepare_targets
from playground.keras.layers import Dense, KerasTensor, Layer

_FIT_ARGS = ("x", "y", "batch_size", "epochs", "verbose", "callbacks", "validation_split", "validation_data",
             "shuffle")


class Model:
    """A network: `Model(inputs, outputs)` from the functional form, or loaded (load_model)."""

    def __init__(self, inputs: KerasTensor | None = None, outputs: KerasTensor | None = None,
                 name: str = "model") -> None:
        self.name = name
        self.stop_training = False
        self._layers: list[Layer] = []
        self._raw: list[dict] | None = None        # the layers as the project has them (after fit or load)
        self._graph: list[tuple[Layer, list[str], str]] | None = None
        self._input_shape: tuple[int, ...] | None = None   # channels first, without the batch
        self._compiled: dict[str, Any] | None = None
        self._trainer = None
        self._module = None                        # a loaded model's torch module (no trainer yet)
        self._project = None
        self._images = self._sequences = False
        self._work: Path | None = None
        if inputs is not None or outputs is not None:
            self._functional(inputs, outputs)

    @property
    def _folder(self) -> Path:
        """Where fit keeps the arrays it trains on (a temporary folder, made on first use)."""
        if self._work is None:
            self._work = Path(tempfile.mkdtemp(prefix="playground-keras-"))
        return self._work

    # ------------------------------------------------------------------ the network

    def _functional(self, inputs: KerasTensor | None, outputs: KerasTensor | None) -> None:
        if not isinstance(inputs, KerasTensor) or inputs.layer is not None or not isinstance(outputs, KerasTensor):
            raise TypeError("Model(inputs, outputs): inputs is an Input(...) and outputs the tensor a layer gave")
        order: list[KerasTensor] = []
        seen: set[int] = set()

        def visit(tensor: KerasTensor) -> None:
            if id(tensor) in seen or tensor.layer is None:
                if tensor.layer is None and tensor is not inputs:
                    raise TypeError("the model has a second Input; this version takes one")
                return
            seen.add(id(tensor))
            for source in tensor.sources:
                visit(source)
            order.append(tensor)

        visit(outputs)
        names: dict[int, str] = {id(inputs): "input"}
        counts: dict[str, int] = {}
        graph = []
        for tensor in order:
            kind = type(tensor.layer).__name__.lower()
            counts[kind] = counts.get(kind, 0) + 1
            name = tensor.layer.name or f"{kind}_{counts[kind]}"
            if name in names.values():
                raise TypeError(f"two layers are named {name!r}")
            names[id(tensor)] = name
            graph.append((tensor.layer, [names[id(s)] for s in tensor.sources], name))
        self._graph = graph
        self._layers = [layer for layer, _, _ in graph]
        self._input_shape = inputs.shape

    def _layer_dicts(self) -> list[dict]:
        """The project's layers: from the Keras layers (ids and inputs for the functional form)."""
        if self._raw is not None and not self._layers:
            return [dict(layer) for layer in self._raw]
        flat = self._input_shape is None or len(self._input_shape) == 1
        if self._graph is not None:
            return [{"id": name, **layer.spec(), "inputs": inputs} for layer, inputs, name in self._graph]
        out, images = [], not flat
        for layer in self._layers:
            spec = layer.spec()
            if spec["type"] == "flatten" and not images:
                continue   # nothing to flatten in a row of numbers
            if spec["type"] in ("flatten", "global_avg_pool"):
                images = False
            out.append(spec)
        return out

    def _regularization(self) -> dict:
        chosen = {(d.regularizer.kind, d.regularizer.rate) if d.regularizer else None
                  for d in self._layers if isinstance(d, Dense)}
        if not chosen or chosen == {None}:
            return {"regularization": "none", "regularization_rate": 0.0}
        if len(chosen) > 1:
            raise TypeError("kernel_regularizer acts on every dense layer's weights alike here: give each dense "
                            "layer the same l1(λ) or l2(λ), or none at all")
        kind, rate = chosen.pop()
        # Keras adds λ·Σw² (gradient 2λw); the engine λ·½Σw² (gradient λw)
        return {"regularization": kind, "regularization_rate": 2 * rate if kind == "l2" else rate}

    # ------------------------------------------------------------------ compile

    def compile(self, optimizer: Any = "rmsprop", loss: str | None = None, metrics: Sequence[str] | None = None,
                **kwargs: Any) -> None:
        """Choose the optimizer (a name with Keras's default learning rate, or an object), the loss
        and the metrics (accuracy, mae, mse) by Keras's names."""
        for key in kwargs:
            raise TypeError(f"compile() got an argument {key!r} this version does not support; it takes "
                            "optimizer, loss, metrics")
        if loss is None:
            raise TypeError("compile() needs a loss: " + ", ".join(options.LOSSES))
        project_loss, task, targets = options.choose(options.LOSSES, loss, "loss")
        for metric in metrics or ():
            if metric not in options.METRICS:
                raise TypeError(f"metric {metric!r} is not supported here; use {', '.join(options.METRICS)}")
            if metric == "accuracy" and task != "classification":
                raise TypeError(f"accuracy with the loss {loss!r}: the engine treats {loss} as a regression; "
                                "use binary_crossentropy or sparse_categorical_crossentropy to classify")
        self._compiled = {"loss": project_loss, "keras_loss": loss, "task": task, "targets": targets,
                          "optimizer": options.optimizer(optimizer), "metrics": list(metrics or ())}

    @property
    def learning_rate(self) -> float:
        """The optimizer's learning rate now (LearningRateScheduler sets it)."""
        if self._trainer is not None:
            return float(self._trainer.base_lr)
        return self._need_compiled()["optimizer"].learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._need_compiled()["optimizer"].learning_rate = float(value)
        if self._trainer is not None:
            self._trainer.base_lr = float(value)
            self._trainer._apply_lr()

    def _need_compiled(self) -> dict:
        if self._compiled is None:
            raise RuntimeError("compile the model first: model.compile(optimizer=..., loss=...)")
        return self._compiled

    # ------------------------------------------------------------------ data and the project

    def _targets(self, y: Any, rows: int, what: str) -> np.ndarray:
        return prepare_targets(y, self._need_compiled(), rows, what)

    def _inputs(self, x: Any, what: str = "x") -> np.ndarray:
        expected = self._input_shape or (self._layers[0].input_shape if self._layers and self._layers[0].input_shape
                                         else None)
        return prepare_inputs(x, self._takes(), expected, what)

    def _takes(self) -> str:
        """What the model reads: "table", "images", "sequence" or "tokens" (its first layer says)."""
        first = self._layers[0].takes if self._layers else "table"
        if first == "tokens":
            return first
        shape = self._input_shape or (self._layers[0].input_shape if self._layers else None)
        if shape:   # the declared input says it best (a dense layer may well read a sequence)
            return {1: "table", 2: "sequence", 3: "images"}[len(shape)]
        return first

    def _write_data(self, x: np.ndarray, y: np.ndarray, val: tuple[np.ndarray, np.ndarray] | None) -> Path:
        path = self._folder / "data.npz"
        arrays = {"x_train": x, "y_train": y}
        self._images = x.ndim == 4
        self._sequences = x.ndim == 3
        if val is not None:
            arrays.update(x_val=val[0], y_val=val[1])
        tmp = self._folder / "data.partial.npz"
        np.savez(tmp, **arrays)
        tmp.replace(path)
        return path

    def _project_for(self, data: Path, batch_size: int, epochs: int, shuffle: bool):
        from playground.core.model.spec import Project

        compiled = self._need_compiled()
        optimizer, lr = compiled["optimizer"].to_project()
        raw = {"format": "neural-playground-project", "version": 1,
               "data": ({"dataset": "image_arrays", "path": str(data)} if self._images else
                        {"dataset": "sequence_arrays" if self._sequences else "arrays", "path": str(data),
                         "task": compiled["task"]}),
               "model": {"layers": self._layer_dicts()},
               "training": {"loss": compiled["loss"], "optimizer": optimizer, "learning_rate": lr,
                            "batch_size": int(batch_size), "epochs": int(epochs), "shuffle": bool(shuffle),
                            "seed": 0, "device": "auto", **self._regularization()}}
        try:
            project = Project.from_dict(raw)
        except ValidationError as err:
            raise ValueError(f"the model cannot be built as given: {err}") from None
        self._check_attention(project)
        return project

    def _check_attention(self, project) -> None:
        """MultiHeadAttention's key_dim × num_heads against the features it attends over."""
        from playground.core.data.sources import data_info
        from playground.core.model.shapes import analyze_model
        from playground.keras.layers import MultiHeadAttention

        chosen = [layer for layer in self._layers if layer.spec()]
        if not any(isinstance(layer, MultiHeadAttention) for layer in chosen):
            return
        infos = analyze_model(project.model, data_info(project.data).input_shape).layers
        for layer, info in zip(chosen, infos):
            if isinstance(layer, MultiHeadAttention) and info.input_shape:
                layer.check(info.input_shape[-1])

    # ------------------------------------------------------------------ fit

    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: int | str = "auto", callbacks: Sequence[Callback] | None = None,
            validation_split: float = 0.0, validation_data: tuple | None = None, shuffle: bool = True,
            **kwargs: Any) -> History:
        """Train for `epochs` on (x, y) with Keras's defaults and meaning; Ctrl+C stops cleanly
        and keeps the weights. Returns the History."""
        from playground.core.training import Trainer

        for key in kwargs:
            raise TypeError(f"fit() got an argument {key!r} this version does not support; it takes "
                            + ", ".join(_FIT_ARGS))
        x = self._inputs(x)
        y = self._targets(y, len(x), "y")
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"validation_split must be from 0 to below 1, not {validation_split}")
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("validation_data is (x_val, y_val)")
            vx = self._inputs(validation_data[0], "validation_data x")
            val = (vx, self._targets(validation_data[1], len(vx), "validation_data y"))
        elif validation_split:
            keep = int(len(x) * (1.0 - validation_split))   # Keras: the last rows, before any shuffling
            if keep < 1 or keep == len(x):
                raise ValueError(f"validation_split={validation_split} leaves no rows to train or to validate "
                                 f"of {len(x)}")
            x, y, val = x[:keep], y[:keep], (x[keep:], y[keep:])
        self._input_shape = tuple(x.shape[1:])
        project = self._project_for(self._write_data(x, y, val), batch_size or 32, epochs, shuffle)
        try:
            trainer = Trainer(project)
        except PlaygroundError as err:
            raise ValueError(str(err)) from None
        if self._trainer is not None and self._trainer.same_architecture(trainer):
            trainer.adopt(self._trainer)
        elif self._module is not None:
            trainer.model.load_state_dict(self._module.state_dict())
            trainer.kept.save_good()
        trainer.test_every_epoch = True if val is not None else None   # val_loss every epoch, or nothing to validate
        self._trainer, self._project, self._module = trainer, project, None
        return train(self, trainer, epochs, verbose, list(callbacks or ()), val is not None)

    # ------------------------------------------------------------------ using the model

    def _network(self):
        if self._trainer is not None:
            return self._trainer.model
        if self._module is not None:
            return self._module
        raise RuntimeError("the model has no weights yet: fit it first (or load_model a trained one)")

    def _outputs(self, x: np.ndarray, batch_size: int | None = None) -> np.ndarray:
        import torch

        network = self._network()
        device = next(network.parameters()).device
        was_training = network.training
        network.eval()
        try:
            with torch.inference_mode():
                parts = [network(torch.as_tensor(chunk, device=device)).float().cpu().numpy()
                         for chunk in np.array_split(x, max(1, -(-len(x) // (batch_size or 4096))))]
        finally:
            network.train(was_training)
        return np.concatenate(parts)

    def predict(self, x: Any, batch_size: int | None = None, verbose: int | str = "auto") -> np.ndarray:
        """The model's outputs for the rows of x, as numpy (probabilities after sigmoid/softmax)."""
        return self._outputs(self._inputs(x), batch_size)

    def _regression_metrics(self, names: list[str], x, y) -> dict[str, float]:
        out = self._outputs(np.asarray(x.cpu()) if hasattr(x, "cpu") else x)[:, 0]
        error = out - np.asarray(y, dtype=np.float32).reshape(-1)
        values = {"mae": float(np.abs(error).mean()), "mse": float((error ** 2).mean())}
        return {name: values[name] for name in names}

    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None, verbose: int | str = "auto",
                 return_dict: bool = False) -> float | list | dict:
        """The loss (and the compiled metrics) on (x, y): a scalar, a list, or a dict."""
        import torch

        from playground.core.model.build import make_loss
        from playground.core.model.shapes import output_activation
        from playground.core.model.targets import encode_targets, predicted_classes

        from playground.core.model.shapes import analyze

        self._network()   # a model without weights says so first
        x = self._inputs(x)
        labels = self._targets(y, len(x), "y")
        compiled = self._need_compiled()
        project = self._project

        encoding = analyze(project).encoding
        activation = output_activation(project.model)
        out = torch.as_tensor(self._outputs(x, batch_size))
        classes = max(2, out.shape[1])
        target = encode_targets(labels if compiled["task"] == "classification" else labels.astype(np.float32),
                                encoding, classes)
        results = {"loss": float(make_loss(project.training.loss, activation)(out, target))}
        for metric in compiled["metrics"]:
            if metric == "accuracy":
                results["accuracy"] = float((predicted_classes(out, encoding, activation).numpy() == labels).mean())
            else:
                results.update(self._regression_metrics([metric], x, labels))
        if return_dict:
            return results
        values = list(results.values())
        return values[0] if len(values) == 1 else values

    def get_weights(self) -> list[np.ndarray]:
        return [v.detach().cpu().numpy().copy() for v in self._network().state_dict().values()]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        import torch

        network = self._network()
        state = network.state_dict()
        if len(weights) != len(state):
            raise ValueError(f"set_weights needs {len(state)} arrays, not {len(weights)}")
        network.load_state_dict({k: torch.as_tensor(np.asarray(w)).reshape(v.shape) for (k, v), w in
                                 zip(state.items(), weights)})

    def summary(self) -> None:
        """The layers with their output shapes and parameter counts, as Keras prints them."""
        print_summary(self)

    def save(self, path: str | Path) -> Path:
        """The project (with its weights and the arrays it was fit on, beside it) at `path`:
        `playground PATH` opens it and `playground train PATH` trains it."""
        return save_model(self, path)

    def show(self) -> subprocess.Popen:
        """Open the window on this model and its data (a fitted model: its weights too)."""
        path = self.save(self._folder / "shown" / f"{self.name}.json")
        return subprocess.Popen([sys.executable, "-m", "playground", str(path)])


class Sequential(Model):
    """A stack of layers, each taking the one before it."""

    def __init__(self, layers: Sequence[Layer] | None = None, name: str = "sequential") -> None:
        super().__init__(name=name)
        for layer in layers or ():
            self.add(layer)

    def add(self, layer: Layer) -> None:
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential takes layers (playground.keras.layers), not {type(layer).__name__}")
        if layer.merge:
            raise TypeError(f"{type(layer).__name__} joins branches: use the functional form, Model(inputs, outputs)")
        if not self._layers and layer.input_shape is not None:
            self._input_shape = layer.input_shape
        self._layers.append(layer)

