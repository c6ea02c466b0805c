"""The window's menus, toolbar, tour, settings and help.

A part of MainWindow (gui/window/main_window.py), in a module of its own."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QComboBox, QDockWidget, QLabel, QToolBar, QToolButton, QWidget

from playground.gui.dialogs.download import CHOICES as DOWNLOAD_CHOICES
from playground.gui.dialogs.settings import SettingsDialog
from playground.gui.dialogs.tour import Stop, Tour
from playground.gui.preferences import Preferences
from playground.gui.theme import apply_theme, theme_plots
from playground.gui.window.files import templates
from playground.gui.controllers.worker import SPEEDS


class Menus:
    """The window's menus, toolbar, tour, settings and help (a part of MainWindow)."""

    def _action(self, text: str, slot: Callable, shortcut: Any = None, name: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if name:
            action.setObjectName(name)
        action.triggered.connect(slot)
        return action

    def _actions(self) -> None:
        menu = self.menuBar()
        files = menu.addMenu("&File")
        self.new_action = self._action("&New", lambda: self.new_project(), QKeySequence.StandardKey.New, "newAction")
        files.addAction(self.new_action)
        self.templates_menu = files.addMenu("New from &template")
        for title, path in templates():
            self.templates_menu.addAction(title, lambda p=path: self.new_project(p))
        files.addAction(self._action("&Open…", self.open_dialog, QKeySequence.StandardKey.Open, "openAction"))
        self.recent_menu = files.addMenu("Open &recent")
        files.addAction(self._action("&Save", self.save, QKeySequence.StandardKey.Save, "saveAction"))
        files.addAction(self._action("Save &as…", self.save_as, QKeySequence("Ctrl+Shift+S"), "saveAsAction"))
        files.addSeparator()
        self.export_action = self._action("&Export model…", self.show_export_dialog, QKeySequence("Ctrl+E"), "exportAction")
        files.addAction(self.export_action)
        self.serve_action = self._action("Ser&ve model…", self.show_serve_dialog, None, "serveAction")
        self.serve_action.setToolTip("Answer requests with the trained model over HTTP (the Open Inference Protocol)")
        files.addAction(self.serve_action)
        files.addAction(self._action("Export loss &history (CSV)…", self.export_history_dialog, None,
                                     "exportHistoryAction"))
        downloads = files.addMenu("&Download data set")
        for dataset, choices in DOWNLOAD_CHOICES.items():
            for title, source in choices:
                downloads.addAction(self._action(f"{title}…", lambda _=False, d=dataset, s=source, t=title:
                                                 self.download_data(d, s, t), None, f"download_{source}"))
        files.addSeparator()
        files.addAction(self._action("&Quit", self.close, QKeySequence.StandardKey.Quit, "quitAction"))

        edit = menu.addMenu("&Edit")
        self.undo_action = self.document.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.document.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.StandardKey.Redo])
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        edit.addAction(self.editor.duplicate_action)
        edit.addAction(self.editor.delete_action)
        edit.addSeparator()
        edit.addAction(self._action("&Settings…", self.show_settings, QKeySequence.StandardKey.Preferences,
                                    "settingsAction"))

        train = menu.addMenu("&Train")
        self.play_action = self._action("&Play", self.toggle_play, QKeySequence(Qt.Key.Key_Space), "playAction")
        self.step_action = self._action("&Step one epoch", self.step, QKeySequence("Ctrl+Right"), "stepAction")
        self.reset_action = self._action("&Reset weights", self.reset, QKeySequence("Ctrl+R"), "resetAction")
        self.best_action = self._action("Revert to &best (lowest test loss)", self.worker.revert_to_best,
                                        QKeySequence("Ctrl+B"), "revertBestAction")
        for action in (self.play_action, self.step_action, self.reset_action, self.best_action):
            train.addAction(action)

        view = menu.addMenu("&View")
        for dock in self.findChildren(QDockWidget):
            view.addAction(dock.toggleViewAction())
        view.addAction(self._action("&Reset layout", self.reset_layout, None, "resetLayoutAction"))
        view.addSeparator()
        images = view.addMenu("Save view as &image")
        for key, title in self.image_views().items():
            images.addAction(self._action(f"{title}…", lambda _=False, k=key: self.save_view_dialog(k),
                                          None, f"saveImage_{key}"))

        help_menu = menu.addMenu("&Help")
        self.menus = [files, edit, train, view]
        help_menu.addAction(self._action("Quick &tour", self.show_tour, None, "tourAction"))
        help_menu.addAction(self._action("&Keyboard shortcuts", self.show_shortcuts, QKeySequence("F1"), "shortcutsAction"))
        help_menu.addAction(self._action("&About Neural Playground", self.show_about, None, "aboutAction"))

        bar = QToolBar("Transport", objectName="transportBar")
        bar.setMovable(False)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.play_button = self._tool_button(bar, self.play_action, "playButton", "Play / pause training (Space)")
        self.step_button = self._tool_button(bar, self.step_action, "stepButton", "Train one epoch")
        self.reset_button = self._tool_button(bar, self.reset_action, "resetButton", "Start again from new weights")
        bar.addSeparator()
        self.epoch_label = QLabel(objectName="epochLabel")
        self.epoch_label.setStyleSheet("font-size: 15px; padding: 0 12px;")
        bar.addWidget(self.epoch_label)
        bar.addSeparator()
        bar.addWidget(QLabel("Speed ", objectName="speedLabel"))
        self.speed = QComboBox(objectName="speedCombo")
        self.speed.setToolTip("How fast training runs while playing: watch it learn (about one epoch a frame, "
                              "as the TensorFlow Playground), fast, or as fast as this machine can")
        for key, title in (("watch", "watch (≈30 epochs/s)"), ("fast", "fast (≈300 epochs/s)"),
                           ("fastest", "as fast as possible")):
            self.speed.addItem(title, key)
        chosen = str(self.settings.value("training/speed", "watch"))
        self.speed.setCurrentIndex(max(0, self.speed.findData(chosen if chosen in SPEEDS else "watch")))
        self.speed.currentIndexChanged.connect(self._speed_changed)
        bar.addWidget(self.speed)
        self._refresh_recent()

    def _tool_button(self, bar: QToolBar, action: QAction, name: str, tip: str) -> QToolButton:
        button = QToolButton(objectName=name)
        button.setDefaultAction(action)
        button.setToolTip(tip)
        button.setMinimumWidth(84)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.addWidget(button)
        return button

    def show_tour(self) -> Tour:
        """A bubble beside each main panel in turn (Help ▸ Quick tour)."""
        stops = [
            Stop(self.play_button, "Press play",
                 "A small network and its data are ready (the first time: the TensorFlow Playground's starting "
                 "point). Play (Space) trains it; Step (Ctrl+→) trains one epoch; Reset (Ctrl+R) draws new "
                 "weights."),
            Stop(self.data_panel, "Data",
                 "Choose a data set — the 2-D toys, digits, MNIST-format files, CSV tables, sequences — and, "
                 "for the plane, which features the network sees."),
            Stop(self.left_tabs, "The network",
                 "Network shows every neuron's map and the weights as links (click one to edit it). Layers is "
                 "the editor: drag layers in from the Layers palette, reorder, duplicate, delete. Code and "
                 "Learn show the same network as PyTorch code and as formulas."),
            Stop(self.palette, "Layers palette",
                 "Every layer kind, with what it does and its formula in the tooltip. Drag one onto the "
                 "Layers tab."),
            Stop(self.training_panel, "Training",
                 "Loss, optimizer, learning rate, batch size, regularization, schedule and device. Most changes "
                 "apply while training runs; every change can be undone (Ctrl+Z)."),
            Stop(self.data_views, "What the network learned",
                 "The decision boundary over the plane (or, for images, tables and sequences, the test samples "
                 "with their predictions). Below: loss curves, the confusion matrix, weights and gradients."),
            Stop(self.menuBar(), "Keep it",
                 "File ▸ Save keeps the project with its weights; File ▸ Export model writes ONNX, torch.export, "
                 "TorchScript, safetensors or PyTorch code. Help ▸ Quick tour shows this again."),
        ]
        if self.tour is not None:
            self.tour.deleteLater()
        self.tour = Tour(self, stops)
        self.tour.start()
        return self.tour

    def reset_layout(self) -> None:
        """Every dock back where it started, and shown."""
        self.restoreState(self._default_layout)
        for dock in self.findChildren(QDockWidget):
            dock.show()

    def show_settings(self) -> SettingsDialog:
        devices = [("auto", "auto (GPU if faster)")]
        devices += [(self.training_panel.device.itemData(i), self.training_panel.device.itemText(i))
                    for i in range(1, self.training_panel.device.count())]
        self.settings_dialog = SettingsDialog(self.preferences, devices, self)
        self.settings_dialog.acceptedPreferences.connect(self.apply_preferences)
        self.settings_dialog.open()
        return self.settings_dialog

    @Slot(object)
    def apply_preferences(self, preferences: Preferences) -> None:
        """Apply and remember `preferences`: theme (windows and plots), threads, refresh rate,
        autosave interval; the default device and data folder are read where they are used."""
        self.preferences = preferences
        preferences.save(self.settings)
        self.plot_colours = apply_theme(QApplication.instance(), preferences.theme)
        theme_plots(self, self.plot_colours)
        for widget in self.findChildren(QWidget):  # widgets with a style sheet keep the old palette
            if widget.styleSheet():
                widget.setStyleSheet(widget.styleSheet())
        if self.training_panel.threads.value() != preferences.threads:
            self.training_panel.threads.setValue(preferences.threads)  # → the worker, via threadsChanged
        self.worker.set_update_interval(1.0 / preferences.refresh_hz)
        self.autosave_timer.setInterval(1000 * preferences.autosave_seconds)

    def show_about(self):
        from playground.gui.dialogs.about import about_text, show_box

        self.help_box = show_box(self, "About Neural Playground", about_text())
        return self.help_box

    def show_shortcuts(self):
        from playground.gui.dialogs.about import shortcuts_html, show_box

        self.help_box = show_box(self, "Keyboard shortcuts", shortcuts_html(self.menus))
        return self.help_box
