"""`automation init --google`: lay out the office's spreadsheet for the worker, idempotently.

What it does, each only when missing: create the form, registry and suppression tabs with
Thai headers; add the director's and the worker's columns to the form-responses tab after
the form's own columns (the form's columns are never moved or renamed); put a dropdown
(อนุมัติ / ไม่อนุมัติ / ส่งกลับแก้ไข) or a checkbox on the approval column and a checkbox on
ด่วน; freeze the header row; protect the approval column so only the listed editors (the
director) may change it. A second run reads three things and changes nothing.

The protection on the approval column carries a fixed description; finding it tells a later
run that the column was laid out already. A column that has its own validation (set by a
person) keeps it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from automation.config import (
    FORM_WORKER_FIELDS,
    SheetsConfig,
)
from automation.core.table import find_columns
from automation.errors import SheetError
from automation.model import Cell, Tab
from automation.sources.google import GoogleSheet, Metadata, TabInfo
from automation.sources.google_ranges import quote_title

APPROVAL_WORDS = ("อนุมัติ", "ไม่อนุมัติ", "ส่งกลับแก้ไข")
PROTECTION_NOTE = "คอลัมน์อนุมัติ: แก้ไขได้เฉพาะผู้บริหาร (ตั้งโดย automation init --google)"
DIRECTOR_FIELDS = ("approval", "note", "audience", "publish_after", "urgent")
Approval = Literal["dropdown", "checkbox"]


@dataclass(frozen=True)
class SetupOptions:
    editors: tuple[str, ...] = ()
    approval: Approval = "dropdown"
    time_zone: str = "Asia/Bangkok"
    # False while a form made by `--form` is not linked yet: linking creates the responses
    # tab, and a tab of that name made beforehand would push Google's to "…ฟอร์ม 2".
    form_tab: bool = True


@dataclass
class SetupReport:
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Layout:
    """One tab's plan: its (future) sheet id, header cells to write, columns it needs."""

    kind: str
    title: str
    sheet_id: int
    info: TabInfo | None
    headers: list[str]
    new_headers: dict[int, str]  # 1-based column → header text
    by_field: dict[str, int]


def set_up(sheet: GoogleSheet, sheets: SheetsConfig, options: SetupOptions) -> SetupReport:
    report = SetupReport()
    meta = sheet.metadata(refresh=True)
    if meta.time_zone and meta.time_zone != options.time_zone:
        report.warnings.append(
            f"เขตเวลาของสเปรดชีตคือ {meta.time_zone} ไม่ใช่ {options.time_zone}: เวลาประทับของ "
            "แบบฟอร์มจะถูกอ่านคลาดไป; แก้ที่ ไฟล์ → การตั้งค่า → เขตเวลา (File → Settings)"
        )
    layouts = _plan(sheet, sheets, meta)
    if not options.form_tab and layouts[0].info is None:
        layouts = layouts[1:]
    requests_ = _layout_requests(layouts, meta, report)
    if layouts[0].kind != "form":
        if requests_:
            sheet.batch_update(requests_, "จัดรูปแบบสเปรดชีต")
        return report
    form = layouts[0]
    approval_col = form.by_field["approval"]
    protected = _our_protection(form.info, approval_col)
    validations = _validation_requests(sheet, form, options, protected, report)
    requests_ += validations
    if requests_:
        sheet.batch_update(requests_, "จัดรูปแบบสเปรดชีต")
    if protected is None:
        _protect(sheet, form, approval_col, options, report)
    return report


def _fields(kind: str, sheets: SheetsConfig) -> dict[str, list[str]]:
    return sheets.columns.aliases(kind)


def _plan(sheet: GoogleSheet, sheets: SheetsConfig, meta: Metadata) -> list[_Layout]:
    tabs = sheets.tabs
    kinds = (("form", tabs.form), ("registry", tabs.registry), ("suppression", tabs.suppression))
    existing = [(title, info) for _kind, title in kinds if (info := meta.tab(title)) is not None]
    first_rows: dict[str, list[Cell]] = {}
    if existing:
        ranges = [f"{quote_title(info.title)}!1:1" for _title, info in existing]
        for (title, _info), rows in zip(existing, sheet.values(ranges), strict=True):
            first_rows[title] = rows[0] if rows else []
    taken: set[int] = {t.sheet_id for t in meta.tabs.values()}
    layouts = []
    for kind, title in kinds:
        info = meta.tab(title)
        if info is None:
            sheet_id = meta.new_sheet_id(title)
            while sheet_id in taken:
                sheet_id += 1
            taken.add(sheet_id)
        else:
            sheet_id = info.sheet_id
        layouts.append(_columns(kind, title, sheet_id, info, first_rows.get(title, []), sheets))
    return layouts


