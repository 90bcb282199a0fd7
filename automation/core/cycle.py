"""One publishing cycle: sheet → approval → notices → bulletins → ledger → status.

Every job is a method so the scheduler can run them on their own timetables; ``cycle``
runs them all in order, as ``automation run --once`` does.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from automation.config import FORM_WORKER_FIELDS, Config
from automation.core import columns, message, resubmit
from automation.core.digest import Digests, digest_due, hold, merge_counts
from automation.core.dispatch import Clock, Dispatcher, DispatchPolicy, DispatchResult
from automation.core.intake import Identities, parse_submissions
from automation.core.links import sheet_location
from automation.core.quota import Quota, limits, waiting_note
from automation.core.registry import audience_of, parse_registry
from automation.core.render import Rendered, Renderer
from automation.core.table import Sheet, find_columns
from automation.core.views import OfficeView, item_url, worker_cells
from automation.errors import DeliveryError, SheetError
from automation.model import (
    CycleReport,
    Decision,
    Problem,
    Recipient,
    Registry,
    Submission,
    Tab,
)
from automation.ports import Envelope, Ledger, MailTransport, Publisher
from automation.text import parse_addresses
from automation.thaidate import BANGKOK

NOTICE, DIGEST, URGENT, BULLETIN, REPORT = 1, 2, 3, 5, 8


@dataclass
class Snapshot:
    """One read of the sheet, parsed."""

    form: Tab
    registry: Registry
    items: list[Submission]
    problems: list[Problem]
    read_at: datetime
    identities: Identities = field(default_factory=lambda: Identities({}))


@dataclass(frozen=True)
class Parsed:
    """One parse of the tabs, with what identifies its inputs."""

    form: int
    registry_tab: int
    fingerprints: dict[str, str]
    registry: Registry
    identities: Identities
    items: list[Submission]
    problems: list[Problem]


Parse = Callable[[Tab, Tab, "Tab | None", dict[str, str], "Registry | None"],
                 tuple[Registry, Identities, list[Submission], list[Problem]]]


# Form columns the worker writes back and parsing never reads. A poll right after a status
# write would otherwise parse every submission again for cells it ignores.
UNPARSED = ("status", "published_at", "delivery", "link")


def form_digest(form: Tab, aliases: Mapping[str, Sequence[str]]) -> int:
    """``digest`` of the form, blind to the UNPARSED columns' values. Parsing sees those
    cells only in one way, whether a row is blank (a blank row is skipped), so each row
    keeps a flag for "something there" in them."""
    skip = sorted({c - 1 for f, c in find_columns(form, aliases).by_field.items()
                   if f in UNPARSED}, reverse=True)
    if not skip or len(form.rows) < 2:
        return digest(form)
    body = []
    for row in form.rows[1:]:
        kept = list(row)
        filled = False
        for i in skip:
            if i < len(kept):
                filled = filled or kept[i] not in (None, "")
                del kept[i]
        body.append((filled, tuple(kept)))
    return hash((form.title, tuple(form.rows[0]), tuple(body)))


def digest(*tabs: Tab | None) -> int:
    """Tabs' content in one number: equal tabs give equal numbers (a 64-bit hash, so
    different tabs practically never do; the approval is read again before anything
    leaves in any case)."""
    return hash(tuple(None if t is None else (t.title, tuple(map(tuple, t.rows)))
                      for t in tabs))


class ParseCache:
    """The last parse, reused while its inputs are unchanged.

    A worker left running polls every few minutes, and most polls find the sheet as it
    was: parsing 30,000 registry rows and 10,000 submissions again would be most of the
    cycle. Parsing is a pure function of the tabs and the known fingerprints, so the same
    inputs give the earlier result. The registry is kept on its own: an approval ticked in
    the form does not re-parse the registry. Only digests of the tabs are kept, not the
    tabs, so a changed sheet is never held twice.
    """

    def __init__(self, form_aliases: Mapping[str, Sequence[str]]) -> None:
        self.form_aliases = form_aliases
        self.last: Parsed | None = None

    def refresh(self, form: Tab, registry_tab: Tab, suppression: Tab | None,
                fingerprints: dict[str, str], parse: Parse) -> Parsed:
        last = self.last
        form_key = form_digest(form, self.form_aliases)
        registry_key = digest(registry_tab, suppression)
        same_registry = last is not None and last.registry_tab == registry_key
        if (last is not None and same_registry and last.form == form_key
                and last.fingerprints == fingerprints):
            return last
        known = last.registry if last is not None and same_registry else None
        self.last = None  # let the old parse go before the new one is built
        parsed = parse(form, registry_tab, suppression, fingerprints, known)
        self.last = Parsed(form_key, registry_key, fingerprints, *parsed)
        return self.last


@dataclass
class Services:
    config: Config
    sheet: Sheet
    ledger: Ledger
    transport: MailTransport
    renderer: Renderer
    clock: Clock
    publishers: Sequence[Publisher] = ()
    stop: threading.Event = field(default_factory=threading.Event)
    on_sent: Callable[[Envelope, str], None] | None = None
    recheck_seconds: float = 60.0
    # How the worker waits (backoff after a provider asks to slow down); tests pass a
    # simulated clock's advance.
    sleep: Callable[[float], None] = time.sleep
    # Jobs that bring news in before the sheet is read (the office mailbox), given the
    # steps to skip; each reports into the cycle report, never raising for a dead server.
    inbound: Sequence[Callable[[CycleReport, Collection[str]], None]] = ()


class Worker:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.config = services.config
        self.tabs = services.config.sheets.tabs
        self.aliases = {
            t: services.config.sheets.columns.aliases(t)
            for t in ("form", "registry", "suppression")
        }
        mail = services.config.mail
        quota = limits(mail)
        self.dispatcher = Dispatcher(
            services.ledger,
            services.transport,
            services.clock,
            DispatchPolicy(
                connections=quota.connections,
                # The outbox is a folder, not a provider: no reason to pace it.
                rate_per_minute=quota.messages_per_minute if mail.transport == "smtp" else 10**9,
                daily_limit=quota.messages_per_day,
                retries=mail.retries,
            ),
            stop=services.stop,
            on_sent=services.on_sent,
            sleep=services.sleep,
            quota=Quota(quota, services.ledger),
        )
        office = services.config.office
        self.office = OfficeView(office.name, office.website, mail.sender, office.form_url)
        self.digests = Digests(
            services.config, services.ledger, services.renderer, services.clock, self.office,
            self.dispatcher.quota, self._envelope,
            lambda envelopes, report, notices: self._send(envelopes, report, notices),
            self._unsubscribe_url,
        )
        # The news board may live elsewhere than the office's home page.
        self.board = services.config.site.base_url or office.website
        self._secret_cache: bytes | None = None
        self._parsed = ParseCache(self.aliases["form"])
        self._posted: set[str] = set()
        self._found: list[Problem] = []  # this cycle's findings about the form's columns

    # -- reading -----------------------------------------------------------------

    def load(self) -> Snapshot:
        tabs = self.tabs
        read = self.s.sheet.read([tabs.form, tabs.registry, tabs.suppression])
        parsed = self._parsed.refresh(
            read[tabs.form], read[tabs.registry], read.get(tabs.suppression),
            self.s.ledger.event_details("fingerprint"), self._parse,
        )
        return Snapshot(
            read[tabs.form], parsed.registry, list(parsed.items), list(parsed.problems),
            self.s.clock(), parsed.identities,
        )

    def _parse(
        self, form: Tab, registry_tab: Tab, suppression: Tab | None,
        fingerprints: dict[str, str], registry: Registry | None,
    ) -> tuple[Registry, Identities, list[Submission], list[Problem]]:
        if registry is None:
            registry = parse_registry(
                registry_tab, self.aliases["registry"], suppression, self.aliases["suppression"],
            )
        identities = Identities(fingerprints)
        items, problems = parse_submissions(
            form, self.aliases["form"], registry,
            max_title=self.config.publish.max_title, max_body=self.config.publish.max_body,
            identities=identities,
        )
        items = [replace(i, url=item_url(self.board, i.id)) for i in items]
        return registry, identities, items, problems

    # -- the whole cycle -----------------------------------------------------------

    # Steps a scheduled job may leave out; reading, recording and writing status always run.
    STEPS = ("mailbox", "notify", "publish", "director_digest", "officer_report")

    def cycle(self, skip: Collection[str] = ()) -> CycleReport:
        report = CycleReport(started=self.s.clock())
        requests_before = self.s.sheet.backend.requests
        for job in self.s.inbound:
            job(report, skip)
        snap = self.load()
        report.submissions = len(snap.items)
        report.problems.extend(snap.problems)
        for item in snap.items:
            report.problems.extend(item.problems)
        report.problems.extend(snap.registry.problems)
        self._found = columns.findings(snap.form, self.aliases["form"])
        report.problems.extend(self._found)
        report.new_items = self.record(snap)
        if "notify" not in skip:
            self.notify(snap, report)
        if "publish" not in skip:
            self.publish(snap, report)
        if "director_digest" not in skip:
            self.director_digest(snap, report)
        if "officer_report" not in skip:
            self.officer_report(report)
        self.write_back(snap, report)
        report.sheet_requests = self.s.sheet.backend.requests - requests_before
        report.finished = self.s.clock()
        return report

    def record(self, snap: Snapshot) -> int:
        """Remember when each item was first seen and decided (for reports and waits)."""
        now = self.s.clock()
        known = self.s.ledger.event_times("submitted")
        events: list[tuple[str, str, datetime, str]] = []
        for item in snap.items:
            if item.id not in known:
                events.append((item.id, "submitted", item.submitted_at or now, item.school))
                events.append((item.id, "fingerprint", now, item.fingerprint))
            if item.decision in (Decision.APPROVED, Decision.REJECTED, Decision.RETURNED):
                events.append((item.id, f"decided:{item.decision.value}", now, ""))
        self.s.ledger.add_events(events)
        return sum(1 for i in snap.items if i.id not in known)

    # -- notices to submitters -------------------------------------------------------

    def notify(self, snap: Snapshot, report: CycleReport) -> None:
        publish = self.config.publish
        now = self.s.clock()
        horizon = now - timedelta(days=publish.acknowledge_days)
        settled = self.s.ledger.settled_keys(("ack", "rejected", "returned", "approved"))
        # Told at publishing; told here when a crash came between the two (at most once).
        published = self.s.ledger.event_times("published") if publish.notify_submitters else {}
        envelopes: list[Envelope] = []
        for item in snap.items:
            if not item.email or not item.valid:
                continue
            kinds = []
            if publish.acknowledge and (item.submitted_at is None or item.submitted_at >= horizon):
                kinds.append("ack")
            if publish.notify_submitters and item.decision is Decision.REJECTED:
                kinds.append("rejected")
            if publish.notify_submitters and item.decision is Decision.RETURNED:
                kinds.append("returned")
            if item.id in published and published[item.id] >= horizon:
                kinds.append("approved")
            envelopes.extend(
                self._notice(kind, item) for kind in kinds
                if _key(kind, item.id, item.email) not in settled
            )
        self._send(envelopes, report, notices=True)

    def _notice(self, kind: str, item: Submission) -> Envelope:
        context = {"office": self.office, "now": self.s.clock(), "item": item}
        return self._envelope(kind, item.id, item.email, item.sender_name, context, NOTICE)

    # -- publishing ----------------------------------------------------------------

    def due(self, snap: Snapshot) -> list[Submission]:
        today = self.s.clock().astimezone(BANGKOK).date()
        published = self.s.ledger.event_times("published")
        return [
            i for i in snap.items
            if i.valid and i.decision is Decision.APPROVED and i.id not in published
            and (i.publish_after is None or i.publish_after <= today)
        ]

    def publish(self, snap: Snapshot, report: CycleReport) -> None:
        due = self.due(snap)
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
        items, _problems = parse_submissions(
            fresh, self.aliases["form"], None, identities=snap.identities
        )
        snap.read_at = self.s.clock()
        return {i.id for i in items if i.decision is Decision.APPROVED}

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
        envelopes: list[Envelope] = []
        held = 0
        for r in recipients:
            if (item.id, r.email) in in_digests or _settled(
                self.s.ledger, _key("bulletin", item.id, r.email)
            ):
                continue
            if len(envelopes) >= room:
                held += 1  # the window has no room: not even rendered this cycle
                continue
            context = self._bulletin_context(item, r)
            envelopes.append(self._envelope(
                "bulletin", item.id, r.email, r.coordinator or r.name, context,
                priority,
                unsubscribe=context["unsubscribe_url"],
            ))
        result = self._send(envelopes, report)
        self.dispatcher.quota.waiting += held + result.deferred
        if held:
            hold(report, held, waiting_note(window, priority))
        if result.deferred or result.stopped or held or not posted:
            return False
        self._published(item, report)
        return True

    def _unsubscribe_url(self, email: str) -> str:
        unsubscribe_to = self.config.mail.unsubscribe or self.config.mail.sender
        token = message.unsubscribe_token(self._secret(), email)
        return message.unsubscribe_mailto(unsubscribe_to, token, email)

    def _bulletin_context(self, item: Submission, recipient: Recipient) -> dict[str, Any]:
        unsubscribe_to = self.config.mail.unsubscribe or self.config.mail.sender
        token = message.unsubscribe_token(self._secret(), recipient.email)
        return {
            "office": self.office, "now": self.s.clock(), "item": item, "recipient": recipient,
            "unsubscribe_url": message.unsubscribe_mailto(unsubscribe_to, token, recipient.email),
        }

    def preview(self, item: Submission, recipient: Recipient | None) -> tuple[Rendered, str]:
        """The bulletin as ``recipient`` (or a sample member) would receive it."""
        r = recipient or Recipient(self.config.mail.sender, "-", self.office.name)
        return self.s.renderer.render("bulletin", self._bulletin_context(item, r)), r.email

    # -- the director and the officer ------------------------------------------------

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
        waiting = [i for i in snap.items if i.valid and i.decision is Decision.PENDING]
        if not waiting:
            return
        pending = [
            _Waiting(i, max(0, (now - (i.submitted_at or now)).days)) for i in waiting
        ]
        pending.sort(key=lambda w: -w.waiting_days)
        context = {"office": self.office, "now": now, "pending": pending,
                   "oldest_days": pending[0].waiting_days,
                   "sheet": sheet_location(self.config.sheets)}
        addresses, _bad = parse_addresses(self.config.office.director_email)
        self._send(
            [self._envelope("director_digest", f"digest-{day}", a, None, context, DIGEST)
             for a in addresses],
            report, notices=True,
        )

    def officer_report(self, report: CycleReport) -> None:
        if not self.config.publish.officer_report or not self.config.office.officer_email:
            return
        # The form's column findings are told once; the key still counts them, so the report
        # after the one that told them is not sent again for them alone.
        shown = columns.untold(self.s.ledger, report.problems)
        if not shown:
            return
        fingerprint = hashlib.sha256(
            "\n".join(sorted(str(p) for p in report.problems)).encode()
        ).hexdigest()[:12]
        context = {
            "office": self.office, "now": self.s.clock(),
            "problems": [p for p in shown if p.severity == "error"],
            "warnings": [p for p in shown if p.severity != "error"],
        }
        addresses, _bad = parse_addresses(self.config.office.officer_email)
        self._send(
            [self._envelope("officer_report", f"problems-{fingerprint}", a, None, context, REPORT)
             for a in addresses],
            report, notices=True,
        )
        columns.remember(self.s.ledger, self._found)

    # -- status back to the sheet -------------------------------------------------------

    def write_back(self, snap: Snapshot, report: CycleReport) -> None:
        ledger = self.s.ledger
        counts = merge_counts(ledger.counts("bulletin"), ledger.digest_counts())
        published = ledger.event_times("published")
        today = self.s.clock().astimezone(BANGKOK).date()
        digest_note = self.digests.note()
        desired = {}
        for item in snap.items:
            waiting = ""
            if item.publish_after is not None and item.publish_after > today:
                waiting = "รอวันเผยแพร่"
            elif self.digests.wants(item):
                waiting = digest_note
            desired[item.id] = worker_cells(
                item, counts.get(item.id, {}), published.get(item.id), waiting
            )
        for old, new in resubmit.replaced(snap.items).items():
            if old in desired and not published.get(old):
                desired[old].update(resubmit.cells(new))
        fields = [f for f in FORM_WORKER_FIELDS if f != "source"]
        try:
            result = self.s.sheet.update(
                self.tabs.form, self.aliases["form"], fields, snap.identities.key_of, desired,
                current=snap.form,
            )
        except SheetError as exc:
            report.notes.append(f"บันทึกสถานะลงชีตไม่ได้: {exc}")
            return
        report.sheet_writes = result.cells
        if result.skipped:
            report.notes.append(f"บันทึกสถานะลงชีตไม่ได้ในรอบนี้: {result.skipped}")
        for key in result.missing:
            report.notes.append(f"{key}: แถวถูกลบจากชีตระหว่างรอบ; ไม่ได้บันทึกสถานะ")

    # -- helpers -------------------------------------------------------------------

    def _secret(self) -> bytes:
        if self._secret_cache is not None:
            return self._secret_cache
        value = self.s.ledger.get_state("unsubscribe_secret")
        if value is None:
            value = secrets.token_hex(32)
            self.s.ledger.set_state("unsubscribe_secret", value)
        self._secret_cache = bytes.fromhex(value)
        return self._secret_cache

    def _envelope(
        self, kind: str, item_id: str, recipient: str, name: str | None,
        context: dict[str, Any], priority: int, unsubscribe: str | None = None,
    ) -> Envelope:
        key = _key(kind, item_id, recipient)
        mail = self.config.mail
        msg_id = message.message_id(key, mail.sender)
        one_click = None
        if unsubscribe and self.config.unsubscribe.base_url:
            one_click = message.one_click_url(
                self.config.unsubscribe.base_url, self._secret(), recipient
            )
        sender = mail.sender
        if self.config.bounces.verp:
            sender = message.return_path(mail.sender, item_id, key, self._secret())
        msg = message.build(
            rendered=self.s.renderer.render(kind, context),
            sender=mail.sender,
            sender_name=mail.sender_name or self.office.name,
            recipient=recipient,
            recipient_name=name,
            msg_id=msg_id,
            now=self.s.clock(),
            reply_to=mail.reply_to,
            unsubscribe=unsubscribe,
            headers={"X-PR-Kind": kind, "X-PR-Item": item_id},
            one_click=one_click,
        )
        return Envelope(key, kind, item_id, recipient, msg_id, sender, msg, priority)

    def _send(
        self, envelopes: list[Envelope], report: CycleReport, notices: bool = False
    ) -> DispatchResult:
        if not envelopes:
            return DispatchResult()
        result = self.dispatcher.send(envelopes)
        if notices:
            report.notices += result.sent
        else:
            report.sent += result.sent
        report.failed += result.failed
        report.deferred += result.deferred
        if result.stopped:
            report.notes.append(f"หยุดส่งชั่วคราว: {result.stopped}")
        return result


def _key(kind: str, item_id: str, recipient: str) -> str:
    return f"{kind}:{item_id}:{recipient}"


def _settled(ledger: Ledger, key: str) -> bool:
    record = ledger.get(key)
    return record is not None and record.status in ("sent", "failed")


@dataclass(frozen=True)
class _Waiting:
    item: Submission
    waiting_days: int
