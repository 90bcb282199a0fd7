"""An ID cell that landed on another submission's row (a sort in the instant between the
worker's fresh read and its write) is recognised and repaired, never trusted."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.workspace import (
    FORM,
    column_of,
    edit_sheet,
    find_row,
    make_workspace,
    outbox,
    run_cycle,
    table,
)


def _bulletins(folder: Path) -> Counter[str]:
    return Counter(
        str(m["X-PR-Item"]) for m in outbox(folder / "outbox") if m["X-PR-Kind"] == "bulletin"
    )


def test_moved_id_is_repaired_and_nothing_is_sent_twice(tmp_path: Path) -> None:
    config = make_workspace(tmp_path / "office")
    folder = config.parent
    workbook = folder / "workbook.xlsx"
    run_cycle(config)
    before = _bulletins(folder)
    rows = table(workbook, FORM)
    published = next(r for r in rows if r["สถานะ"] == "เผยแพร่แล้ว")
    pending = next(r for r in rows if r["สถานะ"] == "รอพิจารณา")

    def misplace(ws: object) -> None:
        # the published item's ID lands on the pending row, which the director then approves
        row = find_row(ws, "รหัสข่าว", str(pending["รหัสข่าว"]))
        ws.cell(row=row, column=column_of(ws, "รหัสข่าว")).value = published["รหัสข่าว"]  # type: ignore[attr-defined]
        ws.cell(row=row, column=column_of(ws, "อนุมัติ")).value = True  # type: ignore[attr-defined]

    edit_sheet(workbook, FORM, misplace)
    report = run_cycle(config)
    after = _bulletins(folder)
    # the pending item is published under its own ID; the published one is not sent again
    assert after[str(published["รหัสข่าว"])] == before[str(published["รหัสข่าว"])]
    assert after[str(pending["รหัสข่าว"])] > 0
    assert any("เป็นของข่าวอื่น" in p.message for p in report.problems)
    by_row = {r["#"]: r for r in table(workbook, FORM)}
    assert by_row[pending["#"]]["รหัสข่าว"] == pending["รหัสข่าว"]
    assert by_row[published["#"]]["รหัสข่าว"] == published["รหัสข่าว"]
    assert by_row[pending["#"]]["สถานะ"] == "เผยแพร่แล้ว"
