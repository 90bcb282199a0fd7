"""End to end on both spreadsheets (local workbook, Google Sheets through the Sheets v4 fake):
demo data → director edits → cycles → status, outbox and ledger checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from automation import config as config_mod
from automation.demo import BROKEN_SUBMITTER_EMAIL, SUPPRESSED_EMAIL
from tests.sheet_driver import Grid, SheetDriver, as_day, due_and_approved, make_driver
from tests.workspace import FORM, TODAY, outbox, text_of


@pytest.fixture(params=["local", "google"])
def driver(request: pytest.FixtureRequest, tmp_path: Path) -> SheetDriver:
    return make_driver(request.param, tmp_path / "office")


def _future(value: object) -> bool:
    day = as_day(value)  # type: ignore[arg-type]
    return day is not None and day > TODAY


def test_first_cycle_writes_status_to_each_row(driver: SheetDriver) -> None:
    before = driver.table(FORM)
    report = driver.run_cycle()
    after = driver.table(FORM)
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


def test_outbox_holds_only_approved_bulletins_and_notices(driver: SheetDriver) -> None:
    driver.run_cycle()
    rows = driver.table(FORM)
    published = {r["รหัสข่าว"] for r in rows if due_and_approved(r)}
    not_published = {r["รหัสข่าว"] for r in rows} - published
    messages = outbox(driver.config.parent / "outbox")
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


def _pad(row: list[object], width: int) -> list[object]:
    return list(row) + [None] * (width - len(row))


def test_director_edits_then_second_cycle_sends_nothing_twice(driver: SheetDriver) -> None:
    folder = driver.config.parent
    driver.run_cycle()
    first = {p.name for p in (folder / "outbox").glob("*.eml")}
    rows = driver.table(FORM)
    pending = next(r for r in rows if r["สถานะ"] == "รอพิจารณา")
    rejected = next(r for r in rows if r["สถานะ"] == "ไม่อนุมัติ")

    def director(grid: Grid) -> Grid:
        # tick a pending item, move the approval column to the front, sort by title
        width = max(len(r) for r in grid)
        grid = [_pad(r, width) for r in grid]
        header = grid[0]
        approval, ids = header.index("อนุมัติ"), header.index("รหัสข่าว")
        for row in grid[1:]:
            if row[ids] == pending["รหัสข่าว"]:
                row[approval] = True
        moved = []
        for i, row in enumerate(grid):
            rest = list(row)
            rest[approval] = "คอลัมน์ของฉัน" if i == 0 else None
            moved.append([row[approval], *rest])
        title = moved[0].index("หัวข้อข่าว")
        body = sorted(moved[1:], key=lambda r: str(r[title] or ""), reverse=True)
        return [moved[0], *body]

    driver.edit(FORM, director)
    report = driver.run_cycle()
    after = {str(r["รหัสข่าว"]): r for r in driver.table(FORM)}
    assert after[str(pending["รหัสข่าว"])]["สถานะ"] == "เผยแพร่แล้ว"
    assert after[str(rejected["รหัสข่าว"])]["สถานะ"] == "ไม่อนุมัติ"
    assert after[str(rejected["รหัสข่าว"])]["หัวข้อข่าว"] == rejected["หัวข้อข่าว"]
    new = {p.name for p in (folder / "outbox").glob("*.eml")} - first
    assert new and all(pending["รหัสข่าว"] in n for n in new if n.startswith("bulletin"))
    assert report.published == 1

    third = driver.run_cycle()
    assert third.sent == 0 and third.notices == 0 and third.sheet_writes == 0
    assert {p.name for p in (folder / "outbox").glob("*.eml")} == first | new


def test_deleted_row_and_unapproval_before_send(driver: SheetDriver) -> None:
    def unapprove_all(grid: Grid) -> Grid:
        col = grid[0].index("อนุมัติ")
        for row in grid[1:]:
            if len(row) > col:
                row[col] = None
        del grid[1]
        return grid

    driver.edit(FORM, unapprove_all)
    report = driver.run_cycle()
    assert report.sent == 0
    assert not [m for m in outbox(driver.config.parent / "outbox") if m["X-PR-Kind"] == "bulletin"]
    statuses = {r["สถานะ"] for r in driver.table(FORM)}
    assert "เผยแพร่แล้ว" not in statuses


def test_config_of_demo_is_valid(driver: SheetDriver) -> None:
    config = config_mod.load(driver.config)
    assert config.sheets.backend == driver.backend
    assert config.mail.outbox == (driver.config.parent / "outbox").resolve()


def test_a_director_digest_held_back_yesterday_does_not_stay_queued(
    driver: SheetDriver, tmp_path: Path,
) -> None:
    from datetime import datetime, timedelta

    from automation.ledger.sqlite import SqliteLedger
    from automation.ports import DeliveryRecord
    from automation.thaidate import BANGKOK

    yesterday = datetime.now(BANGKOK) - timedelta(days=1)
    item = f"digest-{yesterday.date().isoformat()}"
    key = f"director_digest:{item}:director@office.example.test"
    office = tmp_path / "office"
    ledger = SqliteLedger(office / "ledger.sqlite3")
    ledger.begin(DeliveryRecord(key, "director_digest", item, "director@office.example.test",
                                "email", "<held@office.example.test>", "pending"), yesterday)
    driver.run_cycle()
    record = SqliteLedger(office / "ledger.sqlite3").get(key)
    assert record is not None and record.status == "failed"
    assert "แทนด้วยสรุปข่าวรออนุมัติของวันที่" in record.error
    today = [m for m in outbox(office / "outbox") if m["X-PR-Kind"] == "director_digest"]
    assert today and all(item not in str(m["X-PR-Item"]) for m in today)
