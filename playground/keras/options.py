"""Keras's names for what `compile` and the layers take, as the project file's: optimizers (by
name or object), losses, metrics, activations, initializers and the l2 / l1 regularizers. A name
or argument whose meaning differs here raises TypeError saying what is supported."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Keras activation → the project's (None: linear).
ACTIVATIONS = {None: "linear", "linear": "linear", "relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid",
               "softmax": "softmax", "elu": "elu", "gelu": "gelu", "swish": "silu", "silu": "silu",
               "softplus": "softplus"}
#: Keras initializer → the project's.
INITIALIZERS = {"glorot_uniform": "xavier_uniform", "glorot_normal": "xavier_normal", "he_uniform": "he_uniform",
                "he_normal": "he_normal", "lecun_normal": "lecun_normal", "orthogonal": "orthogonal",
                "zeros": "zeros", "ones": {"name": "constant", "value": 1.0},
                "random_normal": {"name": "normal", "mean": 0.0, "std": 0.05},
                "random_uniform": {"name": "uniform", "low": -0.05, "high": 0.05}}
#: Keras loss → (the project's loss, the task it implies, how targets come).
LOSSES = {"mse": ("mse", "regression", "values"), "mean_squared_error": ("mse", "regression", "values"),
          "mae": ("mae", "regression", "values"), "mean_absolute_error": ("mae", "regression", "values"),
          "huber": ("huber", "regression", "values"),
          "binary_crossentropy": ("bce", "classification", "classes"),
          "categorical_crossentropy": ("cross_entropy", "classification", "onehot"),
          "sparse_categorical_crossentropy": ("cross_entropy", "classification", "classes"),
          "hinge": ("hinge", "classification", "classes")}
METRICS = ("accuracy", "mae", "mse")


def choose(table: dict, value: Any, what: str) -> Any:
    if value in table:
        return table[value]
    names = ", ".join(sorted(str(k) for k in table if k is not None))
    raise TypeError(f"{what} {value!r} is not supported here; use one of: {names}")


def activation(value: Any) -> str:
    return choose(ACTIVATIONS, value, "activation")


def initializer(value: Any) -> Any:
    return choose(INITIALIZERS, value, "initializer")


@dataclass
class Regularizer:
    """Keras's l1(λ) / l2(λ): a penalty λ·Σ|w| or λ·Σw² added to the loss."""

    kind: str
    rate: float


def l2(l2: float = 0.01) -> Regularizer:  # noqa: E741 (Keras's name)
    return Regularizer("l2", float(l2))


def l1(l1: float = 0.01) -> Regularizer:  # noqa: E741
    return Regularizer("l1", float(l1))


@dataclass
class Optimizer:
    """An optimizer as Keras gives it: its name, learning rate and own settings (the project's)."""

    name: str
    learning_rate: float
    settings: dict[str, Any] = field(default_factory=dict)

    def to_project(self) -> tuple[dict, float]:
        return {"name": self.name, **self.settings}, self.learning_rate


def SGD(learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False) -> Optimizer:  # noqa: N802
    if nesterov:
        return Optimizer("nesterov", learning_rate, {"momentum": momentum})
    return Optimizer("momentum", learning_rate, {"momentum": momentum}) if momentum else Optimizer("sgd", learning_rate)


def Adam(learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,  # noqa: N802
         epsilon: float = 1e-7) -> Optimizer:
    return Optimizer("adam", learning_rate, {"beta1": beta_1, "beta2": beta_2, "eps": epsilon})


def AdamW(learning_rate: float = 0.001, weight_decay: float = 0.004, beta_1: float = 0.9,  # noqa: N802
          beta_2: float = 0.999, epsilon: float = 1e-7) -> Optimizer:
    return Optimizer("adamw", learning_rate, {"beta1": beta_1, "beta2": beta_2, "eps": epsilon,
                                              "weight_decay": weight_decay})


def RMSprop(learning_rate: float = 0.001, rho: float = 0.9, momentum: float = 0.0,  # noqa: N802
            epsilon: float = 1e-7) -> Optimizer:
    return Optimizer("rmsprop", learning_rate, {"alpha": rho, "eps": epsilon, "momentum": momentum})


def Adagrad(learning_rate: float = 0.001, epsilon: float = 1e-7) -> Optimizer:  # noqa: N802
    return Optimizer("adagrad", learning_rate, {"eps": epsilon})


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad}


def optimizer(value: Any) -> Optimizer:
    """An optimizer by Keras's name (with Keras's default learning rate) or object."""
    if isinstance(value, Optimizer):
        return value
    if isinstance(value, str) and value.lower() in OPTIMIZERS:
        return OPTIMIZERS[value.lower()]()
    raise TypeError(f"optimizer {value!r} is not supported here; use one of: {', '.join(OPTIMIZERS)} "
                    "(a name, or an object such as SGD(learning_rate=0.1, momentum=0.9))")
