"""Change a few cells of a local .xlsx workbook without loading the whole workbook.

A status write touches a few dozen cells of one tab, yet loading and saving a workbook of tens
of thousands of rows with openpyxl costs seconds and hundreds of MB. Here only the edited
sheets' XML is read; every other part of the file is streamed across unchanged, and inside an
edited sheet only the rows that change are rebuilt, byte for byte everything else stays as the
office program wrote it (styles, validations, frozen panes, extensions openpyxl would drop).

Whatever this editor does not understand raises `Unsupported`, and the caller falls back to
openpyxl.
"""

from __future__ import annotations

import bisect
import io
import math
import posixpath
import re
import shutil
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from automation.model import Cell
from automation.sources.google_ranges import column_letters  # A1 letters, one place
from automation.sources.xlsx_book import (
    MAIN_NS,
    MAX_COL,
    MAX_ROW,
    DateStyles,
    Unsupported,
    column_index,
    range_bounds,
    read_book,
    read_number_formats,
    to_serial,
)

Bounds = tuple[int, int, int, int]
"""min_col, min_row, max_col, max_row"""
Chunks = list[bytes | memoryview]
"""An edited sheet as pieces: views into the original XML around a few rebuilt rows, so a
sheet of tens of MB is never copied whole."""
DateStylePicker = Callable[[date, "str | None"], str]


# -- patching ------------------------------------------------------------------------


def patch(source: Path, target: Path, writes: Mapping[str, Mapping[tuple[int, int], Cell]]) -> None:
    """Write to `target` a copy of the .xlsx `source` where the given cells (tab title ->
    {(row, col) 1-based: value}) hold the given raw values. Every zip member other than the
    edited sheets' XML is copied unchanged (streamed with copyfileobj, never all in memory at
    once, same compression type); within an edited sheet every byte outside the changed
    rows is unchanged."""
    try:
        with zipfile.ZipFile(source) as src:
            edited = _edited_parts(src, writes)
            _copy_archive(src, target, edited)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise Unsupported(f"not a readable .xlsx ({exc})") from None


def _edited_parts(
    src: zipfile.ZipFile, writes: Mapping[str, Mapping[tuple[int, int], Cell]]
) -> dict[str, Chunks]:
    # Excel keeps a chain of the formula cells and reports a stale one as corruption. Cells
    # are only ever changed in place here, so the chain stays true unless a formula cell is
    # overwritten: that one case is left to openpyxl, which drops the chain.
    calc_chain = any(posixpath.basename(n).lower() == "calcchain.xml" for n in src.namelist())
    book = read_book(src)
    parts = {title: book.part(title) for title in writes}
    styles: list[DateStyles] = []

    def date_style(value: date, current: str | None) -> str:
        if not styles:
            styles.append(DateStyles(read_number_formats(src)))
        return styles[0].pick(value, current)

    edited: dict[str, Chunks] = {}
    for title, cells in writes.items():
        if not cells:
            continue
        for row, col in cells:
            if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
                raise ValueError(f"cell ({row}, {col}) of {title!r} is outside a worksheet")
        values = _CellValues(book.date1904, date_style, keep_formulas=calc_chain)
        edited[parts[title]] = _patch_sheet(_read_member(src, parts[title]), cells, values)
    return edited


def _read_member(src: zipfile.ZipFile, name: str) -> bytearray:
    """A member read straight into one buffer of its final size: reading it as bytes would
    briefly hold it twice."""
    info = src.getinfo(name)
    data = bytearray(info.file_size)
    view = memoryview(data)
    pos = 0
    with src.open(info) as stream:
        assert isinstance(stream, io.BufferedIOBase)  # zipfile's ZipExtFile
        while pos < len(data) and (n := stream.readinto(view[pos : pos + (1 << 20)])):
            pos += n
        if pos != len(data) or stream.read(1):
            raise Unsupported(f"{name} is not the size the archive says")
    view.release()
    return data


