"""Sequence tasks generated on the fly from a seed: next-value forecasting of noisy sine mixtures,
the parity of a bit string, and next-character prediction on a short built-in text. Inputs are
N × steps × features (float32); the characters come as one token id per step (for an embedding
layer)."""

from __future__ import annotations

import numpy as np

#: A short text (written for this app) for the character task.
TEXT = (
    "a network learns by looking at examples. each neuron adds up its inputs, each with its own weight, "
    "and passes the sum through a small bend. the loss says how wrong the answer was; the gradient says "
    "which way to move every weight to make it a little less wrong. step after step, the weights settle. "
    "a recurrent network reads a sequence one step at a time and carries a memory from step to step. "
    "attention lets every step look at every other step and choose what matters. small networks learn "
    "small things well; watch them learn, change one thing, and watch again. "
)
VOCABULARY = sorted(set(TEXT))


def sine(samples: int, steps: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Windows of a mixture of two sines (random frequencies, phases, amplitudes) plus noise; the
    target is the next, noise-free value."""
    t = np.arange(steps + 1, dtype=np.float64)[None, :]
    freq = rng.uniform(0.05, 0.25, (samples, 2, 1)) * 2 * np.pi
    phase = rng.uniform(0, 2 * np.pi, (samples, 2, 1))
    amp = rng.uniform(0.3, 0.7, (samples, 2, 1))
    clean = (amp * np.sin(freq * t[:, None, :] + phase)).sum(axis=1)
    noisy = clean + rng.normal(0.0, noise, clean.shape)
    return noisy[:, :steps, None].astype(np.float32), clean[:, steps].astype(np.float32)


def parity(samples: int, steps: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random bit strings; the label is 1 when the number of ones is odd."""
    bits = rng.integers(0, 2, (samples, steps))
    return bits[:, :, None].astype(np.float32), (bits.sum(axis=1) % 2).astype(np.int64)


def chars(samples: int, steps: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Windows of `steps` characters of TEXT (as token ids); the label is the next character."""
    ids = np.array([VOCABULARY.index(c) for c in TEXT], dtype=np.int64)
    starts = rng.integers(0, len(ids) - steps - 1, samples)
    windows = ids[starts[:, None] + np.arange(steps)[None, :]]
    return windows[:, :, None].astype(np.float32), ids[starts + steps]


GENERATORS = {"sine": sine, "parity": parity, "chars": chars}
