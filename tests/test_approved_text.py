"""Approval is bound to the text the director approved: a body edited after the tick (a
Google Forms "edit response" link, any sheet editor) reaches nobody until approved again.
On both spreadsheets, judged by the outbox and the board's files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sheet_driver import SheetDriver, cycle_at, edit_row, make_driver, weekday_9am
from tests.workspace import FORM, TODAY, outbox, text_of

EDITED = "ข้อความที่แก้หลังอนุมัติ ห้ามส่งถึงสมาชิก"
PENDING_TITLE_ROW = 10  # the demo's first submission waiting for the director




def _row(driver: SheetDriver, item_id: str) -> dict[str, object]:
    return next(r for r in driver.table(FORM) if r.get("รหัสข่าว") == item_id)


def _news_text(folder: Path) -> list[str]:
    return [text_of(m) for m in outbox(folder / "outbox")
            if m["X-PR-Kind"] in ("digest", "bulletin")]


@pytest.mark.parametrize("backend", ["local", "google"])
def test_body_edited_after_approval_reaches_nobody_until_approved_again(
    tmp_path: Path, backend: str
) -> None:
    folder = tmp_path / "office"
    driver = make_driver(backend, folder)
    driver.config.write_text(driver.config.read_text(encoding="utf-8").replace(
        'mode = "per-item"', 'mode = "digest"'), encoding="utf-8")
    day = weekday_9am(1)
    cycle_at(driver, day)  # the first digest goes at once; the pending item waits
    item_id = str(next(r for r in driver.table(FORM) if r["#"] == PENDING_TITLE_ROW)["รหัสข่าว"])
    edit_row(driver, FORM, item_id, "อนุมัติ", True)  # 10:00 the director ticks it
    cycle_at(driver, day.replace(hour=10))
    page = folder / "site" / "news" / f"{item_id}.html"
    assert page.exists()  # on the board, its e-mail waits for the 15:00 digest
    approved_page = page.read_text(encoding="utf-8")

    edit_row(driver, FORM, item_id, "เนื้อหาข่าว", EDITED)  # 12:00 someone edits the body
    cycle_at(driver, day.replace(hour=15, minute=5))  # the digest goes
    assert not [t for t in _news_text(folder) if EDITED in t]
    assert page.read_text(encoding="utf-8") == approved_page
    assert EDITED not in "".join(p.read_text(encoding="utf-8")
                                 for p in (folder / "site").rglob("*.html"))
    row = _row(driver, item_id)
    assert row["สถานะ"] == "แก้ไขหลังอนุมัติ — รออนุมัติใหม่"
    assert row["อนุมัติ"] in (None, "", False)  # the tick is cleared for a new decision
    director = [m for m in outbox(folder / "outbox") if m["X-PR-Kind"] == "director_digest"]
    assert any(EDITED[:20] in text_of(m) or item_id in text_of(m) for m in director)

    # a cycle later the status still says so, and nothing went
    cycle_at(driver, day.replace(hour=16))
    assert _row(driver, item_id)["สถานะ"] == "แก้ไขหลังอนุมัติ — รออนุมัติใหม่"
    assert not [t for t in _news_text(folder) if EDITED in t]

    # the director ticks it again: the text as it now is goes with the next digest
    edit_row(driver, FORM, item_id, "อนุมัติ", True)
    nxt = weekday_9am((day.date() - TODAY).days + 1).replace(hour=15, minute=5)
    cycle_at(driver, nxt)
    received = [t for t in _news_text(folder) if EDITED in t]
    assert received, "the re-approved text goes out"
    assert _row(driver, item_id)["สถานะ"] == "เผยแพร่แล้ว"
