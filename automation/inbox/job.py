"""One pass over the office mailbox, exactly-once.

1. Open the folder; compare its UIDVALIDITY with the one remembered (ledger state). A new
   value means the server renumbered the folder: it is read again from the start.
2. Fetch the header blocks of messages after the last UID seen. A Message-ID already
   recorded as processed (event ``inbox:<Message-ID>``) is only marked again.
3. Fetch the rest, classify them; count matched bounces and record unsubscribe requests
   in the ledger (each once per report / address and day).
4. One fresh read of the sheet. News whose ID is already in the form tab is not appended
   again, nor an address already on the suppression tab. One append per tab.
5. Confirmations of unsubscribe requests go out through the dispatcher (sent once).
6. Record every message as processed, then move it (or mark it read) and remember the
   last UID. A crash between any two steps repeats the later ones without duplicates.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from pathlib import Path

from automation.config import Config
from automation.core.intake import key_of
from automation.core.registry import parse_registry
from automation.core.services import Services
from automation.core.table import find_columns, rows
from automation.errors import AutomationError, SheetError
from automation.inbox import (
    auth,
    bounces,
    notices,
    parse,
    quarantine,
    suppress,
    unsubscribe,
)
from automation.inbox.classify import Kind, classify
from automation.inbox.dsn import read_dsn
from automation.inbox.imap import Fetched, ImapMailbox
from automation.inbox.news import Limits, NewsRow, build_row, identify
from automation.inbox.report import MailboxReport
from automation.inbox.settle import settle
from automation.inbox.sheetrows import append_rows
from automation.model import CycleReport, Member, Problem, Registry, Tab
from automation.ports import Ledger
from automation.text.lines import single_line
from automation.thaidate import BANGKOK

PROCESSED = "processed"
_BATCH = 10  # bodies fetched at a time: a stop request waits for at most these


@dataclass
class _Message:
    """One message of this pass and what to do with it."""

    uid: int
    key: str
    kind: Kind = Kind.NEWS
    leave: bool = False  # stays in the folder, unread, for the officer
    done: bool = False  # processed by an earlier pass; only marking is left
    ready: bool = False  # read (or judged) in this pass
    msg: Message | None = None
    received: datetime | None = None
    from_email: str = ""
    from_name: str = ""


def run_mailbox(services: Services, report: CycleReport | None = None) -> MailboxReport:
    result = MailboxReport(started=services.clock())
    imap = services.config.imap
    if not imap.enabled:
        result.enabled = False
    else:
        try:
            with ImapMailbox(imap, imap.password()) as box:
                _Pass(services, box, result).run()
        except AutomationError as exc:
            result.error = single_line(str(exc))
    result.finished = services.clock()
    if report is not None:
        report.problems.extend(result.problems)
        report.notes.extend(result.notes)
        if result.error:
            report.notes.append(f"กล่องจดหมาย: {result.error}")
    return result


def before_cycle(services: Services, report: CycleReport, skip: Collection[str]) -> None:
    """The cycle's inbound step: the mailbox pass, pending suppressions, officer notices."""
    if "mailbox" not in skip and services.config.imap.enabled:
        run_mailbox(services, report)
    # One-click requests the server could not put on the sheet, or a pass that stopped early.
    if suppress.pending(services.ledger):
        try:
            settle(services, None)
        except AutomationError as exc:
            report.notes.append(f"บันทึกรายชื่องดรับข่าวไม่ได้ในรอบนี้: {exc}")
    if "officer_report" not in skip:
        seen = {str(p) for p in report.problems}
        report.problems.extend(
            p for p in notices.unreported(services.ledger, services.clock()) if str(p) not in seen
        )


