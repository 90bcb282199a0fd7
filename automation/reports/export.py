"""The report's detailed tables as an Excel workbook or as CSV files Excel opens in Thai."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from automation.reports.tables import Table
from automation.text.files import csv_safe, safe_filename

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Attachment:
    filename: str
    maintype: str
    subtype: str
    data: bytes


def xlsx(tables: Sequence[Table], heading: str) -> bytes:
    """One worksheet per table: a heading line, a bold header row, then the rows."""
    # openpyxl (and numpy with it) loads only when a workbook is written: half a second
    # of every `run --once` otherwise.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    default = book.active
    for table in tables:
        sheet = book.create_sheet(table.name[:31])
        sheet.append([heading])
        sheet.append([table.title])
        sheet.append(list(table.headers))
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(list(row))
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    # Text stays text: openpyxl would otherwise store "=…" as a formula.
                    cell.data_type = "s"
        for index, header in enumerate(table.headers, start=1):
            longest = max([len(str(header)), *(len(str(r[index - 1])) for r in table.rows
                                               if index - 1 < len(r))])
            sheet.column_dimensions[get_column_letter(index)].width = min(60, 4 + longest * 1.1)
        sheet.freeze_panes = "A4"
    if default is not None:
        book.remove(default)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(table: Table) -> bytes:
    """UTF-8 with BOM (so Excel reads Thai), CRLF lines, formula-like text neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_safe(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([csv_safe(v) if isinstance(v, str) else ("" if v is None else v)
                         for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def attachments(tables: Sequence[Table], heading: str, stem: str,
                kind: Literal["xlsx", "csv"]) -> list[Attachment]:
    if kind == "xlsx":
        data = xlsx(tables, heading)
        return [Attachment(safe_filename(f"{stem}.xlsx"), "application",
                           XLSX_TYPE.partition("/")[2], data)]
    return [Attachment(safe_filename(f"{stem}-{t.name}.csv"), "text", "csv", csv_bytes(t))
            for t in tables]
