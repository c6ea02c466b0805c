"""Every catalogue by name — the registry's tables and the layer kinds — for what looks entries up
by a name (forms generated for a parameter, validation of a "ref" parameter)."""

from __future__ import annotations

from typing import Callable, Mapping

from playground.core.model import registry
from playground.core.model.layers import LAYERS
from playground.core.model.params import Entry

_CATALOGUES: dict[str, Callable[[], Mapping[str, Entry]]] = {
    "activation": lambda: registry.ACTIVATIONS,
    "loss": lambda: registry.LOSSES,
    "optimizer": lambda: registry.OPTIMIZERS,
    "initializer": lambda: registry.INITIALIZERS,
    "schedule": lambda: registry.SCHEDULES,
    "regularization": lambda: registry.REGULARIZATIONS,
    "dataset": lambda: registry.DATASETS,
    "feature": lambda: registry.FEATURES,
    "layer": lambda: {name: kind.entry for name, kind in LAYERS.items()},
}


def catalogue(name: str) -> Mapping[str, Entry]:
    """A catalogue by name: activation, loss, optimizer, initializer, schedule, regularization,
    dataset, feature, layer."""
    return _CATALOGUES[name]()


def catalogue_names() -> list[str]:
    return list(_CATALOGUES)
