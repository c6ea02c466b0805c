"""Spec → torch module. Each layer becomes an `nn.Sequential` of the modules its kind's code lists
(a merge layer: its one module). A chain (graph.is_chain) is `nn.Sequential(layer0, layer1, ...)`,
so `model[i]` is the i-th spec layer, as in version 1; a graph is a `Network` module whose
attributes are the layers in spec order and whose `forward` follows the wires (graph_source).
Either way `layer_modules(model)[i]` is spec layer i (the probes hook these). Weight initializers
run after construction, in layer order.

The builder evaluates the very source the python exporter writes (registry and layer code, the
graph's class), so a generated `.py` file rebuilds exactly this module, with the same state-dict keys.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from playground.core.model.graph import INPUT_INDEX, code_names, sources
from playground.core.model.layers import LAYERS, Shape
from playground.core.model.modules import CUSTOM_MODULES
from playground.core.model.registry import INITIALIZERS, LOSSES, OPTIMIZERS
from playground.core.model.spec import ModelSpec

#: Attribute names an nn.Module already has: a layer's attribute in a Network steers clear of them.
MODULE_ATTRIBUTES = frozenset(dir(nn.Module()))


def namespace(**extra: Any) -> dict[str, Any]:
    return {"torch": torch, "nn": nn, "F": F, **CUSTOM_MODULES, **extra}


def layer_code(model: ModelSpec, input_shape: Shape) -> list[list[str]]:
    """Per spec layer, the module constructor expressions (shapes must already be valid)."""
    from playground.core.model.shapes import analyze_model

    infos = analyze_model(model, input_shape).layers
    return [LAYERS[layer.type].code(info.input_shape, layer.params) for layer, info in zip(model.layers, infos)]


def layer_expressions(model: ModelSpec, input_shape: Shape) -> list[str]:
    """Per spec layer, the expression that builds its module."""
    return [exprs[0] if LAYERS[layer.type].merge else "nn.Sequential(" + ", ".join(exprs) + ")"
            for layer, exprs in zip(model.layers, layer_code(model, input_shape))]


def graph_source(model: ModelSpec, input_shape: Shape) -> str:
    """The `Network` class of a graph, as a person would write it: one attribute per layer, and a
    forward that names each layer's output after it."""
    names = code_names(model.layers, MODULE_ATTRIBUTES)
    init = [f"        self.{name} = {expr}" for name, expr in zip(names, layer_expressions(model, input_shape))]
    forward = []
    for name, src in zip(names, sources(model.layers)):
        args = ", ".join("input" if j == INPUT_INDEX else names[j] for j in src)
        forward.append(f"        {name} = self.{name}({args})")
    return ("class Network(nn.Module):\n"
            '    """The network\'s graph: one attribute per layer, in the project\'s order."""\n\n'
            "    def __init__(self) -> None:\n        super().__init__()\n" + "\n".join(init) + "\n\n"
            "    def forward(self, input: torch.Tensor) -> torch.Tensor:\n" + "\n".join(forward)
            + f"\n        return {names[-1]}\n")


def module_source(model: ModelSpec, input_shape: Shape) -> str:
    """`build_model()` as source (with the Network class of a graph before it)."""
    if model.is_chain:
        rows = "".join(f"        {expr},\n" for expr in layer_expressions(model, input_shape))
        return "def build_model() -> nn.Sequential:\n    return nn.Sequential(\n" + rows + "    )\n"
    return graph_source(model, input_shape) + "\n\ndef build_model() -> nn.Module:\n    return Network()\n"


def init_statements(model: ModelSpec, target: str = "model") -> list[str]:
    """The `nn.init` calls that set weights and biases chosen in the spec, in layer order."""
    names = None if model.is_chain else code_names(model.layers, MODULE_ATTRIBUTES)
    lines = []
    for i, layer in enumerate(model.layers):
        index = LAYERS[layer.type].init_module
        if index is None:
            continue
        module = f"{target}[{i}][{index}]" if names is None else f"{target}.{names[i]}[{index}]"
        for key, attr in (("init", "weight"), ("bias_init", "bias")):
            choice = layer.params.get(key)
            template = INITIALIZERS[choice["name"]].extra["code"] if choice else None
            if template:
                args = {k: v for k, v in choice.items() if k != "name"}
                lines.append(template.format(t=f"{module}.{attr}", **args))
    return lines


def build_model(model: ModelSpec, input_shape: Shape, seed: int | None = None) -> nn.Module:
    """Build the module on the CPU; with a seed, the initial weights are reproducible."""
    if seed is not None:
        torch.manual_seed(seed)
    ns = namespace()
    exec(module_source(model, input_shape), ns)  # noqa: S102 (our own registry code, ids validated)
    net = ns["build_model"]()
    ns["model"] = net
    for statement in init_statements(model):
        exec(statement, ns)  # noqa: S102 (our own registry code)
    return net


def layer_modules(model: nn.Module) -> list[nn.Module]:
    """The module of each spec layer, in spec order (nn.Sequential's items, a Network's attributes)."""
    return list(model.children())


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
