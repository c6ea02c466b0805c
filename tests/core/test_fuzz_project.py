"""Property-based: random and broken project files raise only the app's own error, never hang."""

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.core.errors import PlaygroundError
from playground.core.io.jsonfile import parse_json
from playground.core.model.shapes import analyze, check_memory
from playground.core.model.spec import Project
from tests.conftest import project_dict

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load_and_check(raw) -> None:
    """What the app does with a file before training: validate, analyze, estimate memory. What
    loads must be a project that writes back to the same project (nothing lost or invented)."""
    project = Project.from_dict(raw)
    assert Project.from_dict(json.loads(json.dumps(project.to_dict(), allow_nan=False))) == project
    analysis = analyze(project)
    if analysis.ok:
        assert analysis.layers and analysis.encoding is not None
        check_memory(project, analysis)


@SETTINGS
@given(JSON)
def test_random_json_is_refused_cleanly(value):
    try:
        load_and_check(value)
    except PlaygroundError:
        pass


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, prefix + (i,))


BASE = project_dict(layers=[{"type": "dense", "units": 8, "activation": "relu", "init": "he_uniform"},
                            {"type": "batch_norm"}, {"type": "dropout", "rate": 0.1},
                            {"type": "dense", "units": 1, "activation": "tanh"}],
                    optimizer={"name": "adam", "beta1": 0.9}, schedule={"name": "step", "step_size": 3, "gamma": 0.5})
ALL_PATHS = [p for p in paths(BASE) if p]


@SETTINGS
@given(st.sampled_from(ALL_PATHS), JSON, st.booleans())
def test_mutated_projects_are_valid_or_refused_cleanly(path, value, delete):
    raw = copy.deepcopy(BASE)
    target = raw
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    try:
        load_and_check(raw)
    except PlaygroundError as err:
        assert str(err)


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_are_refused_cleanly(data):
    try:
        load_and_check(parse_json(data, "fuzz.json"))
    except PlaygroundError:
        pass


@SETTINGS
@given(st.integers(0, len(json.dumps(BASE))))
def test_truncated_files_are_refused_cleanly(cut):
    text = json.dumps(BASE)[:cut]
    try:
        load_and_check(parse_json(text.encode(), "cut.json"))
    except PlaygroundError:
        return
    assert cut == len(json.dumps(BASE))


NUMBERS = st.one_of(st.integers(-10**6, 10**6), st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from([0, 1, -1, 2, 0.5]))
TRAINABLE = project_dict(layers=[{"type": "dense", "units": 4, "activation": "tanh",
                                  "init": {"name": "uniform", "low": -0.5, "high": 0.5},
                                  "bias_init": {"name": "normal", "mean": 0.0, "std": 0.1}},
                                 {"type": "dense", "units": 1, "activation": "tanh"}],
                         samples=40, epochs=2, optimizer={"name": "adam", "beta1": 0.9},
                         schedule={"name": "step", "step_size": 3, "gamma": 0.5})
def _value(raw, path):
    for key in path:
        raw = raw[key]
    return raw


NUMBER_PATHS = [p for p in paths(TRAINABLE) if p and isinstance(_value(TRAINABLE, p), (int, float))
                and not isinstance(_value(TRAINABLE, p), bool)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(NUMBER_PATHS), NUMBERS), min_size=1, max_size=3))
def test_a_project_that_loads_also_trains_and_saves_or_is_refused_at_once(tmp_path_factory, changes):
    """What validation accepts must train and write its run folder: no value may pass the check
    and fail later (uniform low > high once did, in the initializer)."""
    from playground.core.io.rundir import write_run
    from playground.core.training import Trainer

    raw = copy.deepcopy(TRAINABLE)
    for path, value in changes:
        target = raw
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    try:
        project = Project.from_dict(raw)
        analysis = analyze(project)
        analysis.raise_error()
        check_memory(project, analysis, limit=2**28)
    except PlaygroundError:
        return
    trainer = Trainer(project, memory_limit=2**28)
    last = trainer.run(2)
    assert last.kind in ("epoch", "diverged")
    write_run(tmp_path_factory.mktemp("run") / "r", project, trainer.state_dict(), trainer.history,
              trainer.metrics(), trainer.state())