class _Pass:
    def __init__(self, services: Services, box: ImapMailbox, result: MailboxReport) -> None:
        self.s = services
        self.config: Config = services.config
        self.imap = services.config.imap
        self.ledger: Ledger = services.ledger
        self.box = box
        self.result = result
        self.now = services.clock()
        self.today = self.now.astimezone(BANGKOK).date()
        self.secret = unsubscribe.secret(self.ledger)
        mail = self.config.mail
        self.own = frozenset(
            a.lower() for a in (mail.sender, mail.unsubscribe or "", self.imap.username) if a
        )
        self.form_tab = self.config.sheets.tabs.form
        self.aliases = self.config.sheets.columns.aliases("form")
        self.bounced: list[str] = []
        self.attempts: dict[str, int] = {}
        self.unbuilt: list[int] = []  # news left for the next pass by a stop request

    # -- the pass --------------------------------------------------------------------

    def run(self) -> None:
        folder = self.imap.folder
        validity = self.box.select(folder)
        state_name = f"inbox:{self.imap.username}:{folder}"
        last = self._last_uid(state_name, validity)
        heads = self.box.headers(self.box.uids_after(last))
        messages, cut = self._sort_out(heads)
        try:
            stopped = self._read_all([m for m in messages if not (m.done or m.ready)])
            if stopped is not None:
                cut = stopped if cut is None else min(cut, stopped)
            # A message that vanished between the two fetches is simply not handled now.
            messages = [m for m in messages if m.done or m.ready]
            self.result.fetched = sum(1 for m in messages if not m.done)
            self._ingest([m for m in messages if m.ready])
            if self.unbuilt:
                cut = min([*self.unbuilt, *([cut] if cut is not None else [])])
                messages = [m for m in messages if m.done or m.ready]
                self._stopped(cut)
        except AutomationError:
            # A server failed, not a message: nobody is set aside for it.
            quarantine.close(self.ledger, self.attempts, self.attempts, self.now)
            raise
        self._finish(messages)
        newest = max((h.uid for h in heads if cut is None or h.uid < cut), default=last)
        self.ledger.set_state(state_name, f"{validity}:{max(newest, last)}")

    def _read_all(self, wanted: Sequence[_Message]) -> int | None:
        """Fetch and read ``wanted`` a few at a time; the first UID left when asked to stop."""
        for start in range(0, len(wanted), _BATCH):
            if self.s.stop.is_set():
                return self._stopped(wanted[start].uid)
            batch = [m for m in wanted[start:start + _BATCH] if not self._quarantined(m)]
            bodies = {f.uid: f for f in self.box.messages([m.uid for m in batch])}
            for m in batch:
                if self.s.stop.is_set():
                    return self._stopped(m.uid)
                if m.uid in bodies:
                    self._attempt(m)
                    self._read(m, bodies[m.uid])
                    quarantine.close(self.ledger, self.attempts, [m.key], self.now)
        return None

    def _stopped(self, uid: int) -> int:
        self.result.notes.append("หยุดอ่านกล่องจดหมายตามคำสั่ง; ฉบับที่เหลืออ่านต่อในรอบหน้า")
        return uid

    def _attempt(self, m: _Message) -> None:
        n = self.attempts[m.key] = quarantine.open_attempts(self.ledger, m.key)[1] + 1
        quarantine.begin(self.ledger, {m.key: n}, self.now)

    def _quarantined(self, m: _Message) -> bool:
        """Set aside a message earlier passes died on (see automation.inbox.quarantine)."""
        failed, _last = quarantine.open_attempts(self.ledger, m.key)
        if failed < quarantine.LIMIT:
            return False
        m.kind, m.leave, m.ready = Kind.AUTO, True, True
        self.result.left += 1
        self.result.problems.append(Problem(
            self.form_tab,
            f"อีเมล {single_line(m.key, 80)} ทำให้การอ่านกล่องจดหมายล้มเหลว {failed} ครั้ง; "
            f"กักไว้ ไม่อ่านอีก อ่านเองในโฟลเดอร์ '{self.imap.folder}'", severity="warning"))
        return True

    def _last_uid(self, state_name: str, validity: int) -> int:
        remembered = self.ledger.get_state(state_name)
        if not remembered:
            return 0
        old_validity, _, last = remembered.partition(":")
        if old_validity != str(validity):
            self.result.notes.append(
                f"โฟลเดอร์ '{self.imap.folder}' ถูกสร้างใหม่หรือเปลี่ยนเลขกำกับ (UIDVALIDITY "
                f"{old_validity} → {validity}); อ่านใหม่ทั้งโฟลเดอร์ ข้ามฉบับที่เคยรับแล้ว"
            )
            return 0
        return int(last or 0)

    def _sort_out(self, heads: Sequence[Fetched]) -> tuple[list[_Message], int | None]:
        """Messages of this pass, and the first UID left for the next one (too many)."""
        messages: list[_Message] = []
        fresh = 0
        cut: int | None = None
        limit = int(self.imap.max_message_mb * 1024 * 1024)
        for head in heads:
            headers = parse.parse_headers(head.data)
            m = _Message(head.uid, parse.message_key(headers, head.data), received=head.received)
            done = self._done(m.key)
            if done is not None:
                m.done, m.leave = True, done.endswith(":leave")
                messages.append(m)
                continue
            if cut is not None:
                continue
            if fresh >= self.imap.max_messages:
                cut = head.uid
                self.result.waiting = sum(1 for h in heads if h.uid >= head.uid)
                continue
            fresh += 1
            if head.size > limit:
                self._too_large(m, headers, head.size)
            messages.append(m)
        return messages, cut

    def _done(self, key: str) -> str | None:
        for _item, event, _at, detail in self.ledger.events(f"inbox:{key}"):
            if event == PROCESSED:
                return detail
        return None

    def _too_large(self, m: _Message, headers: Message, size: int) -> None:
        m.msg, m.kind, m.leave, m.ready = headers, Kind.AUTO, True, True
        who = parse.sender(headers)[0] or "?"
        self.result.left += 1
        self.result.problems.append(Problem(
            self.form_tab,
            f"อีเมลจาก {who} เรื่อง '{single_line(parse.subject(headers), 80)}' ใหญ่ "
            f"{size / 1024 / 1024:.0f} MB เกิน {self.imap.max_message_mb:g} MB; ไม่ได้รับเป็นข่าว "
            f"อ่านเองในโฟลเดอร์ '{self.imap.folder}'", severity="warning"))

    # -- one message ---------------------------------------------------------------------

    def _read(self, m: _Message, fetched: Fetched) -> None:
        m.ready = True
        try:
            msg = parse.parse(fetched.data)
            m.msg = msg
            m.from_email, m.from_name = parse.sender(msg)
            m.kind = classify(msg, m.from_email, self.own).kind
        except Exception as exc:  # a malformed message must not block the mailbox for good
            self._unreadable(m, exc)
            return
        if m.kind is Kind.BOUNCE:
            self._bounce(m, msg)
        elif m.kind is Kind.UNSUBSCRIBE:
            self._unsubscribe(m, msg)
        elif m.kind is Kind.REPLY:
            m.leave = True
            self.result.left += 1
            self.result.notes.append(
                f"อีเมลตอบกลับจาก {m.from_email or m.from_name} เรื่อง "
                f"'{single_line(parse.subject(msg), 80)}' รออ่านในโฟลเดอร์ '{self.imap.folder}'"
            )
        elif m.kind is not Kind.NEWS:
            self.result.skipped += 1

    def _unreadable(self, m: _Message, error: Exception) -> None:
        m.kind, m.leave = Kind.AUTO, True
        self.result.left += 1
        self.result.notes.append(
            f"อ่านอีเมล {single_line(m.key, 80)} ไม่ได้ ({type(error).__name__}); เก็บไว้ในโฟลเดอร์ "
            f"'{self.imap.folder}' ให้เจ้าหน้าที่อ่าน"
        )

    def _bounce(self, m: _Message, msg: Message) -> None:
        try:
            dsn = read_dsn(msg)
        except Exception as exc:  # see _read
            self._unreadable(m, exc)
            return
        bounce = bounces.resolve(self.ledger, dsn, self.secret, self.config.bounces)
        if bounce is None:
            m.leave = True
            self.result.left += 1
            # Told in the officer's report: it may be a real bounce the office cannot prove
            # (an old message, a provider quoting nothing) or a forged one.
            self.result.problems.append(Problem(
                self.config.sheets.tabs.suppression,
                f"รายงานอีเมลตีกลับเรื่อง '{single_line(parse.subject(msg), 80)}' จาก "
                f"{m.from_email or '?'} ไม่ตรงกับอีเมลที่ระบบส่ง (ไม่มีรหัสที่ระบบลงนามไว้); "
                f"ไม่ได้งดส่งข่าวถึงใคร เก็บไว้ในโฟลเดอร์ '{self.imap.folder}' ให้เจ้าหน้าที่อ่าน",
                severity="warning"))
            return
        bounces.record(self.ledger, bounce, m.key, self.now)
        self.result.bounces += 1
        if bounce.severity != "delayed":
            self.bounced.append(bounce.email)

    def _unsubscribe(self, m: _Message, msg: Message) -> None:
        text, _links = parse.body(msg)
        found = unsubscribe.mail_request(parse.subject(msg), text)
        if found and unsubscribe.valid(self.secret, *found):
            email = found[0]
            suppress.request(self.ledger, suppress.Request(
                email, suppress.UNSUBSCRIBED, f"ส่งอีเมลขอยกเลิกการรับข่าว (จาก {m.from_email})",
                self.today, confirm=self.config.unsubscribe.confirm_by_mail), self.now)
            self.result.unsubscribed += 1
            return
        m.leave = True
        self.result.left += 1
        self.result.problems.append(Problem(
            self.config.sheets.tabs.suppression,
            f"อีเมลขอยกเลิกรับข่าวจาก {m.from_email or m.from_name} ไม่มีรหัสยืนยันที่ถูกต้อง; "
            "ถ้าเป็นคำขอจริง ให้เพิ่มอีเมลในแท็บนี้เอง", severity="warning"))

    # -- the sheet -------------------------------------------------------------------------

    def _ingest(self, messages: Sequence[_Message]) -> None:
        news = [m for m in messages if m.kind is Kind.NEWS]
        tabs = self.config.sheets.tabs
        for email in dict.fromkeys(self.bounced):
            wanted = bounces.due(self.ledger, email, self.config.bounces, self.now, self.today)
            if wanted is not None and suppress.request(self.ledger, wanted, self.now):
                notice = Problem(tabs.suppression, f"งดส่งข่าวถึง {email}: {wanted.reason} — "
                                 f"{wanted.detail}", severity="warning")
                # Kept at once: the sheet step below may not survive to the end of the pass.
                notices.record(self.ledger, [notice], self.now)
                self.result.problems.append(notice)
        if not news and not suppress.pending(self.ledger):
            return
        read = self.s.sheet.read([tabs.form, tabs.registry, tabs.suppression])
        if news:
            self._append_news(news, read[tabs.form], self._owners(read))
        self.result.suppressed += len(settle(self.s, read[tabs.suppression]))

    def _owners(self, read: dict[str, Tab]) -> dict[str, Member]:
        tabs, columns = self.config.sheets.tabs, self.config.sheets.columns
        registry: Registry = parse_registry(read[tabs.registry], columns.aliases("registry"))
        owners: dict[str, Member] = {}
        for member in registry.members:
            for email in member.emails:
                owners.setdefault(email, member)
        return owners

    def _append_news(self, news: Sequence[_Message], form: Tab, owners: dict[str, Member]) -> None:
        columns = find_columns(form, self.aliases)
        missing = [f for f in ("title", "body") if f not in columns.by_field]
        if missing:
            names = ", ".join(f"'{self.aliases[f][0]}'" for f in missing)
            raise SheetError(f"แท็บ '{form.title}' ไม่มีคอลัมน์ {names}; รับข่าวทางอีเมลไม่ได้")
        existing = {key_of(row) for row in rows(form, columns)}
        publish = self.config.publish
        headers = {f: (columns.header(f) if f in columns.by_field else self.aliases[f][0])
                   for f in ("email", "images")}
        built: list[NewsRow] = []
        for m in news:
            assert m.msg is not None
            if self.s.stop.is_set():
                m.ready = False  # not recorded: the next pass takes it from here
                self.unbuilt.append(m.uid)
                continue
            limits = Limits(publish.max_title, publish.max_body)
            # Before any file is saved: a second e-mail with an ID already on the form
            # must not touch the files of the first.
            if identify(m.msg, m.from_email, m.received, limits) in existing:
                self.result.duplicates += 1
                continue
            self._attempt(m)  # the body and the files are read only now
            verdict = auth.check(m.msg, m.from_email, self.imap.authserv_id)
            try:
                row = build_row(
                    m.msg, from_email=m.from_email, from_name=m.from_name, received=m.received,
                    owner=owners.get(m.from_email),
                    forged=verdict.forged, unverified=verdict.why, form_tab=form.title,
                    limits=limits, imap=self.imap,
                    attachments_dir=self._attachments_dir(), headers=headers,
                )
            except OSError as exc:
                raise AutomationError(
                    f"cannot save attachments in {self._attachments_dir()} "
                    f"({exc.strerror or exc}); check 'imap.attachments_dir'"
                ) from None
            except Exception as exc:  # see _read
                self._unreadable(m, exc)
                continue
            finally:
                quarantine.close(self.ledger, self.attempts, [m.key], self.now)
            # Problems of a row appended before a crash are reported again; the officer's
            # notices keep one copy of each.
            self.result.problems.extend(row.problems)
            if row.id in existing:
                self.result.duplicates += 1
                continue
            existing.add(row.id)
            built.append(row)
        if built:
            self._append_rows(form, columns.by_field, built)
        self.result.news += len(built)

    def _attachments_dir(self) -> Path:
        return self.imap.attachments_dir or self.config.base / "attachments"

    def _append_rows(self, form: Tab, found: dict[str, int], built: Sequence[NewsRow]) -> None:
        append_rows(self.s.sheet.backend, form, found, built, self.aliases)

    # -- marking ---------------------------------------------------------------------------

    def _finish(self, messages: Sequence[_Message]) -> None:
        events = [
            (f"inbox:{m.key}", PROCESSED, self.now, f"{m.kind.value}{':leave' if m.leave else ''}")
            for m in messages if not m.done
        ]
        notices.record(self.ledger, self.result.problems, self.now)
        self.ledger.add_events(events)
        done = sorted(m.uid for m in messages if not m.leave)
        if self.imap.processed_folder:
            self.box.move(done, self.imap.processed_folder)
        else:
            self.box.mark_read(done)
