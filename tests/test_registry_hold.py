"""A registry that cannot say who receives e-mail (its e-mail header misspelt, the tab
emptied) holds e-mail publication: nothing is marked published, nobody is told it was, and
the items reach members by themselves once it is fixed. On both spreadsheets."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from tests.servers.smtp import SmtpServer
from tests.sheet_driver import GoogleDriver, Grid, SheetDriver, make_driver
from tests.workspace import FORM, REGISTRY, smtp_mail

SUPPRESSION = "งดรับข่าว"


def _office(folder: Path, backend: str, server: SmtpServer) -> SheetDriver:
    driver = make_driver(backend, folder)
    text = driver.config.read_text(encoding="utf-8")
    driver.config.write_text(text[: text.index("[mail]")] + smtp_mail(server.port),
                             encoding="utf-8")
    return driver


def _rename(old: str, new: str) -> Callable[[Grid], Grid]:
    def change(grid: Grid) -> Grid:
        grid[0] = [new if h == old else h for h in grid[0]]
        return grid

    return change


def _kinds(server: SmtpServer) -> Counter[str]:
    return Counter(str(m.message["X-PR-Kind"]) for m in server.messages)


@pytest.mark.parametrize("backend", ["local", "google"])
def test_misspelt_registry_header_holds_publication_until_fixed(
    tmp_path: Path, backend: str, smtp_server: SmtpServer
) -> None:
    driver = _office(tmp_path / "office", backend, smtp_server)
    driver.edit(REGISTRY, _rename("อีเมล", "อีเมล์"))  # the common misspelling

    report = driver.run_cycle()
    kinds = _kinds(smtp_server)
    assert kinds["bulletin"] == 0 and kinds["digest"] == 0 and kinds["approved"] == 0
    statuses = Counter(r["สถานะ"] for r in driver.table(FORM))
    assert statuses["เผยแพร่แล้ว"] == 0 and statuses["อนุมัติ-รอเผยแพร่"] == 6
    held = [r for r in driver.table(FORM) if r["สถานะ"] == "อนุมัติ-รอเผยแพร่"]
    assert all("พักการเผยแพร่" in str(r["ผลการส่ง"]) for r in held if not r.get("เผยแพร่วันที่"))
    assert any("พักการเผยแพร่" in p.message for p in report.problems)
    assert kinds["officer_report"] == 1
    driver.run_cycle()  # the officer is told once
    assert _kinds(smtp_server)["officer_report"] == 1

    driver.edit(REGISTRY, _rename("อีเมล์", "อีเมล"))  # fixed
    driver.run_cycle()
    kinds = _kinds(smtp_server)
    assert kinds["bulletin"] > 100 and kinds["approved"] == 5
    assert Counter(r["สถานะ"] for r in driver.table(FORM))["เผยแพร่แล้ว"] == 5


def test_emptied_registry_holds_and_zero_width_header_is_read(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    driver = _office(tmp_path / "office", "local", smtp_server)
    kept: list[Grid] = []

    def empty(grid: Grid) -> Grid:
        kept.append([list(r) for r in grid])
        return [grid[0]]

    driver.edit(REGISTRY, empty)
    driver.run_cycle()
    assert _kinds(smtp_server)["bulletin"] == 0
    assert not [r for r in driver.table(FORM) if r["สถานะ"] == "เผยแพร่แล้ว"]

    # restored, with a zero-width space pasted into the e-mail header
    restored = kept[0]
    restored[0] = ["อีเ\u200bมล" if h == "อีเมล" else h for h in restored[0]]
    driver.edit(REGISTRY, lambda _g: restored)
    driver.run_cycle()
    assert _kinds(smtp_server)["bulletin"] > 100
    assert Counter(r["สถานะ"] for r in driver.table(FORM))["เผยแพร่แล้ว"] == 5


@pytest.mark.parametrize("backend", ["local", "google"])
def test_missing_suppression_tab_is_made_again(
    tmp_path: Path, backend: str, smtp_server: SmtpServer
) -> None:
    driver = _office(tmp_path / "office", backend, smtp_server)
    if isinstance(driver, GoogleDriver):
        driver.book.tabs[:] = [t for t in driver.book.tabs if t.title != SUPPRESSION]
    else:
        book = openpyxl.load_workbook(tmp_path / "office" / "workbook.xlsx")
        del book[SUPPRESSION]
        book.save(tmp_path / "office" / "workbook.xlsx")
    report = driver.run_cycle()
    assert _kinds(smtp_server)["bulletin"] > 100
    assert driver.grid(SUPPRESSION)[0][:2] == ["อีเมล", "เหตุผล"]
    assert any(p.tab == SUPPRESSION for p in report.problems)
