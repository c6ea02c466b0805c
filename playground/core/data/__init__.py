"""Data sets: the 2-D toy problems and their input features (images, CSV and sequences come later)."""

from playground.core.data.dataset import Dataset, make_dataset

__all__ = ["Dataset", "make_dataset"]
