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


def test_self_test_of_the_source_install(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen",
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-m", "playground", "--self-test"], capture_output=True, text=True,
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
