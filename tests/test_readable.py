"""What members and the director read: links in bodies, urgent subjects, the sheet's link."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from automation import config as config_mod
from tests.sheet_driver import SheetDriver, make_driver
from tests.workspace import (
    FORM,
    column_of,
    edit_sheet,
    find_row,
    html_of,
    make_workspace,
    outbox,
    run_cycle,
    table,
    text_of,
)

SCHOOL = "โรงเรียนบ้านดอนแก้ว"
LINKS = ("อัลบั้ม https://photos.example.test/album?id=7&size=large. "
         "อย่ากด javascript:alert(1) หรือ data:text/html,x <b>ตัวหนา</b>")


def _edit_item(folder: Path, body_extra: str, approval: object) -> None:
    def change(sheet: Any) -> None:
        row = find_row(sheet, "ชื่อโรงเรียน/หน่วยงาน", SCHOOL)
        body = column_of(sheet, "เนื้อหาข่าว")
        old = sheet.cell(row=row, column=body).value
        sheet.cell(row=row, column=body, value=f"{old}\n\n{body_extra}")
        sheet.cell(row=row, column=column_of(sheet, "อนุมัติ"), value=approval)
    edit_sheet(folder / "workbook.xlsx", FORM, change)


def test_bare_addresses_become_links_and_nothing_else_does(tmp_path: Path) -> None:
    config = make_workspace(tmp_path / "office")
    _edit_item(config.parent, LINKS, True)
    run_cycle(config)
    bulletins = [m for m in outbox(config.parent / "outbox") if m["X-PR-Kind"] == "bulletin"
                 and "ดอนแก้วเกมส์" in str(m["Subject"])]
    assert bulletins
    html = html_of(bulletins[0])
    assert '<a href="https://photos.example.test/album?id=7&amp;size=large"' in html
    assert "size=large</a>. อย่ากด" in html  # the full stop is the sentence's
    assert 'href="javascript' not in html and 'href="data' not in html
    assert "javascript:alert(1)" in html
    assert "&lt;b&gt;ตัวหนา&lt;/b&gt;" in html and "<b>ตัวหนา" not in html
    assert "overflow-wrap:anywhere" in html
    assert not str(bulletins[0]["Subject"]).startswith("[ด่วน]")


def test_urgent_bulletins_are_marked_in_the_subject(tmp_path: Path) -> None:
    config = make_workspace(tmp_path / "office")
    _edit_item(config.parent, "", "อนุมัติด่วน")
    run_cycle(config)
    bulletins = [m for m in outbox(config.parent / "outbox") if m["X-PR-Kind"] == "bulletin"]
    urgent = [m for m in bulletins if "ดอนแก้วเกมส์" in str(m["Subject"])]
    assert urgent and all(str(m["Subject"]).startswith("[ด่วน] ") for m in urgent)
    others = [m for m in bulletins if m not in urgent]
    assert others and not any("[ด่วน]" in str(m["Subject"]) for m in others)


@pytest.mark.parametrize("kind", ["local", "google"])
def test_director_digest_links_to_the_sheet(kind: str, tmp_path: Path) -> None:
    driver: SheetDriver = make_driver(kind, tmp_path / "office")
    driver.run_cycle()
    config = config_mod.load(driver.config)
    digests = [m for m in outbox(driver.config.parent / "outbox")
               if m["X-PR-Kind"] == "director_digest"]
    assert digests
    if kind == "google":
        url = f"https://docs.google.com/spreadsheets/d/{config.sheets.spreadsheet_id}"
        assert f"เปิดสเปรดชีตรับข่าว {url} แท็บ" in text_of(digests[0])
        assert f'<a href="{url}"' in html_of(digests[0])
    else:
        assert config.sheets.workbook is not None
        assert f"เปิดสเปรดชีตรับข่าว {config.sheets.workbook} แท็บ" in text_of(digests[0])


def test_an_ambiguous_typed_date_is_told_to_the_officer_with_the_row(tmp_path: Path) -> None:
    config = make_workspace(tmp_path / "office")

    def change(sheet: Any) -> None:
        row = find_row(sheet, "ชื่อโรงเรียน/หน่วยงาน", SCHOOL)
        sheet.cell(row=row, column=column_of(sheet, "วันที่จัดกิจกรรม"), value="12/3/2026")
        sheet.cell(row=row + 1, column=column_of(sheet, "วันที่จัดกิจกรรม"), value="13/3/2026")

    edit_sheet(config.parent / "workbook.xlsx", FORM, change)
    report = run_cycle(config)
    rows = {r["ชื่อโรงเรียน/หน่วยงาน"]: r for r in table(config.parent / "workbook.xlsx", FORM)}
    item_id = rows[SCHOOL]["รหัสข่าว"]
    flagged = [p for p in report.problems if "อ่านได้สองแบบ" in p.message]
    assert [(p.row_id, p.column) for p in flagged] == [(item_id, "วันที่จัดกิจกรรม")]
    told = "\n".join(text_of(m) for m in outbox(config.parent / "outbox")
                     if m["X-PR-Kind"] == "officer_report")
    assert f"รหัส {item_id}" in told
    assert ("วันที่ '12/3/2026' อ่านได้สองแบบ: 12 มีนาคม 2569 (วัน/เดือน ตามที่ระบบอ่าน) "
            "หรือ 3 ธันวาคม 2569") in told


def test_schools_are_named_as_the_registry_names_them(tmp_path: Path) -> None:
    """The demo's 'รร.บ้านป่าแดด' and a spaced 'ร.ร. บ้าน ดอนแก้ว' are the registry's
    schools: bulletins and the board use its names, one school page each."""
    config = make_workspace(tmp_path / "office")

    def change(sheet: Any) -> None:
        row = find_row(sheet, "ชื่อโรงเรียน/หน่วยงาน", SCHOOL)
        sheet.cell(row=row, column=column_of(sheet, "ชื่อโรงเรียน/หน่วยงาน"),
                   value="ร.ร. บ้าน ดอนแก้ว")
        row = find_row(sheet, "ชื่อโรงเรียน/หน่วยงาน", "รร.บ้านป่าแดด")
        sheet.cell(row=row, column=column_of(sheet, "อนุมัติ"), value=True)

    edit_sheet(config.parent / "workbook.xlsx", FORM, change)
    run_cycle(config)
    bulletins = [m for m in outbox(config.parent / "outbox") if m["X-PR-Kind"] == "bulletin"]
    subjects = {str(m["Subject"]) for m in bulletins}
    assert any(s.endswith("— โรงเรียนบ้านดอนแก้ว") for s in subjects), subjects
    assert any(s.endswith("— โรงเรียนบ้านป่าแดด") for s in subjects), subjects
    site = config.parent / "site"
    pages = "\n".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert "รร.บ้านป่าแดด" not in pages and "ร.ร. บ้าน ดอนแก้ว" not in pages
    school_pages = [p for p in site.rglob("*.html") if "/school" in str(p.parent)
                    and "ป่าแดด" in p.read_text(encoding="utf-8").split("<h1", 1)[-1][:300]]
    assert len(school_pages) == 1, school_pages


FORM_URL = "https://forms.gle/PrNewsForm2569"


def test_a_returned_item_is_resubmitted_through_the_form_and_linked(tmp_path: Path) -> None:
    config = make_workspace(tmp_path / "office")
    text = config.read_text(encoding="utf-8").replace(
        "[office]\n", f'[office]\nform_url = "{FORM_URL}"\n', 1)
    config.write_text(text, encoding="utf-8")
    run_cycle(config)
    book = config.parent / "workbook.xlsx"
    returned = next(r for r in table(book, FORM) if r["อนุมัติ"] == "ส่งกลับแก้ไข")
    old_id = str(returned["รหัสข่าว"])
    notice = next(m for m in outbox(config.parent / "outbox")
                  if m["X-PR-Kind"] == "returned" and m["X-PR-Item"] == old_id)
    assert f"ส่งแบบฟอร์มส่งข่าวอีกครั้ง ที่ {FORM_URL} " in text_of(notice)
    assert f'<a href="{FORM_URL}"' in html_of(notice)
    assert f"แก้ไขจากรหัสข่าว {old_id}" in text_of(notice)

    def resubmit(sheet: Any) -> None:
        row = [c.value for c in sheet[returned["#"]]]
        new = sheet.max_row + 1
        for col, value in enumerate(row, start=1):
            header = sheet.cell(row=1, column=col).value
            if header in ("รหัสข่าว", "สถานะ", "เผยแพร่เมื่อ", "ผลการส่ง", "ลิงก์ข่าว",
                          "หมายเหตุผู้อนุมัติ"):
                value = None
            if header == "ประทับเวลา":
                value = value + timedelta(days=1)
            if header == "เนื้อหาข่าว":
                value = f"{value}\n\n(แก้ไขจากรหัสข่าว {old_id})"
            if header == "อนุมัติ":
                value = True
            sheet.cell(row=new, column=col, value=value)

    edit_sheet(book, FORM, resubmit)
    run_cycle(config)
    rows = table(book, FORM)
    old = next(r for r in rows if r["รหัสข่าว"] == old_id)
    new = rows[-1]
    assert new["รหัสข่าว"] != old_id and new["สถานะ"] == "เผยแพร่แล้ว"
    assert old["สถานะ"] == "ส่งกลับแก้ไข-ได้ฉบับแก้ไขแล้ว"
    assert old["ผลการส่ง"] == f"แทนด้วยฉบับแก้ไข รหัสข่าว {new['รหัสข่าว']}"
    bulletin = next(m for m in outbox(config.parent / "outbox")
                    if m["X-PR-Kind"] == "bulletin" and m["X-PR-Item"] == new["รหัสข่าว"])
    assert "แก้ไขจากรหัสข่าว" not in text_of(bulletin)
    page = config.parent / "site" / "news" / f"{new['รหัสข่าว']}.html"
    assert "แก้ไขจากรหัสข่าว" not in page.read_text(encoding="utf-8")