def _copy_archive(src: zipfile.ZipFile, target: Path, edited: Mapping[str, Chunks]) -> None:
    with zipfile.ZipFile(target, "w") as dst:
        dst.comment = src.comment
        for info in src.infolist():
            out = zipfile.ZipInfo(info.filename, info.date_time)
            out.compress_type = info.compress_type
            out.external_attr = info.external_attr
            out.file_size = info.file_size  # lets zipfile decide on zip64 up front
            if info.filename in edited:
                with dst.open(out, "w") as writer:
                    for chunk in edited[info.filename]:
                        writer.write(chunk)
            elif info.is_dir():
                dst.writestr(out, b"")
            else:
                with src.open(info) as reader, dst.open(out, "w") as writer:
                    shutil.copyfileobj(reader, writer, 1 << 20)


# -- values as cell XML --------------------------------------------------------------

# Characters XML 1.0 cannot carry at all; Excel would refuse the file.
_FORBIDDEN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&apos;",
        # A raw CR would be read back as LF by every XML parser.
        "\r": "&#13;",
    }
)


def escape_text(value: str) -> str:
    return _FORBIDDEN_RE.sub("", value).translate(_ESCAPES)


class _CellValues:
    """Builds the `<c>` element for one written value."""

    def __init__(self, date1904: bool, date_style: DateStylePicker, *,
                 keep_formulas: bool = False) -> None:
        self._date1904 = date1904
        self._date_style = date_style
        self.keep_formulas = keep_formulas
        """Formula cells must not be overwritten (the workbook has a calculation chain)."""

    def xml(self, ref: str, value: Cell, style: str | None) -> bytes | None:
        """None when the cell should disappear."""
        head = f'<c r="{ref}"'
        if style is not None and not isinstance(value, date):
            head += f' s="{escape_text(style)}"'
        if value is None:
            return f"{head}/>".encode() if style is not None else None
        if isinstance(value, bool):
            return f'{head} t="b"><v>{int(value)}</v></c>'.encode()
        if isinstance(value, int | float):
            if isinstance(value, float) and not math.isfinite(value):
                raise Unsupported(f"{value!r} cannot be stored in a cell")
            return f"{head}><v>{value!r}</v></c>".encode()
        if isinstance(value, date):
            serial = to_serial(value, self._date1904)
            chosen = self._date_style(value, style)
            return f'{head} s="{chosen}"><v>{serial!r}</v></c>'.encode()
        # Always an inline string, never a formula: people's "=..." text stays text.
        text = escape_text(value)
        return f'{head} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'.encode()


# -- sheet XML -----------------------------------------------------------------------

