"""An in-memory Google Sheets v4 REST API, served to real gspread through a requests adapter.

The worker talks to the office's spreadsheet (form responses, network registry, suppression
list, summary) only through gspread. Tests run that real gspread code against this fake, which
answers on the wire the way Google does, including the parts that bite in production:

* trailing empty cells and rows are left out of ``values`` responses, empty middle rows come
  back as ``[]`` and an empty range has no ``values`` key at all;
* checkboxes are booleans, dates are serial numbers (days since 1899-12-30) unless rendered;
* RAW writes keep ``"0812345678"`` and ``"=IMPORTXML(...)"`` as text, USER_ENTERED turns them
  into the number 812345678 and a formula;
* quota errors (429 with ``Retry-After``), 5xx, read timeouts and dropped connections, on
  demand or at random, and a hook that lets a test play a person editing the sheet between
  two requests of the worker.

Usage::

    api = FakeSheetsAPI()
    book = api.add_spreadsheet("sheet-id", tabs={"การตอบแบบฟอร์ม 1": [["ประทับเวลา", "หัวข้อข่าว"]]})
    client = make_client(api)          # a real gspread.Client; only this fake is reachable
    rows = client.open_by_key("sheet-id").worksheet("การตอบแบบฟอร์ม 1").get_all_values()

Cells of ``FakeTab.rows`` are Python values: ``str``, ``bool`` (checkbox), ``int``/``float``,
``datetime.date``/``datetime.datetime`` (date cells), ``Formula`` and ``None``/``""`` (empty).

Formatted rendering follows one Thai-style d/m/yyyy locale: dates as ``25/11/2026``, date-times
as ``25/11/2026, 14:05:33`` (day, month and hour without leading zeros), numbers in Sheets'
"Automatic" format (``812345678``, ``1.5``, at most 10 significant digits, ``1.5E+20``).
Set ``FakeSpreadsheet.buddhist_era`` to show and parse years in the Thai era (2569).

``values:append`` finds the "table" like Sheets: the first non-empty row inside the given range,
extended downwards (beyond the range) while rows stay non-empty; new rows go right below it,
so a blank row ends the table. A range with no data in it is written at its top-left cell.

Writes outside the grid grow it (set ``FakeSheetsAPI.strict_grid_limits`` for Google's
"exceeds grid limits" error instead). Reads are clipped to the grid.
"""

from __future__ import annotations

import json
import random
import re
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from http import HTTPStatus
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import gspread
import requests
from google.auth.credentials import AnonymousCredentials
from gspread.http_client import HTTPClient
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

__all__ = [
    "SHEETS_PREFIX",
    "CallRecord",
    "FakeSheetsAPI",
    "FakeSheetsAdapter",
    "FakeSpreadsheet",
    "FakeTab",
    "Formula",
    "ProtectedRange",
    "RefusingAdapter",
    "Validation",
    "from_serial",
    "make_client",
    "mount",
    "to_serial",
]

SHEETS_PREFIX = "https://sheets.googleapis.com/"
_API_PATH = "/v4/spreadsheets/"
_EPOCH = date(1899, 12, 30)
_BE_OFFSET = 543
DEFAULT_ROWS = 1000
DEFAULT_COLUMNS = 26

KINDS = (
    "metadata",
    "values_get",
    "values_batch_get",
    "values_batch_update",
    "values_update",
    "values_append",
    "values_clear",
    "values_batch_clear",
    "batch_update",
)
_WRITE_KINDS = frozenset(KINDS) - {"metadata", "values_get", "values_batch_get"}

Fault = int | str | None


# --------------------------------------------------------------------------- cell values


@dataclass(frozen=True)
class Formula:
    """A formula cell. ``value`` is what it shows; when None a tiny evaluator guesses it:
    ``=HYPERLINK("url","label")`` shows the label, ``="text"`` and ``=42`` show the literal and
    anything else shows ``#NAME?`` (enough to tell a formula from text)."""

    text: str
    value: object = None

    def result(self) -> object:
        if self.value is not None:
            return self.value
        return _evaluate(self.text)


_HYPERLINK_RE = re.compile(
    r'^=\s*HYPERLINK\(\s*"((?:[^"]|"")*)"\s*(?:[,;]\s*"((?:[^"]|"")*)"\s*)?\)\s*$', re.I
)
_STRING_FORMULA_RE = re.compile(r'^=\s*"((?:[^"]|"")*)"\s*$')
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_DMY_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def _evaluate(text: str) -> object:
    m = _HYPERLINK_RE.match(text)
    if m:
        shown = m.group(2) if m.group(2) is not None else m.group(1)
        return shown.replace('""', '"')
    m = _STRING_FORMULA_RE.match(text)
    if m:
        return m.group(1).replace('""', '"')
    literal = text[1:].strip()
    if _NUMBER_RE.match(literal):
        return _parse_number(literal)
    return "#NAME?"


