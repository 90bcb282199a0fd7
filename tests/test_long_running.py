"""A worker left running (`automation run`): one Worker for every poll, as the scheduler
keeps it. Quiet polls reuse what the last one read and parsed, yet every edit people make
between polls is seen by the next one."""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import pytest

from tests.sheet_driver import Grid, LocalDriver, SheetDriver, approve, make_driver
from tests.workspace import FORM, REGISTRY, outbox

SUPPRESSION = "งดรับข่าว"

NEW_ADDRESS = "banmaiyai@school.example.test"
CLUSTER = "เครือข่ายแม่ริม 1"  # the cluster of the registry's first member


@pytest.fixture(params=["local", "google"])
def driver(request: pytest.FixtureRequest, tmp_path: Path) -> SheetDriver:
    return make_driver(request.param, tmp_path)


def _status(driver: SheetDriver, item_id: str) -> Any:
    return next(r["สถานะ"] for r in driver.table(FORM) if r["รหัสข่าว"] == item_id)


def _recipients(folder: Path, title: str) -> set[str]:
    return {parseaddr(str(m["To"]))[1] for m in outbox(folder / "outbox")
            if title in str(m["Subject"])}


def _add_member(grid: Grid) -> Grid:
    """A new school joins the network: a copy of the first member with its own address."""
    header = grid[0]
    row = list(grid[1])
    row[header.index("รหัสสมาชิก")] = "M9001"
    row[header.index("ชื่อหน่วยงาน")] = "โรงเรียนบ้านใหม่ใหญ่"
    row[header.index("อีเมล")] = NEW_ADDRESS
    grid.append(row)
    return grid


def _approve_for(grid: Grid, cluster: str | None, chosen: list[str]) -> Grid:
    """Tick one pending item (for ``cluster``, when given) and note its ID in ``chosen``."""
    ticked = approve(grid, 1)
    chosen.extend(ticked)
    target = grid[0].index("กลุ่มเป้าหมาย")
    for row in grid[1:]:
        if cluster and row[grid[0].index("รหัสข่าว")] in ticked:
            row.extend([None] * (target + 1 - len(row)))
            row[target] = cluster
    return grid


def test_quiet_polls_reuse_the_last_read_and_parse(driver: SheetDriver) -> None:
    worker = driver.worker()
    worker.cycle()
    first = worker.load()
    quiet = worker.cycle()
    again = worker.load()
    assert quiet.sent == 0 and quiet.new_items == 0 and quiet.sheet_writes == 0
    # The local file is not even opened while it is unchanged; Google is asked once.
    assert quiet.sheet_requests == (0 if driver.backend == "local" else 1)
    assert again.registry is first.registry
    assert [i.id for i in again.items] == [i.id for i in first.items]


def test_edits_between_polls_reach_the_next_poll(driver: SheetDriver, tmp_path: Path) -> None:
    worker = driver.worker()
    worker.cycle()
    worker.cycle()
    ticked: list[str] = []
    driver.edit(FORM, lambda grid: _approve_for(grid, None, ticked))
    assert ticked, "the demo has a pending item to approve"
    report = worker.cycle()
    assert report.sent > 0
    assert _status(driver, ticked[0]) == "เผยแพร่แล้ว"
    title = next(i.title for i in worker.load().items if i.id == ticked[0])
    assert _recipients(tmp_path, title) and NEW_ADDRESS not in _recipients(tmp_path, title)

    # A member added to the registry gets the next approved news (registry parsed again),
    # while a poll that changes only the form keeps the parsed registry.
    registry_before = worker.load().registry
    driver.edit(REGISTRY, _add_member)
    assert worker.load().registry is not registry_before
    more: list[str] = []
    driver.edit(FORM, lambda grid: _approve_for(grid, CLUSTER, more))
    registry_now = worker.load().registry
    assert NEW_ADDRESS in {a for m in registry_now.members for a in m.emails}
    worker.cycle()
    assert _status(driver, more[0]) == "เผยแพร่แล้ว"
    title = next(i.title for i in worker.load().items if i.id == more[0])
    assert NEW_ADDRESS in _recipients(tmp_path, title)
    assert worker.load().registry is registry_now


def test_a_sort_between_polls_moves_no_status(driver: SheetDriver) -> None:
    worker = driver.worker()
    worker.cycle()
    before = {r["รหัสข่าว"]: r["สถานะ"] for r in driver.table(FORM)}
    driver.edit(FORM, lambda grid: [grid[0], *reversed(grid[1:])])
    report = worker.cycle()
    after = {r["รหัสข่าว"]: r["สถานะ"] for r in driver.table(FORM)}
    assert after == before
    assert report.sent == 0 and report.sheet_writes == 0


