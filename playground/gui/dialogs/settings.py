"""The Settings dialog (Edit ▸ Settings…, Ctrl+,): theme, default device, torch threads, plot
refresh rate, autosave interval and data folder. It edits a copy of the window's Preferences;
OK hands it back through `accepted_preferences`, Cancel changes nothing."""

from __future__ import annotations

import os
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from playground.gui.preferences import AUTOSAVE_RANGE, REFRESH_RANGE, Preferences
from playground.gui.theme import THEMES


class SettingsDialog(QDialog):
    acceptedPreferences = Signal(object)  # Preferences

    def __init__(self, preferences: Preferences, devices: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(500)
        self.original = preferences
        form = QFormLayout()
        self.theme = QComboBox(objectName="themeCombo")
        for key, title in THEMES.items():
            self.theme.addItem(title, key)
        self.theme.setToolTip("Light or dark windows and plots, or whatever the system uses")
        form.addRow("&Theme", self.theme)
        self.device = QComboBox(objectName="defaultDeviceCombo")
        for name, title in devices:
            self.device.addItem(title, name)
        self.device.setToolTip("The device new projects train on (a project's own choice is in its Training panel)")
        form.addRow("Default &device", self.device)
        self.threads = QSpinBox(objectName="threadsSetting", minimum=1, maximum=max(1, os.cpu_count() or 1))
        self.threads.setToolTip("Torch threads for training; cores − 1 leaves one core to the window")
        form.addRow("Torch t&hreads", self.threads)
        self.refresh = QSpinBox(objectName="refreshSetting", minimum=REFRESH_RANGE[0], maximum=REFRESH_RANGE[1],
                                suffix=" per second")
        self.refresh.setToolTip("How often the live views update while training (fewer leaves more time to train)")
        form.addRow("Plot &refresh rate", self.refresh)
        self.autosave = QSpinBox(objectName="autosaveSetting", minimum=AUTOSAVE_RANGE[0], maximum=AUTOSAVE_RANGE[1],
                                 suffix=" s")
        self.autosave.setToolTip("How often a recovery copy of the open project is written")
        form.addRow("&Autosave every", self.autosave)
        self.folder = QLineEdit(objectName="dataFolderSetting", placeholderText=str(Preferences().data_path()))
        self.folder.setToolTip("Where downloaded data sets go and where file choosers start (empty: the default)")
        choose = QPushButton("Choose…", objectName="chooseDataFolder")
        choose.clicked.connect(self._choose_folder)
        row = QWidget()
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.folder, 1)
        row_layout.addWidget(choose)
        form.addRow("Data &folder", row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            lambda: self.show_preferences(Preferences()))
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.show_preferences(preferences)

    def show_preferences(self, preferences: Preferences) -> None:
        self.theme.setCurrentIndex(max(0, self.theme.findData(preferences.theme)))
        index = self.device.findData(preferences.device)
        if index < 0:
            self.device.addItem(f"{preferences.device} (not found here)", preferences.device)
            index = self.device.count() - 1
        self.device.setCurrentIndex(index)
        self.threads.setValue(preferences.threads)
        self.refresh.setValue(preferences.refresh_hz)
        self.autosave.setValue(preferences.autosave_seconds)
        self.folder.setText(preferences.data_folder)

    def chosen(self) -> Preferences:
        return replace(self.original, theme=self.theme.currentData(), device=self.device.currentData(),
                       threads=self.threads.value(), refresh_hz=self.refresh.value(),
                       autosave_seconds=self.autosave.value(), data_folder=self.folder.text().strip())

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Data folder", self.folder.text() or self.folder.placeholderText())
        if chosen:
            self.folder.setText(chosen)

    def accept(self) -> None:
        self.acceptedPreferences.emit(self.chosen())
        super().accept()
