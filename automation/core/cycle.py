"""One publishing cycle: sheet → approval → notices → bulletins → ledger → status.

Every job is a method so the scheduler can run them on their own timetables; ``cycle``
runs them all in order, as ``automation run --once`` does. What people are told lives in
``automation.core.notices``; what the cycle works with, in ``automation.core.services``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from automation.config import FORM_WORKER_FIELDS
from automation.core import approval, columns, resubmit
from automation.core.adopt import STATE, adopt, record_note
from automation.core.digest import Digests
from automation.core.dispatch import DispatchResult, Outgoing
from automation.core.mailer import MailService
from automation.core.notices import Notices
from automation.core.parsecache import ParseCache, program_stamp
from automation.core.planning import merge_counts
from automation.core.publishing import Publishing
from automation.core.quota import clock_fault
from automation.core.reading import Reading
from automation.core.rowmemo import UNPARSED as UNPARSED
from automation.core.services import (
    Services,
    Snapshot,
)
from automation.core.timetable import LAST_RUN
from automation.core.trust import (
    first_cycle,
)
from automation.core.views import desired_cells
from automation.errors import SheetError
from automation.model import (
    CycleReport,
    Decision,
    Problem,
    Submission,
)
from automation.ports import Envelope
from automation.thaidate import BANGKOK


class Worker(Reading, Notices, Publishing):
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
                self.officer_report(report, sheet_read=False)
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


    # -- status back to the sheet -------------------------------------------------------

    def write_back(self, snap: Snapshot, report: CycleReport) -> None:
        ledger = self.s.ledger
        counts = merge_counts(ledger.counts("bulletin"), ledger.digest_counts())
        published = ledger.event_times("published")
        withdrawn = ledger.event_times("withdrawn")
        today = self.s.clock().astimezone(BANGKOK).date()
        digest_note = self.digests.note()

        def waiting(item: Submission) -> str:
            if self._hold and item.decision is Decision.APPROVED:
                return f"พักการเผยแพร่: {self._hold}"
            if item.publish_after is not None and item.publish_after > today:
                return "รอวันเผยแพร่"
            return digest_note if self.digests.wants(item) else ""

        desired = desired_cells(snap.items, counts, published, withdrawn, waiting)
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
