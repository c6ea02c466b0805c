"""The toy data sets follow the TensorFlow Playground's generators (shared/reference)."""

import numpy as np
import pytest

from playground.core.data import make_dataset, toy2d
from playground.core.data.features import compute_features
from playground.core.model.registry import DATASETS
from playground.core.model.spec import DataSpec


def generate(name, n=500, noise=0.0, seed=0):
    return toy2d.GENERATORS[name](n, noise, np.random.default_rng(seed))


PLANE = [name for name, entry in DATASETS.items() if entry.extra["kind"] == "plane"]


def test_every_plane_data_set_has_a_generator():
    assert set(toy2d.GENERATORS) == set(PLANE)


@pytest.mark.parametrize("name", PLANE)
def test_generators_are_seeded_and_in_range(name):
    entry = DATASETS[name].extra
    points, labels = generate(name, entry["samples"], 0.2)
    again, labels_again = generate(name, entry["samples"], 0.2)
    assert np.array_equal(points, again) and np.array_equal(labels, labels_again)
    assert points.shape == (entry["samples"], 2)
    assert np.abs(points).max() <= 6.5
    if entry["task"] == "classification":
        counts = np.bincount(labels, minlength=entry["classes"])
        assert len(counts) == entry["classes"] and counts.min() >= 0.25 * len(labels) / entry["classes"]


def test_circle_labels_by_radius_without_noise():
    points, labels = generate("circle")
    r = np.hypot(points[:, 0], points[:, 1])
    assert np.array_equal(labels, (r < 2.5).astype(int))
    assert r.max() <= 5 and ((r < 2.5) | (r >= 3.5)).all()


def test_circle_noise_flips_labels_but_does_not_move_points():
    points, labels = generate("circle", noise=0.5, seed=3)
    r = np.hypot(points[:, 0], points[:, 1])
    assert ((r < 2.5) | (r >= 3.5)).all()
    assert (labels != (r < 2.5)).any()


def test_xor_is_padded_away_from_the_axes():
    points, labels = generate("xor")
    assert np.abs(points).min() >= 0.3
    assert np.array_equal(labels, (points[:, 0] * points[:, 1] >= 0).astype(int))


def test_gauss_centres_and_variance():
    points, labels = generate("gauss", n=4000)
    assert np.allclose(points[labels == 1].mean(0), [2, 2], atol=0.1)
    assert np.allclose(points[labels == 0].mean(0), [-2, -2], atol=0.1)
    assert points[labels == 1].var(0) == pytest.approx([0.5, 0.5], rel=0.15)
    wide, labels = generate("gauss", n=4000, noise=0.5)
    assert wide[labels == 1].var(0) == pytest.approx([4, 4], rel=0.15)


def test_spiral_arms_follow_the_formula():
    points, labels = generate("spiral", n=500)
    # arm +1 (index 1): i/n·5 radius, angle 1.75·2π·i/n
    arm = points[labels == 1]
    i = np.arange(250) / 250
    assert np.allclose(arm[:, 0], 5 * i * np.sin(1.75 * i * 2 * np.pi))
    assert np.allclose(arm[:, 1], 5 * i * np.cos(1.75 * i * 2 * np.pi))
    assert np.allclose(points[labels == 0], -arm)  # the other arm is turned by π


def test_plane_and_multigauss_targets():
    points, y = generate("plane", n=1200)
    assert np.allclose(y, points.sum(1) / 10)
    points, y = generate("multigauss", n=1200)
    assert y.min() >= -1 and y.max() <= 1
    # at a bump's centre the label is its sign
    near = np.hypot(points[:, 0] - 4, points[:, 1] - 2.5) < 0.2
    assert (y[near] > 0.85).all()


def test_split_and_features():
    spec = DataSpec.from_dict({"dataset": "spiral", "samples": 501, "train_fraction": 0.3, "seed": 4,
                               "features": ["x2", "sin(x1)", "x1*x2"]})
    data = make_dataset(spec)
    assert len(data.x_train) == 150 and len(data.x_test) == 351  # floor(N·fraction) train
    assert data.x_train.dtype == np.float32 and data.input_shape == (3,)
    p = data.points_train
    assert np.allclose(data.x_train, np.stack([p[:, 1], np.sin(p[:, 0]), p[:, 0] * p[:, 1]], 1), atol=1e-5)
    assert np.array_equal(make_dataset(spec).x_test, data.x_test)
    other = make_dataset(DataSpec.from_dict({**spec.to_dict(), "seed": 5}))
    assert not np.array_equal(other.x_test, data.x_test)


def test_all_seven_features():
    x = compute_features(np.array([[2.0, 3.0]]), ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"])
    assert np.allclose(x, [[2, 3, 4, 9, 6, np.sin(2), np.sin(3)]])
