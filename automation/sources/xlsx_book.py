"""The parts of a local .xlsx workbook that both the fast reader and the row editor need:
tab titles to sheet parts, 1904 dates, which cell styles are dates (by openpyxl's own
rules, so both agree with it), Excel day numbers and A1 references. Whatever does not fit
raises `Unsupported`, and the caller falls back to openpyxl.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from xml.etree import ElementTree as ET

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
# openpyxl reads styles from this fixed path too, so both readers agree on date cells.
STYLES_PART = "xl/styles.xml"

WINDOWS_EPOCH = datetime(1899, 12, 30)
MAC_EPOCH = datetime(1904, 1, 1)
MAX_ROW = 1_048_576
MAX_COL = 16_384

class Unsupported(Exception):
    """The file has a shape this editor does not handle; the caller falls back to openpyxl."""


class MissingTab(Exception):
    def __init__(self, title: str, present: list[str]) -> None:
        super().__init__(f"no tab {title!r} (present: {', '.join(repr(p) for p in present)})")
        self.title = title
        self.present = present


# -- workbook structure -------------------------------------


@dataclass(frozen=True)
class SheetRef:
    title: str
    part: str | None
    """Zip member of the worksheet; None for chart sheets, which have no cells."""


@dataclass(frozen=True)
class Book:
    sheets: tuple[SheetRef, ...]
    date1904: bool

    def part(self, title: str) -> str:
        for sheet in self.sheets:
            if sheet.title == title:
                if sheet.part is None:
                    raise Unsupported(f"tab {title!r} is not a worksheet")
                return sheet.part
        raise MissingTab(title, [s.title for s in self.sheets])


def read_book(zf: zipfile.ZipFile) -> Book:
    """Tabs in workbook order, as openpyxl lists them, with the part holding each one."""
    root = parse_part(zf, WORKBOOK_PART)
    if root.tag != f"{{{MAIN_NS}}}workbook":
        raise Unsupported(f"unexpected workbook root {root.tag}")
    targets = _relationship_targets(zf)
    names = set(zf.namelist())
    sheets = []
    for el in root.iterfind(f"{{{MAIN_NS}}}sheets/{{{MAIN_NS}}}sheet"):
        rid = el.get(f"{{{DOC_REL_NS}}}id")
        if not rid:
            continue  # openpyxl drops such broken entries, so they are no tab of ours either
        if rid not in targets:
            raise Unsupported(f"sheet {el.get('name')!r} has no relationship {rid}")
        kind, target = targets[rid]
        if target not in names:
            continue  # likewise skipped by openpyxl
        part = target if kind.endswith("/worksheet") else None
        sheets.append(SheetRef(el.get("name", ""), part))
    pr = root.find(f"{{{MAIN_NS}}}workbookPr")
    flag = pr.get("date1904") if pr is not None else None
    # Mirrors openpyxl's Bool descriptor: only these spellings (and empty) mean false.
    date1904 = flag is not None and flag not in ("false", "f", "0") and bool(flag)
    return Book(tuple(sheets), date1904)


def parse_part(zf: zipfile.ZipFile, name: str) -> ET.Element:
    """A small XML part parsed whole (workbook, relationships, styles)."""
    try:
        data = zf.read(name)
    except KeyError:
        raise Unsupported(f"no {name} in the file") from None
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise Unsupported(f"{name} is not well-formed XML ({exc})") from None


def _relationship_targets(zf: zipfile.ZipFile) -> dict[str, tuple[str, str]]:
    root = parse_part(zf, WORKBOOK_RELS)
    base = posixpath.dirname(WORKBOOK_PART)
    targets = {}
    for rel in root.iterfind(f"{{{PKG_REL_NS}}}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        path = (
            target[1:]
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(base, target))
        )
        targets[rel.get("Id", "")] = (rel.get("Type", ""), path)
    return targets


# -- number formats ------------------------------------------------------------------

# The built-in formats openpyxl knows that count as dates; other built-in ids are numbers.
_BUILTIN_DATE_FORMATS = {
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
}
# Same rules as openpyxl.styles.numbers, so a cell is a date here exactly when it is there.
_STRIP_RE = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_TOKEN_RE = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_TIMEDELTA_RE = re.compile(
    r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.IGNORECASE
)


def is_date_format(code: str | None) -> bool:
    if code is None:
        return False
    first = _STRIP_RE.sub("", code.split(";")[0])
    return _DATE_TOKEN_RE.search(first) is not None


def is_timedelta_format(code: str | None) -> bool:
    if code is None:
        return False
    return _TIMEDELTA_RE.search(code.split(";")[0]) is not None


def read_number_formats(zf: zipfile.ZipFile) -> tuple[str | None, ...]:
    """The number format code of each cell style (`s` index); None for plain numbers."""
    if STYLES_PART not in zf.namelist():
        return ()
    root = parse_part(zf, STYLES_PART)
    custom: dict[int, str] = {}
    for fmt in root.iterfind(f"{{{MAIN_NS}}}numFmts/{{{MAIN_NS}}}numFmt"):
        custom[_int_attr(fmt, "numFmtId")] = fmt.get("formatCode", "")
    codes = []
    for xf in root.iterfind(f"{{{MAIN_NS}}}cellXfs/{{{MAIN_NS}}}xf"):
        ident = _int_attr(xf, "numFmtId")
        codes.append(custom[ident] if ident in custom else _BUILTIN_DATE_FORMATS.get(ident))
    return tuple(codes)


def _int_attr(el: ET.Element, name: str) -> int:
    try:
        return int(el.get(name, "0"))
    except ValueError:
        raise Unsupported(f"{name}={el.get(name)!r} in styles") from None


class DateStyles:
    """Picks an existing cell style to show a written date as a date.

    Adding a style would mean rewriting styles.xml and its counts; every workbook the office
    uses already has date columns (form timestamps), so reusing one of theirs is enough.
    """

    def __init__(self, codes: tuple[str | None, ...]) -> None:
        self._kinds = [_date_kind(code) for code in codes]

    def pick(self, value: date, current: str | None) -> str:
        order = (
            ("datetime", "date", "time")
            if isinstance(value, datetime)
            else ("date", "datetime", "time")
        )
        if current is not None and current.isdigit() and self._kind(int(current)) == order[0]:
            return current  # people formatted this column; keep their choice
        for kind in order:
            if kind in self._kinds:
                return str(self._kinds.index(kind))
        raise Unsupported("the workbook has no date cell style to show a date with")

    def _kind(self, index: int) -> str | None:
        return self._kinds[index] if index < len(self._kinds) else None


def _date_kind(code: str | None) -> str | None:
    # Durations ([h]:mm) would read back as timedelta, not as the date that was written.
    if code is None or not is_date_format(code) or is_timedelta_format(code):
        return None
    first = _STRIP_RE.sub("", code.split(";")[0]).lower()
    first = re.sub(r"[_\\].", "", first)
    has_date = any(ch in first for ch in "dyeb")
    has_time = any(ch in first for ch in "hs")
    if has_date and has_time:
        return "datetime"
    return "date" if has_date else "time"


def to_serial(value: date, date1904: bool) -> int | float:
    """Excel's day number, as openpyxl computes it (incl. the 1900 leap-year quirk)."""
    moment = value if isinstance(value, datetime) else datetime.combine(value, time())
    if moment.tzinfo is not None:
        raise TypeError("Excel does not support timezones; convert to a naive local time first")
    epoch = MAC_EPOCH if date1904 else WINDOWS_EPOCH
    days = (moment - epoch).days
    if 0 < days <= 60 and not date1904:
        days -= 1
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    if not seconds and not moment.microsecond:
        return days
    return days + (seconds + moment.microsecond / 10**6) / 86400


# -- cell references -----------------------------------------------------------------


def column_index(letters: str) -> int:
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index


_REF_RE = re.compile(r"^\$?([A-Za-z]{1,3})?\$?(\d+)?(?::\$?([A-Za-z]{1,3})?\$?(\d+)?)?$")


def range_bounds(ref: str) -> tuple[int | None, int | None, int | None, int | None]:
    """Like openpyxl's range_boundaries: "B2:D9" -> (2, 2, 4, 9); "C5" -> (3, 5, 3, 5)."""
    m = _REF_RE.match(ref)
    if not m or not any(m.groups()):
        raise Unsupported(f"bad range {ref!r}")
    c1, r1, c2, r2 = m.groups()
    min_col = column_index(c1) if c1 else None
    min_row = int(r1) if r1 else None
    max_col = column_index(c2) if c2 else min_col
    max_row = int(r2) if r2 else min_row
    return min_col, min_row, max_col, max_row


