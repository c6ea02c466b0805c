"""The app's own error types: every problem with user input ends up as one of these."""

from __future__ import annotations


class PlaygroundError(Exception):
    """A problem the user can fix (bad project, bad file, impossible network).

    The message is one plain sentence that names what is wrong and, where possible, the fix.
    """


class ValidationError(PlaygroundError):
    """A value in a spec is wrong; `path` names where ("model.layers[2].units")."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


class TrainingDiverged(PlaygroundError):
    """Loss or weights became NaN/inf; the last good weights were restored."""


class ExportError(PlaygroundError):
    """An export could not be written or did not match the live model when read back."""
