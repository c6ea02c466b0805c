"""The 2-D toy data sets: the TensorFlow Playground's six generators with its exact semantics
(see shared/reference/tf-playground.md), plus moons, checkerboard and two 3-class problems.

Every generator takes the number of points, the noise (0–0.5) and a numpy Generator, and returns
points (N×2, float64 in about [−6, 6]²) and labels: class indices (0..K−1) for classification,
real values for regression. The TensorFlow Playground's −1 class is index 0, its +1 class index 1.
Only numpy is used, so the python exporter can copy these functions into a stand-alone script.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    radius = 5.0
    inner = n // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, inner), rng.uniform(radius * 0.7, radius, n - inner)])
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    shifted = points + rng.uniform(-radius, radius, (n, 2)) * noise  # noise flips labels only
    labels = (np.hypot(shifted[:, 0], shifted[:, 1]) < radius * 0.5).astype(np.int64)
    return points, labels


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    padding = 0.3
    points = rng.uniform(-5, 5, (n, 2))
    points += np.where(points > 0, padding, -padding)
    shifted = points + rng.uniform(-5, 5, (n, 2)) * noise
    labels = (shifted[:, 0] * shifted[:, 1] >= 0).astype(np.int64)
    return points, labels


def gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    variance = 0.5 + (4.0 - 0.5) * noise / 0.5
    half = n // 2
    positive = rng.normal(2.0, np.sqrt(variance), (half, 2))
    negative = rng.normal(-2.0, np.sqrt(variance), (n - half, 2))
    labels = np.concatenate([np.ones(half, np.int64), np.zeros(n - half, np.int64)])
    return np.concatenate([positive, negative]), labels


def _spiral_arms(n: int, noise: float, rng: np.random.Generator, arms: int,
                 offsets: list[float]) -> tuple[np.ndarray, np.ndarray]:
    points, labels = [], []
    for arm, delta in enumerate(offsets):
        count = n // arms + (1 if arm < n % arms else 0)
        i = np.arange(count) / count
        r = i * 5.0
        t = 1.75 * i * 2 * np.pi + delta
        x = r * np.sin(t) + rng.uniform(-1, 1, count) * noise
        y = r * np.cos(t) + rng.uniform(-1, 1, count) * noise
        points.append(np.stack([x, y], axis=1))
        labels.append(np.full(count, arm, np.int64))
    return np.concatenate(points), np.concatenate(labels)


def spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    points, arm = _spiral_arms(n, noise, rng, 2, [0.0, np.pi])
    return points, 1 - arm  # the arm with Δ = 0 is the +1 class


def spiral3(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return _spiral_arms(n, noise, rng, 3, [0.0, 2 * np.pi / 3, 4 * np.pi / 3])


def moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    upper = n // 2
    t = rng.uniform(0, np.pi, n)
    x = np.where(np.arange(n) < upper, np.cos(t), 1 - np.cos(t))
    y = np.where(np.arange(n) < upper, np.sin(t), 0.5 - np.sin(t))
    points = np.stack([x * 3.0 - 1.5, y * 3.0 - 0.75], axis=1)
    points += rng.normal(0.0, 1.0, (n, 2)) * noise * 3.0
    labels = (np.arange(n) < upper).astype(np.int64)
    return points, labels


def checkerboard(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    points = rng.uniform(-6, 6, (n, 2))
    shifted = points + rng.uniform(-6, 6, (n, 2)) * noise
    cells = np.floor(shifted[:, 0] / 3.0) + np.floor(shifted[:, 1] / 3.0)
    labels = (cells % 2 == 0).astype(np.int64)
    return points, labels


def blobs(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    std = np.sqrt(0.5 + (4.0 - 0.5) * noise / 0.5) * 0.6
    angles = np.deg2rad([90.0, 210.0, 330.0])
    centres = 3.5 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    labels = np.arange(n) % 3
    points = centres[labels] + rng.normal(0.0, std, (n, 2))
    return points, labels.astype(np.int64)


def plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    radius = 6.0
    points = rng.uniform(-radius, radius, (n, 2))
    shifted = points + rng.uniform(-radius, radius, (n, 2)) * noise
    return points, (shifted[:, 0] + shifted[:, 1]) / 10.0


def multigauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    radius = 6.0
    bumps = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1],
                      [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]], dtype=np.float64)
    points = rng.uniform(-radius, radius, (n, 2))
    shifted = points + rng.uniform(-radius, radius, (n, 2)) * noise
    dist = np.hypot(shifted[:, None, 0] - bumps[None, :, 0], shifted[:, None, 1] - bumps[None, :, 1])
    contributions = bumps[None, :, 2] * np.clip(1.0 - dist / 2.0, 0.0, 1.0)
    strongest = np.argmax(np.abs(contributions), axis=1)  # first of equals, as in the original
    return points, contributions[np.arange(n), strongest]


GENERATORS: dict[str, Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]] = {
    "circle": circle, "xor": xor, "gauss": gauss, "spiral": spiral, "moons": moons,
    "checkerboard": checkerboard, "spiral3": spiral3, "blobs": blobs, "plane": plane,
    "multigauss": multigauss,
}
