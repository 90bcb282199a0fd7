"""E-mailed news rows appended to the form-responses tab, like Google Forms answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from automation.inbox.news import NewsRow
from automation.model import Cell, CellWrite, Tab
from automation.ports import SheetBackend


def append_rows(backend: SheetBackend, form: Tab, found: dict[str, int],
                built: Sequence[NewsRow], aliases: Mapping[str, Sequence[str]]) -> None:
    """Append the rows under the headers found in a fresh read, adding missing ID, status
    and source headers first; one append for all."""
    by_field = dict(found)
    width = max(len(form.rows[0]) if form.rows else 0, max(by_field.values(), default=0))
    headers: list[CellWrite] = []
    for name in ("id", "status", "source"):
        if name not in by_field:
            width += 1
            by_field[name] = width
            headers.append(CellWrite(form.title, 1, width, aliases[name][0]))
    if headers:
        backend.write(headers)
    cells: list[list[Cell]] = []
    for row in built:
        values = _fold_missing(dict(row.values), by_field)
        line: list[Cell] = [None] * width
        for name, value in values.items():
            if name in by_field:
                line[by_field[name] - 1] = value
        cells.append(line)
    backend.append(form.title, cells)


def _fold_missing(values: dict[str, Cell], by_field: dict[str, int]) -> dict[str, Cell]:
    """Pictures and links go into the body when the form tab has no column for them."""
    extra = []
    for name, label in (("images", "ภาพประกอบ"), ("links", "ลิงก์เพิ่มเติม")):
        if name not in by_field and values.get(name):
            extra.append(f"{label}: {values.pop(name)}")
    if extra:
        values["body"] = "\n\n".join([str(values.get("body") or ""), *extra]).strip()
    return values

