"""End to end on the embedded default: init → director edits the workbook → run → check."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from automation import config as config_mod
from automation.demo import BROKEN_SUBMITTER_EMAIL, SUPPRESSED_EMAIL
from tests.workspace import (
    FORM,
    TODAY,
    column_of,
    edit_sheet,
    find_row,
    make_workspace,
    outbox,
    run_cycle,
    table,
    text_of,
)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "office")


def _future(value: object) -> bool:
    return isinstance(value, datetime) and value.date() > TODAY


def test_first_cycle_writes_status_to_each_row(workspace: Path) -> None:
    workbook = workspace.parent / "workbook.xlsx"
    before = table(workbook, FORM)
    report = run_cycle(workspace)
    after = table(workbook, FORM)
    assert report.submissions == len(before)
    assert [r["#"] for r in after] == [r["#"] for r in before]
    for row in after:
        decision = row["อนุมัติ"]
        status = row["สถานะ"]
        title = str(row["หัวข้อข่าว"] or "")
        if not title or row["ที่อยู่อีเมล"] == BROKEN_SUBMITTER_EMAIL:
            assert status == "ผิดพลาด", row
            assert row["ผลการส่ง"], "the problem is written next to the row"
        elif decision == "ไม่อนุมัติ":
            assert status == "ไม่อนุมัติ"
        elif decision == "ส่งกลับแก้ไข":
            assert status == "ส่งกลับแก้ไข"
        elif decision in (None, False, ""):
            assert status == "รอพิจารณา"
        elif _future(row["เผยแพร่วันที่"]):
            assert status == "อนุมัติ-รอเผยแพร่"
        else:
            assert status == "เผยแพร่แล้ว", row
            assert str(row["ผลการส่ง"]).startswith("ส่ง ")
            assert row["ลิงก์ข่าว"] == f"https://pr.office.example.test/news/{row['รหัสข่าว']}.html"
        assert str(row["รหัสข่าว"]).startswith("N-")
        # the officer's own column is never touched
        assert row["หมายเหตุเจ้าหน้าที่"] == next(
            b for b in before if b["#"] == row["#"]
        )["หมายเหตุเจ้าหน้าที่"]


def test_outbox_holds_only_approved_bulletins_and_notices(workspace: Path) -> None:
    run_cycle(workspace)
    rows = table(workspace.parent / "workbook.xlsx", FORM)
    published = {r["รหัสข่าว"] for r in rows if r["สถานะ"] == "เผยแพร่แล้ว"}
    not_published = {r["รหัสข่าว"] for r in rows} - published
    messages = outbox(workspace.parent / "outbox")
    bulletins = [m for m in messages if m["X-PR-Kind"] == "bulletin"]
    assert bulletins
    assert {m["X-PR-Item"] for m in bulletins} == published
    assert not {m["X-PR-Item"] for m in bulletins} & not_published
    for m in bulletins:
        assert len(m.get_all("To")) == 1 and "," not in str(m["To"])
        assert str(m["To"]).count("@") == 1
        assert SUPPRESSED_EMAIL not in str(m["To"])
        assert str(m["List-Unsubscribe"]).strip().startswith("<mailto:")
    # one bulletin per (item, recipient)
    pairs = [(m["X-PR-Item"], m["To"].addresses[0].addr_spec) for m in bulletins]
    assert len(pairs) == len(set(pairs))
    kinds = {m["X-PR-Kind"] for m in messages}
    assert {"ack", "approved", "rejected", "returned", "director_digest"} <= kinds
    rejected = next(m for m in messages if m["X-PR-Kind"] == "rejected")
    note = next(r["หมายเหตุผู้อนุมัติ"] for r in rows if r["สถานะ"] == "ไม่อนุมัติ")
    assert str(note).strip()[:20] in text_of(rejected)


def test_director_edits_then_second_cycle_sends_nothing_twice(workspace: Path) -> None:
    folder = workspace.parent
    workbook = folder / "workbook.xlsx"
    run_cycle(workspace)
    first = {p.name for p in (folder / "outbox").glob("*.eml")}
    rows = table(workbook, FORM)
    pending = next(r for r in rows if r["สถานะ"] == "รอพิจารณา")
    rejected = next(r for r in rows if r["สถานะ"] == "ไม่อนุมัติ")

    def director(sheet: object) -> None:
        # move the approval column to the front, tick a pending item, sort by title
        ws = sheet
        row = find_row(ws, "รหัสข่าว", str(pending["รหัสข่าว"]))
        ws.cell(row=row, column=column_of(ws, "อนุมัติ")).value = True  # type: ignore[attr-defined]
        ws.insert_cols(1)  # type: ignore[attr-defined]
        approval = column_of(ws, "อนุมัติ")
        for r in range(1, ws.max_row + 1):  # type: ignore[attr-defined]
            ws.cell(row=r, column=1).value = ws.cell(row=r, column=approval).value  # type: ignore[attr-defined]
            ws.cell(row=r, column=approval).value = None  # type: ignore[attr-defined]
        ws.cell(row=1, column=approval).value = "คอลัมน์ของฉัน"  # type: ignore[attr-defined]
        data = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]  # type: ignore[attr-defined]
        title_col = column_of(ws, "หัวข้อข่าว") - 1
        data.sort(key=lambda r: str(r[title_col] or ""), reverse=True)
        for i, values in enumerate(data, start=2):
            for j, v in enumerate(values, start=1):
                ws.cell(row=i, column=j).value = v  # type: ignore[attr-defined]

    edit_sheet(workbook, FORM, director)
    report = run_cycle(workspace)
    after = {str(r["รหัสข่าว"]): r for r in table(workbook, FORM)}
    assert after[str(pending["รหัสข่าว"])]["สถานะ"] == "เผยแพร่แล้ว"
    assert after[str(rejected["รหัสข่าว"])]["สถานะ"] == "ไม่อนุมัติ"
    assert after[str(rejected["รหัสข่าว"])]["หัวข้อข่าว"] == rejected["หัวข้อข่าว"]
    new = {p.name for p in (folder / "outbox").glob("*.eml")} - first
    assert new and all(pending["รหัสข่าว"] in n for n in new if n.startswith("bulletin"))
    assert report.published == 1

    third = run_cycle(workspace)
    assert third.sent == 0 and third.notices == 0 and third.sheet_writes == 0
    assert {p.name for p in (folder / "outbox").glob("*.eml")} == first | new


def test_deleted_row_and_unapproval_before_send(workspace: Path) -> None:
    workbook = workspace.parent / "workbook.xlsx"

    def unapprove_all(ws: object) -> None:
        col = column_of(ws, "อนุมัติ")
        for r in range(2, ws.max_row + 1):  # type: ignore[attr-defined]
            ws.cell(row=r, column=col).value = None  # type: ignore[attr-defined]
        ws.delete_rows(2)  # type: ignore[attr-defined]

    edit_sheet(workbook, FORM, unapprove_all)
    report = run_cycle(workspace)
    assert report.sent == 0
    assert not [m for m in outbox(workspace.parent / "outbox") if m["X-PR-Kind"] == "bulletin"]
    statuses = {r["สถานะ"] for r in table(workbook, FORM)}
    assert "เผยแพร่แล้ว" not in statuses


def test_config_of_demo_is_valid(workspace: Path) -> None:
    config = config_mod.load(workspace)
    assert config.sheets.backend == "local"
    assert config.mail.outbox == (workspace.parent / "outbox").resolve()
