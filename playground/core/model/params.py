"""Parameter descriptions, shared by every catalogue in the registry, and the checks of plain
values (numbers, mappings, unknown keys) they are validated with (core.model.validation).

A catalogue entry (a layer kind, an optimizer, an initializer, ...) lists its parameters as `Param`s.
The same description validates a project file, fills defaults, and generates the GUI's forms.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from playground.core.errors import ValidationError


@dataclass(frozen=True)
class Param:
    """One parameter of a catalogue entry.

    kind is one of: "int", "float", "bool", "choice" (one of `choices`), "optional_float" (a float
    or null), "ref" (a name or {"name": ..., params} from the catalogue named by `ref`).
    """

    name: str
    kind: str
    default: Any
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    ref: str = ""
    low_exclusive: bool = False
    at_most: str = ""   # the name of another parameter of the entry this one may not exceed

    def range_text(self) -> str:
        """The valid range in words, for messages and tooltips."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.low is not None and self.high is not None:
            left = ">" if self.low_exclusive else "≥"
            return f"{left} {self.low:g} and ≤ {self.high:g}"
        if self.low is not None:
            return f"{'>' if self.low_exclusive else '≥'} {self.low:g}"
        return ""


@dataclass(frozen=True)
class Entry:
    """A catalogue entry: a name, what it does in one line, its formula and its parameters."""

    name: str
    title: str
    doc: str
    formula: str
    params: tuple[Param, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def tooltip(self) -> str:
        """Explanation + formula, as learners see it."""
        return f"{self.title}: {self.doc}\n{self.formula}"


def suggest(name: str, known: list[str] | tuple[str, ...]) -> str:
    """' (did you mean "x"?)' when a close match exists, else a list of the known names."""
    close = difflib.get_close_matches(str(name), list(known), n=1)
    if close:
        return f' (did you mean "{close[0]}"?)'
    return " (known: " + ", ".join(known) + ")"


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def check_number(value: Any, path: str, *, integer: bool, low: float | None = None,
                 high: float | None = None, low_exclusive: bool = False) -> float | int:
    """A finite number within [low, high]; booleans are not numbers."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(path, f"must be {'an integer' if integer else 'a number'}, "
                                    f"not {type_name(value)}")
    if not math.isfinite(value):
        raise ValidationError(path, "must be a finite number")
    if integer:
        if isinstance(value, float):
            if not value.is_integer():
                raise ValidationError(path, f"must be a whole number, not {value:g}")
            value = int(value)
    else:
        value = float(value)
    if low is not None and (value <= low if low_exclusive else value < low):
        raise ValidationError(path, f"must be {'>' if low_exclusive else '≥'} {low:g}, not {value:g}")
    if high is not None and value > high:
        raise ValidationError(path, f"must be ≤ {high:g}, not {value:g}")
    return value


def check_mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(path, f"must be an object, not {type_name(value)}")
    return value


def check_unknown_keys(raw: Mapping[str, Any], known: list[str] | tuple[str, ...], path: str) -> None:
    for key in raw:
        if key not in known:
            where = f"{path}.{key}" if path else str(key)
            raise ValidationError(where, "is not a known setting" + suggest(key, known))
