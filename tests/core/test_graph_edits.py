"""The canvas's edits as pure functions: each keeps a valid file, written as a person would."""

import pytest

from playground.core.errors import ValidationError
from playground.core.model import graph_edits as g
from playground.core.model.graph import INPUT_INDEX, sources
from playground.core.model.shapes import analyze
from playground.core.model.spec import Project
from tests.conftest import project_dict


def chain(*units: int) -> Project:
    layers = [{"type": "dense", "units": u, "activation": "tanh"} for u in units]
    return Project.from_dict(project_dict("spiral", layers=layers))


def wires(project: Project) -> list[list[int]]:
    return sources(project.model.layers)


def test_a_skip_connection_drawn_block_by_block_is_a_valid_graph_and_needs_ids_only_where_wired():
    p = chain(4, 1)
    p = g.add_block(p, "dense")                       # unwired, before the output
    assert wires(p) == [[INPUT_INDEX], [], [0]] and not analyze(p).ok
    assert "takes no input" in analyze(p).layer_errors[1].message
    p = g.connect(p, 0, 1)
    p = g.add_block(p, "add")
    p = g.connect(p, 0, 2)
    p = g.connect(p, 1, 2)
    p = g.connect(p, 2, 3)                            # the output takes the sum
    assert wires(p) == [[INPUT_INDEX], [0], [0, 1], [2]]
    assert analyze(p).ok and not p.model.is_chain
    raw = p.model.to_dict()["layers"]
    assert [layer.get("id") for layer in raw] == ["dense1", "dense2", None, None]
    assert [layer.get("inputs") for layer in raw] == [None, None, ["dense1", "dense2"], None]
    assert Project.from_dict(p.to_dict()) == p


def test_wiring_to_the_output_reorders_and_a_cycle_is_refused_in_words():
    p = g.add_block(chain(4, 1), "dense", wired_from=INPUT_INDEX)
    p = g.connect(p, 1, None)
    assert p.model.layers[-1].params["units"] == 4 and [w.path for w in analyze(p).warnings] == ["model.layers[1]"]
    with pytest.raises(ValidationError, match="cycle"):
        g.connect(chain(4, 4, 1), 1, 0)
    with pytest.raises(ValidationError, match="cannot be the output"):
        g.connect(chain(4, 4, 1), 0, None)


def test_deleting_a_chain_block_reconnects_across_it_and_a_merge_takes_what_stood_behind():
    p = g.delete_blocks(chain(4, 5, 6, 1), [1, 2])
    assert [layer.params["units"] for layer in p.model.layers] == [4, 1] and p.model.is_chain
    skip = g.connect(g.connect(g.add_block(chain(4, 4, 1), "add"), 0, 2), 1, 2)
    p = g.delete_blocks(skip, [1])
    assert wires(p)[1] == [0]
    out = g.delete_blocks(chain(4, 5, 1), [2])         # the output goes: what fed it is the output
    assert [layer.params["units"] for layer in out.model.layers] == [4, 5]
    with pytest.raises(ValidationError):
        g.delete_blocks(chain(4, 1), [0, 1])


def test_insert_on_a_wire_duplicate_paste_and_place():
    p = g.insert_on_wire(chain(4, 1), "dropout", 0, 1)
    assert [layer.type for layer in p.model.layers] == ["dense", "dropout", "dense"] and p.model.is_chain
    end = g.insert_on_wire(chain(4, 1), "activation", 1, None)
    assert end.model.layers[-1].type == "activation" and end.model.is_chain
    twin = g.duplicate_blocks(chain(4, 6, 1), [1])
    assert wires(twin)[2] == [0] and twin.model.layers[2].params["units"] == 6
    blocks = g.copy_blocks(chain(4, 6, 1), [0, 1])
    pasted = g.paste_blocks(chain(3, 1), blocks)
    assert wires(pasted)[1:3] == [[INPUT_INDEX], [1]]   # wired to the input, and to each other
    placed = g.place_blocks(p, {0: (10.0, 20.0)})
    assert placed.model.layers[0].at == (10.0, 20.0) and placed.same_architecture(p) and placed != p


def test_the_layout_puts_each_block_below_its_inputs_and_branches_side_by_side():
    p = g.connect(g.connect(g.add_block(g.add_block(chain(4, 1), "dense", wired_from=0), "add"), 0, 2), 1, 2)
    p = g.connect(p, 2, 3)
    at = g.layout(p)
    assert at[0][1] < at[1][1] < at[2][1] < at[3][1]
    arranged = g.arrange(p)
    assert all(layer.at is not None for layer in arranged.model.layers)


def test_a_residual_block_expands_into_the_blocks_it_is_made_of_and_computes_the_same():
    import torch

    from playground.core.model.build import build_model

    p = Project.from_dict(project_dict("spiral", layers=[{"type": "dense", "units": 6, "activation": "tanh"},
                                                         {"type": "residual", "hidden": 5, "activation": "tanh"},
                                                         {"type": "dense", "units": 1, "activation": "tanh"}]))
    expanded = g.expand_residual(p, 1)
    assert [layer.type for layer in expanded.model.layers] == ["dense", "dense", "dense", "add", "dense"]
    assert [layer.params.get("units") for layer in expanded.model.layers[1:3]] == [5, 6]
    assert analyze(expanded).ok and analyze(expanded).total_params == analyze(p).total_params
    before, after = build_model(p.model, (2,), seed=0), build_model(expanded.model, (2,), seed=0)
    residual = before[1][0].inner                       # copy the block's weights into its expansion
    with torch.no_grad():
        after.load_state_dict({"dense1.0.weight": before[0][0].weight, "dense1.0.bias": before[0][0].bias,
                               "layer2.0.weight": residual[0].weight, "layer2.0.bias": residual[0].bias,
                               "dense4.0.weight": residual[2].weight, "dense4.0.bias": residual[2].bias,
                               "layer5.0.weight": before[2][0].weight, "layer5.0.bias": before[2][0].bias})
    x = torch.randn(9, 2)
    assert torch.allclose(before(x), after(x), atol=1e-6)
    with pytest.raises(ValidationError, match="only a residual block expands"):
        g.expand_residual(p, 0)


def test_a_pasted_clipboard_that_is_not_blocks_is_refused_in_words():
    for junk in ([1, 2], [{"type": "dense"}], [{"id": "a", "type": "dense", "inputs": "x"}]):
        with pytest.raises(ValidationError, match="not a block copied"):
            g.paste_blocks(chain(4, 1), junk)
    with pytest.raises(ValidationError):
        g.paste_blocks(chain(4, 1), [{"id": "a", "type": "no_such_layer"}])
