"""`automation init --google`: the spreadsheet layout, checked in the Sheets v4 fake."""

from __future__ import annotations

import datetime as dt

import pytest

from automation.config import FORM_FIELDS, REGISTRY_FIELDS, SUPPRESSION_FIELDS, SheetsConfig
from automation.sources.google import GoogleSheet
from automation.sources.google_setup import APPROVAL_WORDS, SetupOptions, SetupReport, set_up
from tests.fakes.sheets_api import FakeSheetsAPI, FakeSpreadsheet, make_client
from tests.sheet_driver import SERVICE_ACCOUNT

SHEET_ID = "1Layout-office-sheet"
FORM, REGISTRY, SUPPRESSION = "การตอบแบบฟอร์ม 1", "ทะเบียนเครือข่าย", "งดรับข่าว"
DIRECTOR = "director@office.example.test"
# What Google Forms writes for the office's Thai news form: its own columns only.
FORM_COLUMNS = ["ประทับเวลา", "ที่อยู่อีเมล", "ชื่อโรงเรียน/หน่วยงาน", "ผู้ส่งข่าว",
                "เบอร์โทรศัพท์", "หัวข้อข่าว", "เนื้อหาข่าว", "วันที่จัดกิจกรรม", "ภาพประกอบ"]
WRITES = {"batch_update", "values_batch_update", "values_update", "values_append",
          "values_clear", "values_batch_clear"}


@pytest.fixture
def api() -> FakeSheetsAPI:
    fake = FakeSheetsAPI()
    fake.strict_grid_limits = True
    return fake


def _sheet(api: FakeSheetsAPI) -> GoogleSheet:
    return GoogleSheet(make_client(api), SHEET_ID, account=SERVICE_ACCOUNT)


def _run(api: FakeSheetsAPI, **options: object) -> SetupReport:
    """One `init --google` run in a fresh process (no cached metadata)."""
    opts = SetupOptions(**{"editors": (DIRECTOR,), **options})  # type: ignore[arg-type]
    return set_up(_sheet(api), SheetsConfig(backend="google", spreadsheet_id=SHEET_ID), opts)


def _writes(api: FakeSheetsAPI) -> list[str]:
    return [c.kind for c in api.calls if c.kind in WRITES]


def _headers(book: FakeSpreadsheet, title: str) -> list[object]:
    return [h for h in book.tab(title).rows[0] if h not in (None, "")]


def test_fresh_spreadsheet_gets_every_tab_and_a_second_run_changes_nothing(
    api: FakeSheetsAPI,
) -> None:
    book = api.add_spreadsheet(SHEET_ID, tabs={"Sheet1": []})
    report = _run(api)
    assert _headers(book, FORM) == [names[0] for names in FORM_FIELDS.values()]
    assert _headers(book, REGISTRY) == [names[0] for names in REGISTRY_FIELDS.values()]
    assert _headers(book, SUPPRESSION) == [names[0] for names in SUPPRESSION_FIELDS.values()]
    for title in (FORM, REGISTRY, SUPPRESSION):
        assert book.tab(title).frozen_row_count == 1
    form = book.tab(FORM)
    approval = _headers(book, FORM).index("อนุมัติ") + 1
    rule = form.validation_at(2, approval)
    assert rule is not None and rule["condition"]["type"] == "ONE_OF_LIST"
    assert [v["userEnteredValue"] for v in rule["condition"]["values"]] == list(APPROVAL_WORDS)
    assert form.validation_at(1, approval) is None  # the header stays plain text
    urgent = _headers(book, FORM).index("ด่วน") + 1
    assert form.validation_at(5, urgent) == {"condition": {"type": "BOOLEAN"}}
    [protected] = form.protected_ranges
    assert (protected.c0, protected.c1) == (approval - 1, approval)
    assert protected.details["editors"]["users"] == [DIRECTOR, SERVICE_ACCOUNT]
    assert report.changes and not report.warnings
    assert _writes(api) == ["batch_update", "batch_update"]  # layout, then protection

    api.reset_counts()
    again = _run(api)
    assert again.changes == [] and again.warnings == []
    assert _writes(api) == []
    assert [c.kind for c in api.calls] == ["metadata", "values_batch_get"]


