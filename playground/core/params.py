"""Parameter descriptions and their validation, shared by every catalogue in the registry.

A catalogue entry (a layer kind, an optimizer, an initializer, ...) lists its parameters as `Param`s.
The same description validates a project file, fills defaults, and will generate the GUI's forms.
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


def validate_value(p: Param, value: Any, path: str) -> Any:
    """Check one parameter value against its description and return it normalized."""
    if p.kind == "int":
        return check_number(value, path, integer=True, low=p.low, high=p.high,
                            low_exclusive=p.low_exclusive)
    if p.kind == "float":
        return check_number(value, path, integer=False, low=p.low, high=p.high,
                            low_exclusive=p.low_exclusive)
    if p.kind == "optional_float":
        if value is None:
            return None
        return check_number(value, path, integer=False, low=p.low, high=p.high,
                            low_exclusive=p.low_exclusive)
    if p.kind == "bool":
        if not isinstance(value, bool):
            raise ValidationError(path, f"must be true or false, not {type_name(value)}")
        return value
    if p.kind == "choice":
        if not isinstance(value, str):
            raise ValidationError(path, f"must be a string ({p.range_text()}), not {type_name(value)}")
        if value not in p.choices:
            raise ValidationError(path, f'"{value}" is not valid' + suggest(value, p.choices))
        return value
    if p.kind == "ref":
        # Resolved lazily to avoid an import cycle: the registry imports this module.
        from playground.core.registry import catalogue

        return parse_named(catalogue(p.ref), value, path, what=p.ref)
    raise AssertionError(f"unknown parameter kind {p.kind}")


def validate_params(entry: Entry, raw: Mapping[str, Any], path: str,
                    ignore: tuple[str, ...] = ()) -> dict[str, Any]:
    """Validate `raw` against `entry.params`: unknown keys rejected, defaults filled in."""
    known = [p.name for p in entry.params] + list(ignore)
    check_unknown_keys(raw, known, path)
    out: dict[str, Any] = {}
    for p in entry.params:
        sub = f"{path}.{p.name}" if path else p.name
        out[p.name] = validate_value(p, raw[p.name], sub) if p.name in raw else p.default
    for p in entry.params:
        if p.at_most and out[p.name] > out[p.at_most]:
            raise ValidationError(f"{path}.{p.name}" if path else p.name,
                                  f"must be ≤ {p.at_most} ({out[p.at_most]:g}), not {out[p.name]:g}")
    return out


def parse_named(entries: Mapping[str, Entry], value: Any, path: str, *, what: str) -> dict[str, Any]:
    """A catalogue choice given as a bare name or as {"name": ..., params...}; returns the dict form."""
    if isinstance(value, str):
        raw: Mapping[str, Any] = {"name": value}
    elif isinstance(value, dict):
        raw = value
        if "name" not in raw:
            raise ValidationError(path, f'needs a "name" (one of {", ".join(entries)})')
    else:
        raise ValidationError(path, f"must be a {what} name or an object with a name, "
                                    f"not {type_name(value)}")
    name = raw["name"]
    if not isinstance(name, str):
        raise ValidationError(f"{path}.name" if isinstance(value, dict) else path,
                              f"must be a string, not {type_name(name)}")
    if name not in entries:
        raise ValidationError(path, f'unknown {what} "{name}"' + suggest(name, tuple(entries)))
    params = validate_params(entries[name], {k: v for k, v in raw.items() if k != "name"}, path)
    return {"name": name, **params}


def compact_named(entries: Mapping[str, Entry], value: dict[str, Any]) -> str | dict[str, Any]:
    """The bare name when every parameter is at its default, else the dict: for tidy files."""
    entry = entries[value["name"]]
    if all(value.get(p.name) == p.default for p in entry.params):
        return value["name"]
    return dict(value)
