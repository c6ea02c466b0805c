"""The house's rules, checked by a machine: the import-linter contracts in pyproject.toml (no Qt in
the core or the command line, the window above the core, no torch in the spec and registry) and
no import cycle between the app's modules."""

import shutil
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_are_kept():
    command = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    done = subprocess.run([command], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0 and "0 broken" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]


def import_cycles(package: str) -> list[list[str]]:
    """Groups of modules that import one another, directly or through others (Tarjan)."""
    graph = grimp.build_graph(package)
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & set(modules)) for m in modules}
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in modules:
        if module not in index:
            visit(module)
    return cycles


def test_no_module_of_the_app_imports_itself_round_a_cycle():
    assert import_cycles("playground") == []


def test_the_window_asks_the_layer_kind_instead_of_switching_on_its_name():
    """How a layer is drawn, summarized and explained is the kind's to say (core.model.layers:
    `summary`, `neurons`, `keeps_neurons`, `output_activation`): no module of the window compares
    a layer's type with a name, so adding a kind changes nothing there."""
    import re

    switch = re.compile(r"""(layer|spec|last|kind)\.type\s*(==|!=|in)\s*[("']""")
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in sorted((ROOT / "playground" / "gui").rglob("*.py"))
             for number, line in enumerate(path.read_text().splitlines(), 1) if switch.search(line)]
    assert not found, "\n".join(found)


def test_every_layer_kind_answers_for_itself():
    from playground.core.model.layers import LAYERS
    from playground.core.model.spec import LayerSpec

    for name, kind in LAYERS.items():
        params = LayerSpec.create(name).params
        assert kind.summary(params).startswith(kind.entry.title)
        assert isinstance(kind.output_activation(params), str)
        assert not (kind.neurons and kind.keeps_neurons)
    assert [name for name, kind in LAYERS.items() if kind.neurons] == ["dense"]
    assert LAYERS["dense"].summary({"units": 1, "activation": "tanh"}) == "Dense · 1 unit · Tanh"
    assert not LAYERS["batch_norm2d"].keeps_neurons and LAYERS["batch_norm"].keeps_neurons
