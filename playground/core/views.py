"""What the views need from a trainer, decided in the core from the data kind: which probes a
plane, a table, images or sequences get, and the data set as the views draw it. Plain data
classes in, plain data classes out; the window only draws them (gui.controllers.worker carries them over)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Seconds between two computations of the slower views (histograms, confusion matrix, metrics).
STATISTICS_INTERVAL = 0.25


@dataclass
class ViewRequest:
    """Which probes the visible views need; made by the UI, read by the training thread."""

    boundary: bool = True
    network: bool = False
    statistics: bool = False
    blocks: bool = False                   # the graph canvas: per-block statistics
    confusion: bool = False
    samples: bool = False
    sample: int = 0                        # the test sample whose feature maps are shown
    axes: tuple[int, int] = (0, 1)         # a table's two columns the boundary is drawn over
    focus: tuple[int, int] | None = None   # (spec layer or −1 for an input feature, unit)


@dataclass
class TrainingUpdate:
    """What the views need after some epochs: the new snapshots and a fresh boundary."""

    snapshots: list = field(default_factory=list)
    boundary: Any = None          # core.probes.BoundaryProbe
    epoch: int = 0
    step: int = 0
    elapsed: float = 0.0
    samples_per_second: float = 0.0
    device: str = "cpu"
    path: str = ""                # which training path runs (core.training.Trainer.path), in words
    restarted: bool = False       # a new history begins (fresh weights)
    test_accuracy: float | None = None
    network: Any = None           # core.probes.NetworkProbe, while the network view is shown
    focus: Any = None             # R×R map of the neuron under the mouse (full resolution)
    statistics: Any = None        # core.probes.LayerStatistics, every STATISTICS_INTERVAL
    blocks: Any = None            # core.probes.BlockStatistics, as often, while the graph canvas shows
    confusion: Any = None         # classes × classes counts on the test split
    samples: Any = None           # core.probes.SampleProbe (image and table data)
    feature_maps: Any = None      # [(spec layer, C×H×W)] of the chosen test image
    attention: Any = None         # [(spec layer, T×T)] attention weights of the chosen test sequence
    metrics: dict = field(default_factory=dict)  # test RMSE and R² for regression


@dataclass
class DataUpdate:
    """The data set as the views draw it (points only for plane data sets)."""

    points_train: Any
    labels_train: Any
    points_test: Any
    labels_test: Any
    task: str
    classes: int
    features: list
    kind: str = "plane"
    input_shape: tuple = ()
    class_names: tuple = ()
    feature_names: tuple = ()
    axes: tuple | None = None     # a table's two columns shown as the points' x and y
    preview: list | None = None   # images: [(class, count, first images)] of the training set
    spec: Any = None              # the core.model.spec.DataSpec this is the data of


def is_plane(trainer) -> bool:
    return trainer.project.data.kind == "plane"


def table_boundary(trainer) -> bool:
    """A classification table is drawn as a boundary over two of its columns; a regression
    table as predicted vs. true (the sample view)."""
    return (trainer.project.data.kind == "table" and trainer.dataset.input_shape[0] >= 2
            and trainer.dataset.task != "regression")


def table_axes(trainer, views: ViewRequest) -> tuple[int, int]:
    """The two columns a table's boundary is drawn over: the requested ones when they exist."""
    n = trainer.dataset.input_shape[0]
    x, y = views.axes
    return (x, y) if 0 <= x < n and 0 <= y < n and x != y else (0, 1)


def data_update(trainer, axes: tuple[int, int] | None = None) -> DataUpdate:
    """The data set for the views; a table's points are its two `axes` columns."""
    d, project = trainer.dataset, trainer.project
    points_train, points_test = d.points_train, d.points_test
    if table_boundary(trainer):
        axes = axes or (0, 1)
        points_train, points_test = d.x_train[:, list(axes)], d.x_test[:, list(axes)]
    preview = None
    if project.data.kind == "images":
        from playground.core.probes import class_preview

        preview = class_preview(d.x_train, d.y_train, d.num_classes)
    return DataUpdate(points_train, d.y_train, points_test, d.y_test, d.task, d.num_classes,
                      list(project.data.features), project.data.kind, d.input_shape, d.class_names,
                      d.feature_names, axes, preview, project.data)


def boundary(trainer, views: ViewRequest):
    """The decision boundary the views show (None when they show none for this data)."""
    if not views.boundary:
        return None
    if is_plane(trainer):
        return trainer.probe_boundary()
    if table_boundary(trainer):
        return trainer.probe_boundary(axes=table_axes(trainer, views))
    return None


def training_update(trainer, views: ViewRequest, snapshots: list, restarted: bool, slow_views: bool) -> TrainingUpdate:
    """Everything the visible views asked for; the slower ones (statistics, samples, confusion,
    metrics) only when `slow_views`."""
    # the counters say the last epoch the update carries: the fast path reports a kernel call's
    # epochs one by one after the call, so the trainer's own counters may already be further on
    carried = snapshots[-1] if snapshots and not restarted else None
    last = carried or (trainer.history[-1] if trainer.history else None)
    update = TrainingUpdate(
        snapshots=list(trainer.history) if restarted else snapshots, boundary=boundary(trainer, views),
        epoch=carried.epoch if carried else trainer.epoch, step=carried.step if carried else trainer.step,
        elapsed=carried.elapsed if carried else trainer.elapsed,
        samples_per_second=last.samples_per_second if last else 0.0, device=str(trainer.device),
        path=trainer.path, restarted=restarted, test_accuracy=last.test_accuracy if last else None)
    flat = is_plane(trainer)
    if views.network and flat and trainer.project.model.is_chain:
        update.network = trainer.probe_network()
    if views.focus is not None and flat:
        update.focus = focus_map(trainer, *views.focus)
    if not (slow_views or restarted):
        return update
    if views.statistics:
        update.statistics = trainer.layer_statistics()
    if views.blocks:
        update.blocks = trainer.block_statistics()
    if views.samples and not flat:
        update.samples = trainer.probe_samples()
        if len(trainer.dataset.input_shape) == 3:
            update.feature_maps = trainer.probe_feature_maps(views.sample)
        elif len(trainer.dataset.input_shape) == 2:
            update.attention = trainer.probe_attention(views.sample)
    if trainer.encoding == "real":
        update.metrics = trainer.regression_metrics()
    elif views.confusion:
        update.confusion = trainer.confusion_matrix()
    return update


def focus_map(trainer, layer: int, unit: int):
    """The full-resolution map of one neuron (layer −1: an input feature), or None."""
    probe = trainer.probe_neurons()
    maps = probe.features if layer < 0 else (probe.layers[layer] if 0 <= layer < len(probe.layers) else None)
    if maps is None or not 0 <= unit < len(maps):
        return None
    return maps[unit]
