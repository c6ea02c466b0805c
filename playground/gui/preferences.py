"""The application's preferences: what the Settings dialog edits, kept in QSettings (one key
each). A plain object, so the window applies it and tests compare it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from PySide6.QtCore import QSettings

from playground.core.data.download import data_folder
from playground.core.devices import default_threads
from playground.gui.theme import THEMES

REFRESH_RANGE = (5, 60)        # plot updates per second
AUTOSAVE_RANGE = (10, 3600)    # seconds between recovery saves


@dataclass
class Preferences:
    theme: str = "system"            # system, light, dark
    device: str = "auto"             # the device of new projects
    threads: int = 0                 # torch threads for training (0: cores − 1)
    refresh_hz: int = 30             # live view updates per second
    autosave_seconds: int = 60       # recovery copy of the open project every this many seconds
    data_folder: str = ""            # downloads go here; file choosers start here ("": the default)

    KEYS = {"theme": "appearance/theme", "device": "training/defaultDevice", "threads": "training/threads",
            "refresh_hz": "view/refreshHz", "autosave_seconds": "autosave/seconds",
            "data_folder": "files/dataFolder"}

    def __post_init__(self) -> None:
        self.threads = self.threads or default_threads()
        if self.theme not in THEMES:
            self.theme = "system"
        self.refresh_hz = min(max(int(self.refresh_hz), REFRESH_RANGE[0]), REFRESH_RANGE[1])
        self.autosave_seconds = min(max(int(self.autosave_seconds), AUTOSAVE_RANGE[0]), AUTOSAVE_RANGE[1])
        self.threads = max(1, int(self.threads))

    @classmethod
    def load(cls, settings: QSettings) -> "Preferences":
        """Read from `settings`; a missing or damaged value falls back to its default."""
        values = {}
        for field in fields(cls):
            key = cls.KEYS[field.name]
            if not settings.contains(key):
                continue
            kind = int if field.type == "int" else str
            try:
                values[field.name] = kind(settings.value(key))
            except (TypeError, ValueError):
                continue
        return cls(**values)

    def data_path(self) -> Path:
        """The chosen data folder, or the default one (which follows $XDG_DATA_HOME)."""
        return Path(self.data_folder) if self.data_folder else data_folder()

    def save(self, settings: QSettings) -> None:
        for field in fields(self):
            settings.setValue(self.KEYS[field.name], getattr(self, field.name))
