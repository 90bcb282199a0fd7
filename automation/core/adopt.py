"""The sheet as a second witness when the ledger has lost an item.

The worker writes each item's ID, status and publishing time into the form tab. If the
ledger has no record of an item (a replaced machine, a restored backup, a deleted file)
but the row carries the worker's own ID and a status it wrote, what that status says has
happened is taken as done: a published item is recorded as published and posted (never
sent, posted or announced again), and the notices its status implies (acknowledgement,
decision) are taken as given. The officer is told, loudly, once.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from automation.core.table import Row, find_columns
from automation.model import Problem, Status, Submission, Tab
from automation.thaidate import DateParseError, format_datetime, parse_datetime

ADOPTED = "adopted"
STATE = "ledger.adopted"
_WORKER_STATUSES = frozenset(s.value for s in Status if s is not Status.ERROR)
# Which notices a status written by the worker shows were already given.
_TOLD = {
    Status.PUBLISHED.value: ("ack", "approved"),
    Status.WITHDRAWN.value: ("ack", "approved"),
    Status.REJECTED.value: ("ack", "rejected"),
    Status.RETURNED.value: ("ack", "returned"),
}


@dataclass
class Adoption:
    events: list[tuple[str, str, datetime, str]] = field(default_factory=list)
    published: int = 0
    items: int = 0
    problem: Problem | None = None


def adopt(
    form: Tab, aliases: Mapping[str, Sequence[str]], items: Sequence[Submission],
    known: Collection[str], now: datetime,
) -> Adoption:
    """Events that adopt what the sheet shows for items the ledger does not know."""
    result = Adoption()
    unknown = [i for i in items if i.id not in known]
    if not unknown:
        return result
    columns = find_columns(form, aliases)
    if "status" not in columns.by_field or "id" not in columns.by_field:
        return result
    for item in unknown:
        if item.row - 1 >= len(form.rows):
            continue
        row = Row(item.row, form.rows[item.row - 1], columns)
        status = row.text("status")
        if row.text("id") != item.id or status not in _WORKER_STATUSES:
            continue
        if status == Status.WAITING.value and row.text("source"):
            # The mailbox job writes รอพิจารณา on the rows it adds, before any cycle has
            # seen (and acknowledged) them: that status proves nothing was sent.
            continue
        result.items += 1
        result.events.append((item.id, ADOPTED, now, status))
        if status in (Status.PUBLISHED.value, Status.WITHDRAWN.value):
            at = _when(row) or now
            result.published += 1
            result.events += [(item.id, "published", at, "adopted"),
                              (item.id, "posted", at, "adopted"),
                              (item.id, "decided:approved", at, "")]
            if status == Status.WITHDRAWN.value:
                result.events.append((item.id, "withdrawn", now, "adopted"))
    if result.items:
        result.problem = Problem(
            form.title,
            f"ไม่พบบันทึกการส่ง (ledger.sqlite3) ของข่าว {result.items} รายการที่ระบบเคย"
            f"บันทึกสถานะไว้ในชีต (เผยแพร่แล้ว {result.published} รายการ): ถือตามสถานะในชีต "
            "ไม่ส่งข่าว สรุปข่าว หรือแจ้งผู้ส่งซ้ำ; หากย้ายเครื่องหรือกู้คืนไฟล์ "
            "ให้ตรวจว่าใช้โฟลเดอร์และไฟล์ ledger.sqlite3 ที่ถูกต้อง",
            row=1, column=columns.header("status"),
        )
    return result


def record_note(adoption: Adoption, now: datetime) -> str:
    """What `automation status` shows of the last adoption."""
    return json.dumps({"at": now.isoformat(), "items": adoption.items,
                       "published": adoption.published}, ensure_ascii=False)


def status_line(raw: str | None) -> str | None:
    """``automation status``: a line about the last time the ledger was found missing."""
    if not raw:
        return None
    data = json.loads(raw)
    return (f"  คำเตือน: บันทึกการส่ง (ledger) เคยหายหรือว่าง — รับสถานะจากชีต "
            f"{data['items']} รายการ (เผยแพร่แล้ว {data['published']}) เมื่อ "
            f"{format_datetime(datetime.fromisoformat(data['at']))}")


def told(items: Sequence[Submission], adopted: Mapping[str, str],
         settled: Collection[str]) -> set[str]:
    """Notice keys (``kind:item:address``) to count as given for each item's current
    address: those the adopted statuses show were given, and those given to an address
    the officer has since corrected (an item is told once, not once per address)."""
    by_item: dict[str, set[str]] = {}
    for key in settled:
        kind, item_id, _address = [*key.split(":", 2), "", ""][:3]
        by_item.setdefault(item_id, set()).add(kind)
    result: set[str] = set()
    for item in items:
        kinds = set(by_item.get(item.id, ()))
        status = adopted.get(item.id)
        if status is not None:
            kinds.update(_TOLD.get(status, ("ack",)))
        result.update(f"{kind}:{item.id}:{item.email}" for kind in kinds)
    return result


def _when(row: Row) -> datetime | None:
    try:
        return parse_datetime(row.get("published_at"))
    except DateParseError:
        return None
