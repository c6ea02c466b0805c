"""A trainer's saved state, and the one check every saved state passes before anything uses it.

A state file is user input: it may be damaged, truncated by hand, or written to attack. Before a
trainer loads it (and long before the fast path's C kernel is handed its tensors), `check_state`
compares every tensor and every value with what the live trainer has — shape, dtype, finiteness,
ranges, types — and refuses anything else with a `ValidationError` naming the entry. What it
returns is only what fits, converted to the trainer's own dtypes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

from playground.core.errors import ValidationError


@dataclass
class TrainingState:
    """A trainer's state as tensors (CPU) and plain JSON-able values; see Trainer.state()."""

    tensors: dict
    meta: dict


@dataclass
class CheckedState:
    """A saved state that fits the trainer it was checked against (see `check_state`)."""

    model: dict[str, torch.Tensor]
    good: list[torch.Tensor]
    best: list[torch.Tensor] | None
    optimizer_state: dict[int, dict[str, Any]]
    epoch: int
    step: int
    next_batch: int
    elapsed: float
    base_lr: float
    best_epoch: int
    best_test_loss: float
    history: np.ndarray        # rows × len(history_fields), float64
    rng_torch: torch.Tensor
    rng_cuda: torch.Tensor | None
    rng_shuffle: torch.Tensor
    order: torch.Tensor | None


def _bad(key: str, what: str) -> ValidationError:
    return ValidationError("state", f"the saved training state is damaged: {key} {what}")


def _integer(meta: dict, key: str, low: int = 0, high: int | None = None) -> int:
    value = meta.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(key, f"must be a whole number, not {type(value).__name__}")
    if value < low or (high is not None and value > high):
        raise _bad(key, f"is {value}, out of range ({low}–{'∞' if high is None else high})")
    return value


def _number(meta: dict, key: str, positive: bool = False) -> float:
    value = meta.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _bad(key, f"must be a finite number, not {value!r}"[:120])
    if value < 0 or (positive and value == 0):
        raise _bad(key, f"must be {'positive' if positive else '≥ 0'}, not {value}")
    return float(value)


def _tensor(tensors: dict, key: str, like: torch.Tensor, finite: bool = True) -> torch.Tensor:
    """tensors[key], refused unless it has `like`'s shape and a dtype that converts to it without
    meaning something else (floats for floats, integers for integers), and finite values."""
    value = tensors.get(key)
    if not isinstance(value, torch.Tensor):
        raise _bad(key, "is missing")
    if tuple(value.shape) != tuple(like.shape):
        raise _bad(key, f"has shape {list(value.shape)}, this network needs {list(like.shape)}")
    if value.is_floating_point() != like.is_floating_point() or value.is_complex() or value.dtype == torch.bool:
        raise _bad(key, f"holds {value.dtype} values, this network needs {like.dtype}")
    if finite and value.is_floating_point() and not torch.isfinite(value).all():
        raise _bad(key, "contains NaN or infinite values")
    return value.to(like.dtype).contiguous()


def expected_optimizer_state(make_optimizer: Callable[[list], torch.optim.Optimizer]) -> dict[str, Any]:
    """The state entries the optimizer keeps per parameter, found by stepping one made by
    `make_optimizer` on a stand-in parameter with a zero gradient: {name: a tensor (of the
    parameter's shape, or a scalar count) or a plain value}."""
    stand_in = torch.nn.Parameter(torch.zeros(2, 2))
    probe = make_optimizer([stand_in])
    stand_in.grad = torch.zeros(2, 2)
    probe.step()
    return dict(probe.state[stand_in])


def _optimizer_state(tensors: dict, meta: dict, params: list[torch.Tensor],
                     make_optimizer: Callable[[list], torch.optim.Optimizer]) -> dict[int, dict[str, Any]]:
    described = meta.get("optimizer")
    if not isinstance(described, dict) or not isinstance(described.get("state"), dict):
        raise _bad("optimizer", "is missing or not a description of an optimizer's state")
    kinds = expected_optimizer_state(make_optimizer)
    out: dict[int, dict[str, Any]] = {}
    for index_text, entries in described["state"].items():
        if not (isinstance(index_text, str) and index_text.isdigit() and int(index_text) < len(params)):
            raise _bad(f"optimizer.state[{index_text!r}]"[:80], f"names no parameter (there are {len(params)})")
        index = int(index_text)
        if not isinstance(entries, dict) or set(entries) != set(kinds):
            have = sorted(entries) if isinstance(entries, dict) else type(entries).__name__
            raise _bad(f"optimizer.state[{index}]", f"has {have}, the optimizer keeps {sorted(kinds)}")
        param, state = params[index], {}
        for name, expected in kinds.items():
            key = f"optim.{index}.{name}"
            if isinstance(expected, torch.Tensor):
                if entries[name] != "tensor":
                    raise _bad(key, f"must be a tensor, not {entries[name]!r}"[:120])
                like = torch.empty((), dtype=expected.dtype) if expected.ndim == 0 else param.detach().cpu()
                value = _tensor(tensors, key, like.to(expected.dtype))
                if expected.ndim == 0 and float(value) < 0:
                    raise _bad(key, f"is {float(value)}, a count of steps cannot be negative")
                if name in ("exp_avg_sq", "square_avg", "sum") and bool((value < 0).any()):
                    raise _bad(key, "has negative entries; it is a running sum of squares")
                state[name] = value
            else:
                value = entries[name]
                if type(value) is not type(expected):
                    raise _bad(key, f"must be {type(expected).__name__}, not {type(value).__name__}")
                state[name] = value
        out[index] = state
    return out


