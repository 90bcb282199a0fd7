"""Starting the worker on a sheet with years of history mails no old decision: rows decided
before the worker first saw the sheet are taken as already told, and the officer is told
how many. A decision made on a new row is told as usual."""

from __future__ import annotations

from pathlib import Path

from tests.workload import FORM, make_workload
from tests.workspace import TODAY, outbox, run_cycle, table


def notices_about(folder: Path, ids: set[str]) -> list[str]:
    """Every notice to a submitter naming one of ``ids`` (subject, item header or body)."""
    found = []
    for msg in outbox(folder / "outbox"):
        if msg["X-PR-Kind"] in ("bulletin", "digest", "officer_report", "director_digest"):
            continue
        text = str(msg["Subject"]) + str(msg["X-PR-Item"])
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                text += str(part.get_content())
        found += [i for i in ids if i in text]
    return found


def test_old_decisions_are_adopted_not_mailed(tmp_path: Path) -> None:
    work = make_workload(tmp_path / "office", members=20, approved=2, old_items=300,
                         today=TODAY)
    run_cycle(work.config)
    rows = table(work.workbook, FORM)
    old = {str(r["รหัสข่าว"]) for r in rows if r.get("หมายเหตุผู้อนุมัติ") == "ข่าวเก่า"}
    assert len(old) == 300
    assert notices_about(work.folder, old) == [], "no notice about a decision made before"
    reports = [m for m in outbox(work.folder / "outbox") if m["X-PR-Kind"] == "officer_report"]
    assert reports and "300" in "".join(
        str(p.get_content()) for m in reports for p in m.walk()
        if p.get_content_maintype() == "text"), "the officer is told how many were adopted"
    # The workload's own fresh decisions (rejected and returned today) are still told.
    fresh = {str(r["รหัสข่าว"]) for r in rows
             if r["หัวข้อข่าว"] in ("ข่าวที่ไม่อนุมัติ", "ข่าวส่งกลับแก้ไข")}
    assert set(notices_about(work.folder, fresh)) == fresh