def _columns(
    kind: str, title: str, sheet_id: int, info: TabInfo | None, header_row: Sequence[Cell],
    sheets: SheetsConfig,
) -> _Layout:
    aliases = _fields(kind, sheets)
    headers = [str(h).strip() if h is not None else "" for h in header_row]
    while headers and not headers[-1]:
        headers.pop()
    by_field = dict(find_columns(Tab(title, [list(headers)]), aliases).by_field)
    if not headers:
        wanted = list(aliases)  # a new or empty tab gets every column, in the usual order
    elif kind == "form":
        # The form owns its columns; only the director's and the worker's are added.
        wanted = [f for f in (*DIRECTOR_FIELDS, *FORM_WORKER_FIELDS) if f in aliases]
    else:
        wanted = list(aliases)
    new_headers: dict[int, str] = {}
    next_col = len(headers) + 1
    for name in wanted:
        if name not in by_field:
            by_field[name] = next_col
            new_headers[next_col] = aliases[name][0]
            next_col += 1
    return _Layout(kind, title, sheet_id, info, headers, new_headers, by_field)


def _layout_requests(
    layouts: Sequence[_Layout], meta: Metadata, report: SetupReport
) -> list[dict[str, Any]]:
    requests_: list[dict[str, Any]] = []
    for lay in layouts:
        width = max([len(lay.headers), *lay.new_headers])
        if lay.info is None:
            grid = {"rowCount": 1000, "columnCount": max(26, width), "frozenRowCount": 1}
            props = {"title": lay.title, "sheetId": lay.sheet_id, "gridProperties": grid}
            requests_.append({"addSheet": {"properties": props}})
            report.changes.append(f"สร้างแท็บ '{lay.title}'")
        else:
            if width > lay.info.columns:
                requests_.append({"appendDimension": {
                    "sheetId": lay.sheet_id, "dimension": "COLUMNS",
                    "length": width - lay.info.columns,
                }})
            if lay.info.frozen_rows < 1:
                requests_.append({"updateSheetProperties": {
                    "properties": {"sheetId": lay.sheet_id,
                                   "gridProperties": {"frozenRowCount": 1}},
                    "fields": "gridProperties.frozenRowCount",
                }})
                report.changes.append(f"ตรึงแถวหัวตารางของแท็บ '{lay.title}'")
        if lay.new_headers:
            requests_.extend(_header_cells(lay))
            names = ", ".join(lay.new_headers.values())
            report.changes.append(f"เพิ่มหัวคอลัมน์ในแท็บ '{lay.title}': {names}")
    return requests_


def _header_cells(lay: _Layout) -> list[dict[str, Any]]:
    """updateCells per run of adjacent new header cells (string values, never formulas)."""
    result = []
    columns = sorted(lay.new_headers)
    start = 0
    for i in range(1, len(columns) + 1):
        if i == len(columns) or columns[i] != columns[i - 1] + 1:
            run = columns[start:i]
            cells = [{"userEnteredValue": {"stringValue": lay.new_headers[c]}} for c in run]
            result.append({"updateCells": {
                "start": {"sheetId": lay.sheet_id, "rowIndex": 0, "columnIndex": run[0] - 1},
                "rows": [{"values": cells}],
                "fields": "userEnteredValue",
            }})
            start = i
    return result


def _column_range(sheet_id: int, col: int, first_row: int) -> dict[str, Any]:
    return {"sheetId": sheet_id, "startRowIndex": first_row,
            "startColumnIndex": col - 1, "endColumnIndex": col}


def _our_protection(info: TabInfo | None, col: int) -> dict[str, Any] | None:
    if info is None:
        return None
    for protected in info.protected:
        grid = protected.get("range", {})
        same_column = (grid.get("startColumnIndex", 0), grid.get("endColumnIndex")) == (
            col - 1, col,
        )
        if same_column and protected.get("description") == PROTECTION_NOTE:
            return protected
    return None


