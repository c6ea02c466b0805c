"""The packaging files fit together and the installed app proves itself: the PyInstaller spec
names files that exist, the desktop entry and the AppStream metadata agree on the app id and the
command, the icons exist in every size, and `playground --self-test` opens the window offscreen,
trains, exports ONNX and exits 0. (CI does not build the bundle; packaging/build.sh does.)"""

import configparser
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
APP_ID = "io.github.neural_playground.NeuralPlayground"


def test_the_spec_bundles_files_that_exist():
    """Run the spec with stand-ins for PyInstaller's classes and check what it hands them."""
    seen = {}

    def record(name):
        def make(*args, **kwargs):
            seen[name] = (args, kwargs)
            return type(name, (), {"pure": [], "scripts": [], "binaries": [], "datas": []})()
        return make

    namespace = {"SPECPATH": str(PACKAGING), **{n: record(n) for n in ("Analysis", "PYZ", "EXE", "COLLECT")}}
    exec(compile((PACKAGING / "neural-playground.spec").read_text(), "neural-playground.spec", "exec"), namespace)
    scripts, options = seen["Analysis"]
    assert [Path(s) for s in scripts[0]] == [ROOT / "playground" / "__main__.py"]
    for source, target in options["datas"]:
        assert Path(source).exists(), source
    targets = {target for _, target in options["datas"]}
    assert {"assets/examples", "assets/data", "assets/icons", "playground/core/fastpath"} <= targets
    assert Path(seen["EXE"][1]["icon"]).is_file() and seen["EXE"][1]["name"] == "neural-playground"
    assert seen["COLLECT"][1]["name"] == "neural-playground"  # one folder, dist/neural-playground/


def test_desktop_entry_metainfo_and_icons_agree():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(PACKAGING / f"{APP_ID}.desktop")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Name"] == "Neural Playground"
    assert desktop["Icon"] == APP_ID and desktop["Categories"].endswith(";")
    command = desktop["Exec"].split()[0]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts[command] == "playground.cli:main"  # the source install provides the command too
    meta = ET.parse(PACKAGING / f"{APP_ID}.metainfo.xml").getroot()
    assert meta.get("type") == "desktop-application" and meta.findtext("id") == APP_ID
    assert meta.findtext("launchable") == f"{APP_ID}.desktop"
    assert meta.find("provides").findtext("binary") == command
    assert meta.findtext("project_license") == "MIT" and len(meta.find("description").findall("p")) >= 1
    from playground import __version__
    assert meta.find("releases").find("release").get("version") == __version__
    assert (ROOT / "assets" / "icons" / "neural-playground.svg").read_text().startswith("<svg")
    for size in (16, 32, 48, 64, 128, 256, 512):
        with Image.open(ROOT / "assets" / "icons" / f"neural-playground-{size}.png") as icon:
            assert icon.size == (size, size)
    script = (PACKAGING / "build.sh").read_text()
    assert "--self-test" in script and "neural-playground.spec" in script


DROP_THE_CHECKOUT = """
# The checkout this test runs from is installed editable in the interpreter's site-packages; its
# import hook would win over the wheel installed in this venv. Drop it: what runs is the wheel.
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in type(f).__module__.lower()]
"""


@pytest.mark.slow
def test_a_built_wheel_installs_and_passes_its_self_test(tmp_path):
    """`pip wheel` of this project, installed (not editable) in a fresh venv that borrows the
    interpreter's torch and Qt: it carries its examples, digits and icons and passes
    `playground --self-test` from there, and never imports the checkout."""
    import venv
    import zipfile

    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(wheels)],
                   check=True, capture_output=True, timeout=300)
    wheel = next(wheels.glob("neural_playground-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("playground/_assets/examples/tf-default.json", "playground/_assets/data/digits.npz",
                    "playground/_assets/icons/neural-playground.svg", "playground/core/fastpath/dense_kernel.c"):
        assert shipped in names
    folder = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(folder)
    python = folder / "bin" / "python"
    site = next((folder / "lib").glob("python3*/site-packages"))
    (site / "sitecustomize.py").write_text(DROP_THE_CHECKOUT)
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--ignore-installed", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    where = subprocess.run([str(python), "-c", "import playground.assets as a; print(a.__file__, a.EXAMPLES)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert str(site) in where and "_assets" in where
    env = {"PATH": f"{folder / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen",
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run([str(folder / "bin" / "playground"), "--self-test"], capture_output=True, text=True,
                            timeout=240, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "ok  window opened with tf-default.json"
    from playground.core import fastpath

    path = "fast path" if fastpath.compiler() else "eager"  # compiled into the new cache, given a compiler
    assert lines[1].startswith("ok  trained 5 epochs") and path in lines[1]
    assert lines[2] == "ok  exported ONNX, read back and checked"
    assert lines[-1] == "self-test passed"
    assert not list(tmp_path.glob("*.onnx"))  # it wrote only in its own temporary folder


def test_every_package_of_the_app_is_in_the_wheel():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "playground").rglob("__init__.py")}
    assert found <= listed and listed - found == {"playground._assets"}
