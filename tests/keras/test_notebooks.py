"""The example scripts of the Python API run top to bottom."""

import os
import subprocess
import sys

import pytest

from tests.conftest import EXAMPLES

SCRIPTS = sorted((EXAMPLES / "notebooks").glob("*.py"))


def test_there_are_examples():
    assert {p.name for p in SCRIPTS} >= {"xor.py", "breast_cancer.py", "digits_cnn.py", "sine_lstm.py"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_the_example_runs_top_to_bottom(script, tmp_path):
    # one torch thread: the suite runs a test process per core, and torch's default (every core in
    # each process) oversubscribes them so badly that a recurrent network crawls
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, str(script), str(tmp_path / "out")], capture_output=True, text=True,
                            cwd=tmp_path, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip()
