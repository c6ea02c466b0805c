"""Tabular data from a CSV file: a header row, one row per sample. The person picks the target
column and the feature columns (default: all others); numeric columns are standardized (with the
training split's mean and spread), text columns become one-hot columns. Empty, ragged, non-numeric
(where numbers are needed), NaN/inf and oversized files are refused with a message naming the row
and column."""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from playground.core.data.files import read_bytes_limited, refuse_pickle
from playground.core.errors import PlaygroundError
from playground.core.params import suggest

MAX_CSV_BYTES = 256 * 2**20
MAX_COLUMNS = 10_000
MAX_CATEGORIES = 100


@dataclass
class Table:
    """The file's cells as text (rows × columns) and its header."""

    name: str
    header: list[str]
    rows: list[list[str]]

    def column(self, name: str) -> list[str]:
        index = self.header.index(name)
        return [row[index] for row in self.rows]


def read_csv(path: str | os.PathLike) -> Table:
    path = Path(path)
    name = path.name
    data = read_bytes_limited(path, MAX_CSV_BYTES)
    refuse_pickle(data[:2], name)
    if data[:4] == b"PK\x03\x04" or b"\x00" in data[:4096]:
        raise PlaygroundError(f"{name}: not a text file (CSV is text: a header row, then one row per sample)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise PlaygroundError(f"{name}: not UTF-8 text (byte {err.start}); save the CSV as UTF-8") from None
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        reader = csv.reader(io.StringIO(text), dialect)
        lines = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as err:
        raise PlaygroundError(f"{name}: malformed CSV ({err})") from None
    if not lines:
        raise PlaygroundError(f"{name}: is empty; a CSV needs a header row and at least one row of data")
    header = [h.strip() for h in lines[0]]
    if len(header) > MAX_COLUMNS:
        raise PlaygroundError(f"{name}: {len(header):,} columns, more than {MAX_COLUMNS:,}")
    if len(set(header)) != len(header) or any(not h for h in header):
        raise PlaygroundError(f"{name}: the header row needs a distinct, non-empty name for every column")
    rows = [[cell.strip() for cell in row] for row in lines[1:]]
    if len(rows) < 2:
        raise PlaygroundError(f"{name}: has {len(rows)} row of data; at least 2 are needed")
    for i, row in enumerate(rows):
        if len(row) != len(header):
            raise PlaygroundError(f"{name}: row {i + 2} has {len(row)} values, the header has {len(header)} "
                                  "(a ragged file)")
    return Table(name, header, rows)


def _numbers(table: Table, column: str) -> np.ndarray | None:
    """The column as floats, None if any cell is not a number; NaN/inf or empty cells are refused."""
    values = table.column(column)
    out = np.empty(len(values), dtype=np.float64)
    for i, cell in enumerate(values):
        if cell == "":
            raise PlaygroundError(f"{table.name}: row {i + 2}, column {column!r} is empty; fill in or drop "
                                  "the rows with missing values")
        try:
            out[i] = float(cell)
        except ValueError:
            return None
        if not math.isfinite(out[i]):
            raise PlaygroundError(f"{table.name}: row {i + 2}, column {column!r} is {cell!r}; only finite "
                                  "numbers can be used")
    return out


@dataclass
class Encoded:
    """Features (float32, before standardization), targets, and what each feature column is."""

    x: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    numeric: np.ndarray          # bool per feature column: standardize it
    classes: list[str]           # class names (classification), index = label


def encode(table: Table, target: str, columns: list[str], task: str) -> Encoded:
    """Pick the target and features; one-hot encode text columns."""
    if target not in table.header:
        raise PlaygroundError(f"{table.name}: no column {target!r}" + suggest(target, table.header))
    columns = columns or [c for c in table.header if c != target]
    for column in columns:
        if column not in table.header:
            raise PlaygroundError(f"{table.name}: no column {column!r}" + suggest(column, table.header))
    if target in columns:
        raise PlaygroundError(f"{table.name}: the target {target!r} cannot also be a feature")
    if not columns:
        raise PlaygroundError(f"{table.name}: no feature columns left besides the target {target!r}")
    parts, names, numeric = [], [], []
    for column in columns:
        values = _numbers(table, column)
        if values is not None:
            parts.append(values[:, None])
            names.append(column)
            numeric.append(True)
            continue
        cells = table.column(column)
        categories = sorted(set(cells))
        if len(categories) > MAX_CATEGORIES:
            raise PlaygroundError(f"{table.name}: column {column!r} is not numeric and has {len(categories)} "
                                  f"different values (one-hot encoding takes at most {MAX_CATEGORIES}); "
                                  "leave it out of the features")
        index = {c: k for k, c in enumerate(categories)}
        onehot = np.zeros((len(cells), len(categories)))
        onehot[np.arange(len(cells)), [index[c] for c in cells]] = 1.0
        parts.append(onehot)
        names += [f"{column}={c}" for c in categories]
        numeric += [False] * len(categories)
    if task == "regression":
        y = _numbers(table, target)
        if y is None:
            raise PlaygroundError(f"{table.name}: the target {target!r} has text values; a regression needs "
                                  "numbers (or choose classification)")
        classes: list[str] = []
        y = y.astype(np.float32)
    else:
        cells = table.column(target)
        classes = sorted(set(cells), key=lambda c: (_as_number(c) is None, _as_number(c) or 0.0, c))
        if len(classes) < 2:
            raise PlaygroundError(f"{table.name}: the target {target!r} has a single value; classification "
                                  "needs at least two classes")
        if len(classes) > MAX_CATEGORIES:
            raise PlaygroundError(f"{table.name}: the target {target!r} has {len(classes)} different values; "
                                  "is it a regression?")
        index = {c: k for k, c in enumerate(classes)}
        y = np.array([index[c] for c in cells], dtype=np.int64)
    return Encoded(np.concatenate(parts, axis=1).astype(np.float32), y, names, np.array(numeric), classes)


def _as_number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None
