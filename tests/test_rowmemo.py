"""Parsing the form again takes each row that reads as it did from the last parse, and
gives exactly what parsing every row would: IDs the worker wrote into empty cells, new rows,
edited cells, an ID cell someone typed a note into, a corrected address, a duplicate row."""

from __future__ import annotations

from pathlib import Path

from automation import config as config_mod
from automation.core.intake import Identities, parse_submissions
from automation.core.rowmemo import Earlier
from automation.model import Submission, Tab
from tests.sheet_driver import Grid, LocalDriver
from tests.workspace import FORM


def _parse(grid: Grid, aliases: dict[str, list[str]], fingerprints: dict[str, str],
           earlier: Earlier | None = None) -> tuple[list[Submission], list[object]]:
    items, problems = parse_submissions(Tab(FORM, grid), aliases, None,
                                        identities=Identities(fingerprints), earlier=earlier)
    return items, list(problems)


def test_a_row_that_reads_as_before_is_taken_and_the_parse_is_the_same(tmp_path: Path) -> None:
    driver = LocalDriver(tmp_path)
    driver.run_cycle()  # the worker writes IDs and statuses
    aliases = config_mod.load(driver.config).sheets.columns.aliases("form")
    written = driver.grid(FORM)
    header = written[0]
    ids, title, email = (header.index(h) for h in ("รหัสข่าว", "หัวข้อข่าว", "ที่อยู่อีเมล"))
    blank = [list(r) for r in written]
    for row in blank[1:]:
        row[ids] = None  # as the form left them, before the worker's first write
    before, _ = _parse(blank, aliases, {})
    known = {i.id: i.fingerprint for i in before}

    # The IDs written into the empty cells: every row reads as before.
    after, problems = _parse(written, aliases, known, Earlier(Tab(FORM, blank), before, {}))
    assert (after, problems) == _parse(written, aliases, known)
    assert all(a is b for a, b in zip(after, before, strict=True))

    edited = [list(r) for r in written]
    edited[1][title] = f"{edited[1][title]} (แก้ไข)"
    edited[2][ids] = "ดูแถว 5"  # a note typed into the ID cell
    edited[3][email] = "corrected@school.example.test"  # the address corrected
    edited.append(list(edited[4]))  # a row pasted twice
    edited.append(list(edited[5]))
    edited[-1][ids] = None
    edited[-1][title] = "ข่าวใหม่"  # a new submission
    again, problems = _parse(edited, aliases, known, Earlier(Tab(FORM, written), after, known))
    assert (again, problems) == _parse(edited, aliases, known)
    kept = {i.row for i, old in zip(again, after, strict=False) if i is old}
    assert kept and not kept & {2, 3, 4}, "the edited rows are parsed again"
    assert {5, 6} <= kept
