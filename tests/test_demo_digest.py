"""The demo as shipped: digests by default, the first one in the first cycle."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.sheet_driver import due_and_approved
from tests.workspace import (
    FORM,
    column_of,
    edit_sheet,
    find_row,
    make_workspace,
    outbox,
    run_cycle,
    table,
    text_of,
)


def test_first_cycle_sends_one_digest_per_member_then_waits_for_the_schedule(
    tmp_path: Path,
) -> None:
    config = make_workspace(tmp_path / "office", bulletin="digest")
    folder = config.parent
    first = run_cycle(config)
    digests = [m for m in outbox(folder / "outbox") if m["X-PR-Kind"] == "digest"]
    assert digests and first.published == 5
    recipients = Counter(m["To"].addresses[0].addr_spec for m in digests)
    assert max(recipients.values()) == 1, "one digest per member"
    rows = {str(r["รหัสข่าว"]): r for r in table(folder / "workbook.xlsx", FORM)}
    published = [r for r in rows.values() if due_and_approved(r)]
    carried = {i for m in digests for i in str(m["X-PR-Items"]).split(",")}
    assert carried == {str(r["รหัสข่าว"]) for r in published} and len(published) == 5
    # an item for everyone is in every digest of a member who takes e-mail
    everyone = next(r for r in published if not r["กลุ่มเป้าหมาย"])
    title = str(everyone["หัวข้อข่าว"])[:20]
    assert all(title in text_of(m) for m in digests)
    assert not any(m["X-PR-Kind"] == "bulletin" for m in outbox(folder / "outbox"))

    pending = next(r for r in rows.values() if r["สถานะ"] == "รอพิจารณา")

    def approve(ws: object) -> None:
        row = find_row(ws, "รหัสข่าว", str(pending["รหัสข่าว"]))
        ws.cell(row=row, column=column_of(ws, "อนุมัติ")).value = True  # type: ignore[attr-defined]

    edit_sheet(folder / "workbook.xlsx", FORM, approve)
    second = run_cycle(config)
    assert second.sent == 0, "the newly approved item waits for the next scheduled digest"
    after = {str(r["รหัสข่าว"]): r for r in table(folder / "workbook.xlsx", FORM)}
    assert after[str(pending["รหัสข่าว"])]["สถานะ"] == "อนุมัติ-รอเผยแพร่"


def test_items_waiting_for_the_digest_cost_one_read_per_idle_cycle(tmp_path: Path) -> None:
    config = make_workspace(tmp_path / "office", bulletin="digest")
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('first_digest = "at-once"', 'first_digest = "next-slot"'),
                      encoding="utf-8")
    first = run_cycle(config)
    assert first.sent == 0 and first.approved == 5  # posted to the board, waiting for 15:00
    idle = run_cycle(config)
    # The workbook as the first cycle left it is not even read again (its parse is kept),
    # and the approval is not re-read while nothing leaves.
    assert idle.sent == 0 and idle.sheet_requests == 0, "no approval re-read while nothing leaves"
