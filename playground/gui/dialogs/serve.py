"""File ▸ Serve model…: serve the window's trained model over HTTP (core of it in
playground.serving), with its URL, a ready curl line, the requests answered and their latency
live, and Stop. The model is exported to ONNX on the training thread between two steps (the
export is verified, as every export is), then served from a thread of its own on 127.0.0.1;
closing the dialog stops the server."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from playground.core.commands import ExportRequest
from playground.core.errors import PlaygroundError
from playground.gui.controllers.background import BackgroundJob


class ServeDialog(QDialog):
    """Start and stop serving `worker`'s trained model under `name`."""

    def __init__(self, worker, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serveDialog")
        self.setWindowTitle("Serve model")
        self.worker, self.name = worker, name
        self.server = None
        self._folder = tempfile.TemporaryDirectory(prefix="playground-serve-")
        layout = QVBoxLayout(self)
        intro = QLabel("Answers requests with the trained model in the Open Inference Protocol (the one "
                       "Triton and KServe speak), on this machine only (127.0.0.1). Closing this window stops it.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.port = QSpinBox(objectName="servePort")
        self.port.setRange(0, 65535)
        self.port.setValue(8000)
        self.port.setToolTip("0: any free port")
        form.addRow("Port", self.port)
        self.url = QLabel("not serving", objectName="serveUrl")
        self.url.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.url.linkActivated.connect(lambda link: QDesktopServices.openUrl(QUrl(link)))
        form.addRow("Page", self.url)
        curl_row = QHBoxLayout()
        self.curl = QLineEdit(objectName="serveCurl", readOnly=True)
        copy = QPushButton("Copy")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.curl.text()))
        curl_row.addWidget(self.curl, 1)
        curl_row.addWidget(copy)
        form.addRow("Try", curl_row)
        self.figures = QLabel("–", objectName="serveFigures")
        form.addRow("Requests", self.figures)
        layout.addLayout(form)
        self.message = QLabel("", objectName="serveMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start", objectName="serveStart")
        self.stop_button = QPushButton("Stop", objectName="serveStop", enabled=False)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        layout.addLayout(buttons)
        self.timer = QTimer(self, interval=500)
        self.timer.timeout.connect(self._show_figures)
        self.setMinimumWidth(600)
        self.adjustSize()

    def start(self) -> None:
        """Export on the training thread, then serve (off the GUI thread throughout)."""
        self.start_button.setEnabled(False)
        self.port.setEnabled(False)
        self.message.setText("Exporting the trained model (and checking the export)…")
        path = Path(self._folder.name) / f"{self.name}.onnx"
        port = self.port.value()
        BackgroundJob(lambda: self._serve(path, port), self._started, self)

    def _serve(self, path: Path, port: int):
        from playground.serving.model import ModelCard, ServedModel
        from playground.serving.server import BackgroundServer

        def export(session):
            if session.trainer is None:
                raise PlaygroundError("there is no trained model yet: fix the network and train it first")
            result = session.export(ExportRequest("onnx", path))
            trainer = session.trainer
            from playground.core.model.layers import LAYERS

            layers = [LAYERS[layer.type].summary(layer.params) for layer in trainer.project.model.layers]
            metrics = {k: v for k, v in trainer.metrics().items() if isinstance(v, (int, float, str))}
            return result.files[0], ModelCard(metrics, layers, trainer.project.data.dataset)

        onnx_path, card = self.worker.inspect(export, timeout=300)
        try:
            return BackgroundServer(ServedModel(onnx_path, self.name, card), port=port).start()
        except OSError as err:
            raise PlaygroundError(f"cannot serve on port {port}: {err}; choose another port (0: any free one)") from None

    def _started(self, server, error: str) -> None:
        if error:
            self.message.setText(f"<span style='color:#b71c1c'>{error}</span>")
            self.start_button.setEnabled(True)
            self.port.setEnabled(True)
            return
        self.server = server
        base = server.url
        model = server.model
        body = {"inputs": [{"name": model.input_name, "shape": [1, *model.feature_shape], "datatype": "FP32",
                            "data": [0.0] * math.prod(model.feature_shape)}]}
        self.url.setText(f"<a href='{base}/'>{base}/</a>")
        self.curl.setText(f"curl -d '{json.dumps(body)}' {base}/v2/models/{model.name}/infer")
        self.curl.setCursorPosition(0)
        self.message.setText(f"Serving {model.name}: {model.signature['input']['meaning']}.")
        self.stop_button.setEnabled(True)
        self.timer.start()
        self._show_figures()

    def _show_figures(self) -> None:
        if self.server is None:
            return
        figures = self.server.statistics.snapshot()
        latency = (f"; latency p50 {figures['latency_ms_p50']:.1f} ms, p99 {figures['latency_ms_p99']:.1f} ms"
                   if figures["latency_ms_p50"] is not None else "")
        self.figures.setText(f"{figures['requests']:,} answered in {figures['calls']:,} model calls"
                             f"{latency}" + (f"; {figures['failures']} failed" if figures["failures"] else ""))

    def stop(self) -> None:
        self.timer.stop()
        if self.server is not None:
            self.server.stop()
            self.server = None
        self.url.setText("not serving")
        self.curl.clear()
        self.message.setText("Stopped.")
        self.start_button.setEnabled(True)
        self.port.setEnabled(True)
        self.stop_button.setEnabled(False)

    def done(self, result: int) -> None:  # closing stops serving
        self.stop()
        super().done(result)

    def closeEvent(self, event) -> None:  # noqa: N802
        self.stop()
        self._folder.cleanup()
        super().closeEvent(event)