_ROOT_RE = re.compile(rb"<(?:([\w.-]+):)?worksheet\b([^>]*)>")
_DEFAULT_NS_RE = re.compile(rb"""\sxmlns\s*=\s*["']([^"']*)["']""")
_ENCODING_RE = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*encoding\s*=\s*["']([^"']*)["']""")
_SHEET_DATA_RE = re.compile(rb"<sheetData\b([^>]*?)(/?)>")
_SHEET_DATA_END_RE = re.compile(rb"</sheetData\s*>")
_DIMENSION_RE = re.compile(rb"""<dimension\b[^>]*?\sref\s*=\s*(["'])([^"']*)\1""")
_ROW_RE = re.compile(rb"<row\b([^>]*?)(/?)>")
_ROW_END_RE = re.compile(rb"</row\s*>")
_CELL_RE = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c\s*>)", re.DOTALL)
_FORMULA_RE = re.compile(rb"<f\b([^>]*?)/?>")
_ATTR_RE = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ROW_NUMBER_RE = re.compile(rb"""(?:^|\s)r\s*=\s*["']([^"']*)["']""")
_SPANS_RE = re.compile(rb"""\s+spans\s*=\s*(["'])[^"']*\1""")
_CELL_REF_RE = re.compile(r"^([A-Z]{1,3})(\d+)$")


def _attrs(raw: bytes) -> dict[str, str]:
    return {
        m.group(1).decode(): (m.group(2) if m.group(2) is not None else m.group(3) or b"").decode()
        for m in _ATTR_RE.finditer(raw)
    }


@dataclass(frozen=True)
class _Row:
    number: int
    start: int
    tag_end: int
    attrs: bytes
    empty: bool


def _patch_sheet(
    xml: bytearray, cells: Mapping[tuple[int, int], Cell], values: _CellValues
) -> Chunks:
    _check_root(xml)
    opening = _SHEET_DATA_RE.search(xml)
    if opening is None:
        raise Unsupported("no unprefixed <sheetData> in the sheet")
    if opening.group(2):  # <sheetData/>: an empty sheet
        head_end = body_start = body_end = opening.start()
        tail_start = opening.end()
        open_tag, close_tag = b"<sheetData" + opening.group(1) + b">", b"</sheetData>"
    else:
        closing = _SHEET_DATA_END_RE.search(xml, opening.end())
        if closing is None:
            raise Unsupported("unterminated <sheetData>")
        head_end = body_start = opening.end()
        body_end = tail_start = closing.start()
        open_tag = close_tag = b""
    by_row: dict[int, dict[int, Cell]] = {}
    for (row, col), value in cells.items():
        by_row.setdefault(row, {})[col] = value
    rows, extent = _patch_rows(xml, body_start, body_end, by_row, values)
    head = _grow_dimension(xml, head_end, extent)
    return [*head, open_tag, *rows, close_tag, memoryview(xml)[tail_start:]]


def _check_root(xml: bytearray) -> None:
    declared = _ENCODING_RE.match(xml[:200])
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        raise Unsupported(f"sheet XML in {declared.group(1)!r}")
    root = _ROOT_RE.search(xml)
    if root is None or root.group(1):
        raise Unsupported("sheet root is missing or uses a namespace prefix")
    ns = _DEFAULT_NS_RE.search(root.group(2))
    if ns is None or ns.group(1) != MAIN_NS.encode():
        raise Unsupported("sheet is not in the transitional spreadsheetml namespace")


def _scan_rows(xml: bytearray, start: int, end: int) -> list[_Row]:
    rows = []
    last = 0
    for m in _ROW_RE.finditer(xml, start, end):
        found = _ROW_NUMBER_RE.search(m.group(1))
        if found is None or not found.group(1).isdigit():
            raise Unsupported("a row without a plain r attribute")
        number = int(found.group(1))
        if number <= last:
            raise Unsupported("rows out of order")
        last = number
        rows.append(_Row(number, m.start(), m.end(), m.group(1), bool(m.group(2))))
    return rows


def _patch_rows(
    xml: bytearray,
    start: int,
    end: int,
    by_row: Mapping[int, Mapping[int, Cell]],
    values: _CellValues,
) -> tuple[Chunks, Bounds | None]:
    """The new content of <sheetData> (xml[start:end]), and the extent of the cells that now
    hold something."""
    view = memoryview(xml)
    rows = _scan_rows(xml, start, end)
    numbers = [r.number for r in rows]
    out: Chunks = []
    pos = start
    extent: Bounds | None = None
    for number in sorted(by_row):
        writes = by_row[number]
        for col, value in writes.items():
            if value is not None:
                extent = _union(extent, (col, number, col, number))
        i = bisect.bisect_left(numbers, number)
        if i < len(rows) and numbers[i] == number:
            row = rows[i]
            inner_end, row_end = _row_end(xml, row, end)
            out.append(view[pos : row.start])
            out.append(_edit_row(row, bytes(xml[row.tag_end : inner_end]), writes, values))
            pos = row_end
        else:
            at = rows[i].start if i < len(rows) else end
            out.append(view[pos:at])
            out.append(_new_row(number, writes, values))
            pos = at
    out.append(view[pos:end])
    return out, extent


def _row_end(xml: bytearray, row: _Row, end: int) -> tuple[int, int]:
    """Where the row's content ends and where its element ends."""
    if row.empty:
        return row.tag_end, row.tag_end
    closing = _ROW_END_RE.search(xml, row.tag_end, end)
    if closing is None:
        raise Unsupported(f"unterminated row {row.number}")
    return closing.start(), closing.end()


def _new_row(number: int, writes: Mapping[int, Cell], values: _CellValues) -> bytes:
    cells = [_new_cell(number, col, writes[col], None, values) for col in sorted(writes)]
    kept = [c for c in cells if c is not None]
    if not kept:
        return b""
    return f'<row r="{number}">'.encode() + b"".join(kept) + b"</row>"


def _new_cell(
    row: int, col: int, value: Cell, style: str | None, values: _CellValues
) -> bytes | None:
    return values.xml(f"{column_letters(col)}{row}", value, style)


@dataclass(frozen=True)
class _OldCell:
    col: int
    start: int
    end: int
    style: str | None
    content: bytes


def _edit_row(row: _Row, inner: bytes, writes: Mapping[int, Cell], values: _CellValues) -> bytes:
    old = _scan_cells(row.number, inner)
    if old:
        lead, trail = inner[: old[0].start], inner[old[-1].end :]
    else:  # only whitespace or an extLst: new cells go before it
        lead, trail = b"", inner
    merged: list[bytes] = []
    by_col = {c.col: c for c in old}
    for col in sorted(set(by_col) | set(writes)):
        cell = by_col.get(col)
        if col not in writes:
            assert cell is not None
            merged.append(inner[cell.start : cell.end])
            continue
        if cell is not None and _is_formula_master(cell.content):
            raise Unsupported(f"row {row.number} col {col} anchors a shared or array formula")
        if cell is not None and values.keep_formulas and _FORMULA_RE.search(cell.content):
            raise Unsupported(f"row {row.number} col {col} is in the calculation chain")
        built = _new_cell(row.number, col, writes[col], cell.style if cell else None, values)
        if built is not None:
            merged.append(built)
    # Excel recomputes spans; a stale one would hide the new cells from its loader's hints.
    start_tag = b"<row" + _SPANS_RE.sub(b"", row.attrs) + b">"
    return start_tag + lead + b"".join(merged) + trail + b"</row>"


def _scan_cells(number: int, inner: bytes) -> list[_OldCell]:
    cells = []
    pos = 0
    last = 0
    for m in _CELL_RE.finditer(inner):
        if inner[pos : m.start()].strip():
            raise Unsupported(f"unexpected content between cells in row {number}")
        pos = m.end()
        attrs = _attrs(m.group(1))
        ref = _CELL_REF_RE.match(attrs.get("r", ""))
        if ref is None or int(ref.group(2)) != number:
            raise Unsupported(f"a cell in row {number} without a matching r attribute")
        col = column_index(ref.group(1))
        if col <= last:
            raise Unsupported(f"cells out of order in row {number}")
        last = col
        cells.append(_OldCell(col, m.start(), m.end(), attrs.get("s"), m.group(2) or b""))
    return cells


def _is_formula_master(content: bytes) -> bool:
    formula = _FORMULA_RE.search(content)
    return formula is not None and "ref" in _attrs(formula.group(1))


def _union(a: Bounds | None, b: Bounds) -> Bounds:
    if a is None:
        return b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _grow_dimension(xml: bytearray, head_end: int, extent: Bounds | None) -> Chunks:
    """The sheet up to <sheetData>, with a <dimension> that covers every written cell:
    readers trust it (openpyxl's read-only mode stops at it)."""
    view = memoryview(xml)
    found = _DIMENSION_RE.search(xml, 0, head_end)
    if found is None or extent is None:
        return [view[:head_end]]
    old = range_bounds(found.group(2).decode())
    if None in old:
        raise Unsupported(f"dimension {found.group(2)!r} is not a cell range")
    min_col, min_row, max_col, max_row = (int(v) for v in old if v is not None)
    new = _union((min_col, min_row, max_col, max_row), extent)
    if new == (min_col, min_row, max_col, max_row):
        return [view[:head_end]]
    ref = f"{column_letters(new[0])}{new[1]}"
    if new[:2] != new[2:]:
        ref += f":{column_letters(new[2])}{new[3]}"
    return [view[: found.start(2)], ref.encode(), view[found.end(2) : head_end]]
