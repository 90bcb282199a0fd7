"""A row that reads as it did in the last parse is the submission it was then.

A worker left running, or a cron run after the worker's own status write, parses the form
again when something in it changed: a new submission, the IDs the worker wrote. Most rows
read exactly as before, and parsing each again (texts cleaned, addresses checked, dates
read, the school looked up) is most of the time. A row is taken from the last parse when
its cells are the same (the ID column and the worker's status columns aside), its ID and
fingerprint are the same, and nothing about its ID can read differently: the ID cell is
unchanged and its recorded fingerprint matches before and now, or the ID was just written
into an empty cell with the fingerprint the ledger now records for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from automation.core.table import Columns, Row
from automation.model import Cell, Submission, Tab

# Form columns the worker writes back and parsing never reads (but for a row being blank).
UNPARSED = ("status", "published_at", "delivery", "link")


@dataclass(frozen=True)
class Earlier:
    """The last parse of the form, made with the same registry and settings."""

    tab: Tab
    items: Sequence[Submission]
    fingerprints: Mapping[str, str]


class Memo:
    def __init__(self, earlier: Earlier | None, tab: Tab, columns: Columns) -> None:
        self.by_row: dict[int, Submission] = {}
        self.old: list[list[Cell]] = []
        self.old_fps: Mapping[str, str] = {}
        if earlier is None or not earlier.tab.rows or not tab.rows \
                or earlier.tab.rows[0] != tab.rows[0]:
            return  # none, or the columns moved: every row is parsed
        self.by_row = {i.row: i for i in earlier.items}
        self.old = earlier.tab.rows
        self.old_fps = earlier.fingerprints
        self.skip = sorted({c - 1 for f, c in columns.by_field.items()
                            if f in UNPARSED or f == "id"}, reverse=True)

    def get(self, row: Row, item_id: str, fp: str, fingerprints: Mapping[str, str],
            stored_id: Callable[[Row], str]) -> Submission | None:
        """The earlier submission for ``row`` (its ID and fingerprint as now worked out),
        or None: parse it."""
        old = self.by_row.get(row.number)
        if old is None or old.id != item_id or old.fingerprint != fp \
                or row.number > len(self.old):
            return None
        before = self.old[row.number - 1]
        if not _same(self._masked(before), self._masked(row.cells)):
            return None
        was, now = _text(before, row), row.text("id")
        if was == now:
            stored = stored_id(row)  # a note that is not an ID reads as no ID
            if stored and not (self.old_fps.get(stored) == fp == fingerprints.get(stored)):
                return None
        elif was or now != item_id or fingerprints.get(item_id) != fp:
            return None  # only an ID written into an empty cell, as the ledger knows it
        return old

    def _masked(self, cells: list[Cell]) -> list[Cell]:
        kept = list(cells)
        for i in self.skip:
            if i < len(kept):
                kept[i] = None
        while kept and kept[-1] in (None, ""):
            kept.pop()
        return kept


def _text(cells: list[Cell], row: Row) -> str:
    return Row(row.number, cells, row.columns).text("id")


def _same(a: list[Cell], b: list[Cell]) -> bool:
    """Equal cell by cell, types too: a ticked checkbox where a 1 was is a change."""
    return len(a) == len(b) and all(x == y and type(x) is type(y)
                                    for x, y in zip(a, b, strict=True))
