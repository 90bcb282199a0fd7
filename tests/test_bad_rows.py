"""Hostile and malformed rows: each gets a located problem or is handled safely; the rest of
the sheet goes on."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from automation.config import FORM_FIELDS
from automation.core.intake import parse_submissions, read_decision
from automation.model import Decision, Tab
from tests.workspace import FORM, edit_sheet, make_workspace, outbox, run_cycle, table

HEAD = ["ประทับเวลา", "ที่อยู่อีเมล", "ชื่อโรงเรียน/หน่วยงาน", "หัวข้อข่าว", "เนื้อหาข่าว",
        "อนุมัติ", "เผยแพร่วันที่", "วันที่จัดกิจกรรม"]
GOOD = [datetime(2026, 11, 20, 9, 0), "kru@school.example.test", "โรงเรียนบ้านดี",
        "ข่าวดี", "เนื้อหา", True, None, None]


def one(row: list[object]) -> tuple[object, list[str]]:
    items, tab_problems = parse_submissions(Tab(FORM, [HEAD, row]), FORM_FIELDS, None)
    assert not [p for p in tab_problems if p.severity == "error"]
    (item,) = items
    return item, [f"{p.column}|{p.message}" for p in item.problems if p.severity == "error"]


def with_(**changes: object) -> list[object]:
    row = list(GOOD)
    for header, value in changes.items():
        row[HEAD.index(header.replace("_", " "))] = value
    return row


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (with_(หัวข้อข่าว=""), "หัวข้อข่าว"),
        (with_(หัวข้อข่าว="ก" * 400), "หัวข้อข่าว"),
        (with_(เนื้อหาข่าว=""), "เนื้อหาข่าว"),
        (with_(เนื้อหาข่าว="ข" * 50_000), "เนื้อหาข่าว"),
        (with_(ที่อยู่อีเมล="somchai@gmail"), "ที่อยู่อีเมล"),
        (with_(ที่อยู่อีเมล="a@@b.example.test"), "ที่อยู่อีเมล"),
        (with_(ที่อยู่อีเมล="ครู@โรงเรียน.ไทย"), "ที่อยู่อีเมล"),
        (with_(อนุมัติ="อาจจะ"), "อนุมัติ"),
        (with_(เผยแพร่วันที่="31/02/2569"), "เผยแพร่วันที่"),
        (with_(เผยแพร่วันที่="พรุ่งนี้"), "เผยแพร่วันที่"),
    ],
)
def test_bad_rows_are_located(row: list[object], column: str) -> None:
    item, errors = one(row)
    assert errors, "a problem is reported"
    assert all(e.split("|")[0] == column for e in errors)
    assert not item.valid  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "title",
    [
        "=IMPORTXML(\"http://evil.example\", \"//a\")",
        "+cmd|' /C calc'!A0",
        "หัวข้อ\r\nBcc: everyone@example.test",
        "<script>alert(1)</script>",
        "ข่าว๑๒๓ mixed ١٢٣",
    ],
)
def test_hostile_text_is_kept_as_plain_single_line_text(title: str) -> None:
    item, errors = one(with_(หัวข้อข่าว=title))
    assert not errors
    assert "\n" not in item.title and "\r" not in item.title  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("value", "decision", "urgent"),
    [
        (True, Decision.APPROVED, False),
        (False, Decision.PENDING, False),
        (None, Decision.PENDING, False),
        ("  อนุมัติ ", Decision.APPROVED, False),
        ("ไม่ อนุมัติ", Decision.REJECTED, False),
        ("ส่งกลับ แก้ไข", Decision.RETURNED, False),
        ("อนุมัติ (ด่วน)", Decision.APPROVED, True),
        ("TRUE", Decision.APPROVED, False),
        ("รอพิจารณา", Decision.PENDING, False),
        ("=1+1", Decision.UNREADABLE, False),
    ],
)
def test_decision_words(value: object, decision: Decision, urgent: bool) -> None:
    assert read_decision(value) == (decision, urgent)  # type: ignore[arg-type]


def test_sheet_without_title_column_is_a_located_tab_problem() -> None:
    head = [h for h in HEAD if h != "หัวข้อข่าว"]
    items, problems = parse_submissions(Tab(FORM, [head, GOOD[:7]]), FORM_FIELDS, None)
    assert items == []
    assert any(p.column == "หัวข้อข่าว" and p.row == 1 for p in problems)


def test_duplicate_header_uses_first_and_warns() -> None:
    head = [*HEAD, "หัวข้อข่าว"]
    items, problems = parse_submissions(Tab(FORM, [head, [*GOOD, "อื่น"]]), FORM_FIELDS, None)
    assert items[0].title == "ข่าวดี"
    assert any("ซ้ำ" in p.message for p in problems)


@pytest.mark.parametrize("rows", [[], [HEAD], [HEAD, [], [None, ""]]])
def test_empty_sheets(rows: list[list[object]]) -> None:
    items, problems = parse_submissions(Tab(FORM, rows), FORM_FIELDS, None)  # type: ignore[arg-type]
    assert items == []
    if rows:
        assert not [p for p in problems if p.severity == "error"]


def test_hostile_rows_do_not_stop_the_others(tmp_path: Path) -> None:
    config = make_workspace(tmp_path / "office")
    workbook = tmp_path / "office" / "workbook.xlsx"
    hostile = [
        [datetime(2026, 11, 24, 8, 0), "x@y", "ร.ร.?", "=HYPERLINK(\"http://e.example\")",
         "เนื้อหา", True],
        [datetime(2026, 11, 24, 8, 1), "kru@school.example.test", "ก", "ห" * 500, "ข", True],
        [datetime(2026, 11, 24, 8, 2), "kru@school.example.test", "ก", "ข่าว\r\nBcc: x@example.test",
         "ย" * 50_000, True],
        ["not a date", "kru@school.example.test", "ก", "ข่าวอาจจะ", "เนื้อหา", "อาจจะ"],
    ]

    def add(ws: object) -> None:
        from tests.workspace import column_of

        cols = [column_of(ws, h) for h in ("ประทับเวลา", "ที่อยู่อีเมล", "ชื่อโรงเรียน/หน่วยงาน",
                                            "หัวข้อข่าว", "เนื้อหาข่าว", "อนุมัติ")]
        start = ws.max_row + 1  # type: ignore[attr-defined]
        for i, row in enumerate(hostile):
            for col, value in zip(cols, row, strict=True):
                cell = ws.cell(row=start + i, column=col)  # type: ignore[attr-defined]
                cell.value = value
                cell.data_type = "s" if isinstance(value, str) else cell.data_type

    edit_sheet(workbook, FORM, add)
    report = run_cycle(config)
    assert report.published >= 5, "the good items still go out"
    rows = table(workbook, FORM)
    hostile_rows = rows[-4:]
    assert [r["สถานะ"] for r in hostile_rows] == ["ผิดพลาด"] * 4
    assert all(r["ผลการส่ง"] for r in hostile_rows)
    # the formula-looking title stays text in the workbook (never turned into a formula)
    assert str(hostile_rows[0]["หัวข้อข่าว"]).startswith("=HYPERLINK")
    sent_titles = " ".join(str(m["Subject"]) for m in outbox(tmp_path / "office" / "outbox"))
    assert "HYPERLINK" not in sent_titles and "Bcc" not in sent_titles


def test_locked_workbook_is_reported_and_retried_next_cycle(tmp_path: Path) -> None:
    config = make_workspace(tmp_path / "office")
    workbook = tmp_path / "office" / "workbook.xlsx"
    lock = workbook.with_name(f".~lock.{workbook.name}#")
    lock.write_text("someone,in,LibreOffice", encoding="utf-8")
    report = run_cycle(config)
    assert any("เปิดอยู่" in n for n in report.notes)
    assert all(r.get("สถานะ") in (None, "") for r in table(workbook, FORM))
    lock.unlink()
    again = run_cycle(config)
    assert again.sent == 0 and again.sheet_writes > 0
    assert all(r["สถานะ"] for r in table(workbook, FORM))