def test_form_responses_tab_keeps_the_forms_columns(api: FakeSheetsAPI) -> None:
    responses = [
        FORM_COLUMNS,
        [dt.datetime(2026, 11, 24, 8, 12), "school@example.test", "โรงเรียนบ้านดอนแก้ว",
         "นางสมศรี ใจดี", "0812345678", "กีฬาสี", "เนื้อหา\nสองบรรทัด", dt.date(2026, 11, 20),
         "https://drive.google.com/open?id=1"],
        [dt.datetime(2026, 11, 25, 9, 30), "b@example.test", "โรงเรียนบ้านแม่แรม", "นายณัฐพล",
         "0891112233", "=HYPERLINK(\"x\")", "ค่าย", None, None],
    ]
    book = api.add_spreadsheet(SHEET_ID, tabs={FORM: responses})
    book.tab(FORM).column_count = len(FORM_COLUMNS)  # Forms sizes the tab to its questions
    before = book.tab(FORM).values()
    report = _run(api, approval="checkbox")
    form = book.tab(FORM)
    width = len(FORM_COLUMNS)
    assert [row[:width] for row in form.values()] == [row[:width] for row in before]
    added = form.rows[0][width:]
    assert added == ["อนุมัติ", "หมายเหตุผู้อนุมัติ", "กลุ่มเป้าหมาย", "เผยแพร่วันที่", "ด่วน",
                     "รหัสข่าว", "สถานะ", "เผยแพร่เมื่อ", "ผลการส่ง", "ลิงก์ข่าว", "ช่องทางส่งข่าว"]
    assert form.column_count >= width + len(added)
    assert form.validation_at(2, width + 1) == {"condition": {"type": "BOOLEAN"}, "strict": True}
    assert form.frozen_row_count == 1
    assert any("สร้างแท็บ" in c for c in report.changes)  # registry and suppression tabs

    api.reset_counts()
    assert _run(api, approval="checkbox").changes == []
    assert _writes(api) == []


def test_a_persons_own_validation_is_kept(api: FakeSheetsAPI) -> None:
    book = api.add_spreadsheet(SHEET_ID, tabs={
        FORM: [[*FORM_COLUMNS, "อนุมัติ"], ["x"] * len(FORM_COLUMNS) + [True]],
        REGISTRY: [[names[0] for names in REGISTRY_FIELDS.values()]],
        SUPPRESSION: [[names[0] for names in SUPPRESSION_FIELDS.values()]],
    })
    approval = len(FORM_COLUMNS) + 1
    book.tab(FORM).add_checkboxes(f"J2:J{book.tab(FORM).row_count}")
    _run(api)
    requests = [r for c in api.calls if c.kind == "batch_update" for r in c.body["requests"]]
    targets = [r["setDataValidation"]["range"]["startColumnIndex"] for r in requests
               if "setDataValidation" in r]
    assert approval - 1 not in targets
    assert book.tab(FORM).validation_at(2, approval) == {"condition": {"type": "BOOLEAN"}}
    assert len(book.tab(FORM).protected_ranges) == 1


def test_protection_refused_is_a_warning_not_a_failure(api: FakeSheetsAPI) -> None:
    book = api.add_spreadsheet(SHEET_ID, tabs={"Sheet1": []})
    api.inject([None, 403], only=["batch_update"])
    report = _run(api)
    assert book.find_tab(FORM) is not None  # the layout itself went through
    assert book.tab(FORM).protected_ranges == []
    assert any("Protect sheets and ranges" in w for w in report.warnings)


def test_without_editors_the_column_only_warns(api: FakeSheetsAPI) -> None:
    book = api.add_spreadsheet(SHEET_ID, tabs={"Sheet1": []})
    report = _run(api, editors=())
    [protected] = book.tab(FORM).protected_ranges
    assert protected.details["warningOnly"] is True and "editors" not in protected.details
    assert any("office.director_email" in w for w in report.warnings)


def test_other_time_zone_is_reported(api: FakeSheetsAPI) -> None:
    api.add_spreadsheet(SHEET_ID, time_zone="America/Los_Angeles", tabs={"Sheet1": []})
    report = _run(api)
    assert any("America/Los_Angeles" in w and "Asia/Bangkok" in w for w in report.warnings)


def test_cycle_runs_on_the_laid_out_sheet(api: FakeSheetsAPI) -> None:
    from automation.core.intake import parse_submissions

    book = api.add_spreadsheet(SHEET_ID, tabs={FORM: [FORM_COLUMNS]})
    _run(api)
    book.tab(FORM).append_row([dt.datetime(2026, 11, 25, 10, 0), "a@example.test", "โรงเรียน",
                               "ครู", "0812345678", "หัวข้อ", "เนื้อหา"])
    tab = _sheet(api).read([FORM])[FORM]
    items, problems = parse_submissions(tab, SheetsConfig().columns.aliases("form"), None)
    assert [p for p in problems if p.severity == "error"] == []
    assert [i.title for i in items] == ["หัวข้อ"]
