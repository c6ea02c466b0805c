"""The Experiments panel's set-up: which settings to search (a table of key paths, kinds and
values; "Search over this…" in a field's context menu adds its row), the objective, the sampler,
the pruner, the budget and the workers. `section()` is the search file's `search` section."""

from __future__ import annotations

import json
import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QHeaderView, QPushButton, QSpinBox,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from playground.core.model.spec import Project
from playground.experiments.space import KINDS, METRICS, PRUNERS, SAMPLERS
from playground.experiments.suggest import default_range, searchable_paths

COLUMNS = ("setting", "kind", "values", "steps")


def values_text(values: list) -> str:
    return ", ".join(v if isinstance(v, str) else json.dumps(v) for v in values)


def parse_values(text: str) -> list:
    """"0.001, 0.1" → [0.001, 0.1]; "sgd, adam" → ["sgd", "adam"]; true/false/null and numbers as JSON."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            out.append(json.loads(part))
        except ValueError:
            out.append(part)
    return out


class SearchSetup(QWidget):
    """Emits `changed()` when anything in the set-up changes."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchSetup")
        self.project: Project | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, len(COLUMNS), objectName="searchSpace")
        self.table.setAccessibleName("settings to search")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeaderItem(3).setToolTip("grid only: how many values of a range to try")
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.itemChanged.connect(lambda _item: self.changed.emit())
        layout.addWidget(self.table, 1)
        adding = QHBoxLayout()
        self.paths = QComboBox(objectName="searchablePaths")
        self.paths.setAccessibleName("setting to add")
        self.paths.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.paths.setMinimumContentsLength(14)
        add = QPushButton("Add", objectName="addSearchSetting")
        add.clicked.connect(lambda: self.add_path(self.paths.currentText()))
        remove = QPushButton("Remove", objectName="removeSearchSetting")
        remove.clicked.connect(self.remove_selected)
        adding.addWidget(self.paths, 1)
        adding.addWidget(add)
        adding.addWidget(remove)
        layout.addLayout(adding)

        form = QFormLayout()
        self.metric = QComboBox(objectName="searchMetric")
        self.metric.addItems(list(METRICS))
        self.direction = QComboBox(objectName="searchDirection")
        self.direction.addItems(["maximize", "minimize"])
        self.metric.currentTextChanged.connect(self._metric_chosen)
        objective = QHBoxLayout()
        objective.addWidget(self.metric, 1)
        objective.addWidget(self.direction)
        form.addRow("objective", objective)
        self.sampler = QComboBox(objectName="searchSampler")
        self.sampler.addItems(list(SAMPLERS))
        self.sampler.setCurrentText("tpe")
        self.sampler.setToolTip("grid: every combination; random; tpe and gp: Bayesian; cmaes: evolution strategy; "
                                "nsga2: genetic")
        form.addRow("sampler", self.sampler)
        self.pruner = QComboBox(objectName="searchPruner")
        self.pruner.addItems(list(PRUNERS))
        self.pruner.setToolTip("stop poor trials early, judged every epoch after the warm-up")
        self.warmup = QSpinBox(objectName="searchWarmup")
        self.warmup.setRange(0, 100_000)
        self.warmup.setValue(10)
        self.warmup.setSuffix(" epochs warm-up")
        pruning = QHBoxLayout()
        pruning.addWidget(self.pruner, 1)
        pruning.addWidget(self.warmup)
        form.addRow("pruner", pruning)
        self.trials = QSpinBox(objectName="searchTrials")
        self.trials.setRange(1, 100_000)
        self.trials.setValue(20)
        form.addRow("trials", self.trials)
        self.workers = QSpinBox(objectName="searchWorkers")
        self.workers.setRange(1, max(1, os.cpu_count() or 1) * 4)
        self.workers.setValue(max(1, os.cpu_count() or 1))
        self.workers.setToolTip("trial processes, each on one torch thread (default: the cores)")
        form.addRow("workers", self.workers)
        for widget in (self.direction, self.sampler, self.pruner):
            widget.currentIndexChanged.connect(lambda _i: self.changed.emit())
        for spin in (self.warmup, self.trials):
            spin.valueChanged.connect(lambda _v: self.changed.emit())
        layout.addLayout(form)
        self._metric_chosen(self.metric.currentText())

    # ------------------------------------------------------------------ the project and the space

    def set_project(self, project: Project) -> None:
        self.project = project
        current = self.paths.currentText()
        self.paths.clear()
        self.paths.addItems(searchable_paths(project))
        if current:
            self.paths.setCurrentText(current)
        wanted = "test_r2" if project.data.task == "regression" else "test_accuracy"
        if not self.table.rowCount() and self.metric.currentText() != wanted:
            self.metric.setCurrentText(wanted)

    def add_path(self, path: str) -> None:
        """A row for `path` with a first range (or select the row it has)."""
        if not path or self.project is None:
            return
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() == path:
                self.table.selectRow(row)
                return
        try:
            spec = default_range(path, self.project)
        except ValueError:
            spec = {"choice": []}
        kind = next(iter(spec))
        self.add_row(path, kind, spec[kind])

    def add_row(self, path: str, kind: str, values: list, steps: int | None = None) -> None:
        self.table.blockSignals(True)
        row = self.table.rowCount()
        self.table.insertRow(row)
        name = QTableWidgetItem(path)
        name.setToolTip(path)
        name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.table.setItem(row, 0, name)
        kinds = QComboBox()
        kinds.addItems(list(KINDS))
        kinds.setCurrentText(kind)
        kinds.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.table.setCellWidget(row, 1, kinds)
        values_item = QTableWidgetItem(values_text(values))
        values_item.setToolTip({"choice": "the choices, comma-separated", "subsets_of": "the features a subset is drawn from"}
                               .get(kind, "low, high"))
        self.table.setItem(row, 2, values_item)
        self.table.setItem(row, 3, QTableWidgetItem("" if steps is None else str(steps)))
        self.table.blockSignals(False)
        self.table.selectRow(row)
        self.changed.emit()

    def remove_selected(self) -> None:
        for row in sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)
        self.changed.emit()

    def space(self) -> dict:
        out = {}
        for row in range(self.table.rowCount()):
            kind = self.table.cellWidget(row, 1).currentText()
            spec: dict = {kind: parse_values(self.table.item(row, 2).text())}
            steps = self.table.item(row, 3).text().strip()
            if steps:
                spec["steps"] = int(steps) if steps.isdigit() else steps
            out[self.table.item(row, 0).text()] = spec
        return out

    def section(self) -> dict:
        """The search section as a search file holds it (checked by the core when run)."""
        return {"objective": {"metric": self.metric.currentText(), "direction": self.direction.currentText()},
                "sampler": self.sampler.currentText(), "trials": self.trials.value(), "seed": 0,
                "pruner": {"name": self.pruner.currentText(), "warmup_epochs": self.warmup.value()},
                "space": self.space()}

    def set_section(self, section: dict) -> None:
        """Show a search section (a folder's, to continue it)."""
        self.table.setRowCount(0)
        for path, spec in (section.get("space") or {}).items():
            kind = next((k for k in spec if k in KINDS), "choice")
            self.add_row(path, kind, list(spec.get(kind) or []), spec.get("steps"))
        objective = section.get("objective") or {}
        objective = objective[0] if isinstance(objective, list) and objective else objective
        self.metric.setCurrentText(objective.get("metric", self.metric.currentText()))
        self.direction.setCurrentText(objective.get("direction", self.direction.currentText()))
        self.sampler.setCurrentText(section.get("sampler", "tpe"))
        pruner = section.get("pruner", "none")
        pruner = pruner if isinstance(pruner, dict) else {"name": pruner}
        self.pruner.setCurrentText(pruner.get("name", "none"))
        self.warmup.setValue(int(pruner.get("warmup_epochs", 10)))
        self.trials.setValue(int(section.get("trials", 20)))

    def _metric_chosen(self, metric: str) -> None:
        self.direction.setCurrentText("maximize" if metric.endswith(("accuracy", "r2")) else "minimize")
        self.changed.emit()
