"""Tabular data from a CSV file: a header row, one row per sample. The person picks the target
column and the feature columns (default: all others); numeric columns are standardized (with the
training split's mean and spread), categorical columns become one-hot columns.

The file is parsed as a stream, a chunk of rows at a time, into one float64 array per column
(NaN where a cell is not a number) and, while a column has at most MAX_CATEGORIES distinct
values, an int32 code per cell: 12 bytes a cell at most, checked against the data budget as it
grows, never a Python string per cell.

Which kind a column is (stated in README.md): **numeric** when every cell is a number;
**categorical** when most of its cells (more than half) are not numbers and it has at most
MAX_CATEGORIES distinct values — then every cell, number-like or not, is a category name. Anything
else is refused naming the first offending cell: a text cell in a mostly numeric column, an empty
cell anywhere, NaN or infinity in a numeric column, too many distinct values to one-hot encode.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from playground.core.data.files import refuse_pickle
from playground.core.errors import PlaygroundError
from playground.core.memory import data_budget_bytes, human_bytes
from playground.core.model.params import suggest
from playground.core.io.user_files import file_size, open_regular

MAX_CSV_BYTES = 256 * 2**20
MAX_COLUMNS = 10_000
MAX_CATEGORIES = 100
#: Rows parsed at a time (each chunk becomes one numpy array per column).
CHUNK_ROWS = 8192
#: What a cell costs while the file is read: its float64 value and its int32 category code.
BYTES_PER_CELL = 12


@dataclass
class Column:
    """One column of a CSV file, as read (see the module's docstring)."""

    name: str
    numbers: np.ndarray              # float64 per row, NaN where the cell is not a number
    codes: np.ndarray | None         # int32 index into `categories`; None: more than MAX_CATEGORIES
    categories: list[str]            # distinct cells in the order first seen
    text_cells: int                  # cells that are not numbers (empty ones included)
    first_text: tuple[int, str] | None = None       # (row, cell) of the first that is not a number
    first_empty: int | None = None                  # row of the first empty cell
    first_not_finite: tuple[int, str] | None = None  # (row, cell) of the first NaN or infinity

    def kind(self, table: str) -> str:
        """"numeric" or "categorical" by the rule in the module's docstring; anything else is a
        PlaygroundError naming the first cell at fault."""
        rows = len(self.numbers)
        if self.first_empty is not None:
            raise PlaygroundError(f"{table}: row {self.first_empty}, column {self.name!r} is empty; fill in or "
                                  "drop the rows with missing values")
        if self.text_cells == 0:
            if self.first_not_finite is not None:
                row, cell = self.first_not_finite
                raise PlaygroundError(f"{table}: row {row}, column {self.name!r} is {cell!r}; only finite "
                                      "numbers can be used")
            return "numeric"
        if 2 * self.text_cells > rows:
            if self.codes is None:
                raise PlaygroundError(f"{table}: column {self.name!r} is not numeric and has more than "
                                      f"{MAX_CATEGORIES} different values (one-hot encoding takes at most "
                                      f"{MAX_CATEGORIES}); leave it out of the features")
            return "categorical"
        row, cell = self.first_text  # type: ignore[misc]
        raise PlaygroundError(f"{table}: row {row}, column {self.name!r} is {cell!r}, but the column is mostly "
                              f"numbers ({rows - self.text_cells:,} of {rows:,}); correct that cell (a column is "
                              "categorical only when most of its values are text)")


@dataclass
class Table:
    """A CSV file's header and columns."""

    name: str
    header: list[str]
    columns: dict[str, Column] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return len(next(iter(self.columns.values())).numbers) if self.columns else 0


class _ColumnBuilder:
    """Gathers one column chunk by chunk."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.numbers: list[np.ndarray] = []
        self.codes: list[np.ndarray] | None = []
        self.index: dict[str, int] = {}
        self.text_cells = 0
        self.first_text: tuple[int, str] | None = None
        self.first_empty: int | None = None
        self.first_not_finite: tuple[int, str] | None = None

    def add(self, cells: tuple[str, ...], first_row: int) -> None:
        try:
            numbers = np.array(cells, dtype=np.float64)  # parses in C; fails on any non-number
        except ValueError:
            numbers = self._one_by_one(cells, first_row)
        else:
            bad = np.flatnonzero(~np.isfinite(numbers))
            if len(bad) and self.first_not_finite is None:
                self.first_not_finite = (first_row + int(bad[0]), cells[int(bad[0])])
        self.numbers.append(numbers)
        if self.codes is not None:
            index = self.index
            codes = np.fromiter((index.setdefault(c, len(index)) for c in cells), dtype=np.int32, count=len(cells))
            if len(index) > MAX_CATEGORIES:
                self.codes = None
            else:
                self.codes.append(codes)

    def _one_by_one(self, cells: tuple[str, ...], first_row: int) -> np.ndarray:
        out = np.empty(len(cells), dtype=np.float64)
        for i, cell in enumerate(cells):
            try:
                out[i] = float(cell)
            except ValueError:
                out[i] = math.nan
                self.text_cells += 1
                if cell == "" and self.first_empty is None:
                    self.first_empty = first_row + i
                if self.first_text is None:
                    self.first_text = (first_row + i, cell)
                continue
            if not math.isfinite(out[i]) and self.first_not_finite is None:
                self.first_not_finite = (first_row + i, cell)
        return out

    def column(self) -> Column:
        numbers = np.concatenate(self.numbers) if self.numbers else np.empty(0)
        codes = None if self.codes is None else (np.concatenate(self.codes) if self.codes else np.empty(0, np.int32))
        return Column(self.name, numbers, codes, list(self.index) if codes is not None else [], self.text_cells,
                      self.first_text, self.first_empty, self.first_not_finite)


def read_csv(path: str | os.PathLike, budget: int | None = None) -> Table:
    """A CSV file (regular file, at most MAX_CSV_BYTES, UTF-8) read as a stream into columns
    (see the module's docstring), within `budget` bytes (default: the data budget)."""
    path = Path(path)
    name = path.name
    budget = data_budget_bytes() if budget is None else budget
    with open_regular(path, "CSV file") as raw:
        size = file_size(raw)
        if size > MAX_CSV_BYTES:
            raise PlaygroundError(f"{name}: {size:,} bytes is more than the {MAX_CSV_BYTES:,} a CSV file may have")
        head = raw.read(4096)
        refuse_pickle(head[:2], name)
        if head[:4] == b"PK\x03\x04" or b"\x00" in head:
            raise PlaygroundError(f"{name}: not a text file (CSV is text: a header row, then one row per sample)")
        raw.seek(0)
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        try:
            sample = text.read(8192)
            text.seek(0)
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
            return _parse(csv.reader(text, dialect), name, budget)
        except UnicodeDecodeError as err:
            raise PlaygroundError(f"{name}: not UTF-8 text ({err.reason}); save the CSV as UTF-8") from None
        except csv.Error as err:
            raise PlaygroundError(f"{name}: malformed CSV ({err})") from None


def _parse(reader, name: str, budget: int) -> Table:
    rows = (row for row in reader if any(cell.strip() for cell in row))
    header_row = next(rows, None)
    if header_row is None:
        raise PlaygroundError(f"{name}: is empty; a CSV needs a header row and at least one row of data")
    header = [h.strip() for h in header_row]
    if len(header) > MAX_COLUMNS:
        raise PlaygroundError(f"{name}: {len(header):,} columns, more than {MAX_COLUMNS:,}")
    if len(set(header)) != len(header) or any(not h for h in header):
        raise PlaygroundError(f"{name}: the header row needs a distinct, non-empty name for every column")
    builders = [_ColumnBuilder(h) for h in header]
    count = 0
    chunk: list[list[str]] = []

    def flush() -> None:
        first_row = count - len(chunk) + 2  # the header is row 1
        for builder, cells in zip(builders, zip(*chunk)):
            builder.add(cells, first_row)
        chunk.clear()

    for row in rows:
        count += 1
        if len(row) != len(header):
            raise PlaygroundError(f"{name}: row {count + 1} has {len(row)} values, the header has {len(header)} "
                                  "(a ragged file)")
        chunk.append([cell.strip() for cell in row])
        if len(chunk) == CHUNK_ROWS:
            if count * len(header) * BYTES_PER_CELL > budget:
                raise PlaygroundError(f"{name}: more than {count:,} rows of {len(header)} columns would take more "
                                      f"than the data budget of {human_bytes(budget)} (PLAYGROUND_DATA_BUDGET "
                                      "sets another)")
            flush()
    flush()
    if count < 2:
        raise PlaygroundError(f"{name}: has {count} row of data; at least 2 are needed")
    return Table(name, header, {b.name: b.column() for b in builders})


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
    blocks, names, numeric = [], [], []  # per feature column: (its values, or one-hot codes and width)
    for name in columns:
        column = table.columns[name]
        if column.kind(table.name) == "numeric":
            blocks.append((column.numbers, None, 1))
            names.append(name)
            numeric.append(True)
            continue
        categories, codes = _sorted_categories(column, key=str)
        blocks.append((None, codes, len(categories)))
        names += [f"{name}={c}" for c in categories]
        numeric += [False] * len(categories)
    x = np.zeros((table.rows, len(names)), dtype=np.float32)
    start = 0
    for values, codes, width in blocks:
        if values is not None:
            x[:, start] = values
        else:
            x[np.arange(table.rows), start + codes] = 1.0
        start += width
    column = table.columns[target]
    if task == "regression":
        if column.first_empty is None and 2 * column.text_cells > len(column.numbers):
            raise PlaygroundError(f"{table.name}: the target {target!r} has text values; a regression needs "
                                  "numbers (or choose classification)")
        column.kind(table.name)
        classes: list[str] = []
        y = column.numbers.astype(np.float32)
    else:
        if column.first_empty is not None:
            column.kind(table.name)  # names the empty cell
        if column.codes is None:
            raise PlaygroundError(f"{table.name}: the target {target!r} has more than {MAX_CATEGORIES} different "
                                  "values; is it a regression?")
        classes, y = _sorted_categories(column, key=_class_order)
        if len(classes) < 2:
            raise PlaygroundError(f"{table.name}: the target {target!r} has a single value; classification "
                                  "needs at least two classes")
    return Encoded(x, y, names, np.array(numeric), classes)


def _sorted_categories(column: Column, key) -> tuple[list[str], np.ndarray]:
    """The column's categories sorted by `key`, and each row's index among them (int64)."""
    order = sorted(range(len(column.categories)), key=lambda k: key(column.categories[k]))
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    return [column.categories[k] for k in order], position[column.codes]


def _class_order(cell: str) -> tuple:
    """Classes sort numbers by value first, then text."""
    try:
        number = float(cell)
    except ValueError:
        return (1, 0.0, cell)
    return (0, number if math.isfinite(number) else 0.0, cell)
