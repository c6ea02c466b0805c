"""Play, step and reset; when an edited project goes to the training thread (after its analysis:
shapes, encoding, memory); and what the thread sends back: updates for the views, the data,
state changes and failures; which views need probes.

A part of MainWindow (gui/window/main_window.py), in a module of its own."""

from __future__ import annotations

from PySide6.QtCore import Slot

from playground.core.data.sources import cached_only
from playground.core.errors import ValidationError
from playground.core.model import edits
from playground.core.model.shapes import analyze, check_memory
from playground.core.model.spec import Project
from playground.core.views import ViewRequest
from playground.gui.theme import theme_plots


class TrainingControls:
    """Play, step and reset, and what the training thread sends back (a part of MainWindow)."""

    def view_request(self, focus: tuple[int, int] | None = None) -> ViewRequest:
        """What the views on screen need; nothing while the window is minimized (training runs
        faster then)."""
        if self.isMinimized():
            return ViewRequest(boundary=False)
        lower = self.lower_tabs.currentWidget()
        return ViewRequest(network=self.left_tabs.currentWidget() is self.network_view,
                           blocks=self.left_tabs.currentWidget() is self.graph_canvas,
                           statistics=lower is self.histogram_view, confusion=lower is self.confusion_view,
                           samples=self.data_views.currentWidget() is self.sample_view,
                           sample=self.sample_view.chosen, axes=self.boundary.axes, focus=focus)

    @Slot()
    def _views_changed(self, *_args) -> None:
        self.settings.setValue("view/leftTab", self.left_tabs.currentIndex())
        self.settings.setValue("view/lowerTab", self.lower_tabs.currentIndex())
        self.worker.set_views(self.view_request())

    @Slot(int, int)
    def _neuron_hovered(self, layer: int, unit: int) -> None:
        if layer < 0 and unit < 0:
            return  # a feature that is off: not an input of the model
        self.boundary.set_focus_title(self._neuron_title(layer, unit))
        self.worker.set_views(self.view_request((layer, unit)))

    @Slot()
    def _hover_ended(self) -> None:
        self.boundary.set_focus_title(None)
        self.worker.set_views(self.view_request())

    def _neuron_title(self, layer: int, unit: int) -> str:
        if layer < 0:
            return f"input feature {self.document.project.data.features[unit]}"
        layers = self.document.project.model.layers
        if not self.document.project.model.is_chain and 0 <= layer < len(layers):
            return f"channel {unit + 1} of {layers[layer].id or f'layer {layer + 1}'} ({layers[layer].type})"
        dense = edits.dense_layers(self.document.project)
        where = "the output" if dense and layer == dense[-1] else f"layer {layer + 1}"
        return f"neuron {unit + 1} of {where}"

    @Slot()
    def toggle_play(self) -> None:
        if not self.analysis.ok:
            return
        if self.worker.playing:
            self.worker.pause()
        else:
            total = self.document.project.training.epochs
            if total and self.epoch >= total:
                self.show_message(f"All {total} epochs are done: raise the epochs (Training panel) or "
                                  "reset to train again.")
                return
            self.worker.play()
            self._state_changed("playing")

    @Slot()
    def step(self) -> None:
        if self.analysis.ok:
            self.sample_view.show_preview(False)
            self.worker.step()

    @Slot()
    def reset(self) -> None:
        if self.analysis.ok:
            self.worker.reset()

    @Slot(object)
    def _training_update(self, update) -> None:
        try:
            self._show_update(update)
        finally:
            self.worker.update_drawn()  # the worker may send the next one now

    def _show_update(self, update) -> None:
        if update.restarted:
            classification = self.document.project.data.task == "classification"
            self.loss_plot.clear(classification=classification)
            self.confusion_view.clear(classification)
            self.histogram_view.clear()
        self.loss_plot.add(update.snapshots)
        self.boundary.set_boundary(update.boundary, update.focus)
        if update.network is not None:
            self.network_view.set_probe(update.network)
        if update.metrics:
            self.loss_plot.set_metrics(update.metrics)
        if update.confusion is not None:
            self.confusion_view.set_matrix(update.confusion)
        if update.statistics is not None:
            self.histogram_view.add(update.epoch, update.statistics)
        trained = self.worker.trained_project
        if update.blocks is not None and trained is not None and trained.same_architecture(self.document.project):
            self.graph_canvas.set_statistics(update.blocks)   # (not another network's, while this one is drawn)
        if update.samples is not None:
            self.sample_view.set_samples(update.samples)
        if update.attention:
            self.sample_view.set_attention(update.attention)
        if update.feature_maps is not None:
            names = {i: layer.type for i, layer in enumerate(self.document.project.model.layers)}
            self.sample_view.set_feature_maps(update.feature_maps, names)
        self.epoch = update.epoch
        self.epoch_label.setText(f"Epoch {update.epoch:,}")
        labels = self.status_labels
        labels["epoch"].setText(f"epoch {update.epoch:,}")
        labels["step"].setText(f"step {update.step:,}")
        labels["speed"].setText(f"{update.samples_per_second:,.0f} samples/s")
        labels["device"].setText(update.device)
        labels["path"].setText("fast path" if update.path.startswith("fast") else "eager")
        labels["path"].setToolTip(f"Training runs on the {update.path}")
        minutes, seconds = divmod(int(update.elapsed), 60)
        labels["elapsed"].setText(f"{minutes}:{seconds:02d}")

    @Slot(object)
    def _data_ready(self, data) -> None:
        if self.status.currentMessage().startswith("Starting PyTorch"):
            self.status.clearMessage()
        if data.spec != self.document.project.data:
            return  # the data of a project since replaced (the worker takes commands in turn)
        self._analysis_after_reading()
        if self.status.currentMessage().startswith("Loading"):
            self.status.clearMessage()
        if self.export_action.isEnabled() or not self.analysis.ok:  # (an export keeps it until it ends)
            self.busy.hide()
        if data.kind == "plane" or data.axes is not None:
            self.data_views.setCurrentWidget(self.boundary)
            self.boundary.set_data(data)
        else:
            self.data_views.setCurrentWidget(self.sample_view)
            self.sample_view.set_data(data)
        if self.plot_colours is not None:
            theme_plots(self, self.plot_colours)  # legends and titles may have been made again
        if data.kind != "plane" and self.left_tabs.currentWidget() is self.network_view:
            self.left_tabs.setCurrentWidget(self.editor)  # the network view draws plane networks only
        self.worker.set_views(self.view_request())

    @Slot(str)
    def _state_changed(self, state: str) -> None:
        self.state = state
        playing = state == "playing"
        if playing:
            self.sample_view.show_preview(False)  # training: what matters now is its predictions
        self.play_action.setText("&Pause" if playing else "&Play")
        if state == "finished":
            self.show_message(f"Finished {self.epoch:,} epochs.")

    @Slot(str)
    def _training_failed(self, message: str) -> None:
        if self.export_action.isEnabled() or not self.analysis.ok:
            self.busy.hide()  # a data set that could not be loaded ends its indicator too
            if self.status.currentMessage().startswith("Loading"):
                self.status.clearMessage()
        self._state_changed("failed")
        self.show_message(message, error=True)

    def _analyze(self, project: Project) -> None:
        """Shapes, label encoding and the memory check of `project`, from data already in memory:
        a data file not read yet leaves the analysis pending (the training thread reads it)."""
        with cached_only():
            self.analysis = analyze(project)
            if self.analysis.ok:
                try:
                    check_memory(project, self.analysis)
                except ValidationError as err:
                    self.analysis.error, self.analysis.error_layer = err, None
            self._show_project(project)
        for action in (self.play_action, self.step_action, self.reset_action, self.export_action):
            action.setEnabled(self.analysis.ok)

    @Slot(object, object)
    def _document_changed(self, old: Project | None, new: Project) -> None:
        self._analyze(new)
        if self.analysis.pending:
            self.worker.pause()
            self.busy.show()
            self.status.showMessage(f"Loading {new.data.dataset}…")
            self._configure_worker(old, new)  # it reads the data; then _data_ready analyzes again
            return
        if not self.analysis.ok:
            self.worker.pause()
            self.show_message(f"Training is off until this is fixed: {self.analysis.error}", error=True)
            return
        self.banner.hide()
        self._configure_worker(old, new)

    def _configure_worker(self, old: Project | None, new: Project) -> None:
        # against what the worker trains now (edits that left the project invalid never reached it)
        data_changed = self._configured_data is None or self._configured_data != new.data
        self._configured_data = new.data
        keep = old is not None and old.same_architecture(new)
        state, self._pending_state = self._pending_state, None
        if data_changed and new.data.kind != "plane":  # reading files: show it until the data arrives
            self.busy.show()
            self.status.showMessage(f"Loading {new.data.dataset}…")
        self.worker.configure(new, keep_weights=keep, data_changed=data_changed, state=state)

    @Slot(object, str)
    def _configure_failed(self, data, message: str) -> None:
        if data == self.document.project.data:
            self._analysis_after_reading(message)

    def _analysis_after_reading(self, error: str = "") -> None:
        """The training thread has read the data of the project shown (or failed to): analyze
        what was pending."""
        if not self.analysis.pending:
            return
        self._analyze(self.document.project)
        if self.analysis.pending:  # the file itself could not be read: say so, keep training off
            self.analysis.pending = False
            self.analysis.error = ValidationError("data.path", error or "the data could not be read")
            for action in (self.play_action, self.step_action, self.reset_action, self.export_action):
                action.setEnabled(False)
        if not self.analysis.ok:
            self.show_message(f"Training is off until this is fixed: {self.analysis.error}", error=True)
        elif not error:
            self.banner.hide()
