"""Which notices may echo a submission, and to whom.

The news form's link and the office mailbox are public: the address on a row is whatever
the sender typed. A notice that repeats the submission (title, body, links, the sender's
name as the To display name) is a message signed by the office, so it goes in full only to
an address the office can trust for that row:

* an address the registry lists for the row's school, or
* an address whose news the office has already published (recorded at publishing), or
* a mailbox sender the inbox verified (authentication passed and registered).

Any other form address gets a content-free receipt (news ID, office, what happens next), at
most one a day per address, whatever the number of rows naming it. A mailbox sender that
failed authentication or is not registered gets nothing: answering would be backscatter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from automation.model import EMAIL_SOURCE, Registry, Submission, sender_unverified
from automation.ports import Ledger
from automation.text.thai import fuzzy_key
from automation.thaidate import BANGKOK

RECEIPT = "receipt"
SENDER_EVENT = "sender"  # ledger event: the submitter's address when its news was published


@dataclass(frozen=True)
class Trust:
    school_addresses: dict[str, frozenset[str]]
    published_senders: frozenset[str]

    def full(self, item: Submission) -> bool:
        """May a notice about ``item`` repeat what was submitted?"""
        email = item.email.casefold()
        if item.source.strip() == EMAIL_SOURCE:
            return True  # the provider confirmed the registry school sent it
        if sender_unverified(item):
            return False
        if email in self.published_senders:
            return True
        return email in self.school_addresses.get(fuzzy_key(item.school), frozenset())

    @staticmethod
    def silent(item: Submission) -> bool:
        """No notice at all: an e-mail whose sender the inbox could not verify."""
        return sender_unverified(item)


def trust(registry: Registry, published_senders: Iterable[str]) -> Trust:
    by_school: dict[str, set[str]] = {}
    for m in registry.members:
        if m.active:
            by_school.setdefault(fuzzy_key(m.name), set()).update(
                e.casefold() for e in m.emails)
    return Trust(
        {k: frozenset(v) for k, v in by_school.items()},
        frozenset(s.casefold() for s in published_senders if s),
    )


def receipt_id(day: date) -> str:
    """One receipt per address per office day, however many rows name the address."""
    return f"receipt-{day.isoformat()}"


RECEIPT_STATES = {
    "ack": "ได้รับแล้ว รอผู้อำนวยการพิจารณา",
    "rejected": "ผู้อำนวยการพิจารณาแล้ว ไม่อนุมัติให้เผยแพร่",
    "returned": "ส่งกลับให้แก้ไข โปรดติดต่องานประชาสัมพันธ์",
}


@dataclass(frozen=True)
class ReceiptEntry:
    id: str
    kind: str

    @property
    def state(self) -> str:
        return RECEIPT_STATES.get(self.kind, "")


def covered_event(kind: str) -> str:
    """Ledger event: a receipt told the address about this (item, notice kind)."""
    return f"receipted:{kind}"


FIRST_CYCLE = "notices.first_cycle_at"
# Decisions first seen this soon after the first cycle were on the sheet when it started.
FIRST_GRACE = timedelta(hours=1)


def first_cycle(ledger: Ledger, now: datetime) -> datetime:
    """When this office's worker first read the sheet (kept in the ledger).

    A ledger made before this was kept starts from its oldest record, so nothing it had
    still to tell is taken as told."""
    raw = ledger.get_state(FIRST_CYCLE)
    if raw:
        return datetime.fromisoformat(raw)
    seen = ledger.event_times("submitted").values()
    first = min(seen, default=now)
    ledger.set_state(FIRST_CYCLE, first.isoformat())
    return first


def notices_since(setting: str, first: datetime) -> datetime:
    """Rows submitted before this were decided before the worker could tell anyone."""
    day = date.fromisoformat(setting) if setting else first.astimezone(BANGKOK).date()
    return datetime.combine(day, time.min, tzinfo=BANGKOK)


def owed(item: Submission, since: datetime, first: datetime,
         decided: dict[str, datetime]) -> bool:
    """Is a decision notice owed: the row is new enough, or decided once the worker ran?"""
    if item.submitted_at is None or item.submitted_at >= since:
        return True
    seen = decided.get(item.id)
    return seen is not None and seen > first + FIRST_GRACE
