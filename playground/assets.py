"""Where the app's shipped files are: the example projects, the digits, the icons.

A source checkout keeps them in its top-level `assets/` folder (where a person looks for them);
a wheel carries the same files inside the package as `playground/_assets` (pyproject.toml), and
the desktop bundle beside the package (packaging/neural-playground.spec)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def assets_folder() -> Path:
    """The folder of shipped files: inside the installed package, else beside it."""
    for candidate in (_PACKAGE / "_assets", _PACKAGE.parent / "assets"):
        if (candidate / "examples").is_dir():
            return candidate
    return _PACKAGE.parent / "assets"


ASSETS = assets_folder()
EXAMPLES = ASSETS / "examples"
ICONS = ASSETS / "icons"
DIGITS = ASSETS / "data" / "digits.npz"
