"""The probes that feed the views: neuron maps and weights for the network view, weight and
gradient histograms, and editing one weight between steps."""

import numpy as np
import pytest
import torch

from playground.core import probes
from playground.core.errors import ValidationError
from playground.core.model.spec import Project
from playground.core.training import Trainer
from tests.conftest import TF_INIT, project_dict


def trainer_for(layers=None, features=None, **training) -> Trainer:
    return Trainer(Project.from_dict(project_dict(layers=layers, features=features, **training)))


def test_network_probe_has_a_map_per_neuron_and_the_dense_weights():
    layers = [{"type": "dense", "units": 5, "activation": "relu", **TF_INIT},
              {"type": "dropout", "rate": 0.2},
              {"type": "dense", "units": 3, "activation": "tanh", **TF_INIT},
              {"type": "dense", "units": 1, "activation": "tanh", **TF_INIT}]
    trainer = trainer_for(layers, features=["x1", "x2", "sin(x1)"])
    probe = trainer.probe_network(resolution=16)
    assert probe.layers == [0, 2, 3]
    assert probe.features.shape == (3, 16, 16)
    assert [m.shape for m in probe.maps] == [(5, 16, 16), (3, 16, 16), (1, 16, 16)]
    assert [w.shape for w in probe.weights] == [(5, 3), (3, 5), (1, 3)]
    np.testing.assert_array_equal(probe.weights[1], trainer.model[2][0].weight.detach().numpy())
    # a neuron's map is its output over the plane: check one grid point by hand
    point = probes.grid_points(16)[37]
    x = torch.tensor([[point[0], point[1], np.sin(point[0])]], dtype=torch.float32)
    with torch.no_grad():
        hidden = trainer.model[0](x)
    assert probe.maps[0][:, 37 // 16, 37 % 16] == pytest.approx(hidden[0].numpy(), abs=1e-5)


def test_setting_a_weight_changes_the_prediction_and_survives_the_nan_guard_copy():
    trainer = trainer_for()
    x = torch.tensor([[1.0, 2.0]])
    before = trainer.outputs(x).item()
    trainer.set_parameter(1, "weight", (0, 2), 3.5)
    assert trainer.model[1][0].weight[0, 2].item() == 3.5
    assert trainer.outputs(x).item() != before
    trainer.set_parameter(0, "bias", (1,), -0.25)
    assert trainer.model[0][0].bias[1].item() == -0.25
    trainer.kept.restore_good()  # what a divergence would put back keeps the edit
    assert trainer.model[1][0].weight[0, 2].item() == 3.5


@pytest.mark.parametrize("layer,name,index,value,words", [
    (1, "weight", (0, 9), 1.0, "no such entry"),
    (1, "weight", (0,), 1.0, "no such entry"),
    (5, "weight", (0, 0), 1.0, "only the weights and biases of dense layers"),
    (0, "running_mean", (0,), 1.0, "only the weights and biases"),
    (0, "bias", (0,), float("nan"), "finite"),
])
def test_bad_parameter_edits_are_refused_with_a_message(layer, name, index, value, words):
    trainer = trainer_for()
    with pytest.raises(ValidationError, match=words):
        trainer.set_parameter(layer, name, index, value)


def test_layer_statistics_count_every_weight_and_leave_the_model_alone():
    layers = [{"type": "dense", "units": 6, "activation": "tanh", **TF_INIT},
              {"type": "dropout", "rate": 0.5},
              {"type": "dense", "units": 1, "activation": "tanh", **TF_INIT}]
    trainer = trainer_for(layers)
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    rng = torch.get_rng_state()
    stats = trainer.layer_statistics()
    assert stats.layers == [0, 2]
    assert stats.weight_counts.sum(axis=1).tolist() == [12, 6]
    assert stats.gradient_counts.sum(axis=1).tolist() == [12, 6]
    assert np.all(stats.gradient_rms > 0)
    assert all(p.grad is None for p in trainer.model.parameters())
    assert torch.equal(rng, torch.get_rng_state())
    for k, v in trainer.model.state_dict().items():
        assert torch.equal(v, before[k])
    # the histogram bins hold the weights: uniform(−0.5, 0.5) lies in the middle bins only
    centres = (probes.WEIGHT_BINS[:-1] + probes.WEIGHT_BINS[1:]) / 2
    used = centres[stats.weight_counts[0] > 0]
    assert used.min() > -0.7 and used.max() < 0.7


def test_vanishing_gradients_show_in_the_rms():
    """Ten sigmoid layers: the first layer's gradient is orders of magnitude below the last's."""
    layers = [{"type": "dense", "units": 8, "activation": "sigmoid"} for _ in range(10)]
    layers.append({"type": "dense", "units": 1, "activation": "tanh"})
    stats = trainer_for(layers).layer_statistics()
    assert stats.gradient_rms[0] < stats.gradient_rms[-1] / 100


def test_boundary_and_neurons_in_one_pass_equal_the_separate_probes():
    from playground.core import probes
    from playground.bench.speed import config
    from playground.core.training import Trainer

    trainer = Trainer(config("b"))
    trainer.run(3)
    together, maps = probes.boundary_and_neurons(trainer.model, trainer.project.data.features, trainer.encoding,
                                                 trainer.activation, resolution=40)
    alone = probes.boundary(trainer.model, trainer.project.data.features, trainer.encoding, trainer.activation,
                            resolution=40)
    np.testing.assert_array_equal(together.score, alone.score)
    np.testing.assert_array_equal(together.classes, alone.classes)
    separate = probes.neurons(trainer.model, trainer.project.data.features, resolution=40)
    for a, b in zip(maps.layers, separate.layers):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(maps.features, separate.features)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "leaky_relu", "elu", "sine", "silu", "linear"])
def test_the_views_numpy_forward_equals_the_model(activation):
    """Dense stacks are probed with numpy (much faster on the views' grids); it must show what
    the model computes. Anything else goes through the model itself."""
    from playground.core import probes
    from playground.core.model.build import build_model
    from playground.core.model.spec import ModelSpec

    spec = ModelSpec.from_dict({"layers": [{"type": "dense", "units": 6, "activation": activation},
                                           {"type": "dense", "units": 5, "activation": activation},
                                           {"type": "dense", "units": 3, "activation": "linear"}]})
    model = build_model(spec, (4,), seed=3)
    x = torch.randn(500, 4) * 3
    fast = probes._dense_outputs(model, x)
    assert fast is not None
    with torch.no_grad():
        expected, h = [], x
        for layer in model:
            h = layer(h)
            expected.append(h)
    for a, b in zip(fast, expected):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
    softmax = ModelSpec.from_dict({"layers": [{"type": "dense", "units": 3, "activation": "softmax"}]})
    assert probes._dense_outputs(build_model(softmax, (4,)), x) is None  # not one it computes: the model does
