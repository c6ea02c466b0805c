"""The `playground` command as a user runs it: a real process, its exit status, its files."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from playground.core import fastpath
from tests.conftest import EXAMPLES, project_dict

ROOT = Path(__file__).resolve().parents[2]


def playground(*args: str, cwd: Path | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PLAYGROUND_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "playground", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout)


def assert_bad_input(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]


def test_train_writes_a_complete_run_folder(write_project, tmp_path):
    project = write_project(project_dict(epochs=15))
    out = tmp_path / "run"
    result = playground("train", str(project), "--output", str(out))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names[:3] == ["history.csv", "metrics.json", "model.safetensors"] and names[-1] == "project.json"
    assert len(names) == 5 and names[3].startswith("project.") and names[3].endswith(".state.safetensors")
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == 15
    for key in ("train_loss", "test_loss", "seconds", "test_accuracy"):
        assert isinstance(metrics[key], float)
    rows = list(csv.DictReader((out / "history.csv").open()))
    assert [int(r["epoch"]) for r in rows] == list(range(1, 16))
    resolved = json.loads((out / "project.json").read_text())
    assert resolved["training"]["clip_grad_norm"] is None  # defaults filled in
    assert "epoch 15/15" in result.stderr  # plain progress lines when not on a terminal


def test_train_options_override_the_project(write_project, tmp_path):
    project = write_project(project_dict(epochs=100))
    out = tmp_path / "run"
    result = playground("train", str(project), "--epochs", "3", "--seed", "7", "--device", "cpu",
                        "--output", str(out), "--quiet")
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
    resolved = json.loads((out / "project.json").read_text())
    assert resolved["training"]["epochs"] == 3 and resolved["training"]["seed"] == 7


def test_spiral_example_reaches_95_percent(tmp_path):
    out = tmp_path / "spiral"
    result = playground("train", str(EXAMPLES / "spiral.json"), "--output", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "metrics.json").read_text())["test_accuracy"] >= 0.95


@pytest.mark.parametrize("example, metric, goal", [
    ("digits-cnn.json", "test_accuracy", 0.97),
    ("sine-lstm.json", "test_r2", 0.9),
    ("tiny-transformer.json", "test_accuracy", 0.9),
    pytest.param("digits-resnet.json", "test_accuracy", 0.97, marks=pytest.mark.slow),
    pytest.param("digits-inception.json", "test_accuracy", 0.97, marks=pytest.mark.slow),
    ("table-wide-deep.json", "test_accuracy", 0.95),
    ("spiral-skip.json", "test_accuracy", 0.95),
])
def test_examples_beyond_the_plane_reach_what_the_readme_states(tmp_path, example, metric, goal):
    out = tmp_path / "run"
    result = playground("train", str(EXAMPLES / example), "--output", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "metrics.json").read_text())[metric] >= goal


@pytest.mark.parametrize("content, words", [
    ("{", ["not valid JSON", "line 1"]),
    ('{"format": "neural-playground-project", "version": 1, "data": {"dataset": "spira", ', ["not valid JSON"]),
    ("just text", ["not valid JSON"]),
    (b"\x80\x04\x95\x00pickle", ["pickle"]),
])
def test_train_refuses_broken_files(write_project, tmp_path, content, words):
    out = tmp_path / "run"
    result = playground("train", str(write_project(content)), "--output", str(out))
    assert_bad_input(result, *words)
    assert not out.exists()


@pytest.mark.parametrize("mutate, words", [
    (lambda r: r["data"].update(dataset="nope"), ["data.dataset", "nope"]),
    (lambda r: r["model"]["layers"][0].update(type="conv9d"), ["model.layers[0].type"]),
    (lambda r: r["model"]["layers"][0].update(units=-1), ["model.layers[0].units", "≥ 1"]),
    (lambda r: r["model"]["layers"][0].update(units="many"), ["model.layers[0].units", "integer"]),
    (lambda r: r["training"].update(loss="cross_entropy"), ["cross_entropy", "units to 2"]),
    (lambda r: r["model"]["layers"][0].update(units=60000) or r["model"]["layers"].insert(
        1, {"type": "dense", "units": 60000}), ["would need", "parameters"]),
    (lambda r: r["training"].update(device="cuda:7"), ["cuda:7 is not available"]),
])
def test_train_refuses_bad_projects(write_project, tmp_path, mutate, words):
    raw = project_dict()
    mutate(raw)
    out = tmp_path / "run"
    result = playground("train", str(write_project(raw)), "--output", str(out))
    assert_bad_input(result, *words)
    assert not out.exists()


def test_cli_usage_errors_are_one_line(tmp_path):
    assert_bad_input(playground("train"), "project")
    assert_bad_input(playground("train", str(tmp_path / "missing.json")), "no such file")
    assert_bad_input(playground("export", str(tmp_path), "--format", "gif", "--output", "x"), "gif")
    assert_bad_input(playground("export", str(tmp_path), "--format", "onnx", "--output", "x.onnx"), "run folder")
    assert_bad_input(playground("frobnicate"), "frobnicate")
    assert_bad_input(playground("train", str(EXAMPLES / "tf-default.json"), "--epochs", "-2"), "--epochs")


def test_export_every_format_from_a_run(write_project, tmp_path, capsys):
    from playground.cli import main

    run = tmp_path / "run"
    assert playground("train", str(write_project(project_dict(epochs=5))), "--output", str(run), "--quiet").returncode == 0
    result = playground("export", str(run), "--format", "onnx", "--output", str(tmp_path / "m.onnx"))  # a real process
    assert result.returncode == 0 and "checked" in result.stdout, result.stderr
    for fmt, name in [("pt2", "m.pt2"), ("torchscript", "m.pt"), ("safetensors", "m.safetensors"), ("python", "m.py")]:
        assert main(["export", str(run), "--format", fmt, "--output", str(tmp_path / name)]) == 0  # the same command
        assert "checked" in capsys.readouterr().out and (tmp_path / name).is_file()
    import onnxruntime
    session = onnxruntime.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape[0] == "batch"


def test_info_lists_versions_and_devices():
    result = playground("info")
    assert result.returncode == 0, result.stderr
    assert "torch: 2." in result.stdout and "cpu:" in result.stdout and "torch threads" in result.stdout


def test_bench_reports_ratios_goals_and_json(tmp_path):
    out = tmp_path / "bench.json"
    result = playground("bench", "--configs", "a", "--seconds", "0.5", "--json", str(out))
    assert result.returncode == 0, result.stderr
    row = [line for line in result.stdout.splitlines() if line.startswith("(a)")][0]
    trainer, bare, ratio, browser, vs_browser = (float(v) for v in row.split()[1:6])
    assert trainer > 0 and bare > 0 and ratio == pytest.approx(trainer / bare, rel=0.002)
    assert browser == 6514 and vs_browser == pytest.approx(trainer / browser, abs=0.01)
    path = "fast path" if fastpath.compiler() else "eager"
    assert path in row
    goal = [line for line in result.stdout.splitlines() if line.startswith("training (a)")][0]
    assert goal.split()[-1] == ("yes" if trainer >= browser else "NO")  # met exactly when it is
    figures = json.loads(out.read_text())
    assert figures["training"][0]["config"] == "a"
    assert figures["training"][0]["trainer_epochs_per_second"] == pytest.approx(trainer, rel=0.01)
    assert figures["goals"][0]["met"] == (goal.split()[-1] == "yes")


def test_bench_reports_the_probe_time_of_the_six_layer_network():
    result = playground("bench", "--configs", "b", "--seconds", "0.3")
    assert result.returncode == 0, result.stderr
    line = [line for line in result.stdout.splitlines() if line.startswith("probes (b)")][0]
    assert float(line.split("median ")[1].split(" ms")[0]) > 0 and "browser 42.8 ms" in line


def test_bench_views_compares_live_views_with_a_minimized_window():
    result = playground("bench", "--views", "1")
    assert result.returncode == 0, result.stderr
    on = [line for line in result.stdout.splitlines() if "views on" in line][0]
    off = [line for line in result.stdout.splitlines() if "minimized" in line][0]
    assert float(on.split()[2]) > 0 and float(off.split()[1]) > 0
    assert "neuron maps 0.0 frames/s" in off and "boundary 0.0 frames/s" in off  # nothing drawn while minimized
    assert float(on.split("neuron maps ")[1].split()[0]) > 0
    assert "of the speed with views off" in result.stdout


def test_no_display_is_a_clear_message_not_a_crash(monkeypatch):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "playground"], capture_output=True, text=True,
                            env={**env, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert_bad_input(result, "no display")


def test_a_missing_project_file_is_refused_before_the_window_opens(tmp_path):
    assert_bad_input(playground(str(tmp_path / "nope.json")), "no such project file")


def test_core_and_cli_load_no_qt():
    code = ("import sys, playground.cli, playground.core.training, playground.core.io.export, "
            "playground.core.probes, playground.core.model.registry\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')]\n"
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_the_window_shows_before_torch_is_loaded(tmp_path):
    """Start-up: the window's modules import no torch (the training thread loads it while the
    window is on screen), and `playground` paints its window and can be timed (bench --startup)."""
    code = ("import sys, playground.cli, playground.gui.window.main_window, playground.gui.app\n"
            "assert 'torch' not in sys.modules, 'torch imported by the window modules'")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "playground", "--startup-probe"], capture_output=True, text=True,
                            timeout=120, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "shown"


def test_internal_faults_exit_1_with_one_line(monkeypatch, capsys):
    from playground import cli
    import playground.core.training as training

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(training.Trainer, "__init__", broken)
    monkeypatch.delenv("PLAYGROUND_DEBUG", raising=False)
    assert cli.main(["train", str(EXAMPLES / "tf-default.json"), "--output", "/nonexistent/never"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("internal error: RuntimeError: boom")


def test_progress_bar_on_a_terminal(write_project, tmp_path):
    import pty
    project = write_project(project_dict(epochs=5))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    pid, fd = pty.fork()
    if pid == 0:  # child: stderr is the terminal
        os.execve(sys.executable, [sys.executable, "-m", "playground", "train", str(project), "--output",
                                   str(tmp_path / "run")], env)
    output = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    text = output.decode(errors="replace")
    assert "\r[" in text and "########################] epoch 5/5" in text


def test_training_a_run_folder_resumes_it_and_checkpoints(write_project, tmp_path, capsys):
    from playground.cli import main

    run = tmp_path / "run"
    project = write_project(project_dict(epochs=4, optimizer="adam"))
    assert main(["train", str(project), "--output", str(run), "--checkpoint-every", "2", "--quiet",
                 "--threads", "1"]) == 0
    assert (run / "checkpoint.json").is_file()
    capsys.readouterr()
    assert main(["train", str(run / "project.json"), "--epochs", "7", "--output", str(run), "--threads", "1"]) == 0
    assert "resuming from epoch 4" in capsys.readouterr().err
    rows = list(csv.DictReader((run / "history.csv").open()))
    assert [int(r["epoch"]) for r in rows] == list(range(1, 8))
    straight = tmp_path / "straight"
    assert main(["train", str(write_project(project_dict(epochs=7, optimizer="adam"), "s.json")),
                 "--output", str(straight), "--quiet", "--threads", "1"]) == 0
    assert (json.loads((run / "metrics.json").read_text())["test_loss"]
            == json.loads((straight / "metrics.json").read_text())["test_loss"])


def test_download_from_a_mirror_checks_the_files(tmp_path):
    """A local HTTP server plays the mirror: good files arrive and are checked; bad ones are
    refused and removed; an unreachable mirror says where to put the files by hand."""
    from playground.core.data.images import MNIST_FILES
    from tests.conftest import http_mirror
    from tests.core.test_readers import mnist_folder

    served, _ = mnist_folder(tmp_path, n_train=6, n_test=3, compress=True)
    with http_mirror(served) as url:
        target = tmp_path / "data" / "mnist"
        result = playground("download", "mnist", "--to", str(target), "--url", url)
        assert result.returncode == 0, result.stderr
        assert str(target) in result.stdout
        assert sorted(p.name for p in target.iterdir()) == sorted(f"{s}.gz" for s in MNIST_FILES.values())
        # a mirror serving garbage: refused, nothing left behind
        (served / f"{MNIST_FILES['y_test']}.gz").write_bytes(b"garbage")
        bad = tmp_path / "bad"
        assert_bad_input(playground("download", "fashion-mnist", "--to", str(bad), "--url", url), "not valid")
        assert not list(bad.glob("*.gz"))
    # the port now refuses connections: "offline"
    assert_bad_input(playground("download", "kmnist", "--to", str(tmp_path / "k"), "--url", url),
                     "could not download", "Offline?", "put them in")


def test_ctrl_c_stops_between_two_steps_and_the_run_resumes_from_there(write_project, tmp_path):  # a real process
    """Ctrl+C reaches the trainer's control: training stops between two steps, exit 130, and
    the run folder is whole and resumes exactly (its history ends where its state is)."""
    import signal
    import time

    run = tmp_path / "run"
    project = write_project(project_dict(epochs=10**7))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-m", "playground", "train", str(project), "--output", str(run),
                              "--checkpoint-every", "20"], stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    while not (run / "checkpoint.json").exists() and time.monotonic() < deadline:  # training runs
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "interrupted at epoch" in err and "Traceback" not in err
    rows = list(csv.DictReader((run / "history.csv").open()))
    epochs = int(err.split("interrupted at epoch ")[1].split(";")[0])
    assert int(rows[-1]["epoch"]) == epochs == json.loads((run / "metrics.json").read_text())["epochs"]
    from playground.cli import main

    assert main(["train", str(run / "project.json"), "--epochs", str(epochs + 2), "--output", str(run),
                 "--quiet", "--threads", "1"]) == 0
    assert json.loads((run / "metrics.json").read_text())["epochs"] == epochs + 2


def test_patience_stops_a_run_early_and_says_so(write_project, tmp_path):
    from playground.cli import main

    layers = [{"type": "dense", "units": 16, "activation": "relu"}, {"type": "dense", "units": 16, "activation": "relu"},
              {"type": "dense", "units": 1}]
    raw = project_dict("spiral", samples=60, epochs=600, optimizer="adam", layers=layers)
    raw["data"]["noise"] = 0.5
    run = tmp_path / "run"
    assert main(["train", str(write_project(raw)), "--patience", "10", "--output", str(run), "--quiet",
                 "--threads", "1"]) == 0
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["epochs"] < 600 and "had not improved for 10 epochs" in metrics["stopped_early"]
    assert main(["train", str(write_project(raw, "b.json")), "--patience", "-1"]) == 2