def test_the_worker_s_own_status_write_is_not_parsed_again(driver: SheetDriver) -> None:
    worker = driver.worker()
    worker.cycle()  # writes IDs and statuses
    after_write = worker.load()
    driver.edit(FORM, _restatus)  # only the worker's own columns change
    again = worker.load()
    assert again.items[0] is after_write.items[0], "the parse was reused"
    driver.edit(FORM, _retitle)  # anything else is parsed again
    assert worker.load().items[0] is not after_write.items[0]


def test_parsing_never_reads_the_columns_the_digest_ignores(driver: SheetDriver) -> None:
    """What the digest relies on: the worker's status-style columns do not change a parse
    (apart from a row being blank)."""
    from automation import config as config_mod
    from automation.core.cycle import UNPARSED
    from automation.core.intake import parse_submissions
    from automation.model import Tab

    driver.run_cycle()
    aliases = config_mod.load(driver.worker().s.config.path).sheets.columns.aliases("form")
    grid = driver.grid(FORM)
    before = parse_submissions(Tab(FORM, grid), aliases, None)
    changed = _restatus([list(r) for r in grid])
    after = parse_submissions(Tab(FORM, changed), aliases, None)
    assert before == after
    assert {"status", "published_at", "delivery", "link"} == set(UNPARSED)


def _restatus(grid: Grid) -> Grid:
    header = grid[0]
    for name in ("สถานะ", "เผยแพร่เมื่อ", "ผลการส่ง", "ลิงก์ข่าว"):
        col = header.index(name)
        for row in grid[1:]:
            if any(c not in (None, "") for c in row):
                row.extend([None] * (col + 1 - len(row)))
                row[col] = f"แก้โดยผู้ใช้ {name}"
    return grid


def _retitle(grid: Grid) -> Grid:
    col = grid[0].index("หัวข้อข่าว")
    grid[1][col] = f"{grid[1][col]} (แก้ไข)"
    return grid


def test_cron_runs_keep_their_parse_on_disk_and_see_every_edit(
    driver: SheetDriver, tmp_path: Path
) -> None:
    """`run --once` from cron: each run is a new worker that reuses the last run's parse
    from disk while the sheet is unchanged, and a cell edited between runs is acted on."""
    driver.worker().cycle()
    driver.worker().cycle()
    ticked: list[str] = []
    driver.edit(FORM, lambda grid: _approve_for(grid, None, ticked))  # one cell of the form
    assert driver.worker().cycle().sent > 0
    assert _status(driver, ticked[0]) == "เผยแพร่แล้ว"
    driver.edit(REGISTRY, _add_member)  # one row more in the registry ...
    more: list[str] = []
    driver.edit(FORM, lambda grid: _approve_for(grid, CLUSTER, more))  # ... one cell ticked
    driver.worker().cycle()
    assert _status(driver, more[0]) == "เผยแพร่แล้ว"
    title = next(i.title for i in driver.worker().load().items if i.id == more[0])
    assert NEW_ADDRESS in _recipients(tmp_path, title)


def test_a_cron_run_after_a_form_only_edit_parses_as_a_fresh_worker_would(
    driver: SheetDriver, tmp_path: Path
) -> None:
    """When only the form changed (an approval), a cron run takes the registry's parse and
    the form's unchanged rows from the last run's: what it parses is exactly what a worker
    with nothing kept parses. A school put on the suppression list (a registry-side tab) in
    the same pause is never mailed."""
    driver.worker().cycle()
    driver.worker().cycle()
    ticked: list[str] = []
    driver.edit(FORM, lambda grid: _approve_for(grid, None, ticked))
    store = tmp_path / "ledger.sqlite3.parsed"
    assert store.exists()
    kept = driver.worker().load()
    store.rename(store.with_name("aside"))
    fresh = driver.worker().load()
    assert kept.items == fresh.items and kept.problems == fresh.problems
    assert kept.registry.members == fresh.registry.members
    assert kept.registry.suppressed == fresh.registry.suppressed
    store.with_name("aside").rename(store)
    driver.worker().cycle()
    assert _status(driver, ticked[0]) == "เผยแพร่แล้ว"
    # The first member asks to be left out; the director approves one more item for all.
    first = next(str(r["อีเมล"]) for r in driver.table(REGISTRY) if r["อีเมล"])
    driver.edit(SUPPRESSION, lambda grid: [*grid, [first, "ขอยกเลิก", None, "ทางโทรศัพท์"]])
    more: list[str] = []
    driver.edit(FORM, lambda grid: _approve_for(grid, None, more))
    driver.worker().cycle()
    assert _status(driver, more[0]) == "เผยแพร่แล้ว"
    title = next(i.title for i in driver.worker().load().items if i.id == more[0])
    got = _recipients(tmp_path, title)
    assert got and first.lower() not in {a.lower() for a in got}


