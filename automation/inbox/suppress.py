"""Putting addresses on the suppression tab (งดรับข่าว), exactly once.

A request (unsubscribe or bounce rule) is first recorded in the ledger, then the tab is
read fresh and only addresses not already on it are appended, then the request is marked
applied. A crash anywhere leaves a pending request that the next mailbox pass, cycle or
one-click request applies; an address already on the tab is never appended twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime

from automation.core.table import find_columns, rows
from automation.model import Cell, CellWrite, Tab
from automation.ports import Ledger, SheetBackend
from automation.text.addresses import parse_addresses

REQUESTED = "suppress-requested"
APPLIED = "suppress-applied"
FIELDS = ("email", "reason", "date", "detail")

UNSUBSCRIBED = "ยกเลิกรับข่าว"
HARD_BOUNCE = "อีเมลตีกลับถาวร"
SOFT_BOUNCES = "อีเมลตีกลับชั่วคราวซ้ำ"


@dataclass(frozen=True)
class Request:
    email: str
    reason: str
    detail: str
    day: date
    confirm: bool = False  # send the unsubscribe confirmation e-mail
    bounce: bool = False

    @property
    def item_id(self) -> str:
        # One request per address and day: a replayed link or a second bounce report the
        # same day is the same request; a later one (after the officer removed the row to
        # re-subscribe the address) is a new one.
        return f"suppress:{self.email}:{self.day.isoformat()}"


def request(ledger: Ledger, wanted: Request, now: datetime) -> bool:
    """Record the request; False when the same request was already recorded."""
    detail = json.dumps({**asdict(wanted), "day": wanted.day.isoformat()}, ensure_ascii=False)
    return ledger.add_event(wanted.item_id, REQUESTED, now, detail)


def pending(ledger: Ledger) -> list[Request]:
    requested = ledger.event_times(REQUESTED)
    applied = ledger.event_times(APPLIED)
    found: list[Request] = []
    for item_id in sorted(requested.keys() - applied.keys(), key=lambda i: requested[i]):
        for _item, event, _at, detail in ledger.events(item_id):
            if event == REQUESTED:
                data = json.loads(detail)
                data["day"] = date.fromisoformat(data["day"])
                found.append(Request(**data))
    return found


def mark_applied(ledger: Ledger, done: Sequence[Request], now: datetime) -> None:
    ledger.add_events([(r.item_id, APPLIED, now, "") for r in done])


def append(
    backend: SheetBackend, tab: Tab, aliases: Mapping[str, Sequence[str]],
    wanted: Sequence[Request],
) -> list[Request]:
    """Append the addresses not yet on ``tab`` (a fresh read); returns those appended.

    A worker-owned tab: missing header cells are added, an empty tab gets a header row.
    """
    columns = find_columns(tab, aliases)
    present: set[str] = set()
    if "email" in columns.by_field:
        for line in rows(tab, columns):
            present.update(parse_addresses(line.get("email"))[0])
    by_field = dict(columns.by_field)
    headers: list[CellWrite] = []
    next_col = len(columns.headers) + 1
    for name in FIELDS:
        if name not in by_field:
            by_field[name] = next_col
            headers.append(CellWrite(tab.title, 1, next_col, aliases[name][0]))
            next_col += 1
    added: list[Request] = []
    new_rows: list[list[Cell]] = []
    for r in wanted:
        if r.email in present:
            continue
        present.add(r.email)
        values: dict[str, Cell] = {"email": r.email, "reason": r.reason, "date": r.day,
                                   "detail": r.detail}
        row: list[Cell] = [None] * (max(by_field.values()))
        for name, value in values.items():
            row[by_field[name] - 1] = value
        new_rows.append(row)
        added.append(r)
    if not new_rows:
        return []
    if headers:
        if tab.rows:
            backend.write(headers)
        else:
            header_row: list[Cell] = [None] * (max(by_field.values()))
            for w in headers:
                header_row[w.col - 1] = w.value
            new_rows.insert(0, header_row)
    backend.append(tab.title, new_rows)
    return added
