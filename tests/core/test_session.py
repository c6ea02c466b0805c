"""The training session without a window: typed commands in, what the views need out."""

import numpy as np

from playground.core.commands import Configure, ExportRequest
from playground.core.errors import PlaygroundError
from playground.core.session import Session
from playground.core.model.spec import Project
from playground.core.views import ViewRequest
from tests.conftest import project_dict


def test_a_training_setting_reuses_the_data_set_and_keeps_the_weights():
    session = Session()
    first = session.configure(Configure(Project.from_dict(project_dict()), keep_weights=False))
    assert first.restarted and first.data is not None and first.data.kind == "plane"
    dataset = session.trainer.dataset
    session.run(3)
    faster = session.trainer.project.with_training(learning_rate=0.1)
    again = session.configure(Configure(faster, keep_weights=True, data_changed=False))
    assert not again.restarted and again.data is None  # the views keep what they drew
    assert session.trainer.dataset is dataset and session.trainer.epoch == 3
    assert session.trainer.learning_rate == 0.1
    other = Project.from_dict(project_dict("xor"))
    changed = session.configure(Configure(other, keep_weights=True, data_changed=True))
    assert session.trainer.dataset is not dataset and changed.data is not None
    assert not changed.restarted  # the same architecture: the weights carry over to the new data


def test_updates_follow_the_data_kind_and_the_visible_views(tmp_path):
    session = Session()
    session.configure(Configure(Project.from_dict(project_dict()), keep_weights=False))
    session.run(1)
    session.views = ViewRequest(boundary=True, network=True, statistics=True)
    data, update = session.update([], restarted=False, slow_views=True)
    assert data is None and update.boundary is not None and update.network is not None
    assert update.statistics is not None and update.epoch == 1 and update.samples is None
    session.views = ViewRequest(boundary=False)
    _, update = session.update([], slow_views=False)
    assert update.boundary is None and update.network is None and update.statistics is None
    # a table's boundary is drawn over two of its columns: other columns send the points again
    table = tmp_path / "t.csv"
    rng = np.random.default_rng(0)
    rows = ["a,b,c,label"] + [f"{x:.3f},{y:.3f},{z:.3f},{int(x > y)}" for x, y, z in rng.normal(size=(60, 3))]
    table.write_text("\n".join(rows))
    raw = project_dict(layers=[{"type": "dense", "units": 4, "activation": "tanh"}, {"type": "dense", "units": 2}],
                       loss="cross_entropy")
    raw["data"] = {"dataset": "csv", "path": str(table), "target": "label"}
    session.views = ViewRequest()
    session.configure(Configure(Project.from_dict(raw), keep_weights=False))
    session.views = ViewRequest(axes=(0, 2))
    data, update = session.update([])
    assert data is not None and data.axes == (0, 2) and update.boundary is not None
    assert session.update([])[0] is None  # drawn already


def test_saving_history_and_export_say_what_went_wrong(tmp_path):
    session = Session()
    assert session.write_history(tmp_path / "h.csv") == "no epoch has been trained yet"
    try:
        session.export(ExportRequest("onnx", tmp_path / "m.onnx"))
    except PlaygroundError as err:
        assert "no model to export" in str(err)
    else:
        raise AssertionError("exported without a model")
    session.configure(Configure(Project.from_dict(project_dict()), keep_weights=False))
    session.run(2)
    assert session.write_history(tmp_path / "h.csv") == ""
    assert (tmp_path / "h.csv").read_text().count("\n") == 3
    (tmp_path / "a file").write_text("")
    assert session.save(tmp_path / "a file" / "p.json", session.trainer.project).startswith("could not write")
    assert session.save(tmp_path / "p.json", session.trainer.project) == "" and (tmp_path / "p.json").exists()
    assert session.revert_to_best().startswith("Reverted to the weights of epoch")
