"""The grids and bins the views share with the probes (numpy only: the window imports these
before torch is loaded)."""

from __future__ import annotations

import numpy as np

GRID_RESOLUTION = 100
#: Neurons per dense layer the network view draws (and so the network probe maps): a wider layer
#: shows its first NETWORK_UNITS and says how many more it has.
NETWORK_UNITS = 64
GRID_EXTENT = 6.0
#: histogram bins of weights and of log10 |gradient| (Weights & gradients tab)
WEIGHT_BINS = np.linspace(-3.0, 3.0, 41)
GRADIENT_BINS = np.linspace(-9.0, 1.0, 41)


def grid_points(resolution: int = GRID_RESOLUTION, extent: float = GRID_EXTENT) -> np.ndarray:
    """resolution² points (x fastest) covering [−extent, extent]², cell centres included at the edges."""
    axis = np.linspace(-extent, extent, resolution)
    xx, yy = np.meshgrid(axis, axis)
    return np.stack([xx.ravel(), yy.ravel()], axis=1)
