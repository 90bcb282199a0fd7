"""The form's real question titles: recognised through the built-in aliases, or told to the
officer once (in the officer's report and in `automation status`) with a suggestion."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from automation.config import FORM_FIELDS
from automation.core.table import find_columns
from automation.model import Tab
from tests.workspace import FORM, edit_sheet, make_workspace, outbox, run_cycle, text_of

# Question titles as Thai offices write them in Google Forms.
REAL_TITLES = {
    "ที่อยู่อีเมล": "ที่อยู่อีเมล",
    "ชื่อโรงเรียน/หน่วยงาน": "ชื่อโรงเรียน",
    "ผู้ส่งข่าว": "ชื่อ-สกุล ผู้ส่งข่าว",
    "ภาพประกอบ": "อัปโหลดภาพกิจกรรม (ไม่เกิน 5 ภาพ)",
    "หัวข้อข่าว": "หัวข้อข่าว *",
    "วันที่จัดกิจกรรม": "วันที่\u200bจัดกิจกรรม",
}


def _rename(renames: dict[str, str], extra: tuple[str, ...] = ()) -> Any:
    def change(sheet: Any) -> None:
        for cell in sheet[1]:
            if cell.value in renames:
                cell.value = renames[cell.value]
        last = sheet.max_column
        for offset, header in enumerate(extra, start=1):
            sheet.cell(row=1, column=last + offset, value=header)
    return change


@pytest.mark.parametrize("field", ["email", "school", "sender", "phone", "title", "body",
                                   "activity_date", "images", "links", "category"])
def test_each_main_field_has_ten_real_titles(field: str) -> None:
    names = FORM_FIELDS[field]
    assert len(names) >= 10
    for name in names:
        variants = [name, f" {name} ", f"{name} (ถ้ามี)", f"{name}*", name.replace(" ", "")]
        for header in variants:
            found = find_columns(Tab("F", [[header]]), FORM_FIELDS).by_field
            assert found == {field: 1}, (header, found)


def test_real_titles_reach_the_notices(tmp_path: Path) -> None:
    config = make_workspace(tmp_path / "office")
    edit_sheet(config.parent / "workbook.xlsx", FORM,
               _rename({k: v for k, v in REAL_TITLES.items() if k != v}))
    run_cycle(config)
    notices = [text_of(m) for m in outbox(config.parent / "outbox")
               if m["X-PR-Kind"] in ("ack", "approved", "returned", "rejected")]
    assert notices
    for text in notices:
        assert "เรียน ผู้ส่งข่าว\n" not in text
        assert re.search(r"โรงเรียน/หน่วยงาน: \S", text), text
    officer = [m for m in outbox(config.parent / "outbox") if m["X-PR-Kind"] == "officer_report"]
    assert all("ไม่มีคอลัมน์ 'ผู้ส่งข่าว'" not in text_of(m) for m in officer)


def test_unknown_and_missing_columns_are_told_once_with_a_suggestion(tmp_path: Path) -> None:
    config = make_workspace(tmp_path / "office")
    edit_sheet(config.parent / "workbook.xlsx", FORM, _rename(
        {"ที่อยู่อีเมล": "อีเมลติดต่อผู้ส่ง", "ประเภทข่าว": "ประเภทของข่าวสาร"},
        extra=("คะแนนความพึงพอใจ",),
    ))
    run_cycle(config)
    box = config.parent / "outbox"
    reports = [text_of(m) for m in outbox(box) if m["X-PR-Kind"] == "officer_report"]
    told = "\n".join(reports)
    assert ("'อีเมลติดต่อผู้ส่ง' — หมายถึง 'ที่อยู่อีเมล' ใช่หรือไม่? เพิ่มใน "
            '[sheets.columns.form] email = ["อีเมลติดต่อผู้ส่ง"]') in told
    assert "'ประเภทของข่าวสาร' — หมายถึง 'ประเภทข่าว' ใช่หรือไม่?" in told
    assert "'คะแนนความพึงพอใจ' — ไม่ตรงกับข้อมูลใดที่ระบบรู้จัก" in told
    assert "ไม่มีคอลัมน์ 'ที่อยู่อีเมล' (ไม่บังคับ)" in told
    assert "คอลัมน์ 'อีเมลติดต่อผู้ส่ง' ใช่หรือไม่?" in told
    assert "หมายเหตุเจ้าหน้าที่" not in told  # the office's own column is known
    edit_sheet(config.parent / "workbook.xlsx", FORM, _rename({"หมายเหตุผู้อนุมัติ": "บันทึก"}))
    run_cycle(config)
    run_cycle(config)
    later = [t for m in outbox(box) if m["X-PR-Kind"] == "officer_report"
             if (t := text_of(m)) not in reports]
    assert "'บันทึก' — " in "\n".join(later)  # the new one is told
    assert all("คะแนนความพึงพอใจ" not in t for t in later)  # the old ones are not again
    status = subprocess.run(
        [sys.executable, "-m", "automation.cli", "--config", str(config), "status"],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    assert "คะแนนความพึงพอใจ" in status
    assert "หมายถึง 'ที่อยู่อีเมล' ใช่หรือไม่?" in status


def test_every_missing_required_column_is_told_at_once(tmp_path: Path) -> None:
    config = make_workspace(tmp_path / "office")
    edit_sheet(config.parent / "workbook.xlsx", FORM, _rename(
        {"หัวข้อข่าว": "เรื่องที่ส่ง", "เนื้อหาข่าว": "ข้อความ", "อนุมัติ": "ผอ.เห็นชอบ"}))
    report = run_cycle(config)
    missing = [p.message for p in report.problems if p.message.startswith("ไม่พบคอลัมน์")]
    assert len(missing) == 3
    told = "\n".join(text_of(m) for m in outbox(config.parent / "outbox")
                     if m["X-PR-Kind"] == "officer_report")
    for name in ("หัวข้อข่าว", "เนื้อหาข่าว", "อนุมัติ"):
        assert f"ไม่พบคอลัมน์ '{name}'" in told
