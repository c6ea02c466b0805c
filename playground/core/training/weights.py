"""The weights a trainer can go back to: the last good epoch's (put back after a divergence or a
device failure) and the best epoch's (lowest test loss: "Revert to best"). Both paths keep them:
the eager loop after each epoch, the fast path's kernel inside its call (it never hands out the
weights of the epochs between), which is why this is an object of the loop and not a callback."""

from __future__ import annotations

import math
from typing import Callable

import torch


class KeptWeights:
    """Copies of the model's state tensors (its state_dict order, on its device). `live()` gives
    the model's own tensors."""

    def __init__(self, live: Callable[[], list[torch.Tensor]]) -> None:
        self._live = live
        self.good = [t.detach().clone() for t in live()]
        self.best: list[torch.Tensor] | None = None
        self.best_epoch = 0
        self.best_test_loss = math.inf

    def save_good(self) -> None:
        _copy(self._live(), self.good)

    def restore_good(self) -> None:
        _copy(self.good, self._live())

    def offer_best(self, epoch: int, test_loss: float) -> None:
        """Keep the live weights as the best when `test_loss` is the lowest so far."""
        if not test_loss < self.best_test_loss:
            return
        self.best_test_loss, self.best_epoch = test_loss, epoch
        if self.best is None:
            self.best = [t.detach().clone() for t in self._live()]
        else:
            _copy(self._live(), self.best)

    def best_buffers(self) -> list[torch.Tensor]:
        """Where the fast path may write a new best (the best so far, or a fresh copy)."""
        return self.best if self.best is not None else [t.detach().clone() for t in self._live()]

    def take_best(self, buffers: list[torch.Tensor], epoch: int, test_loss: float) -> None:
        """The fast path found a new best, already written into `buffers`."""
        self.best, self.best_epoch, self.best_test_loss = buffers, epoch, test_loss

    def restore_best(self) -> int:
        """Put the best weights back (they become the last good ones too); returns their epoch,
        or 0 when there is none yet."""
        if self.best is None:
            return 0
        _copy(self.best, self._live())
        self.save_good()
        return self.best_epoch


def _copy(source: list[torch.Tensor], target: list[torch.Tensor]) -> None:
    with torch.no_grad():
        for into, value in zip(target, source):
            into.copy_(value)
