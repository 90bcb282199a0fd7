"""One publishing cycle: sheet → approval → notices → bulletins → ledger → status.

Every job is a method so the scheduler can run them on their own timetables; ``cycle``
runs them all in order, as ``automation run --once`` does. What people are told lives in
``automation.core.notices``; what the cycle works with, in ``automation.core.services``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from automation.config import FORM_WORKER_FIELDS
from automation.core import approval, columns, resubmit
from automation.core.adopt import STATE, adopt, record_note
from automation.core.digest import LAST_RUN, Digests, digest_due, hold, merge_counts
from automation.core.dispatch import DispatchResult, Outgoing
from automation.core.intake import parse_submissions
from automation.core.mailer import MailService, envelope_key
from automation.core.notices import Notices
from automation.core.parsecache import ParseCache, program_stamp
from automation.core.quota import clock_fault, waiting_note
from automation.core.reading import Reading
from automation.core.registry import audience_of
from automation.core.render import Rendered
from automation.core.rowmemo import UNPARSED as UNPARSED
from automation.core.services import (
    BULLETIN,
    URGENT,
    Services,
    Snapshot,
)
from automation.core.trust import (
    SENDER_EVENT,
    first_cycle,
)
from automation.core.views import worker_cells
from automation.errors import DeliveryError, SheetError
from automation.model import (
    Cell,
    CycleReport,
    Decision,
    Problem,
    Recipient,
    Registry,
    Status,
    Submission,
)
from automation.ports import Envelope, Ledger
from automation.thaidate import BANGKOK


class Worker(Reading, Notices):
    def __init__(self, services: Services) -> None:
        self.s = services
        self.config = services.config
        self.tabs = services.config.sheets.tabs
        self.aliases = {
            t: services.config.sheets.columns.aliases(t)
            for t in ("form", "registry", "suppression")
        }
        self.mail = MailService(services)
        self.dispatcher = self.mail.dispatcher
        self.office = self.mail.office
        self.digests = Digests(
            services.config, services.ledger, services.renderer, services.clock, self.office,
            self.dispatcher.quota, self.mail.envelope,
            lambda envelopes, report, notices: self._send(envelopes, report, notices),
            self.mail.unsubscribe_url,
            services.digest_extras,
        )
        # The news board may live elsewhere than the office's home page.
        self.board = services.config.board_url
        ledger_path = services.config.ledger_path
        publish = services.config.publish
        self._parsed = ParseCache(
            self.aliases["form"], ledger_path.with_name(ledger_path.name + ".parsed"),
            (sorted(self.aliases.items()), self.board, publish.max_title,
             publish.max_body, program_stamp(), self.tabs),
        )
        self._posted: set[str] = set()
        # This cycle: approved items whose text changed since approval, items whose edit
        # waits for a new approval, why e-mail publication is held, what to tell the officer.
        self._edits: set[str] = set()
        self._edit_waiting: set[str] = set()
        self._hold = ""
        self._found: list[Problem] = []
        self._found_early: list[Problem] = []
        self._columns: list[Problem] = []  # this cycle's findings about the form's columns

    # -- the whole cycle -----------------------------------------------------------

    # Steps a scheduled job may leave out; reading, recording and writing status always run.
    STEPS = ("mailbox", "notify", "publish", "director_digest", "officer_report")

    def cycle(self, skip: Collection[str] = ()) -> CycleReport:
        report = CycleReport(started=self.s.clock())
        self.dispatcher.unusable = ""  # a new run tries the mail server again
        self.dispatcher.quota.refresh()  # the window is read once per cycle (and below)
        requests_before = self.s.sheet.backend.requests
        for job in self.s.inbound:
            job(report, skip)
        self.dispatcher.quota.refresh()  # the mailbox may have settled bounced mail
        try:
            snap = self.load()
        except SheetError as exc:
            # Nothing can be read: the run fails (exit code, status), and the officer — who
            # may not be watching the machine — is told by e-mail, once per distinct reason.
            report.fail(f"อ่านชีตไม่ได้: {exc}")
            if "officer_report" not in skip:
                self.officer_report(report)
            raise
        report.submissions = len(snap.items)
        report.problems.extend(snap.problems)
        for item in snap.items:
            report.problems.extend(item.problems)
        report.problems.extend(snap.registry.problems)
        first_cycle(self.s.ledger, report.started)  # before the first rows are recorded
        self._columns = columns.findings(snap.form, self.aliases["form"])
        report.problems.extend(self._columns)
        report.new_items = self.record(snap)
        report.problems.extend(self._found)
        if "notify" not in skip:
            self.notify(snap, report)
        if "publish" not in skip:
            self.publish(snap, report)
        if "director_digest" not in skip:
            self.director_digest(snap, report)
        self.write_back(snap, report)
        self._keep_written(report)
        if "officer_report" not in skip:
            self.officer_report(report)
        report.sheet_requests = self.s.sheet.backend.requests - requests_before
        report.finished = self.s.clock()
        return report

    def record(self, snap: Snapshot) -> int:
        """Remember when each item was first seen and decided (for reports and waits); take
        what the sheet shows for items a lost ledger forgot; bind approvals to the text."""
        now = self.s.clock()
        ledger = self.s.ledger
        known = ledger.event_times("submitted")
        self._found, self._found_early = self._found_early, []
        fault = clock_fault(ledger, now, ledger.get_state(LAST_RUN))
        if fault:
            self._found.append(Problem("", fault))
        adoption = adopt(snap.form, self.aliases["form"], snap.items, known, now)
        if adoption.problem is not None:
            ledger.add_events(adoption.events)
            ledger.set_state(STATE, record_note(adoption, now))
            self._found.append(adoption.problem)
        if snap.identities.corrected:
            ledger.set_events([(i, "fingerprint", now, fp)
                               for i, fp in snap.identities.corrected.items()])
        review = approval.review(
            snap.items, ledger.event_details(approval.APPROVED),
            ledger.event_details(approval.EDITED), ledger.event_times("published"), now,
        )
        ledger.set_events(review.events)
        self._edits, self._edit_waiting = review.edited, review.waiting
        events: list[tuple[str, str, datetime, str]] = []
        # Decisions recorded in earlier cycles are left alone (not offered to the ledger
        # again every cycle: ten thousand ignored inserts).
        decided = {d: ledger.event_details(f"decided:{d.value}")
                   for d in (Decision.APPROVED, Decision.REJECTED, Decision.RETURNED)}
        for item in snap.items:
            if item.id not in known:
                events.append((item.id, "submitted", item.submitted_at or now, item.school))
                events.append((item.id, "fingerprint", now, item.fingerprint))
            if item.decision in decided and item.id not in decided[item.decision]:
                events.append((item.id, f"decided:{item.decision.value}", now, ""))
        self.s.ledger.add_events(events)
        return sum(1 for i in snap.items if i.id not in known)


    # -- publishing ----------------------------------------------------------------

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
        # Parsed exactly as the cycle parsed it, so an unchanged row has an unchanged text.
        items, _problems = parse_submissions(
            fresh, self.aliases["form"], snap.registry,
            max_title=self.config.publish.max_title, max_body=self.config.publish.max_body,
            identities=snap.identities,
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
        for r in recipients:
            if (item.id, r.email) in in_digests or _settled(
                self.s.ledger, envelope_key("bulletin", item.id, r.email)
            ):
                continue
            if len(envelopes) >= room:
                held += 1  # the window has no room: not even rendered this cycle
                continue
            # Rendered by the session that sends it, when it does: one message in memory
            # per connection, whatever the audience; until then, only who and what.
            envelopes.append(Outgoing(
                envelope_key("bulletin", item.id, r.email), "bulletin", item.id, r.email,
                priority, partial(self._bulletin, item, r, priority),
            ))
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


    # -- status back to the sheet -------------------------------------------------------

    def write_back(self, snap: Snapshot, report: CycleReport) -> None:
        ledger = self.s.ledger
        counts = merge_counts(ledger.counts("bulletin"), ledger.digest_counts())
        published = ledger.event_times("published")
        withdrawn = ledger.event_times("withdrawn")
        today = self.s.clock().astimezone(BANGKOK).date()
        digest_note = self.digests.note()
        desired: dict[str, dict[str, Cell]] = {}
        for item in snap.items:
            waiting = ""
            if item.publish_after is not None and item.publish_after > today:
                waiting = "รอวันเผยแพร่"
            elif self.digests.wants(item):
                waiting = digest_note
            if self._hold and item.decision is Decision.APPROVED:
                waiting = f"พักการเผยแพร่: {self._hold}"
            desired[item.id] = dict(worker_cells(
                item, counts.get(item.id, {}), published.get(item.id), waiting
            ))
            if item.id in withdrawn and item.id in published:
                desired[item.id]["status"] = Status.WITHDRAWN.value
        for old, new in resubmit.replaced(snap.items).items():
            if old in desired and not published.get(old):
                desired[old].update(resubmit.cells(new))
        fields = [f for f in FORM_WORKER_FIELDS if f != "source"]
        cleared = approval.mark_edited(desired, snap.form, self.aliases["form"], snap.items,
                                       self._edits, self._edit_waiting, published)
        if cleared:
            fields.append("approval")
        try:
            result = self.s.sheet.update(
                self.tabs.form, self.aliases["form"], fields, snap.identities.key_of, desired,
                current=snap.form, current_keys={i.row: i.id for i in snap.items},
            )
        except SheetError as exc:
            report.fail(f"บันทึกสถานะลงชีตไม่ได้: {exc}")
            return
        if cleared and not result.skipped:
            # The approval cell is clear now: the next tick approves the text as it is.
            self.s.ledger.set_events([(i, approval.APPROVED, self.s.clock(), "")
                                      for i in cleared if i not in result.missing])
        report.sheet_writes = result.cells
        if result.skipped:
            report.notes.append(f"บันทึกสถานะลงชีตไม่ได้ในรอบนี้: {result.skipped}")
        for key in result.missing:
            report.notes.append(f"{key}: แถวถูกลบจากชีตระหว่างรอบ; ไม่ได้บันทึกสถานะ")

    # -- helpers -------------------------------------------------------------------

    def _send(
        self, envelopes: Sequence[Envelope | Outgoing], report: CycleReport,
        notices: bool = False,
    ) -> DispatchResult:
        if not envelopes:
            return DispatchResult()
        result = self.mail.send(envelopes)
        if notices:
            report.notices += result.sent
        else:
            report.sent += result.sent
        report.failed += result.failed
        report.deferred += result.deferred
        if result.unusable:
            report.fail(f"ส่งอีเมลไม่ได้: {result.unusable}")
        elif result.stopped and f"หยุดส่งชั่วคราว: {result.stopped}" not in report.notes:
            report.notes.append(f"หยุดส่งชั่วคราว: {result.stopped}")
        return result


def _settled(ledger: Ledger, key: str) -> bool:
    record = ledger.get(key)
    return record is not None and record.status in ("sent", "failed")
