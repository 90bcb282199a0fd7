"""Columns found by header text, rows matched by stable ID, writes batched per cycle.

People may reorder columns, add their own, sort or delete rows between and during cycles;
every write is located again in a fresh read of the tab just before it is made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from automation.errors import SheetError
from automation.model import Cell, CellWrite, Problem, Tab
from automation.ports import SheetBackend, Versioned
from automation.text.headers import header_keys, loose_header, normalize_header


@dataclass(frozen=True)
class Columns:
    """Where each logical field sits in one read of a tab (1-based column numbers)."""

    tab: str
    by_field: dict[str, int]
    headers: list[str]
    problems: tuple[Problem, ...] = ()

    def header(self, field: str) -> str:
        return self.headers[self.by_field[field] - 1]


def find_columns(tab: Tab, aliases: Mapping[str, Sequence[str]]) -> Columns:
    """Match header cells to fields by alias, ignoring case and surrounding spaces; failing
    that, also spaces and hyphens inside and a trailing hint in parentheses."""
    headers = [str(h) if h is not None else "" for h in (tab.rows[0] if tab.rows else [])]
    lookup = header_lookup(aliases)
    by_field: dict[str, int] = {}
    problems: list[Problem] = []
    for col, header in enumerate(headers, start=1):
        as_typed, visible = header_keys(header)
        field = (lookup.get(as_typed) or lookup.get(visible)
                 or lookup.get("~" + loose_header(header)))
        if field is None:
            continue
        if field in by_field:
            first = headers[by_field[field] - 1]
            problems.append(
                Problem(
                    tab.title,
                    f"หัวคอลัมน์ซ้ำ: '{header}' (คอลัมน์ {col}) ซ้ำกับ '{first}' "
                    f"(คอลัมน์ {by_field[field]}); ใช้คอลัมน์แรก",
                    row=1,
                    column=header,
                    severity="warning",
                )
            )
            continue
        by_field[field] = col
    return Columns(tab.title, by_field, headers, tuple(problems))


def header_lookup(aliases: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Normalised alias → field; loose keys (``loose_header``) are stored with a '~' prefix."""
    lookup: dict[str, str] = {}
    for name_of_field, names in aliases.items():
        for name in names:
            lookup.setdefault(normalize_header(name), name_of_field)
    for name_of_field, names in aliases.items():
        for name in names:
            if loose_header(name):
                lookup.setdefault("~" + loose_header(name), name_of_field)
    return lookup


@dataclass(frozen=True)
class Row:
    number: int
    cells: list[Cell]
    columns: Columns

    def get(self, field: str) -> Cell:
        col = self.columns.by_field.get(field)
        if col is None or col > len(self.cells):
            return None
        return self.cells[col - 1]

    def text(self, field: str) -> str:
        value = self.get(field)
        if value is None or isinstance(value, bool):
            return "" if value is None else ("TRUE" if value else "FALSE")
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()


def rows(tab: Tab, columns: Columns) -> Iterator[Row]:
    """Data rows with content; blank rows (deleted by hand) are skipped."""
    for index, cells in enumerate(tab.rows[1:], start=2):
        if any(c not in (None, "") for c in cells):
            yield Row(index, cells, columns)


KeyOf = Callable[[Row], str | None]


@dataclass
class WriteResult:
    cells: int = 0
    missing: tuple[str, ...] = ()
    skipped: str = ""


def plan_writes(
    tab: Tab,
    aliases: Mapping[str, Sequence[str]],
    worker_fields: Sequence[str],
    key_of: KeyOf,
    desired: Mapping[str, Mapping[str, Cell]],
) -> tuple[list[CellWrite], list[str]]:
    """Cell writes that bring worker-owned cells to ``desired`` (row key → field → value).

    Only fields in ``worker_fields`` are ever written; missing worker columns get a header
    cell after the last column. Returns the writes and the keys no longer found in the tab.
    """
    columns = find_columns(tab, aliases)
    writes: list[CellWrite] = []
    by_field = dict(columns.by_field)
    next_col = max(len(columns.headers), max(by_field.values(), default=0)) + 1
    needed = {f for values in desired.values() for f in values}
    for field in worker_fields:
        if field in needed and field not in by_field:
            by_field[field] = next_col
            writes.append(CellWrite(tab.title, 1, next_col, aliases[field][0]))
            next_col += 1
    located = Columns(tab.title, by_field, columns.headers)
    found: set[str] = set()
    for row in rows(tab, located):
        key = key_of(row)
        if key is None or key not in desired or key in found:
            continue
        found.add(key)
        for field, value in desired[key].items():
            if field not in worker_fields:
                raise ValueError(f"field {field} is not worker-owned")  # programming error
            if not _same(row.get(field), value):
                writes.append(CellWrite(tab.title, row.number, by_field[field], value))
    missing = [k for k in desired if k not in found]
    return writes, missing


def _same(current: Cell, wanted: Cell) -> bool:
    if current in (None, "") and wanted in (None, ""):
        return True
    if isinstance(current, int | float) and not isinstance(current, bool):
        return str(current).removesuffix(".0") == str(wanted)
    return current == wanted or str(current) == str(wanted)


def _keys_by_row(keys: Mapping[int, str]) -> KeyOf:
    return lambda row: keys.get(row.number)


class Sheet:
    """The spreadsheet as the core sees it: tabs read once per cycle, writes located fresh."""

    def __init__(self, backend: SheetBackend, attempts: int = 3) -> None:
        self.backend = backend
        self.attempts = attempts

    def read(self, tabs: Sequence[str]) -> dict[str, Tab]:
        return self.backend.read(tabs)

    def version(self) -> str | None:
        """What the backend's content is now, told without reading it (None: unknown)."""
        return self.backend.version() if isinstance(self.backend, Versioned) else None

    def tab_version(self, tab: str) -> str | None:
        """What one tab's values are now, told without reading it (None: unknown)."""
        return self.backend.tab_version(tab) if isinstance(self.backend, Versioned) else None

    def own_writes(self) -> tuple[str, str, frozenset[str]] | None:
        """(version before, version after, tabs) of this process's own writes (None:
        unknown)."""
        return self.backend.own_writes() if isinstance(self.backend, Versioned) else None

    def update(
        self,
        tab: str,
        aliases: Mapping[str, Sequence[str]],
        worker_fields: Sequence[str],
        key_of: KeyOf,
        desired: Mapping[str, Mapping[str, Cell]],
        current: Tab | None = None,
        current_keys: Mapping[int, str] | None = None,
    ) -> WriteResult:
        """Write worker-owned cells by row key; no request at all when nothing changed.

        ``current`` is this cycle's earlier read: if it already matches, no fresh read is
        made. Otherwise the tab is read again and the writes are located in that read, so
        rows added, sorted or deleted by people in the meantime cannot shift them.
        ``current_keys`` are the keys of ``current``'s rows (row number → key) as the cycle
        found them: not worked out again for every row.
        """
        if current is not None:
            known = key_of if current_keys is None else _keys_by_row(current_keys)
            writes, _missing = plan_writes(current, aliases, worker_fields, known, desired)
            if not writes:
                return WriteResult()
        last: SheetError | None = None
        for _attempt in range(self.attempts):
            fresh = self.backend.read([tab])[tab]
            writes, missing = plan_writes(fresh, aliases, worker_fields, key_of, desired)
            if not writes:
                return WriteResult(missing=tuple(missing))
            try:
                self.backend.write(writes)
            except SheetError as exc:
                if not exc.transient:
                    raise
                last = exc
                continue
            return WriteResult(cells=len(writes), missing=tuple(missing))
        return WriteResult(skipped=str(last) if last else "")
