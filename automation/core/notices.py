"""What submitters, the director and the officer are told: a part of the cycle of its own.

``Notices`` is mixed into the cycle's ``Worker``; it uses the worker's envelope builder and
sender, so every notice goes through the same ledger, budget and headers as bulletins.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from automation.config import Config
from automation.core import columns
from automation.core.adopt import ADOPTED, told
from automation.core.dispatch import DispatchResult, Outgoing
from automation.core.links import sheet_location
from automation.core.mailer import MailService, envelope_key
from automation.core.services import DIGEST, NOTICE, REPORT, Services, Snapshot
from automation.core.trust import (
    RECEIPT,
    RECEIPT_STATES,
    SENDER_EVENT,
    ReceiptEntry,
    Trust,
    covered_event,
    first_cycle,
    notices_since,
    owed,
    receipt_id,
    trust,
)
from automation.core.views import OfficeView
from automation.model import CycleReport, Decision, Problem, Submission
from automation.ports import Envelope, Ledger
from automation.text.addresses import parse_addresses
from automation.thaidate import BANGKOK, format_date


class Notices:
    """Acknowledgements, receipts and decisions; the director's digest; the officer's report."""

    s: Services
    config: Config
    office: OfficeView
    tabs: Any
    aliases: Mapping[str, Any]
    _columns: list[Problem]
    _edits: set[str]
    _edit_waiting: set[str]
    mail: MailService

    if TYPE_CHECKING:  # provided by the Worker this is mixed into
        def _send(self, envelopes: Sequence[Envelope | Outgoing], report: CycleReport,
                  notices: bool = False) -> DispatchResult: ...

    def notify(self, snap: Snapshot, report: CycleReport) -> None:
        publish = self.config.publish
        now = self.s.clock()
        horizon = now - timedelta(days=publish.acknowledge_days)
        settled = self.s.ledger.settled_keys(("ack", "rejected", "returned", "approved"))
        settled |= told(snap.items, self.s.ledger.event_details(ADOPTED), settled)
        # Told at publishing; told here when a crash came between the two (at most once).
        published = self.s.ledger.event_times("published") if publish.notify_submitters else {}
        trusted: Trust | None = None  # built when a notice is owed: most cycles owe none
        first = first_cycle(self.s.ledger, now)
        since = notices_since(publish.notices_since, first)
        decided = {**self.s.ledger.event_times("decided:rejected"),
                   **self.s.ledger.event_times("decided:returned")}
        adopted = 0
        covered = {(i, k) for k in RECEIPT_STATES
                   for i in self.s.ledger.event_times(covered_event(k))}
        envelopes: list[Envelope] = []
        receipts: dict[str, list[ReceiptEntry]] = {}
        for item in snap.items:
            if not item.email or not item.valid or Trust.silent(item):
                continue
            kinds = []
            new = item.submitted_at is None or item.submitted_at >= max(horizon, since)
            if publish.acknowledge and new:
                kinds.append("ack")
            if publish.notify_submitters and item.decision in (Decision.REJECTED,
                                                               Decision.RETURNED):
                if owed(item, since, first, decided):
                    kinds.append(item.decision.value)
                elif self.s.ledger.add_event(item.id, "notice_adopted", now, item.decision.value):
                    adopted += 1
            if item.id in published and published[item.id] >= horizon:
                kinds.append("approved")
            kinds = [k for k in kinds if envelope_key(k, item.id, item.email) not in settled
                     and (item.id, k) not in covered]  # a receipt told them already
            if not kinds:
                continue
            if trusted is None:
                trusted = trust(snap.registry,
                                self.s.ledger.event_details(SENDER_EVENT).values())
            if trusted.full(item) or item.id in published:
                envelopes.extend(self._notice(kind, item) for kind in kinds)
            else:
                receipts.setdefault(item.email, []).extend(
                    ReceiptEntry(item.id, k) for k in kinds if k != "approved")
        self._send(envelopes, report, notices=True)
        self._receipts(receipts, report)
        if adopted:
            report.problems.append(Problem(
                self.tabs.form, f"เริ่มใช้กับชีตที่มีประวัติ: ผลการพิจารณา {adopted} ข่าวที่ส่งก่อน "
                f"{format_date(since)} ถือว่าแจ้งผู้ส่งแล้ว ไม่ได้ส่งอีเมลแจ้ง (ตั้งวันได้ที่ "
                "'publish.notices_since')", severity="warning"))

    def _receipts(self, wanted: dict[str, list[ReceiptEntry]], report: CycleReport) -> None:
        """One content-free receipt a day per address the office cannot trust."""
        ledger = self.s.ledger
        now = self.s.clock()
        day_id = receipt_id(now.astimezone(BANGKOK).date())
        envelopes: list[Envelope] = []
        listed: dict[str, list[ReceiptEntry]] = {}
        for email, fresh in wanted.items():
            if not fresh or ledger.get(envelope_key(RECEIPT, day_id, email)) is not None:
                continue  # nothing new, or today's receipt for this address has gone
            context = {"office": self.office, "now": now, "entries": fresh[:20]}
            envelopes.append(self.mail.envelope(RECEIPT, day_id, email, None, context, NOTICE))
            listed[envelope_key(RECEIPT, day_id, email)] = fresh[:20]
        self._send(envelopes, report, notices=True)
        for key, entries in listed.items():
            record = ledger.get(key)
            if record is not None and record.status == "sent":
                ledger.add_events([(e.id, covered_event(e.kind), now, key) for e in entries])

    def _notice(self, kind: str, item: Submission) -> Envelope:
        context = {"office": self.office, "now": self.s.clock(), "item": item}
        return self.mail.envelope(kind, item.id, item.email, item.sender_name, context, NOTICE)

    def director_digest(self, snap: Snapshot, report: CycleReport) -> None:
        if not self.config.publish.director_digest or not self.config.office.director_email:
            return
        now = self.s.clock()
        day = now.astimezone(BANGKOK).date().isoformat()
        # A digest held back on its day (quota, a provider outage) is never sent later:
        # the next day's lists the same waiting items. Settle it so it does not stay queued.
        for stale in self.s.ledger.unsettled("director_digest"):
            if stale.item_id != f"digest-{day}":
                self.s.ledger.finish(stale.key, "failed", now,
                                     f"ไม่ได้ส่ง: แทนด้วยสรุปข่าวรออนุมัติของวันที่ {day}")
                if stale.attempts > 0:  # attempted before: the window counts it from now
                    self.mail.quota.recorded(stale.key, now, stale.recipient, stale.kind)
        edited = self._edits | self._edit_waiting
        waiting = [i for i in snap.items if i.valid and (
            i.decision is Decision.PENDING or i.id in self._edits)]
        if not waiting:
            return
        pending = [
            _Waiting(i, max(0, (now - (i.submitted_at or now)).days), i.id in edited)
            for i in waiting
        ]
        pending.sort(key=lambda w: -w.waiting_days)
        context = {"office": self.office, "now": now, "pending": pending,
                   "oldest_days": pending[0].waiting_days,
                   "sheet": sheet_location(self.config.sheets)}
        addresses, _bad = parse_addresses(self.config.office.director_email)
        self._send(
            [self.mail.envelope("director_digest", f"digest-{day}", a, None, context, DIGEST)
             for a in addresses],
            report, notices=True,
        )

    def officer_report(self, report: CycleReport, sheet_read: bool = True) -> None:
        """Tell the officer what is wrong. ``sheet_read`` False: the sheet could not be read
        this cycle, so what was told about its rows and columns stays as it was."""
        if not self.config.publish.officer_report or not self.config.office.officer_email:
            return
        # A failure that kept mail from leaving is told when mail can leave again.
        failures = list(dict.fromkeys([*_owed_failures(self.s.ledger), *report.failures]))
        # The form's column findings are told once; the key still counts them, so the report
        # after the one that told them is not sent again for them alone.
        shown = columns.untold(self.s.ledger, report.problems)
        if not shown and not failures:
            return
        # What is told once (pictures left out) going away is no news: the rest, already
        # told, is not sent again for it.
        lasting = _problems_key(p for p in report.problems if not p.once)
        if (not failures and not any(p.once for p in report.problems)
                and self.s.ledger.get_state(TOLD_LASTING) == lasting):
            return
        # Row numbers change with every sort: the same problems are the same report.
        report_key = hashlib.sha256("\n".join(sorted([
            *(f"{p.tab}\x1f{p.row_id or ''}\x1f{p.column or ''}\x1f{p.message}"
              for p in report.problems), *failures])).encode()).hexdigest()[:12]
        context = {
            "office": self.office, "now": self.s.clock(), "failures": failures,
            "problems": [p for p in shown if p.severity == "error"],
            "warnings": [p for p in shown if p.severity != "error"],
        }
        addresses, _bad = parse_addresses(self.config.office.officer_email)
        result = self._send(
            [self.mail.envelope("officer_report", f"problems-{report_key}", a, None, context,
                                REPORT) for a in addresses],
            report, notices=True,
        )
        delivered = result.sent > 0 or (result.skipped > 0 and not result.deferred)
        self.s.ledger.set_state(OWED_FAILURES, "" if delivered else json.dumps(failures))
        if delivered and sheet_read:
            self.s.ledger.set_state(TOLD_LASTING, lasting)
        if sheet_read:
            columns.remember(self.s.ledger, self._columns)


OWED_FAILURES = "officer.owed_failures"
TOLD_LASTING = "officer.told_lasting"


def _problems_key(problems: Iterable[Problem]) -> str:
    return hashlib.sha256("\n".join(sorted(
        f"{p.tab}\x1f{p.row_id or ''}\x1f{p.column or ''}\x1f{p.message}" for p in problems
    )).encode()).hexdigest()[:12]


def _owed_failures(ledger: Ledger) -> list[str]:
    try:
        owed = json.loads(ledger.get_state(OWED_FAILURES) or "[]")
    except ValueError:
        return []
    return [str(f) for f in owed] if isinstance(owed, list) else []


@dataclass(frozen=True)
class _Waiting:
    item: Submission
    waiting_days: int
    edited: bool = False  # edited after approval: waits for a new approval