def _history(tensors: dict, fields: tuple[str, ...], limit: int) -> np.ndarray:
    columns = []
    for field in fields:
        key = f"history.{field}"
        value = tensors.get(key)
        if not isinstance(value, torch.Tensor) or value.ndim != 1 or not value.is_floating_point():
            raise _bad(key, "is missing or not a column of numbers")
        columns.append(value.to(torch.float64).numpy())
    if len({len(c) for c in columns}) != 1:
        raise _bad("history", "has columns of different lengths")
    rows = np.stack(columns, axis=1) if columns else np.empty((0, 0))
    if len(rows) > 2 * limit:
        raise _bad("history", f"has {len(rows):,} rows, more than {2 * limit:,}")
    if np.isinf(rows).any():
        raise _bad("history", "contains infinite values")
    for field in ("epoch", "step", "train_loss", "learning_rate", "elapsed"):
        column = rows[:, fields.index(field)]
        if np.isnan(column).any() or (column < 0).any():
            raise _bad(f"history.{field}", "must hold numbers ≥ 0 in every row")
    for field in ("epoch", "step"):
        column = rows[:, fields.index(field)]
        if (column != np.floor(column)).any() or (np.diff(column) < 0).any():
            raise _bad(f"history.{field}", "must count up in whole numbers")
    return rows


def _rng(tensors: dict, key: str, like: torch.Tensor) -> torch.Tensor:
    value = tensors.get(key)
    if not isinstance(value, torch.Tensor) or value.dtype != torch.uint8 or tuple(value.shape) != tuple(like.shape):
        raise _bad(key, f"must be a random generator's state ({like.numel()} bytes)")
    return value.contiguous()


def check_state(state: TrainingState, *, live: dict[str, torch.Tensor], params: list[torch.Tensor],
                make_optimizer: Callable[[list], torch.optim.Optimizer], batches: int, train_samples: int,
                history_fields: tuple[str, ...], history_limit: int) -> CheckedState:
    """Everything in `state` checked against the trainer it is for: its model state dict `live`,
    its parameters and how it makes its optimizer, its number of mini-batches per epoch and training samples.
    Raises ValidationError naming the first entry that does not fit; changes nothing."""
    tensors, meta = state.tensors, state.meta
    if not isinstance(tensors, dict) or not isinstance(meta, dict):
        raise _bad("state", "is not a set of tensors and a description")
    model = {k: _tensor(tensors, "model." + k, v) for k, v in live.items()}
    good = [_tensor(tensors, "good." + k, v) for k, v in live.items()]
    has_best = [("best." + k) in tensors for k in live]
    if any(has_best) and not all(has_best):
        raise _bad("best", "is incomplete (some of the best epoch's tensors are missing)")
    best = [_tensor(tensors, "best." + k, v) for k, v in live.items()] if all(has_best) and has_best else None
    epoch = _integer(meta, "epoch")
    best_loss = meta.get("best_test_loss")
    if best_loss is not None:
        best_loss = _number(meta, "best_test_loss")
    order = None
    if "order" in tensors:
        order = tensors["order"]
        if (not isinstance(order, torch.Tensor) or order.dtype != torch.int64
                or tuple(order.shape) != (train_samples,)
                or not torch.equal(torch.sort(order).values, torch.arange(train_samples))):
            raise _bad("order", f"must be an ordering of the {train_samples} training samples")
    known = {f"{group}.{k}" for group in ("model", "good", "best") for k in live}
    known |= {f"history.{f}" for f in history_fields} | {"rng.torch", "rng.cuda", "rng.shuffle", "order"}
    known |= {f"optim.{i}.{name}" for i in range(len(params)) for name in expected_optimizer_state(make_optimizer)}
    unknown = sorted(set(tensors) - known)
    if unknown:
        raise _bad(unknown[0][:80], "is not part of this network's state (was it saved for another network?)")
    cuda = tensors.get("rng.cuda")
    return CheckedState(
        model=model, good=good, best=best,
        optimizer_state=_optimizer_state(tensors, meta, params, make_optimizer),
        epoch=epoch, step=_integer(meta, "step"), next_batch=_integer(meta, "next_batch", 0, max(0, batches - 1)),
        elapsed=_number(meta, "elapsed"), base_lr=_number(meta, "base_lr", positive=True),
        best_epoch=_integer(meta, "best_epoch", 0, epoch) if meta.get("best_epoch") is not None else 0,
        best_test_loss=math.inf if best_loss is None else best_loss,
        history=_history(tensors, history_fields, history_limit),
        rng_torch=_rng(tensors, "rng.torch", torch.get_rng_state()),
        rng_cuda=cuda if isinstance(cuda, torch.Tensor) and cuda.dtype == torch.uint8 and cuda.ndim == 1 else None,
        rng_shuffle=_rng(tensors, "rng.shuffle", torch.Generator().get_state()),
        order=order)
