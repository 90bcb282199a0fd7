"""What the mailbox pass has to tell the officer, kept until the next officer report.

The mailbox may run on its own timetable, between cycles. Its notes (an unknown sender, a
suspicious From, an address put on the suppression tab) are recorded in the ledger once
each and added to the problems of the next cycle's officer report; those recorded before
the last officer report that was sent are not repeated.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta

from automation.model import Problem
from automation.ports import Ledger

EVENT = "officer-notice"
_KEEP = timedelta(days=30)


def record(ledger: Ledger, problems: Sequence[Problem], now: datetime) -> int:
    events = []
    for p in problems:
        digest = hashlib.sha256(json.dumps(asdict(p), ensure_ascii=False).encode()).hexdigest()
        events.append((f"notice:{digest[:20]}", EVENT, now, json.dumps(asdict(p),
                                                                         ensure_ascii=False)))
    return ledger.add_events(events)


def unreported(ledger: Ledger, now: datetime) -> list[Problem]:
    """Notices newer than the last officer report sent (and than 30 days)."""
    since = now - _KEEP
    times = {k: at for k, at in ledger.event_times(EVENT).items() if at > since}
    if not times:
        return []  # the usual case: no look through the (large) deliveries table
    for delivery in ledger.deliveries(kind="officer_report"):
        if delivery.status == "sent" and delivery.sent_at is not None:
            since = max(since, delivery.sent_at)
    found: list[Problem] = []
    for item_id, at in sorted(times.items(), key=lambda kv: kv[1]):
        if at <= since:
            continue
        for _item, _event, _at, detail in ledger.events(item_id):
            found.append(Problem(**json.loads(detail)))
    return found
