"""Nothing lost, nothing twice, as an office lives with it: a deleted ledger, rows the
officer corrects, junk typed in the ID cell. On both spreadsheets, judged by the outbox,
the board's files and the sheet's cells."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.sheet_driver import Grid, SheetDriver, make_driver
from tests.servers.smtp import SmtpServer
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


def _edit_row(driver: SheetDriver, item_id: str, header: str, value: object) -> None:
    def change(grid: Grid) -> Grid:
        ids, col = grid[0].index("รหัสข่าว"), grid[0].index(header)
        for row in grid[1:]:
            if len(row) > ids and row[ids] == item_id:
                row[col] = value
        return grid

    driver.edit(FORM, change)


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
