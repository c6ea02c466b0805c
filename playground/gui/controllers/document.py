"""The open project as a Qt object: the current `Project`, its file, and an undo stack.

Every edit (network, data, training) replaces the project through `edit()`, which pushes a
`ProjectEdit` on the QUndoStack; undo and redo swap whole projects (they are small). Consecutive
edits of the same field merge into one undo step, so typing a number is one step, not five.
"""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from playground.core.model.spec import Project

_MERGE_IDS: dict[str, int] = {}


def _merge_id(key: str | None) -> int:
    if not key:
        return -1
    return _MERGE_IDS.setdefault(key, len(_MERGE_IDS) + 1)


class ProjectEdit(QUndoCommand):
    def __init__(self, document: "ProjectDocument", before: Project, after: Project, text: str,
                 merge_key: str | None) -> None:
        super().__init__(text)
        self.document, self.before, self.after = document, before, after
        self._id = _merge_id(merge_key)

    def id(self) -> int:  # noqa: A003 (Qt's name)
        return self._id

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt's name)
        if not isinstance(other, ProjectEdit) or other.id() != self.id() or self.id() == -1:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        self.document._set(self.after)

    def undo(self) -> None:
        self.document._set(self.before)


class ProjectEditWithWeights(ProjectEdit):
    """An edit that brings trained weights with it (a search trial opened): undo puts back the
    weights the project had before as well, through `use_state(training state or None)`."""

    def __init__(self, document: "ProjectDocument", before: Project, after: Project, text: str,
                 states: tuple, use_state) -> None:
        super().__init__(document, before, after, text, None)
        self.states, self.use_state = states, use_state

    def redo(self) -> None:
        self.use_state(self.states[1])
        super().redo()

    def undo(self) -> None:
        self.use_state(self.states[0])
        super().undo()


class ProjectDocument(QObject):
    """Holds the project being edited. `changed(old, new)` fires after every change."""

    changed = Signal(object, object)
    pathChanged = Signal(object)

    def __init__(self, project: Project, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._project = project
        self.path: Path | None = None
        self.undo_stack = QUndoStack(self)

    @property
    def project(self) -> Project:
        """A copy: change the project only through `edit`."""
        return copy.deepcopy(self._project)

    def edit(self, project: Project, text: str, merge_key: str | None = None) -> None:
        """Replace the project, as one undoable step named `text`."""
        if project == self._project:
            return
        self.undo_stack.push(ProjectEdit(self, copy.deepcopy(self._project), copy.deepcopy(project), text, merge_key))

    def edit_with_weights(self, project: Project, text: str, before_state, after_state, use_state) -> None:
        """Replace the project and its trained state, as one undoable step (ProjectEditWithWeights)."""
        self.undo_stack.push(ProjectEditWithWeights(self, copy.deepcopy(self._project), copy.deepcopy(project), text,
                                                    (before_state, after_state), use_state))

    def replace(self, project: Project, path: Path | None, saved: bool = True) -> None:
        """A new or opened project: clears the undo history. `saved=False` (a recovered project)
        keeps it marked as having unsaved changes."""
        self.undo_stack.clear()
        self.path = path
        self._set(copy.deepcopy(project))
        if saved:
            self.undo_stack.setClean()
        else:
            self.undo_stack.resetClean()
        self.pathChanged.emit(path)

    def mark_saved(self, path: Path) -> None:
        self.path = path
        self.undo_stack.setClean()
        self.pathChanged.emit(path)

    def _set(self, project: Project) -> None:
        old, self._project = self._project, copy.deepcopy(project)
        self.changed.emit(old, self.project)
