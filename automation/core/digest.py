"""Digest bulletins: one message per member on a schedule, carrying every new item.

Each item reaches each recipient in exactly one digest, across crashes, restarts, audience
changes and items approved while a digest is going out:

1. **Plan.** When a digest is due, each recipient's new items (approved for its audience,
   not urgent, not yet planned for it) are decided *before anything is sent* and committed
   in one ledger transaction together with the run's time: one ``pending`` delivery per
   (run, recipient), key ``digest:D-YYYYMMDD-HHMM:<address>``, whose ``detail`` (JSON)
   lists the items it carries, newest first, plus one ``digest_items`` row per (item,
   recipient) that the ledger keeps unique. A crash before the commit leaves nothing, and
   the same run is planned again; a crash after it leaves the plan.
2. **Send.** Every pending digest row goes out with the Message-ID derived from its key
   and the items its detail lists — after a crash, the same message again. Items approved
   meanwhile wait for the next run. What the quota holds back stays pending.
3. **Published.** An item counts as published (ledger event ``published``, sheet status
   ``เผยแพร่แล้ว``) once the news board and channels have it and it is planned into a digest
   for every one of its current recipients (or went out at once, as urgent items do).

A recipient with nothing new gets nothing. An address that has unsubscribed since the
plan, or a digest whose items were all un-approved, is settled as ``failed`` without
sending (it never counted against the quota).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any, Protocol

from automation.config import Config
from automation.core.dispatch import DispatchResult, Outgoing
from automation.core.message import message_id, office_secret
from automation.core.planning import covered, hold, plan
from automation.core.quota import Quota, waiting_note
from automation.core.render import Rendered, Renderer
from automation.core.services import BULLETIN, NOTICE
from automation.core.timetable import LAST_RUN, digest_due, last_run, next_digest, run_id, zone
from automation.core.views import OfficeView
from automation.model import CycleReport, Recipient, Registry, Submission
from automation.ports import DeliveryRecord, Envelope, Ledger
from automation.text.addresses import parse_addresses
from automation.thaidate import format_datetime

KIND = "digest"
WARNING = "quota_warning"
PRIORITY = BULLETIN  # with bulletins: after notices and urgent items, before reports


class MakeEnvelope(Protocol):
    def __call__(
        self, kind: str, item_id: str, recipient: str, name: str | None,
        context: dict[str, Any], priority: int, unsubscribe: str | None = None,
    ) -> Envelope: ...


Send = Callable[[Sequence[Envelope | Outgoing], CycleReport, bool], DispatchResult]


@dataclass(frozen=True)
class Preview:
    slot: datetime
    email: str
    items: tuple[Submission, ...]
    rendered: Rendered | None
    recipients: int  # how many recipients the next digest would go to



# -- the cycle's digest step ---------------------------------------------------------------


class Digests:
    """Plans, sends and accounts for digests within one worker."""

    def __init__(
        self,
        config: Config,
        ledger: Ledger,
        renderer: Renderer,
        clock: Callable[[], datetime],
        office: OfficeView,
        quota: Quota,
        envelope: MakeEnvelope,
        send: Send,
        unsubscribe_url: Callable[[str], str],
        addon: Callable[[str, str], dict[str, Any]] | None = None,
    ) -> None:
        self.config = config
        self.ledger = ledger
        self.renderer = renderer
        self.clock = clock
        self.office = office
        self.quota = quota
        self.envelope = envelope
        self.send_fn = send
        self.unsubscribe_url = unsubscribe_url
        # More for a digest's context by (recipient, delivery key): the survey invitation.
        self.addon = addon

    @property
    def on(self) -> bool:
        return self.config.bulletin.mode == "digest"

    def wants(self, item: Submission) -> bool:
        """Whether an approved item's e-mail goes by digest (not urgent, digest mode)."""
        return self.on and not item.urgent

    def waiting(self) -> bool:
        return bool(self.ledger.unsettled(KIND))

    def note(self) -> str:
        """What the sheet says of an approved item waiting for the digest."""
        slot = next_digest(self.config, self.ledger, self.clock())
        return f"รอส่งรวมในสรุปข่าว {format_datetime(slot)}" if slot else ""

    def taken(self, items: Sequence[Submission]) -> set[tuple[str, str]]:
        """(item, recipient) pairs already planned into digests or sent as bulletins."""
        ids = [i.id for i in items]
        pairs = self.ledger.digest_pairs(ids)
        for item_id in ids:
            pairs.update(
                (item_id, d.recipient) for d in self.ledger.deliveries(item_id=item_id)
                if d.kind == "bulletin"
            )
        return pairs

    def run(
        self,
        items: Sequence[Submission],
        everything: Sequence[Submission],
        registry: Registry,
        approved_now: set[str],
        report: CycleReport,
    ) -> list[Submission]:
        """Plan a due digest from ``items`` (approved, due, not urgent), send every pending
        digest, and return the items now planned for all their recipients."""
        now = self.clock()
        if self.on:
            if (last_run(self.ledger, now) is None
                    and self.config.bulletin.first_digest != "at-once"):
                # A new ledger: the schedule starts now instead of mailing everyone at once.
                self.ledger.set_state(LAST_RUN, now.isoformat())
            slot = digest_due(self.config, self.ledger, now)
            if slot is not None and not report.stopped:
                self._plan(slot, items, registry, report)
        self._send_pending(everything, registry, approved_now, report)
        self._warn_if_short(report)
        if not self.on or not items:
            return []
        taken = self.taken(items)
        return [i for i in items if covered(i, registry, taken)]

    def _plan(
        self, slot: datetime, items: Sequence[Submission], registry: Registry,
        report: CycleReport,
    ) -> None:
        order = self.ledger.event_times("decided:approved")
        shares, problems = plan(items, registry, self.taken(items), order)
        for item_id, problem in problems.items():
            report.notes.append(f"{item_id}: {problem}")
        rid = run_id(slot)
        sender = self.office.sender
        secret = office_secret(self.ledger)
        plans = []
        for share in sorted(shares, key=lambda s: s.email):
            key = f"{KIND}:{rid}:{share.email}"
            detail = json.dumps({
                "slot": slot.isoformat(), "items": list(share.items), "member": share.member_id,
                "name": share.name, "coordinator": share.coordinator,
            }, ensure_ascii=False)
            record = DeliveryRecord(
                key=key, kind=KIND, item_id=rid, recipient=share.email, channel="email",
                message_id=message_id(key, sender, secret), status="pending", detail=detail,
            )
            plans.append((record, share.items))
        # The run's time is committed with its plan: a crash leaves both or neither.
        self.ledger.plan_digests(plans, self.clock(), {LAST_RUN: slot.isoformat()})
        if plans:
            report.notes.append(
                f"สรุปข่าว {format_datetime(slot)}: วางแผนส่ง {len(plans)} ฉบับ"
            )

    def _send_pending(
        self, everything: Sequence[Submission], registry: Registry, approved_now: set[str],
        report: CycleReport,
    ) -> DispatchResult:
        rows = self.ledger.unsettled(KIND)
        if not rows:
            return DispatchResult()
        by_id = {i.id: i for i in everything if i.valid}
        # Only what the window lets go now is built; the rest stays pending, unrendered.
        window = self.quota.window(self.clock())
        room = window.left(PRIORITY)
        envelopes: list[Outgoing] = []
        held = 0
        for row in rows:
            detail = json.loads(row.detail or "{}")
            carried = [by_id[i] for i in detail.get("items", [])
                       if i in by_id and i in approved_now]
            if row.recipient in registry.suppressed:
                self._cancel(row, "ผู้รับขอยกเลิกการรับข่าวแล้ว")
            elif not carried:
                self._cancel(row, "ข่าวในสรุปนี้ถูกถอนการอนุมัติหรือลบทั้งหมด")
            elif len(envelopes) >= room:
                held += 1
            else:  # rendered by the session that sends it, when it does
                envelopes.append(Outgoing(row.key, KIND, row.item_id, row.recipient, PRIORITY,
                                          partial(self._envelope, row, detail, carried)))
        if held:
            hold(report, held, waiting_note(window, PRIORITY))
        return self.send_fn(envelopes, report, False)

    def _cancel(self, row: DeliveryRecord, why: str) -> None:
        at = self.clock()
        self.ledger.finish(row.key, "failed", at, f"ไม่ได้ส่ง: {why}")
        if row.attempts > 0:  # attempted before: the window counts it from now
            self.quota.recorded(row.key, at, row.recipient, row.kind)

    def _envelope(
        self, row: DeliveryRecord, detail: dict[str, Any], carried: list[Submission]
    ) -> Envelope:
        name = str(detail.get("coordinator") or detail.get("name") or "")
        context = self._context(
            datetime.fromisoformat(str(detail.get("slot"))), row.recipient,
            str(detail.get("name") or ""), str(detail.get("coordinator") or ""),
            str(detail.get("member") or ""), carried,
        )
        if self.addon is not None:
            context.update(self.addon(row.recipient, row.key))
        env = self.envelope(KIND, row.item_id, row.recipient, name or None, context, PRIORITY,
                            context["unsubscribe_url"])
        env.message["X-PR-Items"] = ",".join(i.id for i in carried)
        return env

    def _context(
        self, slot: datetime, email: str, name: str, coordinator: str, member: str,
        items: Sequence[Submission],
    ) -> dict[str, Any]:
        return {
            "office": self.office, "now": self.clock(), "slot": slot, "items": list(items),
            "recipient": Recipient(email, member, name, coordinator),
            "unsubscribe_url": self.unsubscribe_url(email), "survey": None,
        }

    # -- telling the officer and the director --------------------------------------------

    def _warn_if_short(self, report: CycleReport) -> None:
        """Once a day, when the mail waiting will not all fit in what is left of today."""
        backlog = self.quota.backlog()
        if not backlog:
            return
        now = self.clock()
        tz = zone(self.config)
        today = now.astimezone(tz).date()
        end = datetime.combine(today + timedelta(days=1), time(0, 0), tz)
        window = self.quota.window(now)
        capacity = window.capacity(end, PRIORITY)
        if backlog <= capacity:
            return
        office = self.config.office
        addresses, _bad = parse_addresses(
            ", ".join(a for a in (office.officer_email, office.director_email) if a)
        )
        day = f"Q-{today:%Y%m%d}"
        addresses = [a for a in dict.fromkeys(addresses)
                     if self.ledger.get(f"{WARNING}:{day}:{a}") is None]
        if not addresses:
            return
        context = {
            "office": self.office, "now": now, "backlog": backlog, "capacity": capacity,
            "limits": window.limits, "used": window.used,
            "frees_at": window.frees_at(PRIORITY, count=min(backlog, window.limits.per_day)),
            "blocked_until": window.blocked_until, "blocked_reason": window.blocked_reason,
        }
        self.send_fn(
            [self.envelope(WARNING, day, a, None, context, NOTICE) for a in addresses],
            report, True,
        )

    # -- preview -----------------------------------------------------------------------

    def preview(
        self, items: Sequence[Submission], registry: Registry, email: str | None
    ) -> Preview:
        """The next digest as it stands now, for ``email`` (default: the first recipient)."""
        now = self.clock()
        slot = next_digest(self.config, self.ledger, now) or now
        candidates = [i for i in items if not i.urgent]
        shares, _problems = plan(candidates, registry, self.taken(candidates),
                                 self.ledger.event_times("decided:approved"))
        shares.sort(key=lambda s: s.email)
        wanted = email.strip().casefold() if email else None
        share = next((s for s in shares if wanted in (None, s.email.casefold())), None)
        if share is None:
            return Preview(slot, email or "", (), None, len(shares))
        by_id = {i.id: i for i in candidates}
        carried = tuple(by_id[i] for i in share.items)
        context = self._context(slot, share.email, share.name, share.coordinator,
                                share.member_id, carried)
        return Preview(slot, share.email, carried, self.renderer.render(KIND, context),
                       len(shares))
