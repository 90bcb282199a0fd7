"""Nothing lost, nothing twice, as an office lives with it: a deleted ledger, rows the
officer corrects, junk typed in the ID cell. On both spreadsheets, judged by the outbox,
the board's files and the sheet's cells."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tests.servers.smtp import SmtpServer
from tests.sheet_driver import SheetDriver, edit_row, make_driver
from tests.workspace import FORM, smtp_mail

NEWS = ("bulletin", "digest")


def _smtp(driver: SheetDriver, server: SmtpServer) -> None:
    text = driver.config.read_text(encoding="utf-8")
    driver.config.write_text(text[: text.index("[mail]")] + smtp_mail(server.port),
                             encoding="utf-8")


def _sent(server: SmtpServer) -> Counter[tuple[str, str, str]]:
    return Counter((str(m.message["X-PR-Kind"]), str(m.message["X-PR-Item"]), m.rcpt_tos[0])
                   for m in server.messages)


def _board(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "site" / "news").glob("*.html"))


@pytest.mark.parametrize("backend", ["local", "google"])
def test_deleted_ledger_sends_nothing_again(
    tmp_path: Path, backend: str, smtp_server: SmtpServer
) -> None:
    folder = tmp_path / "office"
    driver = make_driver(backend, folder)
    _smtp(driver, smtp_server)
    driver.run_cycle()
    before, board = _sent(smtp_server), _board(folder)
    assert sum(1 for k, _i, _to in before if k == "bulletin") > 100
    statuses = [(r["รหัสข่าว"], r["สถานะ"], r.get("เผยแพร่เมื่อ")) for r in driver.table(FORM)]
    assert sum(1 for _i, s, _p in statuses if s == "เผยแพร่แล้ว") == 5
    (folder / "ledger.sqlite3").unlink()  # a new machine, a restored backup

    report = driver.run_cycle()
    new = _sent(smtp_server) - before
    # nothing to members or submitters again; the officer is told
    assert {k for k, _i, _to in new} <= {"officer_report", "director_digest"}, new
    assert any(k == "officer_report" for k, _i, _to in new)
    assert _board(folder) == board
    after = [(r["รหัสข่าว"], r["สถานะ"], r.get("เผยแพร่เมื่อ")) for r in driver.table(FORM)]
    assert after == statuses
    assert any("ledger.sqlite3" in p.message for p in report.problems)

    again = _sent(smtp_server)
    report = driver.run_cycle()  # told once; nothing goes to members or submitters
    assert not any("ledger.sqlite3" in p.message for p in report.problems)
    assert {k for k, _i, _to in _sent(smtp_server) - again} <= {"officer_report"}


@pytest.mark.parametrize("backend", ["local", "google"])
def test_corrected_published_row_keeps_its_id_and_is_not_sent_again(
    tmp_path: Path, backend: str, smtp_server: SmtpServer
) -> None:
    folder = tmp_path / "office"
    driver = make_driver(backend, folder)
    _smtp(driver, smtp_server)
    driver.run_cycle()
    before, board = _sent(smtp_server), _board(folder)
    row = next(r for r in driver.table(FORM) if r["สถานะ"] == "เผยแพร่แล้ว")
    item_id = str(row["รหัสข่าว"])
    # the officer fixes the submitter's address and a typo in the title
    edit_row(driver, FORM, item_id, "ที่อยู่อีเมล", "corrected.sender@school.example.test")
    edit_row(driver, FORM, item_id, "หัวข้อข่าว", str(row["หัวข้อข่าว"]) + " (แก้คำผิด)")

    report = driver.run_cycle()
    new = _sent(smtp_server) - before
    assert not [k for k in new if k[0] in NEWS], new
    assert not [k for k in new if k[1] == item_id], new
    assert _board(folder) == board
    after = next(r for r in driver.table(FORM) if r["#"] == row["#"])
    assert after["รหัสข่าว"] == item_id and after["สถานะ"] == "เผยแพร่แล้ว"
    messages = [p.message for p in report.problems if p.row_id == item_id]
    assert not [m for m in messages if "เป็นของข่าวอื่น" in m]
    assert [m for m in messages if "ยังเป็นข่าวเดิม" in m]

    # renaming the form's e-mail header changes every row's address at once: same story
    driver.edit(FORM, lambda g: [["อีเมลผู้ส่งข่าว" if h == "ที่อยู่อีเมล" else h
                                  for h in g[0]], *g[1:]])
    again = _sent(smtp_server)
    driver.run_cycle()
    assert not [k for k in _sent(smtp_server) - again if k[0] in NEWS]
    assert _board(folder) == board


@pytest.mark.parametrize("backend", ["local", "google"])
def test_junk_in_the_id_cell_is_replaced_by_a_proper_id(
    tmp_path: Path, backend: str, smtp_server: SmtpServer
) -> None:
    folder = tmp_path / "office"
    driver = make_driver(backend, folder)
    _smtp(driver, smtp_server)
    driver.run_cycle()
    pending = next(r for r in driver.table(FORM) if r["สถานะ"] == "รอพิจารณา")
    edit_row(driver, FORM, str(pending["รหัสข่าว"]), "อนุมัติ", True)
    edit_row(driver, FORM, str(pending["รหัสข่าว"]), "รหัสข่าว", "ข่าว 1")  # typed by hand

    report = driver.run_cycle()
    row = next(r for r in driver.table(FORM) if r["#"] == pending["#"])
    item_id = str(row["รหัสข่าว"])
    assert re.fullmatch(r"N-[0-9A-F]{8}", item_id)
    assert row["สถานะ"] == "เผยแพร่แล้ว"
    bulletins = [m for m in smtp_server.messages if m.message["X-PR-Kind"] == "bulletin"
                 and m.message["X-PR-Item"] == item_id]
    assert bulletins and not [m for m in smtp_server.messages
                              if m.message["X-PR-Item"] == "ข่าว 1"]
    assert (folder / "site" / "news" / f"{item_id}.html").exists()
    assert any("ข่าว 1" in p.message and "ไม่ใช่รหัสของระบบ" in p.message
               for p in report.problems)