def test_cron_runs_do_not_read_an_unchanged_workbook_yet_see_a_cell_changed_in_place(
    tmp_path: Path,
) -> None:
    """A cron-style run that finds the workbook's bytes as last parsed does not open its
    tabs; an edit is acted on even when the file keeps its size, inode and time (a cell
    changed in place, a time put back), and after the worker's own status write."""
    driver = LocalDriver(tmp_path)
    book = driver.workbook
    driver.worker().cycle()  # IDs and statuses written: the file changed
    assert driver.worker().cycle().sheet_requests == 0, "unchanged: not even read"
    pending: list[str] = []
    driver.edit(FORM, lambda grid: _untick(grid, pending))  # an explicit "not approved"
    _rewrite(book, lambda name, data: data)  # stored uncompressed: editable in place
    driver.worker().cycle()
    assert driver.worker().cycle().sheet_requests == 0
    before = book.stat()
    _rewrite(book, lambda name, data: _tick_cell(name, data, pending[1]), in_place=True)
    os.utime(book, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = book.stat()
    assert (after.st_size, after.st_ino, after.st_mtime_ns) == (
        before.st_size, before.st_ino, before.st_mtime_ns)
    driver.worker().cycle()
    assert _status(driver, pending[0][0]) == "เผยแพร่แล้ว"
    title = pending[0][1]
    assert _recipients(tmp_path, title)
    sent = len(outbox(tmp_path / "outbox"))
    # The worker's own status write changed the file: the run after it knows what it left
    # there (does not read it), and is right.
    assert driver.worker().cycle().sheet_requests == 0
    assert len(outbox(tmp_path / "outbox")) == sent
    assert _status(driver, pending[0][0]) == "เผยแพร่แล้ว"
    # An edit whose file time goes backwards is seen as well.
    driver.edit(FORM, _retitle)
    os.utime(book, ns=(before.st_atime_ns, before.st_mtime_ns - 3_600 * 10**9))
    assert driver.worker().load().items[0].title.endswith("(แก้ไข)")


def _untick(grid: Grid, chosen: list[Any]) -> Grid:
    """Set the approval cell of the first pending row to FALSE; note (ID, title) and where
    the cell is (e.g. "M5")."""
    from openpyxl.utils import get_column_letter

    header = grid[0]
    approval, ids, status, title = (header.index(h) for h in (
        "อนุมัติ", "รหัสข่าว", "สถานะ", "หัวข้อข่าว"))
    for number, row in enumerate(grid[1:], start=2):
        if row[status] == "รอพิจารณา" and row[approval] in (None, "", False):
            row[approval] = False
            chosen.extend([(row[ids], row[title]), f"{get_column_letter(approval + 1)}{number}"])
            return grid
    raise AssertionError("the demo has a pending item")


def _tick_cell(name: str, data: bytes, ref: str) -> bytes:
    """FALSE → TRUE in cell ``ref`` of a worksheet part: the same number of bytes."""
    if not name.startswith("xl/worksheets/"):
        return data
    found = re.search(rb'<c r="' + ref.encode() + rb'"[^>]*t="b"[^>]*><v>0</v>', data)
    if found is None:
        return data
    return data[:found.end() - 5] + b"1" + data[found.end() - 4:]


def _rewrite(book: Path, change: Callable[[str, bytes], bytes], in_place: bool = False) -> None:
    """The workbook's parts written again uncompressed, each through ``change``; with
    ``in_place``, into the same file (same inode) over the same number of bytes."""
    with zipfile.ZipFile(book) as old:
        parts = [(info, change(info.filename, old.read(info))) for info in old.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as new:
        for info, data in parts:
            info.compress_type = zipfile.ZIP_STORED
            new.writestr(info, data)
    content = buffer.getvalue()
    if in_place:
        assert len(content) == book.stat().st_size
        with book.open("r+b") as fh:
            fh.write(content)
    else:
        book.write_bytes(content)


def test_an_office_template_edited_between_cron_runs_is_used_at_once(tmp_path: Path) -> None:
    """Templates are kept compiled between runs, yet the office's edit of one is in the
    very next run's bulletins, even when the edit keeps the file's size and time."""
    driver = LocalDriver(tmp_path)
    mine = tmp_path / "mine" / "bulletin"
    mine.mkdir(parents=True)
    shipped = (Path(__file__).resolve().parents[1] / "templates" / "bulletin" / "subject.txt")
    subject = mine / "subject.txt"
    subject.write_text("[ฉบับที่ 1] " + shipped.read_text(encoding="utf-8"), encoding="utf-8")
    driver.config.write_text('templates = "mine"\n' + driver.config.read_text(encoding="utf-8"),
                             encoding="utf-8")
    driver.worker().cycle()  # the form gets its ID column
    first: list[str] = []
    driver.edit(FORM, lambda grid: _approve_for(grid, None, first))
    driver.worker().cycle()
    before = subject.stat()
    subject.write_text(subject.read_text(encoding="utf-8").replace("ฉบับที่ 1", "ฉบับที่ 2"),
                       encoding="utf-8")
    os.utime(subject, ns=(before.st_atime_ns, before.st_mtime_ns))
    second: list[str] = []
    driver.edit(FORM, lambda grid: _approve_for(grid, None, second))
    driver.worker().cycle()
    subjects = {str(m["X-PR-Item"]): str(m["Subject"]) for m in outbox(tmp_path / "outbox")
                if str(m["X-PR-Kind"]) == "bulletin"}
    assert subjects[first[0]].startswith("[ฉบับที่ 1]")
    assert subjects[second[0]].startswith("[ฉบับที่ 2]")


def test_a_registry_address_changed_only_in_the_shared_strings_is_seen(tmp_path: Path) -> None:
    """A cron run reads the registry tab only when what its values are made of changed.
    An office program that changes a member's address may leave the registry's own sheet
    part as it was and change only the workbook's shared string table: the run after it
    mails the new address, not the old one."""
    driver = LocalDriver(tmp_path)
    driver.worker().cycle()
    pending: list[Any] = []

    def for_everyone(grid: Grid) -> Grid:
        _untick(grid, pending)  # an explicit "not approved" ...
        row = next(r for r in grid if r[grid[0].index("รหัสข่าว")] == pending[0][0])
        row[grid[0].index("กลุ่มเป้าหมาย")] = None  # ... of an item for every school
        return grid

    driver.edit(FORM, for_everyone)
    _with_shared_strings(driver.workbook, REGISTRY)  # as Excel saves it
    driver.worker().cycle()
    old = min(parseaddr(str(m["To"]))[1] for m in outbox(tmp_path / "outbox")
              if str(m["X-PR-Kind"]) == "bulletin")  # a school that receives bulletins
    new = "z" + old[1:]  # the same length: only the string table's text changes
    with zipfile.ZipFile(driver.workbook) as book:
        assert old.encode() in book.read("xl/sharedStrings.xml")
        assert not any(old.encode() in book.read(n) for n in book.namelist()
                       if n.startswith("xl/worksheets/"))

    def change(name: str, data: bytes) -> bytes:
        if name == "xl/sharedStrings.xml":
            return data.replace(f">{old}<".encode(), f">{new}<".encode())
        return _tick_cell(name, data, pending[1])  # ... and the director approves

    _rewrite(driver.workbook, change)
    driver.worker().cycle()
    assert _status(driver, pending[0][0]) == "เผยแพร่แล้ว"
    got = _recipients(tmp_path, pending[0][1])
    assert new in got and old not in got


_INLINE = re.compile(rb'<c ([^>]*?)t="inlineStr"([^>]*)><is><t(?: [^>]*)?>([^<]*)</t></is></c>')


def _with_shared_strings(book: Path, tab: str) -> None:
    """The tab's text cells moved into a shared string table, as Excel writes them."""
    from automation.sources.xlsx_book import read_book

    with zipfile.ZipFile(book) as old:
        part = read_book(old).part(tab)
        parts = {info.filename: old.read(info) for info in old.infolist()}
    strings: list[bytes] = []

    def shared(found: re.Match[bytes]) -> bytes:
        strings.append(found[3])
        return b'<c %st="s"%s><v>%d</v></c>' % (found[1], found[2], len(strings) - 1)

    parts[part] = _INLINE.sub(shared, parts[part])
    assert strings, "the tab had text cells"
    parts["xl/sharedStrings.xml"] = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" '
        b'uniqueCount="%d">' % (len(strings), len(strings))
        + b"".join(b'<si><t xml:space="preserve">%s</t></si>' % t for t in strings) + b"</sst>")
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in parts.items():
            new.writestr(name, data)
