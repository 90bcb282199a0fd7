"""Publishing approved items: the news board and channels first, then the e-mail — at once
(urgent, per-item) or through the next digest — and the submitter told once it is out.

A part of the cycle of its own (mixed into ``automation.core.cycle.Worker``).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from automation.core import approval
from automation.core.digest import Digests
from automation.core.dispatch import Dispatcher, DispatchResult, Outgoing
from automation.core.intake import parse_submissions
from automation.core.mailer import MailService, envelope_key
from automation.core.pictures import with_pictures
from automation.core.planning import hold
from automation.core.quota import waiting_note
from automation.core.registry import audience_of
from automation.core.render import Rendered
from automation.core.rowmemo import Earlier
from automation.core.services import BULLETIN, URGENT, Services, Snapshot
from automation.core.timetable import digest_due
from automation.core.trust import SENDER_EVENT
from automation.core.views import OfficeView
from automation.errors import DeliveryError
from automation.model import CycleReport, Decision, Problem, Recipient, Registry, Submission
from automation.ports import DeliveryRecord, Envelope
from automation.thaidate import BANGKOK

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from automation.config import Config


class Publishing:
    """The cycle's publish step, and a bulletin's preview."""

    s: Services
    config: Config
    office: OfficeView
    tabs: Any
    aliases: Mapping[str, Any]
    board: str
    mail: MailService
    dispatcher: Dispatcher
    digests: Digests
    _edits: set[str]
    _hold: str
    _posted: set[str]

    if TYPE_CHECKING:  # provided by the Worker this is mixed into
        def _send(self, envelopes: Sequence[Envelope | Outgoing], report: CycleReport,
                  notices: bool = False) -> DispatchResult: ...

        def _notice(self, kind: str, item: Submission) -> Envelope: ...

    def due(self, snap: Snapshot) -> list[Submission]:
        today = self.s.clock().astimezone(BANGKOK).date()
        published = self.s.ledger.event_times("published")
        return [
            i for i in snap.items
            if i.valid and i.decision is Decision.APPROVED and i.id not in published
            and i.id not in self._edits
            and (i.publish_after is None or i.publish_after <= today)
        ]

    def publish(self, snap: Snapshot, report: CycleReport) -> None:
        due = self.due(snap)
        self._hold = snap.registry.unreadable
        if self._hold:
            # Nobody can be chosen from the registry: nothing is published (or marked so)
            # until it is fixed; the next cycle after the fix publishes by itself.
            if due:
                report.problems.append(Problem(
                    self.tabs.registry, f"พักการเผยแพร่ข่าวที่อนุมัติแล้ว {len(due)} รายการ: "
                    f"{self._hold}; ระบบจะเผยแพร่เองเมื่อแก้ทะเบียนแล้ว", row=1))
            return
        self._posted = set(self.s.ledger.event_times("posted"))
        self.dispatcher.quota.waiting = 0
        # Pictures first: the board, the e-mails and the channels show the same ones.
        pictured = with_pictures(self.s.media, due, snap.form, self.aliases["form"],
                                 self.board, report)
        if pictured:
            due = [pictured.get(i.id, i) for i in due]
            snap.items = [pictured.get(i.id, i) for i in snap.items]
        # Publishers finish every cycle, even a quiet one: they retry deferred posts and
        # refresh pages built from the registry.
        # Approval is read again only when something leaves in this cycle: items that merely
        # wait on the board for the next digest cost no extra read of the sheet.
        leaving = [i for i in due if not (self.digests.wants(i) and i.id in self._posted)]
        digest_now = bool(due) and (
            digest_due(self.config, self.s.ledger, self.s.clock()) is not None
        )
        if leaving or digest_now or self.digests.waiting():
            approved_now = self._recheck(snap)
        else:
            approved_now = {i.id for i in due}
        published: list[Submission] = []
        by_digest: list[Submission] = []
        for item in sorted(due, key=lambda i: (not i.urgent, i.row)):
            if self.s.stop.is_set():
                report.stopped = True
                break
            if (self.s.clock() - snap.read_at).total_seconds() > self.s.recheck_seconds:
                approved_now = self._recheck(snap)
            if item.id not in approved_now:
                report.notes.append(f"{item.id}: การอนุมัติถูกถอนก่อนส่ง ไม่ได้ส่ง")
                continue
            report.approved += 1
            if self.digests.wants(item):
                # The board and channels have it now; its e-mail waits for the digest.
                self._post(item, report)
                by_digest.append(item)
            elif self._publish_item(item, snap.registry, report):
                published.append(item)
        if not self.s.stop.is_set():
            ready = self.digests.run(by_digest, snap.items, snap.registry, approved_now, report)
            for item in ready:
                if item.id in self._posted:
                    self._published(item, report)
                    published.append(item)
        for publisher in self.s.publishers:
            try:
                publisher.finish(published, snap.registry, self.s.clock())
            except DeliveryError as exc:
                report.notes.append(f"{publisher.name}: {exc}")

    def _recheck(self, snap: Snapshot) -> set[str]:
        """Read the approval column again right before sending (people may un-tick it)."""
        fresh = self.s.sheet.read([self.tabs.form])[self.tabs.form]
        # Parsed exactly as the cycle parsed it, so an unchanged row has an unchanged text;
        # a row that reads as it did then is the cycle's own (``automation.core.rowmemo``).
        items, _problems = parse_submissions(
            fresh, self.aliases["form"], snap.registry,
            max_title=self.config.publish.max_title, max_body=self.config.publish.max_body,
            identities=snap.identities,
            earlier=Earlier(snap.form, snap.items, snap.identities.by_id),
        )
        snap.read_at = self.s.clock()
        # ... and the text: an item edited since its approval does not go.
        ok, changed = approval.still_approved(
            items, self.s.ledger.event_details(approval.APPROVED))
        changed -= set(self.s.ledger.event_times("published"))
        if changed - self._edits:
            self.s.ledger.set_events([(i, approval.EDITED, snap.read_at, "1")
                                      for i in changed - self._edits])
            self._edits |= changed
        return ok - self._edits

    def _post(self, item: Submission, report: CycleReport) -> bool:
        """Hand the item to the news board and channels until every one has taken it."""
        if item.id in self._posted:
            return True
        taken = True
        for publisher in self.s.publishers:
            try:
                publisher.publish(item, self.s.clock())
            except DeliveryError as exc:
                taken = False
                report.notes.append(f"{item.id} {publisher.name}: {exc}")
        if taken:
            self.s.ledger.add_event(item.id, "posted", self.s.clock())
            self._posted.add(item.id)
        return taken

    def _published(self, item: Submission, report: CycleReport) -> None:
        """Out on every channel it goes to: record it and tell the submitter."""
        if self.s.ledger.add_event(item.id, "published", self.s.clock()):
            report.published += 1
        if item.email:  # its address has had approved news published: notices may echo
            self.s.ledger.add_event(item.id, SENDER_EVENT, self.s.clock(), item.email)
        if self.config.publish.notify_submitters and item.email:
            self._send([self._notice("approved", item)], report, notices=True)

    def _publish_item(self, item: Submission, registry: Registry, report: CycleReport) -> bool:
        posted = self._post(item, report)
        recipients, problem = audience_of(registry, item)
        if problem:
            report.problems.append(Problem(self.tabs.form, problem, item.id, item.row,
                                           self.aliases["form"]["audience"][0]))
            return False
        # Marked urgent after a digest was planned: those recipients already have it.
        in_digests = self.s.ledger.digest_pairs([item.id])
        priority = URGENT if item.urgent else BULLETIN
        window = self.dispatcher.quota.window(self.s.clock())
        room = window.left(priority)
        envelopes: list[Outgoing] = []
        held = 0
        keys = [envelope_key("bulletin", item.id, r.email) for r in recipients]
        records = self.s.ledger.get_many(keys)
        for r, key in zip(recipients, keys, strict=True):
            if (item.id, r.email) in in_digests or _settled(records.get(key)):
                continue
            if len(envelopes) >= room:
                held += 1  # the window has no room: not even rendered this cycle
                continue
            # Rendered by the session that sends it, when it does: one message in memory
            # per connection, whatever the audience; until then, only who and what.
            envelopes.append(Outgoing(key, "bulletin", item.id, r.email, priority,
                                      partial(self._bulletin, item, r, priority)))
        result = self._send(envelopes, report)
        self.dispatcher.quota.waiting += held + result.deferred
        if held:
            hold(report, held, waiting_note(window, priority))
        if result.deferred or result.stopped or held or not posted:
            return False
        self._published(item, report)
        return True

    def _bulletin(self, item: Submission, r: Recipient, priority: int) -> Envelope:
        context = self._bulletin_context(item, r)
        return self.mail.envelope("bulletin", item.id, r.email, r.coordinator or r.name,
                                  context, priority, unsubscribe=context["unsubscribe_url"])

    def _bulletin_context(self, item: Submission, recipient: Recipient) -> dict[str, Any]:
        return {
            "office": self.office, "now": self.s.clock(), "item": item, "recipient": recipient,
            "unsubscribe_url": self.mail.unsubscribe_url(recipient.email),
        }

    def preview(self, item: Submission, recipient: Recipient | None) -> tuple[Rendered, str]:
        """The bulletin as ``recipient`` (or a sample member) would receive it."""
        r = recipient or Recipient(self.mail.delivery.sender, "-", self.office.name)
        return self.s.renderer.render("bulletin", self._bulletin_context(item, r)), r.email


def _settled(record: DeliveryRecord | None) -> bool:
    return record is not None and record.status in ("sent", "failed")
