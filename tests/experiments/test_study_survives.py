"""A study survives what happens to its workers: a SIGKILL mid-trial, Ctrl+C, a trial that runs out
of memory or diverges; several objectives give a Pareto front."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from playground.cli import main
from tests.conftest import project_dict


def long_search(write_project, trials=3, epochs=400, **search):
    raw = project_dict(epochs=epochs, samples=200, layers=[{"type": "dense", "units": 4, "activation": "tanh"},
                                                           {"type": "dense", "units": 1, "activation": "tanh"}])
    raw["search"] = {"objective": {"metric": "test_loss"}, "sampler": "random", "trials": trials, "seed": 0,
                     "space": {"training.learning_rate": {"log_uniform": [0.003, 0.3]}}, **search}
    return write_project(raw, "search.json")


def load(out):
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    return optuna.load_study(study_name="search", storage=JournalStorage(JournalFileBackend(str(out / "study.journal"))))


def start_search(file, out, workers):
    return subprocess.Popen([sys.executable, "-m", "playground", "search", str(file), "--output", str(out),
                             "--workers", str(workers), "--quiet"], start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_running(out, number, process, timeout=60):
    """Until trial `number` is training (its folder has an event file)."""
    deadline = time.monotonic() + timeout
    while not list((out / f"trial-{number:04d}").glob("events.out.tfevents.*")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the trial never started"
        time.sleep(0.05)


def test_a_trial_whose_worker_is_killed_is_retried_never_counted_complete(write_project, tmp_path):
    file, out = long_search(write_project), tmp_path / "study"
    process = start_search(file, out, workers=1)
    wait_for_running(out, 1, process)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    killed = next(t for t in load(out).trials if t.number == 1)
    assert killed.state.name == "RUNNING"  # as the kill left it
    assert main(["search", str(file), "--output", str(out), "--workers", "1", "--quiet"]) == 0
    trials = {t.number: t for t in load(out).trials}
    assert trials[1].state.name == "FAIL"
    retry = next(t for t in trials.values() if t.system_attrs.get("failed_trial") == 1)
    assert retry.params == killed.params and retry.state.name == "COMPLETE"
    complete = sorted(n for n, t in trials.items() if t.state.name == "COMPLETE")
    assert len(complete) == 3 and 1 not in complete  # the total is 3 complete trials, the killed one not among them
    assert not (out / "trial-0001").exists()  # its half-written folder is gone
    assert sorted(p.name for p in out.glob("trial-*")) == [f"trial-{n:04d}" for n in complete]


def test_ctrl_c_stops_every_worker_and_the_same_command_continues(write_project, tmp_path):
    file, out = long_search(write_project, trials=4), tmp_path / "study"
    process = start_search(file, out, workers=2)
    wait_for_running(out, 0, process)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "the same command continues" in err
    study = load(out)
    assert not [t for t in study.trials if t.state.name == "RUNNING"]
    interrupted = [t for t in study.trials if t.state.name == "FAIL"]
    assert interrupted and all(any(w.system_attrs.get("failed_trial") == t.number for w in study.trials)
                               for t in interrupted)  # each queued again
    assert main(["search", str(file), "--output", str(out), "--workers", "1", "--quiet"]) == 0
    assert len([t for t in load(out).trials if t.state.name == "COMPLETE"]) == 4


@pytest.mark.skipif(sys.platform != "linux", reason="limits the worker's address space with Linux's RLIMIT_AS")
def test_a_trial_that_runs_out_of_memory_is_failed_with_the_reason_and_the_study_goes_on(write_project, tmp_path):
    raw = project_dict(epochs=5, layers=[{"type": "dense", "units": 4, "activation": "tanh"},
                                         {"type": "dense", "units": 20_000, "activation": "tanh"},
                                         {"type": "dense", "units": 1, "activation": "tanh"}])
    raw["search"] = {"sampler": "grid", "trials": 2, "space": {"model.layers[0].units": {"choice": [2, 20_000]}}}
    file, out = write_project(raw, "search.json"), tmp_path / "study"
    # 4·10⁸ weights: within what this machine allows, beyond the 3 GiB this worker may have (the
    # gradients do not fit); a smaller machine refuses it before training: either is the reason given
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30)); "
    done = subprocess.run([sys.executable, "-c", limit + "from playground.cli import main; import sys; sys.exit(main(sys.argv[1:]))",
                           "search", str(file), "--output", str(out), "--workers", "1", "--quiet"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    infos = {json.loads(p.read_text())["params"]["model.layers[0].units"]: json.loads(p.read_text())
             for p in out.glob("trial-*/trial.json")}
    assert infos[2]["state"] == "complete"
    assert infos[20_000]["state"] == "failed"
    assert "out of memory" in infos[20_000]["reason"] or "training would need about" in infos[20_000]["reason"]
    assert {t.state.name for t in load(out).trials} == {"COMPLETE", "FAIL"}
    assert main(["runs", str(out)]) == 0


def test_a_trial_that_diverges_is_failed_and_the_study_goes_on(write_project, tmp_path, capsys):
    raw = project_dict(epochs=30, optimizer="sgd", layers=[{"type": "dense", "units": 4, "activation": "linear"},
                                                           {"type": "dense", "units": 1, "activation": "linear"}])
    raw["search"] = {"sampler": "grid", "trials": 2,
                     "space": {"training.learning_rate": {"choice": [0.03, 10]}}}
    file, out = write_project(raw, "search.json"), tmp_path / "study"
    assert main(["search", str(file), "--output", str(out), "--workers", "1", "--quiet"]) == 0
    infos = {json.loads(p.read_text())["params"]["training.learning_rate"]: json.loads(p.read_text())
             for p in out.glob("trial-*/trial.json")}
    assert infos[0.03]["state"] == "complete" and infos[10]["state"] == "diverged"
    assert "loss became NaN" in infos[10]["reason"]
    assert {t.state.name for t in load(out).trials} == {"COMPLETE", "FAIL"}


def test_two_objectives_give_a_pareto_front(write_project, tmp_path, capsys):
    raw = project_dict(epochs=10)
    raw["search"] = {"objective": [{"metric": "test_loss", "direction": "minimize"},
                                   {"metric": "parameters", "direction": "minimize"}],
                     "sampler": "nsga2", "trials": 6, "seed": 0,
                     "space": {"model.layers[0].units": {"int": [1, 8]},
                               "training.learning_rate": {"log_uniform": [0.003, 0.3]}}}
    file, out = write_project(raw, "search.json"), tmp_path / "study"
    assert main(["search", str(file), "--output", str(out), "--workers", "1", "--quiet"]) == 0
    infos = [json.loads(p.read_text()) for p in sorted(out.glob("trial-*/trial.json"))]
    points = {i["number"]: (i["objectives"]["test_loss"], i["objectives"]["parameters"]) for i in infos}
    front = json.loads((out / "pareto.json").read_text())["trials"]

    def dominated(a):
        return any(b != a and b[0] <= a[0] and b[1] <= a[1] for b in points.values())

    assert front and sorted(front) == sorted(n for n, p in points.items() if not dominated(p))
    best = int((out / "best").resolve().name.split("-")[1])
    assert best in front and points[best][0] == min(points[n][0] for n in front)
    capsys.readouterr()
    assert main(["runs", str(out)]) == 0
    header, *lines = capsys.readouterr().out.splitlines()
    assert "parameters" in header.split() and "pareto" in header.split()
    assert sum("✓" in line for line in lines) == len(front)


@pytest.mark.parametrize("search,words", [
    ({"objective": [{"metric": "test_loss"}, {"metric": "parameters"}], "sampler": "cmaes"}, "optimizes one objective"),
    ({"objective": [{"metric": "test_loss"}, {"metric": "parameters"}], "pruner": "median"}, "with several objectives"),
    ({"objective": [{"metric": "test_loss"}, {"metric": "test_loss"}]}, "names a metric twice"),
    ({"objective": [{"metric": "test_loss"}, {"metric": "speed"}]}, "search.objective[1].metric"),
])
def test_mistakes_in_the_objectives_exit_2(write_project, tmp_path, capsys, search, words):
    file = long_search(write_project, **search)
    assert main(["search", str(file), "--output", str(tmp_path / "s")]) == 2
    assert words in capsys.readouterr().err


def test_a_bad_storage_url_and_worker_only_without_one_are_refused(write_project, tmp_path, capsys):
    file = long_search(write_project)
    assert main(["search", str(file), "--output", str(tmp_path / "s"), "--storage", "redis://x"]) == 2
    assert "give a database URL" in capsys.readouterr().err
    assert main(["search", str(file), "--output", str(tmp_path / "s"), "--worker-only"]) == 2
    assert "--storage postgresql://" in capsys.readouterr().err


@pytest.fixture(scope="module")
def postgres_url():
    """PLAYGROUND_TEST_POSTGRES (.ci/run sets it), or a server of our own from .ci/start-postgres
    where PostgreSQL is installed (Debian's postgresql), stopped after the tests."""
    pytest.importorskip("psycopg", reason="the PostgreSQL driver comes with the test extra (pip install -e '.[test]')")
    url = os.environ.get("PLAYGROUND_TEST_POSTGRES")
    if url:
        yield url
        return
    import glob
    import shutil
    import socket
    import tempfile

    if not glob.glob("/usr/lib/postgresql/*/bin/initdb") or (os.geteuid() == 0 and not shutil.which("su")):
        pytest.skip("needs a PostgreSQL server: Debian's postgresql package (.ci/run installs and starts it "
                    "with .ci/start-postgres and sets PLAYGROUND_TEST_POSTGRES; CI has it)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = tempfile.mkdtemp(prefix="playground-postgres-")  # in /tmp: the postgres user must reach it
    script = Path(__file__).parents[2] / ".ci" / "start-postgres"
    env = {**os.environ, "PGPORT": str(port), "PGDATA_DIR": str(data)}
    started = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr
    yield started.stdout.strip()
    subprocess.run([str(script), "--stop"], env=env, capture_output=True, timeout=60)
    shutil.rmtree(data, ignore_errors=True)


def test_workers_on_two_machines_share_one_study_in_postgresql(write_project, tmp_path, postgres_url):
    """Two `playground search` processes with their own folders (as on two machines), one started
    with --worker-only, on one study in a real PostgreSQL server: every trial run once, by one."""
    import optuna

    url = postgres_url
    raw = json.loads(long_search(write_project, trials=6, epochs=60).read_text())
    raw["search"]["name"] = f"two-machines-{os.getpid()}-{time.time_ns()}"
    file = write_project(raw, "search.json")
    command = [sys.executable, "-m", "playground", "search", str(file), "--storage", url, "--workers", "1", "--quiet"]
    first = subprocess.Popen(command + ["--output", str(tmp_path / "a")], stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(command + ["--output", str(tmp_path / "b"), "--worker-only"], stderr=subprocess.PIPE, text=True)
    for process in (first, second):
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    study = optuna.load_study(study_name=raw["search"]["name"], storage=url)
    numbers = sorted(t.number for t in study.trials if t.state.name == "COMPLETE")
    assert len(numbers) == 6  # the total: a trial begun as another worker reached it is withdrawn unrun
    assert all(t.system_attrs.get("surplus") for t in study.trials if t.state.name != "COMPLETE")
    folders = {side: {int(p.name.split("-")[1]) for p in (tmp_path / side).glob("trial-*")} for side in "ab"}
    assert folders["a"] and folders["b"] and not folders["a"] & folders["b"]  # both worked, none twice
    assert folders["a"] | folders["b"] == {t.number for t in study.trials if t.state.name == "COMPLETE"}
    optuna.delete_study(study_name=raw["search"]["name"], storage=url)


def test_a_trial_begun_after_the_total_was_reached_is_withdrawn_unrun(tmp_path):
    """Two workers finishing at one moment may each begin a trial: the later one steps back."""
    import optuna

    from playground.experiments.workers import counted, withdraw_if_surplus

    study = optuna.create_study()
    for value in (0.5, 0.4):
        study.add_trial(optuna.trial.create_trial(value=value, params={}, distributions={}))
    first, second = study.ask(), study.ask()  # both begun with one trial to go
    assert not withdraw_if_surplus(study, first, total=3)
    assert withdraw_if_surplus(study, second, total=3)
    study.tell(second, state=optuna.trial.TrialState.FAIL)
    study.tell(first, 0.3)
    assert counted(study) == 3
