"""Read whole tabs of a local .xlsx workbook quickly, with exactly openpyxl's values.

openpyxl's read-only mode spends most of its time building a rich-text object for every
inline-string cell (the way openpyxl itself saves text). Here each sheet is streamed through
expat with a handful of callbacks and no element objects, while the value rules (numbers, dates,
booleans, errors, shared and inline strings, cached formula results, the sheet's declared
dimension) mirror openpyxl's `load_workbook(read_only=True, data_only=True)` and
`iter_rows(values_only=True)` so callers cannot tell the two apart.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, cast
from xml.etree import ElementTree as ET
from xml.parsers import expat

from automation.model import Cell
from automation.sources.xlsx_book import (
    MAC_EPOCH,
    MAIN_NS,
    WINDOWS_EPOCH,
    Unsupported,
    is_date_format,
    is_timedelta_format,
    parse_part,
    range_bounds,
    read_book,
    read_number_formats,
)

CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
_CHUNK = 1 << 20

Value = Cell | time | timedelta
"""openpyxl also yields times and durations for time-only and [h]:mm formats."""
Row = list[tuple[int, Value]]


def read_tabs(path: Path, titles: Sequence[str]) -> dict[str, list[list[Cell]]]:
    """Values of the named tabs, like openpyxl read_only + values_only + data_only, rows as
    lists with trailing empty cells trimmed (see `_trim` in local.py) and empty rows kept as
    []. Rows run from 1 to the last row the sheet lists (cut at its <dimension>, as openpyxl
    does), so a formatted but empty last row still comes back as a trailing [].
    Raises Unsupported / MissingTab like patch; OSError (e.g. no such file) passes through."""
    try:
        with zipfile.ZipFile(path) as zf:
            book = read_book(zf)
            parts = {title: book.part(title) for title in titles}
            values = _Values(zf, book.date1904)
            return {title: _read_sheet(zf, parts[title], values) for title in titles}
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise Unsupported(f"not a readable .xlsx ({exc})") from None


# -- cell values ---------------------------------------------------------------------


class _Values:
    """Turns a cell's type, style and text into the value openpyxl would give."""

    def __init__(self, zf: zipfile.ZipFile, date1904: bool) -> None:
        self._zf = zf
        self._shared: list[str] | None = None
        self.epoch = MAC_EPOCH if date1904 else WINDOWS_EPOCH
        codes = read_number_formats(zf)
        self.dates = frozenset(i for i, code in enumerate(codes) if is_date_format(code))
        self.durations = frozenset(i for i, code in enumerate(codes) if is_timedelta_format(code))

    def shared(self, index: str) -> str:
        # Loaded on first use: a tab of inline strings never pays for the string table.
        if self._shared is None:
            self._shared = _read_shared_strings(self._zf)
        try:
            return self._shared[int(index)]
        except (ValueError, IndexError):
            raise Unsupported(f"shared string {index!r} does not exist") from None

    def date(self, serial: int | float, style: int) -> Value:
        """A number in a date-formatted cell (style in `dates`)."""
        try:
            return from_excel(serial, self.epoch, style in self.durations)
        except (OverflowError, ValueError):
            return "#VALUE!"  # openpyxl's stand-in for a date serial out of range

    def typed(self, kind: str, text: str) -> Value:
        """Non-numeric cell types; `text` is the non-empty content of <v>."""
        if kind == "s":
            return self.shared(text)
        if kind == "b":
            try:
                return bool(int(text))
            except ValueError:
                raise Unsupported(f"{text!r} is not a boolean") from None
        if kind == "d":
            return from_iso8601(text)
        return text  # "str" formula results, "e" errors such as #N/A, unknown types