def _validation_requests(
    sheet: GoogleSheet, form: _Layout, options: SetupOptions,
    protected: dict[str, Any] | None, report: SetupReport,
) -> list[dict[str, Any]]:
    wanted: dict[int, dict[str, Any]] = {}
    approval, urgent = form.by_field["approval"], form.by_field.get("urgent")
    if protected is None:
        wanted[approval] = _approval_rule(options.approval)
    if urgent is not None and urgent in form.new_headers:
        wanted[urgent] = {"condition": {"type": "BOOLEAN"}}
    existing = [c for c in wanted if c not in form.new_headers and form.info is not None]
    for col in _validated(sheet, form, existing):
        del wanted[col]  # a person's own rule stays
    requests_ = []
    for col, rule in sorted(wanted.items()):
        requests_.append({"setDataValidation": {
            "range": _column_range(form.sheet_id, col, 1), "rule": rule,
        }})
        kind = "ช่องติ๊ก" if rule["condition"]["type"] == "BOOLEAN" else "รายการให้เลือก"
        header = form.new_headers.get(col) or form.headers[col - 1]
        report.changes.append(f"ใส่{kind}ในคอลัมน์ '{header}'")
    return requests_


def _approval_rule(kind: Approval) -> dict[str, Any]:
    if kind == "checkbox":
        return {"condition": {"type": "BOOLEAN"}, "strict": True}
    values = [{"userEnteredValue": w} for w in APPROVAL_WORDS]
    return {"condition": {"type": "ONE_OF_LIST", "values": values},
            "showCustomUi": True, "strict": True}


def _validated(sheet: GoogleSheet, form: _Layout, columns: Sequence[int]) -> set[int]:
    """Columns whose first data cell already carries a data-validation rule."""
    if not columns:
        return set()
    from automation.sources.google_ranges import column_letters

    ranges = [f"{quote_title(form.title)}!{column_letters(c)}2" for c in columns]
    raw = sheet.raw_metadata({
        "includeGridData": "true", "ranges": ranges,
        "fields": "sheets(data(startColumn,rowData(values(dataValidation))))",
    })
    found: set[int] = set()
    for entry in raw.get("sheets", []):
        for col, data in zip(columns, entry.get("data", []), strict=False):
            for row in data.get("rowData", []):
                if any("dataValidation" in v for v in row.get("values", [])):
                    found.add(col)
    return found


def _protect(
    sheet: GoogleSheet, form: _Layout, col: int, options: SetupOptions, report: SetupReport
) -> None:
    spec: dict[str, Any] = {
        "range": _column_range(form.sheet_id, col, 0),
        "description": PROTECTION_NOTE,
    }
    if options.editors:
        # The worker's own account stays an editor so a later run can still manage the range.
        users = list(dict.fromkeys([*options.editors, *([sheet.account] if sheet.account else [])]))
        spec["editors"] = {"users": users}
        who = ", ".join(options.editors)
    else:
        spec["warningOnly"] = True
        who = ""
        report.warnings.append(
            "ไม่ได้ระบุผู้มีสิทธิ์อนุมัติ (office.director_email หรือ --editor): "
            "คอลัมน์อนุมัติจึงแค่เตือนก่อนแก้ ไม่ได้ล็อก"
        )
    try:
        sheet.batch_update([{"addProtectedRange": {"protectedRange": spec}}], "ล็อกคอลัมน์อนุมัติ")
    except SheetError as exc:
        if exc.transient:
            raise
        report.warnings.append(
            f"ล็อกคอลัมน์อนุมัติไม่ได้ ({exc}); ให้เจ้าของชีตล็อกเองที่ ข้อมูล → "
            "ชีตและช่วงที่มีการป้องกัน (Data → Protect sheets and ranges)"
        )
        return
    if who:
        report.changes.append(f"ล็อกคอลัมน์อนุมัติ ให้แก้ได้เฉพาะ {who} (และเจ้าของชีต)")
    else:
        report.changes.append("ตั้งคำเตือนก่อนแก้คอลัมน์อนุมัติ")


def describe_target(sheet: GoogleSheet) -> str:
    """Where the worker's account must have access, for the CLI's closing lines."""
    who = sheet.account or "บัญชี Google ที่ลงชื่อเข้าใช้"
    return f"สเปรดชีต {sheet.spreadsheet_id} (บัญชีของระบบ: {who})"
