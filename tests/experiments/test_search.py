"""Hyper-parameter search as a user runs it: a search file, `playground search`, run folders per
trial, `best`, `playground runs`, a study that continues, and the mistakes a search file can hold."""

import json

import pytest

from playground.cli import main
from playground.core.model.spec import Project
from playground.experiments.space import apply, load_search
from tests.conftest import project_dict


def search_file(write_project, **search):
    raw = project_dict(epochs=15, layers=[{"type": "dense", "units": 4, "activation": "tanh"},
                                          {"type": "dense", "units": 1, "activation": "tanh"}])
    raw["search"] = {"objective": {"metric": "test_loss", "direction": "minimize"}, "sampler": "random",
                     "trials": 4, "seed": 0,
                     "space": {"training.learning_rate": {"log_uniform": [0.003, 0.3]},
                               "model.layers[0].units": {"int": [2, 6]},
                               "model.layers[*].activation": {"choice": ["tanh", "relu"]}}, **search}
    return write_project(raw, "search.json")


def test_a_search_writes_a_run_folder_per_trial_links_the_best_and_continues(write_project, tmp_path, capsys):
    file, out = search_file(write_project), tmp_path / "study"
    assert main(["search", str(file), "--output", str(out), "--workers", "1", "--quiet"]) == 0
    trials = sorted(p.name for p in out.glob("trial-*"))
    assert trials == ["trial-0000", "trial-0001", "trial-0002", "trial-0003"]
    for name in trials:  # normal run folders: export and train take them
        assert {"project.json", "model.safetensors", "history.csv", "metrics.json", "trial.json"} <= \
            {p.name for p in (out / name).iterdir()}
    infos = [json.loads((out / name / "trial.json").read_text()) for name in trials]
    losses = [i["objective"] for i in infos]
    best = (out / "best").resolve()
    assert best.name == trials[losses.index(min(losses))]
    project = json.loads((best / "project.json").read_text())
    params = infos[losses.index(min(losses))]["params"]
    assert project["model"]["layers"][0]["units"] == params["model.layers[0].units"]
    assert project["training"]["learning_rate"] == pytest.approx(params["training.learning_rate"])
    assert len({json.dumps(i["params"], sort_keys=True) for i in infos}) == 4
    capsys.readouterr()
    assert main(["runs", str(out)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["run", "state", "test_loss"] and table[1].startswith(best.name)
    # the study's total is 6 now: the rerun adds two trials, never redoes one
    assert main(["search", str(file), "--output", str(out), "--trials", "6", "--workers", "1", "--quiet"]) == 0
    assert len(list(out.glob("trial-*"))) == 6
    params = [json.loads(p.read_text())["params"] for p in out.glob("trial-*/trial.json")]
    assert len({json.dumps(p, sort_keys=True) for p in params}) == 6  # the continued study draws anew
    assert main(["export", str(out / "best"), "--format", "onnx", "--output", str(tmp_path / "best.onnx")]) == 0


def test_a_pruner_stops_poor_trials_early(write_project, tmp_path):
    file = search_file(write_project, trials=8, pruner={"name": "median", "warmup_epochs": 2},
                       space={"training.learning_rate": {"log_uniform": [0.0001, 0.5]}})
    out = tmp_path / "study"
    assert main(["search", str(file), "--output", str(out), "--workers", "1", "--quiet"]) == 0
    states = [json.loads(p.read_text())["state"] for p in sorted(out.glob("trial-*/trial.json"))]
    assert len(states) == 8 and "pruned" in states and "complete" in states
    pruned = [json.loads((p.parent / "metrics.json").read_text())["epochs"]
              for p in sorted(out.glob("trial-*/trial.json")) if json.loads(p.read_text())["state"] == "pruned"]
    assert all(epochs < 15 for epochs in pruned)


def test_key_paths_apply_to_the_project():
    project = Project.from_dict(project_dict(layers=[{"type": "dense", "units": 4, "activation": "tanh"},
                                                     {"type": "dense", "units": 3, "activation": "relu"},
                                                     {"type": "dense", "units": 1, "activation": "tanh"}]))
    changed = apply(project, {"model.hidden_layers": 3, "model.layers[*].activation": "relu",
                              "data.features": ["x1", "sin(x2)"], "training.optimizer": "adam"})
    layers = changed.model.layers
    assert [l.params["units"] for l in layers] == [4, 4, 4, 1]  # copies of the first hidden layer
    assert [l.params["activation"] for l in layers] == ["relu", "relu", "relu", "tanh"]  # not the output
    assert changed.data.features == ["x1", "sin(x2)"] and changed.training.optimizer["name"] == "adam"


@pytest.mark.parametrize("space,words", [
    ({"model.layers[3].units": {"int": [2, 8]}}, "search.space.model.layers[3].units: the network has 2 layers"),
    ({"training.nothing": {"uniform": [0, 1]}}, "search.space.training.nothing"),
    ({"training.optimizer": {"choice": []}}, "needs a non-empty list"),
    ({"training.learning_rate": {"uniform": [0.3, 0.1]}}, "low 0.3 must be below high 0.1"),
    ({"training.learning_rate": {"log_uniform": [0, 0.1]}}, "needs low > 0"),
    ({"model.layers[0].units": {"int": [0, 8]}}, "0 does not fit the project"),
    ({"training.optimizer": {"choice": ["sgd", "lbfgs"]}}, "'lbfgs' does not fit the project"),
    ({"training.learning_rate": {"between": [0, 1]}}, "must be one kind"),
])
def test_mistakes_in_the_search_file_exit_2_naming_the_path(write_project, tmp_path, capsys, space, words):
    file = search_file(write_project, space=space)
    assert main(["search", str(file), "--output", str(tmp_path / "s")]) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_a_grid_over_an_unbounded_range_asks_for_steps(write_project, tmp_path, capsys):
    file = search_file(write_project, sampler="grid", space={"training.learning_rate": {"uniform": [0.01, 0.1]}})
    assert main(["search", str(file), "--output", str(tmp_path / "s")]) == 2
    assert 'needs "steps"' in capsys.readouterr().err


def test_the_example_search_file_is_a_valid_search_and_a_project(tmp_path):
    from playground.core.io.project import load_project
    from tests.conftest import EXAMPLES

    project, search, _ = load_search(EXAMPLES / "spiral-search.json")
    assert search.sampler == "tpe" and search.trials == 40 and len(search.space) == 7
    assert load_project(EXAMPLES / "spiral-search.json").model == project.model
    project, search, _ = load_search(EXAMPLES / "digits-search.json")
    assert {d.path for d in search.space} == {"model.layers[0].filters", "model.layers[2].filters",
                                              "training.learning_rate"}
    assert project.model.layers[0].type == "conv2d" and search.pruner == "median"


def test_two_worker_processes_share_one_journal_study(write_project, tmp_path):
    """--workers 2: two processes on one journal file; every trial once, no folder written twice."""
    file, out = search_file(write_project, trials=6), tmp_path / "study"
    assert main(["search", str(file), "--output", str(out), "--workers", "2", "--quiet"]) == 0
    infos = [json.loads(p.read_text()) for p in out.glob("trial-*/trial.json")]
    assert sorted(i["number"] for i in infos) == list(range(6))
    # each worker draws its own parameters (the same seed in both would repeat every trial)
    assert len({json.dumps(i["params"], sort_keys=True) for i in infos}) == 6
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    study = optuna.load_study(study_name="search", storage=JournalStorage(JournalFileBackend(str(out / "study.journal"))))
    assert sorted(t.number for t in study.trials if t.state.name == "COMPLETE") == list(range(6))


@pytest.mark.parametrize("sampler", ["grid", "random", "tpe", "gp", "cmaes"])
def test_every_sampler_runs_a_study(write_project, tmp_path, sampler):
    space = {"training.learning_rate": {"log_uniform": [0.01, 0.3], "steps": 3},
             "model.layers[0].units": {"int": [2, 4]}}
    file = search_file(write_project, sampler=sampler, trials=3, space=space)
    out = tmp_path / "study"
    assert main(["search", str(file), "--output", str(out), "--workers", "1", "--quiet"]) == 0
    params = [json.loads(p.read_text())["params"] for p in sorted(out.glob("trial-*/trial.json"))]
    assert len(params) == 3 and all(2 <= p["model.layers[0].units"] <= 4 for p in params)
    if sampler == "grid":  # values from the grid only
        assert all(any(abs(p["training.learning_rate"] - v) < 1e-9 for v in (0.01, 0.01 * 30 ** 0.5, 0.3))
                   for p in params)


def test_runs_sorts_writes_json_and_compares(write_project, tmp_path, capsys):
    file, out = search_file(write_project, trials=3), tmp_path / "study"
    assert main(["search", str(file), "--output", str(out), "--workers", "1", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["runs", str(out), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["runs"]
    assert [r["objective"] for r in rows] == sorted(r["objective"] for r in rows)  # best (lowest loss) first
    assert main(["runs", str(out), "--sort", "model.layers[0].units"]) == 0
    header, *lines = capsys.readouterr().out.splitlines()
    column = header.split().index("model.layers[0].units")
    units = [int(line.split()[column]) for line in lines]
    assert len(units) == 3 and units == sorted(units)
    assert main(["runs", str(out), "--sort", "nonsense"]) == 2
    assert "the columns are" in capsys.readouterr().err
    assert main(["runs", "compare", str(out / "trial-0000"), str(out / "trial-0001"), str(out / "best")]) == 0
    text = capsys.readouterr().out
    assert "training.learning_rate" in text and "test_loss" in text and "best (trial-" in text
    assert "data.dataset" not in text  # only what differs
    assert main(["runs", "compare", str(out / "trial-0000")]) == 2


def test_runs_write_event_files_that_tensorboard_reads(write_project, tmp_path):
    """Every trial (and `train --tensorboard`) writes event files into its own folder: TensorBoard's
    own reader finds each epoch's losses as in history.csv, and the HParams plugin's summaries."""
    import csv

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    file, out = search_file(write_project, trials=2), tmp_path / "study"
    assert main(["search", str(file), "--output", str(out), "--workers", "1", "--quiet"]) == 0
    single = tmp_path / "single"
    assert main(["train", str(write_project(project_dict(epochs=7), "one.json")), "--output", str(single),
                 "--tensorboard", "--quiet", "--threads", "1"]) == 0
    for folder in (out / "trial-0000", out / "trial-0001", single):
        events = EventAccumulator(str(folder))
        events.Reload()
        history = list(csv.DictReader((folder / "history.csv").open()))
        train = events.Scalars("loss/train")
        assert [s.step for s in train] == [int(r["epoch"]) for r in history]
        assert [s.value for s in train] == pytest.approx([float(r["train_loss"]) for r in history], rel=1e-6)
        assert len(events.Scalars("accuracy/test")) == len(history)
        metrics = json.loads((folder / "metrics.json").read_text())
        assert events.Scalars("final/test_loss")[-1].value == pytest.approx(metrics["test_loss"], rel=1e-6)
        assert {"_hparams_/experiment", "_hparams_/session_start_info", "_hparams_/session_end_info"} <= \
            set(events.PluginTagToContent("hparams"))


def test_the_search_benchmark_measures_both_sides_and_says_whether_each_goal_is_met():
    from playground.bench.search import run_search_bench

    lines = []
    figures = run_search_bench(trials=4, seeds=1, epochs=3, report=lines.append)
    assert figures["ratio"] == pytest.approx(figures["ours_trials_per_minute"] / figures["bare_trials_per_minute"])
    assert figures["overhead_ms"] > 0 and 0 <= figures["tpe_median_best"] <= 1
    text = "\n".join(lines)
    for words in ("trials/min", "goal ≥ 10×", "goal ≥ 1.7×", "goal ≤ 50 ms", "TPE is"):
        assert words in text


def test_a_project_setting_asks_train_for_event_files_too(write_project, tmp_path):
    out = tmp_path / "run"
    assert main(["train", str(write_project(project_dict(epochs=3, tensorboard=True), "tb.json")), "--output", str(out),
                 "--quiet", "--threads", "1"]) == 0
    assert list(out.glob("events.out.tfevents.*"))
    plain = tmp_path / "plain"
    assert main(["train", str(write_project(project_dict(epochs=3), "plain.json")), "--output", str(plain),
                 "--quiet", "--threads", "1"]) == 0
    assert not list(plain.glob("events.out.tfevents.*"))