def from_excel(value: float, epoch: datetime, duration: bool) -> datetime | time | timedelta:
    """openpyxl.utils.datetime.from_excel, step for step."""
    if duration:
        td = timedelta(days=value)
        if td.microseconds:
            td = timedelta(seconds=td.total_seconds() // 1, microseconds=round(td.microseconds, -3))
        return td
    day, fraction = divmod(value, 1)
    diff = timedelta(milliseconds=round(fraction * 86400 * 1000))
    if 0 <= value < 1 and diff.days == 0:
        minutes, seconds = divmod(diff.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return time(hours, minutes, seconds, diff.microseconds)
    if 0 < value < 60 and epoch == WINDOWS_EPOCH:
        day += 1  # Excel's phantom 29 February 1900
    return epoch + timedelta(days=day) + diff


_ISO_RE = re.compile(
    r"(?P<date>(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2}))?T?"
    r"(?P<time>(?P<hour>\d{2}):(?P<minute>\d{2})(:(?P<second>\d{2})"
    r"(?P<microsecond>\.\d{1,3})?)?)?Z?"
)
_ISO_DURATION_RE = re.compile(
    r"PT((?P<hours>\d+)H)?((?P<minutes>\d+)M)?((?P<seconds>\d+(\.\d{1,3})?)S)?"
)


def from_iso8601(text: str) -> Value:
    """Cells of type "d" (strict OOXML), as openpyxl's from_ISO8601 reads them."""
    m = _ISO_RE.match(text)
    if m and any(m.groups()):
        parts = {k: int(m[k] or 0) for k in ("year", "month", "day", "hour", "minute", "second")}
        micro = int(float(m["microsecond"]) * 1_000_000) if m["microsecond"] else 0
        try:
            if not m["date"]:
                return time(parts["hour"], parts["minute"], parts["second"], micro)
            if not m["time"]:
                return date(parts["year"], parts["month"], parts["day"])
            return datetime(
                parts["year"],
                parts["month"],
                parts["day"],
                parts["hour"],
                parts["minute"],
                parts["second"],
                micro,
            )
        except ValueError:
            raise Unsupported(f"{text!r} is not a date") from None
    m = _ISO_DURATION_RE.match(text)
    if m and any(m.groups()):
        return timedelta(**{k: float(v) for k, v in m.groupdict().items() if v})
    raise Unsupported(f"{text!r} is not an ISO 8601 date")


def _read_shared_strings(zf: zipfile.ZipFile) -> list[str]:
    part = _shared_strings_part(zf)
    if part is None:
        return []
    strings = []
    si = f"{{{MAIN_NS}}}si"
    try:
        with zf.open(part) as stream:
            for _, el in ET.iterparse(stream):
                if el.tag == si:
                    # openpyxl drops this escape prefix (only) in shared strings.
                    strings.append(_text_content(el).replace("x005F_", ""))
                    el.clear()
    except (ET.ParseError, KeyError) as exc:
        raise Unsupported(f"shared strings unreadable ({exc})") from None
    return strings


def _shared_strings_part(zf: zipfile.ZipFile) -> str | None:
    # openpyxl finds the table through the content types, not the relationships.
    root = parse_part(zf, "[Content_Types].xml")
    for override in root.iterfind(f"{{{CONTENT_TYPES_NS}}}Override"):
        if override.get("ContentType") == SHARED_STRINGS_TYPE:
            return override.get("PartName", "").lstrip("/") or None
    return None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text_content(el: ET.Element) -> str:
    """Plain text of an <si> or <is>: its own <t>, then each run's <t>; phonetic hints
    (<rPh>) are not part of the value."""
    plain: str | None = None
    runs = []
    for child in el:
        name = _local(child.tag)
        if name == "t":
            plain = child.text
        elif name == "r":
            run: str | None = None
            for part in child:
                if _local(part.tag) == "t":
                    run = part.text
            if run is not None:
                runs.append(run)
    return (plain or "") + "".join(runs)


# -- sheet streaming -----------------------------------------------------------------


def _read_sheet(zf: zipfile.ZipFile, part: str, values: _Values) -> list[list[Cell]]:
    parser = _SheetParser(values)
    try:
        with zf.open(part) as stream:
            parser.feed(stream)
    except expat.ExpatError as exc:
        raise Unsupported(f"{part} is not well-formed XML ({exc})") from None
    except KeyError:
        raise Unsupported(f"no {part} in the file") from None
    return _window(parser.rows, parser.dimension)


def _window(
    rows: list[tuple[int, Row]], dimension: tuple[int | None, ...] | None
) -> list[list[Cell]]:
    """openpyxl's read-only iter_rows: from row 1 and column 1 up to the sheet's declared
    dimension (cells beyond it are not returned), missing rows as empty ones."""
    max_col = dimension[2] if dimension else None
    max_row = dimension[3] if dimension else None
    out: list[list[Cell]] = []
    counter = idx = 1
    for idx, cells in rows:
        if max_row is not None and idx > max_row:
            break
        while counter < idx:
            out.append([])
            counter += 1
        if counter == idx:
            out.append(_place(cells, max_col))
            counter += 1
    if max_row is not None and max_row < idx:
        out.extend([] for _ in range(counter, max_row + 1))
    return out


def _place(cells: Row, max_col: int | None) -> list[Cell]:
    if not cells:
        return []
    width = max_col or cells[-1][0]
    row: list[Value] = [None] * width
    for col, value in cells:
        if 1 <= col <= width:
            row[col - 1] = value
    while row and row[-1] in (None, ""):  # local.py's _trim
        row.pop()
    return cast(list[Cell], row)


_DIGITS = "0123456789"
_COLUMNS: dict[str, int] = {}
"""Column number by the letters part of a reference ("AB" of "AB12"), filled as met."""


def _column(ref: str) -> int:
    key = ref.rstrip(_DIGITS)
    letters = key.strip("$")
    if not (1 <= len(letters) <= 3 and letters.isascii() and letters.isalpha()):
        raise Unsupported(f"bad cell reference {ref!r}")
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    _COLUMNS[key] = col
    return col


class _SheetParser:
    """expat callbacks that collect (row number, [(column, value)]) as openpyxl's
    WorkSheetParser does, without building elements for the cells.

    Every Python callback costs about as much as the XML parsing itself, so there are as few
    as possible: no end-tag handler except while the text of a <v> or <t> is being read, and
    a cell is completed when the next cell or row starts (or the sheet ends). Per the schema,
    <v>, <is> and <t> occur only inside cells, so nothing after the last cell can be
    mistaken for part of it.
    """

    def __init__(self, values: _Values) -> None:
        self.values = values
        self.rows: list[tuple[int, Row]] = []
        self.dimension: tuple[int | None, ...] | None = None
        self._parser = expat.ParserCreate()
        self._parser.buffer_text = True
        # Text comes in fewer, larger pieces (a cell holds up to 32,767 characters).
        self._parser.buffer_size = 1 << 17
        self._parser.StartElementHandler = self._root
        self._flush: Callable[[], None] = lambda: None

    def feed(self, stream: IO[bytes]) -> None:
        parse = self._parser.Parse
        while chunk := stream.read(_CHUNK):
            parse(chunk, False)
        parse(b"", True)
        self._flush()

    def _root(self, name: str, attrs: dict[str, str]) -> None:
        # Names are matched as written; the root tells which prefix (usually none) the
        # spreadsheet namespace uses in this file.
        prefix, _, local = name.rpartition(":")
        declared = attrs.get(f"xmlns:{prefix}" if prefix else "xmlns")
        if local != "worksheet" or declared != MAIN_NS:
            raise Unsupported(f"sheet root {name!r} is not a spreadsheetml worksheet")
        self._install(f"{prefix}:" if prefix else "")

    def _install(self, p: str) -> None:
        c_tag, v_tag, is_tag, t_tag = p + "c", p + "v", p + "is", p + "t"
        row_tag, r_tag, rph_tag, dim_tag = p + "row", p + "r", p + "rPh", p + "dimension"
        parser = self._parser
        values = self.values
        as_date, typed, dates = values.date, values.typed, values.dates
        rows = self.rows
        columns, digits = _COLUMNS, _DIGITS
        cells: Row = []
        row_number = col = style = 0
        kind = "n"
        pending = False  # a cell has started and is not yet in `cells`
        # expat appends text straight into `buf` (a C call, no Python frame per text node)
        # only between the start and the end of a <v> or <t>.
        buf: list[str] = []
        v_text: str | None = None
        has_is = in_run = in_phonetic = False
        plain: str | None = None
        runs: list[str] = []

        def finish() -> None:
            nonlocal pending
            pending = False
            value: Value
            if kind == "inlineStr":
                # openpyxl's Text.content: the string's own <t>, then each run's <t>.
                value = ((plain or "") + "".join(runs) if runs else plain or "") if has_is else None
            elif not v_text:
                value = None  # no <v>, or an empty one
            elif kind == "n":
                value = _number(v_text)
                if style in dates:
                    value = as_date(value, style)
            else:
                value = typed(kind, v_text)
            cells.append((col, value))

        def end_v(name: str) -> None:
            nonlocal v_text
            parser.CharacterDataHandler = parser.EndElementHandler = None
            if v_text is None:  # the first <v>, as findtext takes it
                v_text = "".join(buf)

        def end_t(name: str) -> None:
            nonlocal plain
            parser.CharacterDataHandler = parser.EndElementHandler = None
            if in_run:
                runs.append("".join(buf))
            else:
                plain = "".join(buf)

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal col, kind, style, pending, v_text, has_is, in_run, in_phonetic
            nonlocal plain, row_number, cells
            if name == c_tag:
                if pending:
                    finish()
                ref = attrs.get("r")
                # The cache lookup is inlined: this runs for every cell of the sheet.
                col = (columns.get(ref.rstrip(digits)) or _column(ref)) if ref else col + 1
                kind = attrs.get("t", "n")
                s = attrs.get("s")
                style = _style(s) if s else 0
                v_text = None
                pending = True
                has_is = in_run = in_phonetic = False
            elif name == t_tag:
                # Phonetic guides (<rPh>, after the text) are no part of the value.
                if pending and has_is and not in_phonetic:
                    buf.clear()
                    parser.CharacterDataHandler = buf.append
                    parser.EndElementHandler = end_t
            elif name == v_tag:
                if pending:
                    buf.clear()
                    parser.CharacterDataHandler = buf.append
                    parser.EndElementHandler = end_v
            elif name == is_tag:
                has_is = True
                plain = None
                if runs:
                    runs.clear()
            elif name == r_tag:
                in_run = has_is
            elif name == rph_tag:
                in_phonetic = True
            elif name == row_tag:
                if pending:
                    finish()
                row_number = _row_number(attrs.get("r"), row_number)
                col = 0
                cells = []
                rows.append((row_number, cells))
            elif name == dim_tag and self.dimension is None:
                self.dimension = range_bounds(attrs.get("ref", ""))

        def flush() -> None:
            if pending:
                finish()

        parser.StartElementHandler = start
        self._flush = flush


def _number(text: str) -> int | float:
    """openpyxl's _cast_number."""
    try:
        return float(text) if "." in text or "E" in text or "e" in text else int(text)
    except ValueError:
        raise Unsupported(f"{text!r} is not a number") from None


def _style(s: str) -> int:
    try:
        return int(s)
    except ValueError:
        raise Unsupported(f"style {s!r} is not a number") from None


def _row_number(r: str | None, previous: int) -> int:
    if r is None:
        return previous + 1  # openpyxl counts on from the previous row
    try:
        return int(r)
    except ValueError:
        pass
    try:
        number = float(r)
    except ValueError:
        raise Unsupported(f"row number {r!r}") from None
    if not number.is_integer():
        raise Unsupported(f"row number {r!r}")
    return int(number)
