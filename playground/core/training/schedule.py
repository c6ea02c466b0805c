"""Learning-rate schedules: the factor of the base rate at each epoch."""

from __future__ import annotations

import math


def schedule_factor(schedule: dict, epoch: int, total_epochs: int) -> float:
    """The multiplier of the base learning rate at `epoch` (0-based)."""
    name = schedule["name"]
    if name == "step":
        return schedule["gamma"] ** (epoch // schedule["step_size"])
    if name == "exponential":
        return schedule["gamma"] ** epoch
    if name == "cosine":
        period = schedule["period"] or total_epochs
        t = min(epoch, period) / period
        low = schedule["min_factor"]
        return low + 0.5 * (1 - low) * (1 + math.cos(math.pi * t))
    return 1.0