def to_serial(value: date | datetime, time_zone: str = "Asia/Bangkok") -> int | float:
    """Sheets' serial number: days since 1899-12-30, the time of day as the fraction.
    An aware datetime is first moved into the spreadsheet's time zone."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(ZoneInfo(time_zone)).replace(tzinfo=None)
        days = (value.date() - _EPOCH).days
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        seconds_f = seconds + value.microsecond / 1e6
        return days + seconds_f / 86400 if seconds_f else days
    return (value - _EPOCH).days


def from_serial(serial: float) -> datetime:
    """The naive datetime a serial number stands for (in the spreadsheet's time zone)."""
    return datetime.combine(_EPOCH, time()) + timedelta(days=serial)


def _parse_number(text: str) -> int | float:
    clean = text.replace(",", "")
    if re.fullmatch(r"[+-]?\d+", clean) and abs(int(clean)) < 10**15:
        return int(clean)
    number = float(clean)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _json_number(value: float) -> int | float:
    # Google writes integral doubles without a fraction, so they decode as Python ints.
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _format_number(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return "#NUM!"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = format(value, ".10g")
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        text = f"{mantissa}E{sign}{abs(int(exponent)):02d}"
    return text


def _is_empty(value: object) -> bool:
    return value is None or (value == "" and type(value) is str)


# --------------------------------------------------------------------------- A1 ranges


class _ApiError(Exception):
    """An error answer, shaped like Google's JSON error body."""

    _STATUS: ClassVar[dict[int, tuple[str, str]]] = {
        400: ("INVALID_ARGUMENT", "Invalid request."),
        401: ("UNAUTHENTICATED", "Request is missing required authentication credential."),
        403: ("PERMISSION_DENIED", "The caller does not have permission"),
        404: ("NOT_FOUND", "Requested entity was not found."),
        409: ("ABORTED", "The operation was aborted."),
        429: ("RESOURCE_EXHAUSTED", "Quota exceeded."),
        500: ("INTERNAL", "Internal error encountered."),
        501: ("UNIMPLEMENTED", "Operation is not implemented, or supported, or enabled."),
        503: ("UNAVAILABLE", "The service is currently unavailable."),
        504: ("DEADLINE_EXCEEDED", "The request timed out. Please try again."),
    }

    def __init__(self, code: int, message: str | None = None) -> None:
        status, default = self._STATUS.get(code, ("UNKNOWN", "Unknown error."))
        self.code = code
        self.message = message or default
        self.status = status
        super().__init__(f"{code} {status}: {self.message}")

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}


@dataclass(frozen=True)
class _Box:
    """A parsed range: 0-based, end exclusive, None = up to the grid edge."""

    r0: int
    r1: int | None
    c0: int
    c1: int | None
    single: bool = False  # one cell: a write anchor, not a bound


_WHOLE = _Box(0, None, 0, None)
_CELL_RE = re.compile(r"^\$?([A-Za-z]{0,3})\$?(\d{0,7})$")
_BARE_TITLE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CELL_LIKE_RE = re.compile(r"^(?:[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*)$")


def col_letters(index0: int) -> str:
    """Column letters for a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    n = index0 + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: str) -> int:
    """0-based column index for column letters (A -> 0)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def quote_title(title: str) -> str:
    if _BARE_TITLE_RE.match(title) and not _CELL_LIKE_RE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def a1(title: str, r0: int, r1: int, c0: int, c1: int) -> str:
    start = f"{col_letters(c0)}{r0 + 1}"
    end = f"{col_letters(max(c1, c0 + 1) - 1)}{max(r1, r0 + 1)}"
    cells = start if start == end else f"{start}:{end}"
    return f"{quote_title(title)}!{cells}"


def _parse_cells(text: str) -> _Box | None:
    parts = text.split(":")
    if len(parts) == 1:
        m = _CELL_RE.match(parts[0])
        if not m or not m.group(1) or not m.group(2) or int(m.group(2)) == 0:
            return None
        r, c = int(m.group(2)) - 1, col_index(m.group(1))
        return _Box(r, r + 1, c, c + 1, single=True)
    if len(parts) != 2:
        return None
    m1, m2 = _CELL_RE.match(parts[0]), _CELL_RE.match(parts[1])
    if not m1 or not m2:
        return None
    col1, row1, col2, row2 = m1.group(1), m1.group(2), m2.group(1), m2.group(2)
    if not (col1 or row1) or not (col2 or row2) or "0" in (row1, row2):
        return None
    if bool(col1) != bool(col2) and not (row1 and row2) and not (col1 and row1):
        return None
    c0 = col_index(col1) if col1 else 0
    r0 = int(row1) - 1 if row1 else 0
    c1 = col_index(col2) + 1 if col2 else None
    r1 = int(row2) if row2 else None
    if c1 is not None and c1 <= c0:
        c0, c1 = c1 - 1, c0 + 1
    if r1 is not None and r1 <= r0:
        r0, r1 = r1 - 1, r0 + 1
    return _Box(r0, r1, c0, c1)


def _split_sheet(text: str) -> tuple[str | None, str | None]:
    """('Tab name', 'A1:B2') from "'Tab name'!A1:B2"; (None, text) when no tab is named."""
    if text.startswith("'"):
        name: list[str] = []
        i = 1
        while i < len(text):
            if text[i] == "'":
                if text[i + 1 : i + 2] == "'":
                    name.append("'")
                    i += 2
                    continue
                break
            name.append(text[i])
            i += 1
        else:
            raise ValueError(text)
        rest = text[i + 1 :]
        if rest == "":
            return "".join(name), None
        if rest.startswith("!"):
            return "".join(name), rest[1:]
        raise ValueError(text)
    if "!" in text:
        sheet, cells = text.split("!", 1)
        return sheet, cells
    return None, text


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Validation:
    """A data-validation rule (API ``DataValidationRule`` dict) over a grid box;
    ``rule=None`` clears. Later entries win."""

    r0: int
    r1: int | None
    c0: int
    c1: int | None
    rule: Mapping[str, Any] | None

    def covers(self, row0: int, col0: int) -> bool:
        return (
            self.r0 <= row0
            and (self.r1 is None or row0 < self.r1)
            and self.c0 <= col0
            and (self.c1 is None or col0 < self.c1)
        )


@dataclass(frozen=True)
class ProtectedRange:
    protected_range_id: int
    r0: int
    r1: int | None
    c0: int
    c1: int | None
    details: Mapping[str, Any] = field(default_factory=dict)  # description, editors, ...

    def as_api(self, sheet_id: int) -> dict[str, Any]:
        grid: dict[str, Any] = {"sheetId": sheet_id, "startRowIndex": self.r0}
        if self.r1 is not None:
            grid["endRowIndex"] = self.r1
        grid["startColumnIndex"] = self.c0
        if self.c1 is not None:
            grid["endColumnIndex"] = self.c1
        return {"protectedRangeId": self.protected_range_id, "range": grid, **self.details}


def _shift_insert(a: int, b: int | None, start: int, n: int) -> tuple[int, int | None]:
    return (a + n if a >= start else a, b + n if b is not None and b > start else b)


def _shift_delete(a: int, b: int | None, start: int, end: int) -> tuple[int, int | None] | None:
    def move(x: int) -> int:
        return x if x <= start else (start if x <= end else x - (end - start))

    na, nb = move(a), None if b is None else move(b)
    if nb is not None and nb <= na:
        return None
    return na, nb


class FakeTab:
    """One sheet (tab). ``rows`` is the live grid content, ragged rows allowed; tests may
    read and edit it directly to play the people who use the spreadsheet."""

    def __init__(
        self,
        spreadsheet: FakeSpreadsheet,
        title: str,
        sheet_id: int,
        rows: Iterable[Sequence[object]] | None = None,
        *,
        row_count: int | None = None,
        column_count: int | None = None,
        frozen_row_count: int = 0,
    ) -> None:
        self.spreadsheet = spreadsheet
        self.title = title
        self.sheet_id = sheet_id
        self.rows: list[list[object]] = [list(r) for r in rows or []]
        self.row_count = row_count or DEFAULT_ROWS
        self.column_count = column_count or DEFAULT_COLUMNS
        self.frozen_row_count = frozen_row_count
        self.frozen_column_count = 0
        self.hidden = False
        self.validations: list[Validation] = []
        self.protected_ranges: list[ProtectedRange] = []
        self.extra_properties: dict[str, Any] = {}
        self.fit_grid()

    def __repr__(self) -> str:
        return f"<FakeTab {self.title!r} id={self.sheet_id} rows={len(self.rows)}>"

    @property
    def index(self) -> int:
        return self.spreadsheet.tabs.index(self)

    # -- reading helpers
    def values(self) -> list[list[object]]:
        """A plain copy of the grid content."""
        return [list(r) for r in self.rows]

    def cell(self, row: int, col: int) -> object:
        """The value at 1-based (row, col); None outside the written area."""
        if row - 1 < len(self.rows) and col - 1 < len(self.rows[row - 1]):
            return self.rows[row - 1][col - 1]
        return None

    def last_row(self) -> int:
        """1-based number of the last non-empty row (0 when the tab is empty)."""
        for i in range(len(self.rows) - 1, -1, -1):
            if any(not _is_empty(v) for v in self.rows[i]):
                return i + 1
        return 0

    def validation_at(self, row: int, col: int) -> Mapping[str, Any] | None:
        """The data-validation rule in force at 1-based (row, col)."""
        for entry in reversed(self.validations):
            if entry.covers(row - 1, col - 1):
                return entry.rule
        return None

    # -- people's edits
    def set_cell(self, row: int, col: int, value: object) -> None:
        self._set(row - 1, col - 1, value)

    def append_row(self, row: Sequence[object]) -> int:
        """Add a row below the last non-empty one, as Google Forms does; returns its number."""
        at = self.last_row()
        while len(self.rows) <= at:
            self.rows.append([])
        self.rows[at] = list(row)
        self.fit_grid()
        return at + 1

    def insert_rows(self, at_index_1based: int, rows: Sequence[Sequence[object]]) -> None:
        """Insert rows above row ``at_index_1based`` (everything below moves down)."""
        start = at_index_1based - 1
        self._insert_dimension("ROWS", start, len(rows))
        for i, row in enumerate(rows):
            self.rows[start + i] = list(row)
        self.fit_grid()

    def delete_row(self, row_1based: int) -> None:
        self._delete_dimension("ROWS", row_1based - 1, row_1based)

    def sort_rows(self, key: Callable[[list[object]], Any], start_row: int = 2) -> None:
        """Sort the rows from ``start_row`` down like a person sorting the sheet:
        blank rows go last."""
        body = self.rows[start_row - 1 :]
        filled = [r for r in body if any(not _is_empty(v) for v in r)]
        filled.sort(key=key)
        self.rows[start_row - 1 :] = filled

    def add_validation(self, a1_range: str, rule: Mapping[str, Any] | None) -> None:
        """Attach a data-validation rule to an A1 range of this tab (no tab name)."""
        box = _parse_cells(a1_range)
        if box is None:
            raise ValueError(f"not an A1 range: {a1_range}")
        self.validations.append(Validation(box.r0, box.r1, box.c0, box.c1, rule))

    def add_checkboxes(self, a1_range: str) -> None:
        self.add_validation(a1_range, {"condition": {"type": "BOOLEAN"}})

    # -- grid machinery
    def fit_grid(self) -> None:
        """Grow the grid limits to hold everything in ``rows``."""
        if len(self.rows) > self.row_count:
            self.row_count = len(self.rows)
        widest = max((len(r) for r in self.rows), default=0)
        if widest > self.column_count:
            self.column_count = widest

    def properties(self) -> dict[str, Any]:
        self.fit_grid()
        grid: dict[str, Any] = {"rowCount": self.row_count, "columnCount": self.column_count}
        if self.frozen_row_count:
            grid["frozenRowCount"] = self.frozen_row_count
        if self.frozen_column_count:
            grid["frozenColumnCount"] = self.frozen_column_count
        props: dict[str, Any] = {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": grid,
        }
        if self.hidden:
            props["hidden"] = True
        props.update(self.extra_properties)
        return props

    def _set(self, r: int, c: int, value: object) -> None:
        rows = self.rows
        if r >= len(rows):
            rows.extend([] for _ in range(r + 1 - len(rows)))
        row = rows[r]
        if c >= len(row):
            row.extend([""] * (c + 1 - len(row)))
        row[c] = value
        if r >= self.row_count:
            self.row_count = r + 1
        if c >= self.column_count:
            self.column_count = c + 1

    def _insert_dimension(self, dimension: str, start: int, n: int) -> None:
        if dimension == "ROWS":
            if start > len(self.rows):
                self.rows.extend([] for _ in range(start - len(self.rows)))
            self.rows[start:start] = [[] for _ in range(n)]
            self.row_count += n
            keys = ("r0", "r1")
        else:
            for row in self.rows:
                if len(row) > start:
                    row[start:start] = [""] * n
            self.column_count += n
            keys = ("c0", "c1")

        def move(v: Any) -> Any:
            moved = _shift_insert(getattr(v, keys[0]), getattr(v, keys[1]), start, n)
            return replace(v, **dict(zip(keys, moved, strict=True)))

        self._shift(move)
        self.fit_grid()

    def _delete_dimension(self, dimension: str, start: int, end: int) -> None:
        if dimension == "ROWS":
            del self.rows[start:end]
            self.row_count = max(1, self.row_count - (end - start))
            keys = ("r0", "r1")
        else:
            for row in self.rows:
                del row[start:end]
            self.column_count = max(1, self.column_count - (end - start))
            keys = ("c0", "c1")

        def move(v: Any) -> Any:
            moved = _shift_delete(getattr(v, keys[0]), getattr(v, keys[1]), start, end)
            return None if moved is None else replace(v, **dict(zip(keys, moved, strict=True)))

        self._shift(move)

    def _shift(self, move: Callable[[Any], Any]) -> None:
        self.validations = [m for m in (move(v) for v in self.validations) if m is not None]
        self.protected_ranges = [
            m for m in (move(p) for p in self.protected_ranges) if m is not None
        ]

    def _state(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "rows": [list(r) for r in self.rows],
            "row_count": self.row_count,
            "column_count": self.column_count,
            "frozen_row_count": self.frozen_row_count,
            "frozen_column_count": self.frozen_column_count,
            "hidden": self.hidden,
            "validations": list(self.validations),
            "protected_ranges": list(self.protected_ranges),
            "extra_properties": json.loads(json.dumps(self.extra_properties)),
        }

    def _restore(self, state: Mapping[str, Any]) -> None:
        for key, value in state.items():
            setattr(self, key, value)


class FakeSpreadsheet:
    """One spreadsheet file. ``shared=False`` makes every request answer 403, as for a file
    never shared with the service account; ``can_edit=False`` allows reads only (viewer)."""

    def __init__(
        self,
        spreadsheet_id: str,
        title: str,
        time_zone: str = "Asia/Bangkok",
        *,
        shared: bool = True,
        locale: str = "th_TH",
    ) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.title = title
        self.time_zone = time_zone
        self.locale = locale
        self.shared = shared
        self.can_edit = True
        self.buddhist_era = False
        self.tabs: list[FakeTab] = []
        self.ignored_requests: list[dict[str, Any]] = []  # formatting requests accepted as no-ops
        self._next_protected_id = 1_000_000_001

    def __repr__(self) -> str:
        return f"<FakeSpreadsheet {self.spreadsheet_id!r} {self.title!r} tabs={len(self.tabs)}>"

    def tab(self, title: str) -> FakeTab:
        found = self.find_tab(title)
        if found is None:
            raise KeyError(title)
        return found

    def find_tab(self, title: str) -> FakeTab | None:
        for t in self.tabs:
            if t.title == title:
                return t
        folded = title.casefold()
        for t in self.tabs:
            if t.title.casefold() == folded:
                return t
        return None

    def tab_by_id(self, sheet_id: int) -> FakeTab:
        for t in self.tabs:
            if t.sheet_id == sheet_id:
                return t
        raise _ApiError(400, f"No grid with id: {sheet_id}")

    def add_tab(
        self,
        title: str,
        rows: Iterable[Sequence[object]] | None = None,
        *,
        row_count: int | None = None,
        column_count: int | None = None,
        frozen_row_count: int = 0,
        index: int | None = None,
        sheet_id: int | None = None,
    ) -> FakeTab:
        if self.find_tab(title) is not None:
            raise _ApiError(
                400, f'A sheet with the name "{title}" already exists. Please enter another name.'
            )
        if sheet_id is None:
            sheet_id = self._new_sheet_id(title)
        elif any(t.sheet_id == sheet_id for t in self.tabs):
            raise _ApiError(400, f"A sheet with the id {sheet_id} already exists.")
        new = FakeTab(
            self,
            title,
            sheet_id,
            rows,
            row_count=row_count,
            column_count=column_count,
            frozen_row_count=frozen_row_count,
        )
        self.tabs.insert(len(self.tabs) if index is None else index, new)
        return new

    def _new_sheet_id(self, title: str) -> int:
        if not self.tabs:
            return 0  # the first sheet of a new file is always gid=0
        taken = {t.sheet_id for t in self.tabs}
        candidate = zlib.crc32(f"{self.spreadsheet_id}/{title}".encode()) % 2_000_000_000 + 1
        while candidate in taken:
            candidate += 1
        return candidate

    def format_date(self, value: date) -> str:
        year = value.year + (_BE_OFFSET if self.buddhist_era else 0)
        return f"{value.day}/{value.month}/{year}"

    def format_datetime(self, value: datetime) -> str:
        if value.tzinfo is not None:
            value = value.astimezone(ZoneInfo(self.time_zone)).replace(tzinfo=None)
        return f"{self.format_date(value)}, {value.hour}:{value.minute:02d}:{value.second:02d}"

    def metadata(self, include_grid: bool = False, ranges: Sequence[str] = ()) -> dict[str, Any]:
        sheets = []
        wanted = [_resolve(self, r) for r in ranges]
        for t in self.tabs:
            boxes = [box for tab, box in wanted if tab is t]
            if wanted and not boxes:
                continue
            entry: dict[str, Any] = {"properties": t.properties()}
            if t.protected_ranges:
                entry["protectedRanges"] = [p.as_api(t.sheet_id) for p in t.protected_ranges]
            if include_grid:
                entry["data"] = [_grid_data(self, t, box) for box in boxes or [_WHOLE]]
            sheets.append(entry)
        return {
            "spreadsheetId": self.spreadsheet_id,
            "properties": {
                "title": self.title,
                "locale": self.locale,
                "autoRecalc": "ON_CHANGE",
                "timeZone": self.time_zone,
            },
            "sheets": sheets,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit",
        }

    def _snapshot(self) -> tuple[list[FakeTab], list[dict[str, Any]], dict[str, Any]]:
        own = {"title": self.title, "time_zone": self.time_zone, "locale": self.locale}
        return list(self.tabs), [t._state() for t in self.tabs], own

    def _restore(self, snap: tuple[list[FakeTab], list[dict[str, Any]], dict[str, Any]]) -> None:
        tabs, states, own = snap
        self.tabs = tabs
        for t, state in zip(tabs, states, strict=True):
            t._restore(state)
        for key, value in own.items():
            setattr(self, key, value)


# --------------------------------------------------------------------------- rendering


def _resolve(ss: FakeSpreadsheet, text: str) -> tuple[FakeTab, _Box]:
    bad = _ApiError(400, f"Unable to parse range: {text}")
    try:
        sheet, cells = _split_sheet(text)
    except ValueError:
        raise bad from None
    if sheet is None:
        assert cells is not None
        named = ss.find_tab(cells)
        if named is not None:
            return named, _WHOLE
        box = _parse_cells(cells)
        if box is None or not ss.tabs:
            raise bad
        return ss.tabs[0], box
    found = ss.find_tab(sheet)
    if found is None:
        raise bad
    if not cells:
        return found, _WHOLE
    box = _parse_cells(cells)
    if box is None:
        raise bad
    return found, box


def _clip(tab: FakeTab, box: _Box) -> tuple[int, int, int, int]:
    tab.fit_grid()
    rc, cc = tab.row_count, tab.column_count
    if box.r0 >= rc or box.c0 >= cc:
        shown = a1(tab.title, box.r0, box.r1 or box.r0 + 1, box.c0, box.c1 or box.c0 + 1)
        raise _ApiError(
            400, f"Range ({shown}) exceeds grid limits. Max rows: {rc}, max columns: {cc}"
        )
    r1 = rc if box.r1 is None else min(box.r1, rc)
    c1 = cc if box.c1 is None else min(box.c1, cc)
    return box.r0, r1, box.c0, c1


class _Renderer:
    """Turns stored cells into JSON values for one valueRenderOption/dateTimeRenderOption."""

    def __init__(self, ss: FakeSpreadsheet, value_option: str, date_option: str) -> None:
        if value_option not in ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"):
            raise _ApiError(400, f"Invalid value at 'value_render_option' ({value_option})")
        if date_option not in ("SERIAL_NUMBER", "FORMATTED_STRING"):
            raise _ApiError(400, f"Invalid value at 'date_time_render_option' ({date_option})")
        self.ss = ss
        self.value_option = value_option
        self.dates_as_text = date_option == "FORMATTED_STRING"

    def cell(self, value: object) -> object:
        if self.value_option == "FORMATTED_VALUE":
            return self.formatted(value)
        if type(value) is Formula:
            if self.value_option == "FORMULA":
                return value.text
            return self.unformatted(value.result())
        return self.unformatted(value)

    def formatted(self, value: object) -> str:
        t = type(value)
        if t is str:
            return value  # type: ignore[return-value]
        if value is None:
            return ""
        if t is int:
            return str(value)
        if t is bool:
            return "TRUE" if value else "FALSE"
        if t is float:
            return _format_number(value)  # type: ignore[arg-type]
        if isinstance(value, datetime):
            return self.ss.format_datetime(value)
        if isinstance(value, date):
            return self.ss.format_date(value)
        if t is Formula:
            return self.formatted(value.result())  # type: ignore[attr-defined]
        return str(value)

    def unformatted(self, value: object) -> object:
        t = type(value)
        if t is str or t is bool or t is int:
            return value
        if value is None:
            return ""
        if t is float:
            return _json_number(value)  # type: ignore[arg-type]
        if isinstance(value, date):
            if self.dates_as_text:
                return self.formatted(value)
            serial = to_serial(value, self.ss.time_zone)
            return _json_number(float(serial))
        if t is Formula:
            return self.unformatted(value.result())  # type: ignore[attr-defined]
        return str(value)

    def block(
        self, tab: FakeTab, r0: int, r1: int, c0: int, c1: int, major: str = "ROWS"
    ) -> list[list[object]]:
        cell = self.formatted if self.value_option == "FORMATTED_VALUE" else self.cell
        out: list[list[object]] = []
        for row in tab.rows[r0:r1]:
            if not row:
                out.append([])
                continue
            # Text is the bulk of a sheet and renders as itself in every option.
            vals = [v if type(v) is str else cell(v) for v in row[c0:c1]]
            while vals and vals[-1] == "" and type(vals[-1]) is str:
                vals.pop()
            out.append(vals)
        while out and not out[-1]:
            out.pop()
        if major == "COLUMNS":
            width = max((len(r) for r in out), default=0)
            columns = [[r[j] if j < len(r) else "" for r in out] for j in range(width)]
            for col in columns:
                while col and col[-1] == "" and type(col[-1]) is str:
                    col.pop()
            while columns and not columns[-1]:
                columns.pop()
            return columns
        return out

    def value_range(self, tab: FakeTab, box: _Box, major: str) -> dict[str, Any]:
        r0, r1, c0, c1 = _clip(tab, box)
        result: dict[str, Any] = {"range": a1(tab.title, r0, r1, c0, c1), "majorDimension": major}
        values = self.block(tab, r0, r1, c0, c1, major)
        if values:
            result["values"] = values
        return result


def _extended_value(value: object, renderer: _Renderer) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": _json_number(float(value))}
    if isinstance(value, date):
        return {"numberValue": _json_number(float(to_serial(value, renderer.ss.time_zone)))}
    text = str(value)
    if text.startswith("#") and text.endswith(("?", "!", "A")):
        return {"errorValue": {"type": "ERROR", "message": text}}
    return {"stringValue": text}


def _grid_data(ss: FakeSpreadsheet, tab: FakeTab, box: _Box) -> dict[str, Any]:
    renderer = _Renderer(ss, "FORMATTED_VALUE", "SERIAL_NUMBER")
    r0, r1, c0, c1 = _clip(tab, box)
    row_data: list[dict[str, Any]] = []
    for r in range(r0, min(r1, len(tab.rows))):
        row = tab.rows[r]
        cells: list[dict[str, Any]] = []
        for c in range(c0, c1):
            value = row[c] if c < len(row) else None
            data: dict[str, Any] = {}
            if not _is_empty(value):
                if isinstance(value, Formula):
                    data["userEnteredValue"] = {"formulaValue": value.text}
                    data["effectiveValue"] = _extended_value(value.result(), renderer)
                else:
                    data["userEnteredValue"] = _extended_value(value, renderer)
                    data["effectiveValue"] = data["userEnteredValue"]
                data["formattedValue"] = renderer.formatted(value)
                if isinstance(value, date):
                    pattern = "d/m/yyyy h:mm:ss" if isinstance(value, datetime) else "d/m/yyyy"
                    kind = "DATE_TIME" if isinstance(value, datetime) else "DATE"
                    data["userEnteredFormat"] = {"numberFormat": {"type": kind, "pattern": pattern}}
            rule = tab.validation_at(r + 1, c + 1)
            if rule is not None:
                data["dataValidation"] = dict(rule)
            cells.append(data)
        while cells and not cells[-1]:
            cells.pop()
        row_data.append({"values": cells} if cells else {})
    while row_data and not row_data[-1]:
        row_data.pop()
    data_out: dict[str, Any] = {"rowData": row_data}
    if r0:
        data_out["startRow"] = r0
    if c0:
        data_out["startColumn"] = c0
    return data_out


# --------------------------------------------------------------------------- writing


def _user_entered(text: str, ss: FakeSpreadsheet) -> object:
    """What Sheets makes of text typed into a cell (the USER_ENTERED input option)."""
    if text == "":
        return ""
    if text.startswith("'"):
        return text[1:]
    if text.startswith("=") and len(text) > 1:
        return Formula(text)
    stripped = text.strip()
    upper = stripped.upper()
    if upper in ("TRUE", "FALSE"):
        return upper == "TRUE"
    if _NUMBER_RE.match(stripped) or _THOUSANDS_RE.match(stripped):
        return _parse_number(stripped)
    when = _parse_date(stripped, ss)
    return text if when is None else when


def _parse_date(text: str, ss: FakeSpreadsheet) -> date | datetime | None:
    m = _DMY_RE.match(text)
    if m:
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        clock = m.group(4, 5, 6)
    else:
        m = _ISO_RE.match(text)
        if not m:
            return None
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        clock = m.group(4, 5, 6)
    if ss.buddhist_era and year > 2400:
        year -= _BE_OFFSET
    try:
        if clock[0] is None:
            return date(year, month, day)
        return datetime(year, month, day, int(clock[0]), int(clock[1]), int(clock[2] or 0))
    except ValueError:
        return None


def _input_value(value: object, option: str, ss: FakeSpreadsheet, where: str) -> object:
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return _user_entered(value, ss) if option == "USER_ENTERED" else value
    kind = "list_value" if isinstance(value, list) else "struct_value"
    raise _ApiError(400, f"Invalid {where}: {kind}")


@dataclass
class _Write:
    tab: FakeTab
    r0: int
    c0: int
    matrix: list[list[object]]

    @property
    def width(self) -> int:
        return max((len(r) for r in self.matrix), default=0)

    def apply(self, option: str) -> dict[str, Any]:
        ss = self.tab.spreadsheet
        cells = 0
        for i, row in enumerate(self.matrix):
            for j, value in enumerate(row):
                if value is None:
                    continue  # null means "leave this cell alone"
                stored = _input_value(value, option, ss, f"values[{i}][{j}]")
                self.tab._set(self.r0 + i, self.c0 + j, stored)
                cells += 1
        height, width = len(self.matrix), self.width
        return {
            "spreadsheetId": ss.spreadsheet_id,
            "updatedRange": a1(self.tab.title, self.r0, self.r0 + height, self.c0, self.c0 + width),
            "updatedRows": height,
            "updatedColumns": width,
            "updatedCells": cells,
        }


def _matrix(values: Any, major: str | None) -> list[list[object]]:
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
        raise _ApiError(400, "Invalid values: expected a list of lists")
    rows: list[list[object]] = [list(r) for r in values]
    if major == "COLUMNS":
        height = max((len(c) for c in rows), default=0)
        rows = [[c[i] if i < len(c) else None for c in rows] for i in range(height)]
    return rows


def _plan_write(
    ss: FakeSpreadsheet, range_text: str, values: Any, major: str | None, strict: bool
) -> _Write:
    tab, box = _resolve(ss, range_text)
    plan = _Write(tab, box.r0, box.c0, _matrix(values, major))
    height, width = len(plan.matrix), plan.width
    shown = range_text
    if not box.single:
        if box.r1 is not None and box.r0 + height > box.r1:
            raise _ApiError(
                400,
                f"Requested writing within range [{shown}], but tried writing to row "
                f"[{box.r1 + 1}]",
            )
        if box.c1 is not None and box.c0 + width > box.c1:
            raise _ApiError(
                400,
                f"Requested writing within range [{shown}], but tried writing to column "
                f"[{col_letters(box.c1)}]",
            )
    tab.fit_grid()
    if strict and (box.r0 + height > tab.row_count or box.c0 + width > tab.column_count):
        raise _ApiError(
            400,
            f"Range ({shown}) exceeds grid limits. Max rows: {tab.row_count}, "
            f"max columns: {tab.column_count}",
        )
    return plan


def _row_span(row: Sequence[object], c0: int, c1: int | None) -> tuple[int, int] | None:
    """First and last+1 non-empty column of a row within [c0, c1)."""
    cells = row[c0:c1]
    first = next((j for j, v in enumerate(cells) if not _is_empty(v)), None)
    if first is None:
        return None
    last = max(j for j, v in enumerate(cells) if not _is_empty(v))
    return c0 + first, c0 + last + 1


# --------------------------------------------------------------------- spreadsheet batchUpdate


def _grid_box(grid: Mapping[str, Any]) -> tuple[int, int | None, int, int | None]:
    return (
        int(grid.get("startRowIndex", 0)),
        grid.get("endRowIndex"),
        int(grid.get("startColumnIndex", 0)),
        grid.get("endColumnIndex"),
    )


def _field_paths(fields: str) -> list[str]:
    return [f.strip().replace("/", ".") for f in fields.split(",") if f.strip()]


def _lookup(mapping: Mapping[str, Any], path: str) -> Any:
    node: Any = mapping
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


_IGNORED_REQUESTS = frozenset(
    {
        "repeatCell",
        "updateDimensionProperties",
        "autoResizeDimensions",
        "updateBorders",
        "mergeCells",
        "unmergeCells",
        "addConditionalFormatRule",
        "updateConditionalFormatRule",
        "deleteConditionalFormatRule",
        "setBasicFilter",
        "clearBasicFilter",
        "addBanding",
        "deleteBanding",
        "addDimensionGroup",
        "deleteDimensionGroup",
    }
)


class _BatchUpdate:
    """Applies the ``requests`` of one spreadsheets:batchUpdate call (atomically: the caller
    restores a snapshot when any request fails)."""

    def __init__(self, ss: FakeSpreadsheet) -> None:
        self.ss = ss

    def run(self, requests_: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        replies = []
        for i, request in enumerate(requests_):
            if not isinstance(request, Mapping) or len(request) != 1:
                raise _ApiError(400, f"Invalid requests[{i}]: expected exactly one request kind")
            [(name, payload)] = request.items()
            handler = getattr(self, f"do_{name}", None)
            try:
                if handler is not None:
                    replies.append(handler(payload))
                elif name in _IGNORED_REQUESTS:
                    self.ss.ignored_requests.append(dict(request))
                    replies.append({})
                else:
                    raise _ApiError(400, f"this fake does not model the '{name}' request")
            except _ApiError as err:
                raise _ApiError(err.code, f"Invalid requests[{i}].{name}: {err.message}") from None
        return replies

    def do_addSheet(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        props = payload.get("properties", {})
        title = props.get("title")
        if not title:
            n = len(self.ss.tabs) + 1
            while self.ss.find_tab(f"Sheet{n}") is not None:
                n += 1
            title = f"Sheet{n}"
        grid = props.get("gridProperties", {})
        tab = self.ss.add_tab(
            title,
            row_count=grid.get("rowCount", DEFAULT_ROWS),
            column_count=grid.get("columnCount", DEFAULT_COLUMNS),
            frozen_row_count=grid.get("frozenRowCount", 0),
            index=props.get("index"),
            sheet_id=props.get("sheetId"),
        )
        tab.frozen_column_count = grid.get("frozenColumnCount", 0)
        tab.hidden = bool(props.get("hidden", False))
        for key in ("tabColor", "tabColorStyle", "rightToLeft"):
            if key in props:
                tab.extra_properties[key] = props[key]
        return {"addSheet": {"properties": tab.properties()}}

    def do_deleteSheet(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        tab = self.ss.tab_by_id(int(payload.get("sheetId", -1)))
        if len(self.ss.tabs) == 1:
            raise _ApiError(400, "You can't remove all the sheets in a document.")
        self.ss.tabs.remove(tab)
        return {}

    def do_updateSheetProperties(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        props = payload.get("properties", {})
        fields = payload.get("fields")
        if not fields:
            raise _ApiError(400, "At least one field must be updated. Specify 'fields'.")
        tab = self.ss.tab_by_id(int(props.get("sheetId", 0)))
        paths = _field_paths(fields)
        if "*" in paths:
            paths = ["title", "index", "hidden", "gridProperties"]
        for path in paths:
            if path == "gridProperties":
                paths.extend(
                    f"gridProperties.{k}"
                    for k in ("rowCount", "columnCount", "frozenRowCount", "frozenColumnCount")
                    if k in props.get("gridProperties", {})
                )
                continue
            self._set_property(tab, path, _lookup(props, path))
        return {}

    def _set_property(self, tab: FakeTab, path: str, value: Any) -> None:
        if path == "title":
            other = self.ss.find_tab(value or "")
            if not value or (other is not None and other is not tab):
                raise _ApiError(400, f'A sheet with the name "{value}" already exists.')
            tab.title = value
        elif path == "index":
            self.ss.tabs.remove(tab)
            self.ss.tabs.insert(min(int(value or 0), len(self.ss.tabs)), tab)
        elif path == "hidden":
            tab.hidden = bool(value)
        elif path == "gridProperties.rowCount":
            tab.row_count = int(value)
            del tab.rows[tab.row_count :]
        elif path == "gridProperties.columnCount":
            tab.column_count = int(value)
            for row in tab.rows:
                del row[tab.column_count :]
        elif path == "gridProperties.frozenRowCount":
            tab.frozen_row_count = int(value or 0)
        elif path == "gridProperties.frozenColumnCount":
            tab.frozen_column_count = int(value or 0)
        else:
            top = path.split(".")[0]
            if top in ("sheetId", "sheetType"):
                raise _ApiError(400, f"'{top}' cannot be updated")
            node: dict[str, Any] = tab.extra_properties
            parts = path.split(".")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            if value is None:
                node.pop(parts[-1], None)
            else:
                node[parts[-1]] = value

    def do_updateSpreadsheetProperties(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        props = payload.get("properties", {})
        for path in _field_paths(payload.get("fields", "")):
            if path in ("title", "timeZone", "locale") and props.get(path):
                attr = {"title": "title", "timeZone": "time_zone", "locale": "locale"}[path]
                setattr(self.ss, attr, props[path])
        return {}

    def do_setDataValidation(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        grid = payload.get("range", {})
        tab = self.ss.tab_by_id(int(grid.get("sheetId", 0)))
        rule = payload.get("rule")
        if rule is not None:
            rule = {k: v for k, v in rule.items() if v is not None}
        tab.validations.append(Validation(*_grid_box(grid), rule))
        return {}

    def do_addProtectedRange(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        spec = dict(payload.get("protectedRange", {}))
        grid = spec.pop("range", {"sheetId": 0})
        tab = self.ss.tab_by_id(int(grid.get("sheetId", 0)))
        pid = spec.pop("protectedRangeId", None) or self.ss._next_protected_id
        self.ss._next_protected_id = max(self.ss._next_protected_id, int(pid)) + 1
        details = {k: v for k, v in spec.items() if v is not None}
        details.setdefault("warningOnly", False)
        details.setdefault("requestingUserCanEdit", True)
        protected = ProtectedRange(int(pid), *_grid_box(grid), details=details)
        tab.protected_ranges.append(protected)
        return {"addProtectedRange": {"protectedRange": protected.as_api(tab.sheet_id)}}

    def do_deleteProtectedRange(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        pid = int(payload.get("protectedRangeId", -1))
        for tab in self.ss.tabs:
            kept = [p for p in tab.protected_ranges if p.protected_range_id != pid]
            if len(kept) != len(tab.protected_ranges):
                tab.protected_ranges = kept
                return {}
        raise _ApiError(400, f"No protected range with id: {pid}")

    def _dimension(self, spec: Mapping[str, Any]) -> tuple[FakeTab, str, int, int]:
        tab = self.ss.tab_by_id(int(spec.get("sheetId", 0)))
        dimension = spec.get("dimension")
        if dimension not in ("ROWS", "COLUMNS"):
            raise _ApiError(400, f"Invalid dimension: {dimension}")
        start, end = int(spec.get("startIndex", 0)), int(spec.get("endIndex", 0))
        if end <= start:
            raise _ApiError(400, "endIndex must be greater than startIndex")
        return tab, dimension, start, end

    def do_insertDimension(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        tab, dimension, start, end = self._dimension(payload.get("range", {}))
        tab.fit_grid()
        limit = tab.row_count if dimension == "ROWS" else tab.column_count
        if start > limit:
            raise _ApiError(400, f"Cannot insert at index {start}: the grid has {limit}")
        tab._insert_dimension(dimension, start, end - start)
        return {}

    def do_deleteDimension(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        tab, dimension, start, end = self._dimension(payload.get("range", {}))
        tab.fit_grid()
        limit = tab.row_count if dimension == "ROWS" else tab.column_count
        if end > limit:
            raise _ApiError(400, f"Range ({start}:{end}) is out of bounds: the grid has {limit}")
        if start == 0 and end >= limit:
            noun = "rows" if dimension == "ROWS" else "columns"
            raise _ApiError(400, f"You can't delete all the {noun} on the sheet.")
        tab._delete_dimension(dimension, start, end)
        return {}

    def do_appendDimension(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        tab = self.ss.tab_by_id(int(payload.get("sheetId", 0)))
        length = int(payload.get("length", 0))
        tab.fit_grid()
        if payload.get("dimension") == "COLUMNS":
            tab.column_count += length
        else:
            tab.row_count += length
        return {}

    def do_updateCells(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        fields = _field_paths(payload.get("fields", "*"))
        if "*" not in fields and not any(f.startswith("userEnteredValue") for f in fields):
            self.ss.ignored_requests.append({"updateCells": dict(payload)})
            return {}
        if "start" in payload:
            start = payload["start"]
            tab = self.ss.tab_by_id(int(start.get("sheetId", 0)))
            r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
        else:
            grid = payload.get("range", {})
            tab = self.ss.tab_by_id(int(grid.get("sheetId", 0)))
            r0, _, c0, _ = _grid_box(grid)
        for i, row_data in enumerate(payload.get("rows", [])):
            for j, cell in enumerate(row_data.get("values", [])):
                entered = cell.get("userEnteredValue")
                if entered is None:
                    value: object = ""
                elif "formulaValue" in entered:
                    value = Formula(entered["formulaValue"])
                else:
                    value = next(iter(entered.values()), "")
                tab._set(r0 + i, c0 + j, value)
        return {}

    def do_sortRange(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        grid = payload.get("range", {})
        tab = self.ss.tab_by_id(int(grid.get("sheetId", 0)))
        r0, r1, _, _ = _grid_box(grid)
        end = len(tab.rows) if r1 is None else min(int(r1), len(tab.rows))
        block = tab.rows[r0:end]
        for spec in reversed(payload.get("sortSpecs", [])):
            col = int(spec.get("dimensionIndex", 0))
            descending = spec.get("sortOrder") == "DESCENDING"

            def key(row: list[object], col: int = col) -> tuple[int, str]:
                value = row[col] if col < len(row) else None
                return (1, "") if _is_empty(value) else (0, str(value))

            filled = sorted((r for r in block if not key(r)[0]), key=key, reverse=descending)
            block = filled + [r for r in block if key(r)[0]]
        tab.rows[r0:end] = block
        return {}


# --------------------------------------------------------------------------- the API


@dataclass(frozen=True)
class CallRecord:
    """One request seen by the fake. ``path`` is percent-decoded; ``range`` is the A1 range of
    single-range endpoints. ``faulted`` marks requests answered by an injected fault (``fault``
    says which); ``status`` is None when the answer was a raised exception."""

    method: str
    path: str
    kind: str
    params: Mapping[str, list[str]]
    spreadsheet_id: str | None = None
    range: str | None = None
    body: Any = None
    faulted: bool = False
    fault: Fault = None
    status: int | None = None


@dataclass
class _QueuedFault:
    outcome: Fault
    only: frozenset[str] | None


@dataclass
class _RateFault:
    fraction: float
    kinds: tuple[Fault, ...]
    rng: random.Random
    only: frozenset[str] | None


_BAD_GATEWAY_HTML = (
    "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n"
    '  <meta name=viewport content="initial-scale=1, minimum-scale=1, width=device-width">\n'
    "  <title>Error 502 (Server Error)!!1</title>\n"
    "  <a href=//www.google.com/><span id=logo aria-label=Google></span></a>\n"
    "  <p><b>502.</b> <ins>That’s an error.</ins>\n"
    "  <p>The server encountered a temporary error and could not complete your request."
    "<p>Please try again in 30 seconds.  <ins>That’s all we know.</ins>\n"
)


class FakeSheetsAPI:
    """Spreadsheets, request accounting and fault injection behind one fake endpoint.

    ``before_request(method, kind)`` is called before every request is answered (faulted ones
    too, and before the fault is chosen, so it may itself ``inject``); it runs outside the
    fake's lock, so it may edit the tabs or even make gspread calls of its own.
    """

    def __init__(self) -> None:
        self.spreadsheets: dict[str, FakeSpreadsheet] = {}
        self.calls: list[CallRecord] = []
        self.before_request: Callable[[str, str], None] | None = None
        self.retry_after: float | None = None
        self.strict_grid_limits = False
        self._queue: deque[_QueuedFault] = deque()
        self._rate: _RateFault | None = None
        self._lock = threading.RLock()

    # -- content
    def add_spreadsheet(
        self,
        spreadsheet_id: str,
        title: str = "ระบบประชาสัมพันธ์ สพป.",
        time_zone: str = "Asia/Bangkok",
        tabs: Mapping[str, Iterable[Sequence[object]]] | None = None,
        shared: bool = True,
    ) -> FakeSpreadsheet:
        book = FakeSpreadsheet(spreadsheet_id, title, time_zone, shared=shared)
        for tab_title, rows in (tabs or {"Sheet1": []}).items():
            book.add_tab(tab_title, rows)
        self.spreadsheets[spreadsheet_id] = book
        return book

    def spreadsheet(self, spreadsheet_id: str) -> FakeSpreadsheet:
        return self.spreadsheets[spreadsheet_id]

    # -- accounting
    def count(self, kind: str | None = None, *, include_faulted: bool = True) -> int:
        with self._lock:
            return sum(
                1
                for c in self.calls
                if (kind is None or c.kind == kind) and (include_faulted or not c.faulted)
            )

    def reset_counts(self) -> None:
        with self._lock:
            self.calls.clear()

    # -- faults
    def inject(self, pattern: Iterable[Fault], *, only: Iterable[str] | None = None) -> None:
        """Queue outcomes, one consumed per request (per request of the ``only`` kinds, when
        given): None succeeds; 400/403/404/429/500/503/504 answer that error; 502 answers
        Google's HTML error page; "timeout" raises ReadTimeout before the request is served,
        "timeout_after" serves it and then raises ReadTimeout (the write happened but the
        caller cannot know); "conn" raises ConnectionError."""
        kinds = None if only is None else frozenset(only)
        with self._lock:
            self._queue.extend(_QueuedFault(o, kinds) for o in pattern)

    def inject_rate(
        self,
        fraction: float,
        kinds: Sequence[Fault] = (429, 500, "timeout"),
        seed: int = 0,
        *,
        only: Iterable[str] | None = None,
    ) -> None:
        """Fail about ``fraction`` of the requests (after the queue is used up) with an
        outcome drawn from ``kinds``, reproducibly for a given ``seed``."""
        with self._lock:
            kinds_only = None if only is None else frozenset(only)
            self._rate = _RateFault(fraction, tuple(kinds), random.Random(seed), kinds_only)

    def clear_faults(self) -> None:
        with self._lock:
            self._queue.clear()
            self._rate = None

    def _next_fault(self, kind: str) -> Fault:
        for queued in self._queue:
            if queued.only is None or kind in queued.only:
                self._queue.remove(queued)
                return queued.outcome
        rate = self._rate
        applies = rate is not None and (rate.only is None or kind in rate.only)
        if rate is not None and applies and rate.rng.random() < rate.fraction:
            return rate.rng.choice(rate.kinds)
        return None

    # -- serving
    def handle(self, request: requests.PreparedRequest) -> requests.Response:
        url = request.url or ""
        parts = urlsplit(url)
        method = (request.method or "GET").upper()
        kind, spreadsheet_id, range_text = _route(method, parts.path)
        params = parse_qs(parts.query, keep_blank_values=True)
        body = _json_body(request.body)
        hook = self.before_request
        if hook is not None:
            hook(method, kind)
        with self._lock:
            fault = self._next_fault(kind)
            record = CallRecord(
                method,
                unquote(parts.path),
                kind,
                params,
                spreadsheet_id,
                range_text,
                body,
                faulted=fault is not None,
                fault=fault,
            )
            if fault in ("timeout", "conn"):
                self.calls.append(record)
                raise _transport_error(fault, request)
            if fault is not None and fault != "timeout_after":
                status, headers, payload = self._fault_answer(fault, method)
            else:
                status, headers, payload = self._serve(
                    method, kind, spreadsheet_id, range_text, params, body
                )
            self.calls.append(replace(record, status=status))
        if fault == "timeout_after":
            raise _transport_error("timeout", request)
        return _response(request, status, headers, payload)

    def _fault_answer(self, fault: Fault, method: str) -> tuple[int, dict[str, str], bytes]:
        if not isinstance(fault, int):
            raise ValueError(f"unknown fault outcome: {fault!r}")
        if fault == 502:
            return 502, {"Content-Type": "text/html; charset=UTF-8"}, _BAD_GATEWAY_HTML.encode()
        headers = {}
        message = None
        if fault == 429:
            metric = "Read requests" if method == "GET" else "Write requests"
            message = (
                f"Quota exceeded for quota metric '{metric}' and limit '{metric} per minute "
                "per user' of service 'sheets.googleapis.com' for consumer "
                "'project_number:000000000000'."
            )
            if self.retry_after is not None:
                headers["Retry-After"] = _format_number(float(self.retry_after))
        err = _ApiError(fault, message)
        return fault, headers, _dumps(err.body())

    def _serve(
        self,
        method: str,
        kind: str,
        spreadsheet_id: str | None,
        range_text: str | None,
        params: Mapping[str, list[str]],
        body: Any,
    ) -> tuple[int, dict[str, str], bytes]:
        try:
            if kind == "unsupported":
                raise _ApiError(501, f"this fake does not serve {method} on that path")
            ss = self.spreadsheets.get(spreadsheet_id or "")
            if ss is None:
                raise _ApiError(404)
            if not ss.shared or (kind in _WRITE_KINDS and not ss.can_edit):
                raise _ApiError(403)
            payload = _Endpoint(
                ss, params, body if isinstance(body, Mapping) else {}, self.strict_grid_limits
            ).serve(kind, range_text)
            return 200, {}, _dumps(payload)
        except _ApiError as err:
            return err.code, {}, _dumps(err.body())


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json_body(body: bytes | str | None) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


_BATCH_ROUTES = {
    ("GET", "/values:batchGet"): "values_batch_get",
    ("POST", "/values:batchUpdate"): "values_batch_update",
    ("POST", "/values:batchClear"): "values_batch_clear",
    ("POST", ":batchUpdate"): "batch_update",
    ("GET", ""): "metadata",
}


def _route(method: str, path: str) -> tuple[str, str | None, str | None]:
    """(kind, spreadsheet id, A1 range) for a request path."""
    if not path.startswith(_API_PATH):
        return "unsupported", None, None
    rest = path[len(_API_PATH) :]
    cut = min((i for i in (rest.find("/"), rest.find(":")) if i >= 0), default=len(rest))
    spreadsheet_id, tail = unquote(rest[:cut]), rest[cut:]
    kind = _BATCH_ROUTES.get((method, tail))
    if kind is not None:
        return kind, spreadsheet_id, None
    if tail.startswith("/values/"):
        encoded = tail[len("/values/") :]
        suffix = ""
        head, sep, last = encoded.rpartition(":")
        if sep and last in ("append", "clear"):
            encoded, suffix = head, last
        range_text = unquote(encoded)
        kind = {
            ("GET", ""): "values_get",
            ("PUT", ""): "values_update",
            ("POST", "append"): "values_append",
            ("POST", "clear"): "values_clear",
        }.get((method, suffix), "unsupported")
        return kind, spreadsheet_id, range_text
    return "unsupported", spreadsheet_id, None


class _Endpoint:
    """Answers one request against one spreadsheet."""

    def __init__(
        self,
        ss: FakeSpreadsheet,
        params: Mapping[str, list[str]],
        body: Mapping[str, Any],
        strict: bool,
    ) -> None:
        self.ss = ss
        self.params = params
        self.body = body
        self.strict = strict

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.params.get(name)
        return values[-1] if values else default

    def flag(self, name: str, source: Mapping[str, Any] | None = None) -> bool:
        raw = source.get(name) if source is not None else self.param(name)
        return raw is True or (isinstance(raw, str) and raw.lower() == "true")

    def renderer(self, prefix: str = "", source: Mapping[str, Any] | None = None) -> _Renderer:
        def pick(name: str, default: str) -> str:
            key = prefix + name if prefix else name[0].lower() + name[1:]
            raw = source.get(key) if source is not None else self.param(key)
            return str(raw) if raw else default

        return _Renderer(
            self.ss,
            pick("ValueRenderOption", "FORMATTED_VALUE"),
            pick("DateTimeRenderOption", "SERIAL_NUMBER"),
        )

    def major(self) -> str:
        major = self.param("majorDimension") or "ROWS"
        if major not in ("ROWS", "COLUMNS"):
            raise _ApiError(400, f"Invalid value at 'major_dimension' ({major})")
        return major

    def serve(self, kind: str, range_text: str | None) -> dict[str, Any]:
        handler: Callable[[str | None], dict[str, Any]] = getattr(self, kind)
        return handler(range_text)

    def metadata(self, _: str | None) -> dict[str, Any]:
        return self.ss.metadata(self.flag("includeGridData"), self.params.get("ranges", []))

    def values_get(self, range_text: str | None) -> dict[str, Any]:
        tab, box = _resolve(self.ss, range_text or "")
        return self.renderer().value_range(tab, box, self.major())

    def values_batch_get(self, _: str | None) -> dict[str, Any]:
        renderer, major = self.renderer(), self.major()
        resolved = [_resolve(self.ss, r) for r in self.params.get("ranges", [])]
        result: dict[str, Any] = {"spreadsheetId": self.ss.spreadsheet_id}
        if resolved:
            result["valueRanges"] = [renderer.value_range(t, b, major) for t, b in resolved]
        return result

    def _input_option(self, raw: Any) -> str:
        if raw in ("RAW", "USER_ENTERED"):
            return str(raw)
        if raw is None:
            raise _ApiError(400, "'valueInputOption' is required but not specified")
        raise _ApiError(400, f"Invalid valueInputOption: {raw}")

    def _with_data(
        self, result: dict[str, Any], plan: _Write, source: Mapping[str, Any] | None
    ) -> None:
        if self.flag("includeValuesInResponse", source):
            height, width = max(len(plan.matrix), 1), max(plan.width, 1)
            box = _Box(plan.r0, plan.r0 + height, plan.c0, plan.c0 + width)
            renderer = self.renderer("response", source)
            result["updatedData"] = renderer.value_range(plan.tab, box, "ROWS")

    def values_update(self, range_text: str | None) -> dict[str, Any]:
        option = self._input_option(self.param("valueInputOption"))
        major = self.body.get("majorDimension") or "ROWS"
        plan = _plan_write(self.ss, range_text or "", self.body.get("values"), major, self.strict)
        result = plan.apply(option)
        self._with_data(result, plan, None)
        return result

    def values_batch_update(self, _: str | None) -> dict[str, Any]:
        option = self._input_option(self.body.get("valueInputOption"))
        data = self.body.get("data") or []
        plans = [
            _plan_write(
                self.ss,
                str(d.get("range", "")),
                d.get("values"),
                d.get("majorDimension"),
                self.strict,
            )
            for d in data
        ]
        responses = []
        for plan in plans:
            answer = plan.apply(option)
            self._with_data(answer, plan, self.body)
            responses.append(answer)
        result: dict[str, Any] = {"spreadsheetId": self.ss.spreadsheet_id}
        if responses:
            result.update(
                totalUpdatedRows=sum(r["updatedRows"] for r in responses),
                totalUpdatedColumns=sum(r["updatedColumns"] for r in responses),
                totalUpdatedCells=sum(r["updatedCells"] for r in responses),
                totalUpdatedSheets=len({p.tab.sheet_id for p in plans}),
                responses=responses,
            )
        return result

    def values_append(self, range_text: str | None) -> dict[str, Any]:
        option = self._input_option(self.param("valueInputOption"))
        insert = (self.param("insertDataOption") or "OVERWRITE") == "INSERT_ROWS"
        tab, box = _resolve(self.ss, range_text or "")
        matrix = _matrix(self.body.get("values"), self.body.get("majorDimension"))
        tab.fit_grid()
        result: dict[str, Any] = {"spreadsheetId": self.ss.spreadsheet_id}
        target, start_col = box.r0, box.c0
        search_end = len(tab.rows) if box.r1 is None else min(box.r1, len(tab.rows))
        first = next(
            (r for r in range(box.r0, search_end) if _row_span(tab.rows[r], box.c0, box.c1)), None
        )
        if first is not None:
            spans = []
            r = first
            while r < len(tab.rows):
                span = _row_span(tab.rows[r], box.c0, box.c1)
                if span is None:
                    break
                spans.append(span)
                r += 1
            target = r
            start_col = min(s[0] for s in spans)
            result["tableRange"] = a1(tab.title, first, r, start_col, max(s[1] for s in spans))
        if insert and matrix:
            tab._insert_dimension("ROWS", target, len(matrix))
        plan = _Write(tab, target, start_col, matrix)
        updates = plan.apply(option)
        self._with_data(updates, plan, None)
        result["updates"] = updates
        return result

    def values_clear(self, range_text: str | None) -> dict[str, Any]:
        tab, box = _resolve(self.ss, range_text or "")
        return {"spreadsheetId": self.ss.spreadsheet_id, "clearedRange": _clear(tab, box)}

    def values_batch_clear(self, _: str | None) -> dict[str, Any]:
        resolved = [_resolve(self.ss, str(r)) for r in self.body.get("ranges") or []]
        return {
            "spreadsheetId": self.ss.spreadsheet_id,
            "clearedRanges": [_clear(t, b) for t, b in resolved],
        }

    def batch_update(self, _: str | None) -> dict[str, Any]:
        requests_ = self.body.get("requests")
        if not isinstance(requests_, list) or not requests_:
            raise _ApiError(400, "Must specify at least one request.")
        snapshot = self.ss._snapshot()
        try:
            replies = _BatchUpdate(self.ss).run(requests_)
        except _ApiError:
            self.ss._restore(snapshot)
            raise
        result: dict[str, Any] = {"spreadsheetId": self.ss.spreadsheet_id, "replies": replies}
        if self.flag("includeSpreadsheetInResponse", self.body):
            result["updatedSpreadsheet"] = self.ss.metadata()
        return result


def _clear(tab: FakeTab, box: _Box) -> str:
    r0, r1, c0, c1 = _clip(tab, box)
    for row in tab.rows[r0:r1]:
        for c in range(c0, min(c1, len(row))):
            row[c] = ""
    return a1(tab.title, r0, r1, c0, c1)


# --------------------------------------------------------------------------- transport


def _transport_error(fault: Fault, request: requests.PreparedRequest) -> requests.RequestException:
    if fault == "conn":
        return requests.exceptions.ConnectionError(
            "HTTPSConnectionPool(host='sheets.googleapis.com', port=443): Max retries exceeded "
            "(Caused by ProtocolError('Connection aborted.', "
            "ConnectionResetError(104, 'Connection reset by peer')))",
            request=request,
        )
    return requests.exceptions.ReadTimeout(
        "HTTPSConnectionPool(host='sheets.googleapis.com', port=443): Read timed out.",
        request=request,
    )


def _response(
    request: requests.PreparedRequest, status: int, headers: Mapping[str, str], payload: bytes
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.reason = HTTPStatus(status).phrase
    response.headers = CaseInsensitiveDict(
        {"Content-Type": "application/json; charset=UTF-8", **headers}
    )
    response._content = payload
    response.encoding = "utf-8"  # spares requests a slow charset guess on large bodies
    response.url = request.url or ""
    response.request = request
    return response


class FakeSheetsAdapter(BaseAdapter):
    """Serves ``https://sheets.googleapis.com/`` from a FakeSheetsAPI, in process."""

    def __init__(self, api: FakeSheetsAPI) -> None:
        super().__init__()
        self.api = api

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        return self.api.handle(request)

    def close(self) -> None:
        pass


class RefusingAdapter(BaseAdapter):
    """Fails every request: tests must never reach the real network."""

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        raise requests.exceptions.ConnectionError(
            f"network access is disabled in tests: {request.method} {request.url}",
            request=request,
        )

    def close(self) -> None:
        pass


def mount(api: FakeSheetsAPI, session: requests.Session) -> FakeSheetsAdapter:
    """Route the session's Sheets traffic to ``api`` and refuse every other URL."""
    session.mount("https://", RefusingAdapter())
    session.mount("http://", RefusingAdapter())
    adapter = FakeSheetsAdapter(api)
    session.mount(SHEETS_PREFIX, adapter)
    return adapter


def make_client(api: FakeSheetsAPI) -> gspread.Client:
    """A real gspread.Client (plain HTTPClient, no endless backoff) wired to ``api``."""
    credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
    client = gspread.Client(auth=credentials, http_client=HTTPClient)
    mount(api, client.http_client.session)
    return client
