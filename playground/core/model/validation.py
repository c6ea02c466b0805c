"""Validating a value against its parameter description (core.model.params), a catalogue choice given
as a name or {"name": ..., params}, and the compact form a project file writes back.

A "ref" parameter (an initializer, a loss, an optimizer, a schedule) names an entry of another
catalogue: that is why validation stands above the catalogues (core.model.catalogues), and the plain
descriptions below them.
"""

from __future__ import annotations

from typing import Any, Mapping

from playground.core.model.catalogues import catalogue
from playground.core.errors import ValidationError
from playground.core.model.params import Entry, Param, check_number, check_unknown_keys, suggest, type_name


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
