"""A1 ranges with quoted (Thai) tab names, raw JSON cell values, and batched write blocks."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from automation.model import Cell, CellWrite
from automation.thaidate import format_date, format_datetime

JsonCell = str | bool | int | float | None


def quote_title(title: str) -> str:
    """A tab name as it must appear in an A1 range: always quoted, quotes doubled.

    Quoting every name keeps Thai names, spaces and names that look like cells (``A1``)
    unambiguous.
    """
    return "'" + title.replace("'", "''") + "'"


def column_letters(col: int) -> str:
    """1 → A, 26 → Z, 27 → AA."""
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(
    title: str, row: int, col: int, last_row: int | None = None, last_col: int | None = None
) -> str:
    """``'tab'!B3`` or ``'tab'!B3:D7`` from 1-based, inclusive coordinates."""
    start = f"{column_letters(col)}{row}"
    if last_row is None or last_col is None or (last_row, last_col) == (row, col):
        return f"{quote_title(title)}!{start}"
    return f"{quote_title(title)}!{start}:{column_letters(last_col)}{last_row}"


def raw_value(value: Cell) -> JsonCell:
    """A cell as JSON for valueInputOption=RAW: text stays text, even ``=IMPORTXML(...)``.

    Dates become Thai text that the worker's date parser reads back (a RAW number would show
    as a bare serial); an empty cell is written as "" because JSON null means "leave alone".
    """
    if value is None:
        return ""
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    return str(value)


def raw_rows(rows: Sequence[Sequence[Cell]]) -> list[list[JsonCell]]:
    return [[raw_value(v) for v in row] for row in rows]


@dataclass(frozen=True)
class Block:
    """A rectangle of values written as one range of a values:batchUpdate."""

    tab: str
    row: int
    col: int
    values: list[list[JsonCell]]

    @property
    def last_row(self) -> int:
        return self.row + len(self.values) - 1

    @property
    def last_col(self) -> int:
        return self.col + len(self.values[0]) - 1

    def as_data(self) -> dict[str, Any]:
        return {
            "range": a1(self.tab, self.row, self.col, self.last_row, self.last_col),
            "majorDimension": "ROWS",
            "values": self.values,
        }


def blocks(writes: Sequence[CellWrite]) -> list[Block]:
    """Group cell writes into few rectangles: runs of adjacent cells in a row, then runs of
    rows with the same columns. Only the given cells are covered (no gap is bridged), so a
    rectangle never touches a column a person protects or owns. A later write to the same
    cell wins."""
    cells: dict[tuple[str, int, int], JsonCell] = {}
    for w in writes:
        cells[(w.tab, w.row, w.col)] = raw_value(w.value)
    runs: list[Block] = []
    for (tab, row, col), value in sorted(cells.items()):
        last = runs[-1] if runs else None
        if last is not None and (last.tab, last.row, last.last_col + 1) == (tab, row, col):
            last.values[0].append(value)
        else:
            runs.append(Block(tab, row, col, [[value]]))
    merged: list[Block] = []
    for run in sorted(runs, key=lambda b: (b.tab, b.col, b.last_col, b.row)):
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and (prev.tab, prev.col, prev.last_col) == (run.tab, run.col, run.last_col)
            and prev.last_row + 1 == run.row
        ):
            prev.values.append(run.values[0])
        else:
            merged.append(Block(run.tab, run.row, run.col, [list(run.values[0])]))
    return merged
