"""Spec → torch module. Each layer becomes an `nn.Sequential` of the modules its kind's code lists,
so the model is `nn.Sequential(layer0, layer1, ...)` and `model[i]` is the i-th spec layer (the
probes hook these). Weight initializers run after construction, in layer order.

The builder evaluates the very expressions the python exporter writes (registry and layer code), so
a generated `.py` file rebuilds exactly this module, with the same state-dict keys.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from playground.core.model.layers import LAYERS, Shape
from playground.core.model.modules import CUSTOM_MODULES
from playground.core.model.registry import INITIALIZERS, LOSSES, OPTIMIZERS
from playground.core.model.spec import ModelSpec


def namespace(**extra: Any) -> dict[str, Any]:
    return {"torch": torch, "nn": nn, "F": F, **CUSTOM_MODULES, **extra}


def layer_code(model: ModelSpec, input_shape: Shape) -> list[list[str]]:
    """Per spec layer, the module constructor expressions (shapes must already be valid)."""
    out, shape = [], tuple(input_shape)
    for i, layer in enumerate(model.layers):
        kind = LAYERS[layer.type]
        out.append(kind.code(shape, layer.params))
        shape = kind.output_shape(shape, layer.params, f"model.layers[{i}]")
    return out


def init_statements(model: ModelSpec, target: str = "model") -> list[str]:
    """The `nn.init` calls that set weights and biases chosen in the spec, in layer order."""
    lines = []
    for i, layer in enumerate(model.layers):
        index = LAYERS[layer.type].init_module
        if index is None:
            continue
        for key, attr in (("init", "weight"), ("bias_init", "bias")):
            choice = layer.params.get(key)
            template = INITIALIZERS[choice["name"]].extra["code"] if choice else None
            if template:
                args = {k: v for k, v in choice.items() if k != "name"}
                lines.append(template.format(t=f"{target}[{i}][{index}].{attr}", **args))
    return lines


def build_model(model: ModelSpec, input_shape: Shape, seed: int | None = None) -> nn.Sequential:
    """Build the module on the CPU; with a seed, the initial weights are reproducible."""
    if seed is not None:
        torch.manual_seed(seed)
    ns = namespace()
    layers = [nn.Sequential(*[eval(expr, ns) for expr in exprs])  # noqa: S307 (our own registry code)
              for exprs in layer_code(model, input_shape)]
    net = nn.Sequential(*layers)
    ns["model"] = net
    for statement in init_statements(model):
        exec(statement, ns)  # noqa: S102 (our own registry code)
    return net


def loss_expression(loss: dict[str, Any], activation: str) -> str:
    """The loss as a PyTorch expression over `out` and `target`."""
    code = LOSSES[loss["name"]].extra["code"]
    if isinstance(code, dict):
        code = code["linear" if activation not in code else activation]
    args = {k: v for k, v in loss.items() if k != "name"}
    return code.format(out="out", target="target", **args)


def make_loss(loss: dict[str, Any], activation: str):
    """A function (out, target) -> scalar loss tensor."""
    return eval("lambda out, target: " + loss_expression(loss, activation), namespace())  # noqa: S307


def optimizer_expression(optimizer: dict[str, Any], lr: float, params: str = "params") -> str:
    args = {k: v for k, v in optimizer.items() if k != "name"}
    return OPTIMIZERS[optimizer["name"]].extra["code"].format(params=params, lr=lr, **args)


def make_optimizer(optimizer: dict[str, Any], lr: float,
                   params: Sequence[torch.nn.Parameter]) -> torch.optim.Optimizer:
    return eval(optimizer_expression(optimizer, lr), namespace(params=list(params)))  # noqa: S307


def weight_parameters(model: nn.Module) -> list[torch.nn.Parameter]:
    """The weights regularization acts on: matrices and kernels, not biases or norm scales."""
    return [p for p in model.parameters() if p.ndim >= 2]
