"""Keep current (manual C 5.6): each member is sent the data the office holds about it.

The message carries a Google Form link pre-filled with that data (entry numbers mapped in
``[keep_current] entries``), so correcting it is one click and a few keystrokes. Messages
go through the Dispatcher like every delivery: rate-limited, inside the daily budget and
recorded in the ledger, once per member address per round (a semester by default). A
member counts as updated when its ``ปรับปรุงล่าสุด`` date is on or after the day it was
asked; that is recorded as a ``confirmed:<round>`` event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from automation.core.dispatch import DispatchResult
from automation.core.mailer import MailService
from automation.core.services import Services
from automation.errors import ConfigError
from automation.model import Member, Registry
from automation.ports import Envelope, Ledger
from automation.reports.period import SchoolCalendar, containing
from automation.thaidate import BANGKOK
from automation.upkeep.check import show_phone
from automation.upkeep.settings import KeepCurrentConfig

KIND = "keep_current"
PRIORITY = 9  # after notices, bulletins and reports
FORM_BASE = "https://docs.google.com/forms/d/e/{form_id}/viewform"


def field_value(member: Member, name: str) -> str:
    """A member's value for one pre-fill field, as the officer would type it."""
    if name == "email":
        return ", ".join(member.emails)
    if name == "phone":
        return show_phone(member.phone) if member.phone else ""
    return str(getattr(member, name))


def prefill_url(form_id: str, entries: Mapping[str, str], member: Member) -> str:
    """``https://docs.google.com/forms/d/e/<id>/viewform?usp=pp_url&entry.N=value…``.

    Values are percent-encoded UTF-8, so Thai names and the leading zero of a phone number
    arrive in the form exactly as held.
    """
    parts = ["usp=pp_url"]
    for name, entry in entries.items():
        value = field_value(member, name)
        if value:
            parts.append(f"entry.{entry.removeprefix('entry.')}={quote(value, safe='')}")
    return FORM_BASE.format(form_id=form_id) + "?" + "&".join(parts)


@dataclass(frozen=True)
class MemberView:
    """What the message shows about a member (phone formatted, flags in words)."""

    member: Member
    phone: str
    emails: str
    updated: date | None
    form_url: str


@dataclass
class ConfirmResult:
    round: str
    round_name: str
    eligible: int = 0
    already: int = 0
    planned: int = 0
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    marked: int = 0
    no_address: list[str] = field(default_factory=list)
    stopped: str = ""

    @property
    def error(self) -> str:
        return f"ส่งไม่สำเร็จ {self.failed} ข้อความ" if self.failed else ""

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        text = (f"{self.round_name}: ส่ง {self.sent}, ส่งแล้วก่อนหน้า {self.already}, "
                f"ยกไปครั้งหน้า {self.deferred}, ปรับปรุงแล้ว {self.marked} ราย")
        return f"{text} ({self.stopped})" if self.stopped else text


@dataclass(frozen=True)
class RoundStatus:
    round: str
    asked: tuple[tuple[Member, datetime], ...]
    updated: tuple[Member, ...]
    waiting: tuple[Member, ...]


def round_key(
    config: KeepCurrentConfig, today: date, calendar: SchoolCalendar | None = None
) -> tuple[str, str]:
    period = containing(config.round, today, calendar)
    return period.key, period.name


def asked_in_round(ledger: Ledger, round_key: str) -> dict[str, datetime]:
    """member ID → when it was first sent a confirmation in this round."""
    asked: dict[str, datetime] = {}
    for record in ledger.deliveries(kind=KIND):
        round_of, _, member_id = record.item_id.partition("/")
        if round_of != round_key or record.status != "sent" or record.sent_at is None:
            continue
        if member_id not in asked or record.sent_at < asked[member_id]:
            asked[member_id] = record.sent_at
    return asked


def latest_round(ledger: Ledger) -> str | None:
    latest: tuple[datetime, str] | None = None
    for record in ledger.deliveries(kind=KIND):
        if record.sent_at is not None and (latest is None or record.sent_at > latest[0]):
            latest = (record.sent_at, record.item_id.partition("/")[0])
    return latest[1] if latest else None


def round_status(ledger: Ledger, registry: Registry, key: str | None = None) -> RoundStatus | None:
    """Who was asked in a round (the latest by default) and who has updated since."""
    key = key or latest_round(ledger)
    if key is None:
        return None
    asked = asked_in_round(ledger, key)
    members = {m.member_id: m for m in registry.members}
    pairs = tuple((members[i], at) for i, at in sorted(asked.items()) if i in members)
    updated = tuple(m for m, at in pairs if _updated_since(m, at))
    waiting = tuple(m for m, at in pairs if not _updated_since(m, at))
    return RoundStatus(key, pairs, updated, waiting)


def _updated_since(member: Member, asked_at: datetime) -> bool:
    return member.updated is not None and member.updated >= asked_at.astimezone(BANGKOK).date()


def mark_updated(ledger: Ledger, registry: Registry, key: str, now: datetime) -> int:
    """Record ``confirmed:<round>`` for members updated since they were asked; new ones only."""
    status = round_status(ledger, registry, key)
    if status is None:
        return 0
    events = [(m.member_id, f"confirmed:{key}", now,
               m.updated.isoformat() if m.updated else "") for m in status.updated]
    return ledger.add_events(events) if events else 0


class KeepCurrent:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.config: KeepCurrentConfig = services.config.keep_current
        self.calendar = services.config.report.calendar()
        self.mail = MailService(services)
        self.office = self.mail.office

    def _require_form(self) -> None:
        if not self.config.form_id:
            raise ConfigError("set [keep_current] form_id (and entries) in schedule.toml to send "
                              "keep-current confirmations")
        if not self.config.entries:
            raise ConfigError("[keep_current.entries] maps no field to the form; add e.g. "
                              "member_id = \"1234567890\"")

    def envelopes(self, registry: Registry, now: datetime) -> tuple[list[Envelope], ConfirmResult]:
        """One confirmation per member address not yet settled in this round."""
        self._require_form()
        today = now.astimezone(BANGKOK).date()
        key, name = round_key(self.config, today, self.calendar)
        result = ConfirmResult(key, name)
        settled = self.s.ledger.settled_keys((KIND,))
        envelopes: list[Envelope] = []
        for member in registry.members:
            if not member.active:
                continue
            addresses = [e for e in member.emails if e not in registry.suppressed]
            if not addresses:
                result.no_address.append(member.member_id)
                continue
            result.eligible += 1
            view = self.view(member)
            for address in addresses:
                item_id = f"{key}/{member.member_id}"
                if f"{KIND}:{item_id}:{address}" in settled:
                    result.already += 1
                    continue
                envelopes.append(self._envelope(item_id, address, view, name, today, now))
        return envelopes, result

    def view(self, member: Member) -> MemberView:
        return MemberView(member, show_phone(member.phone) if member.phone else "",
                          ", ".join(member.emails), member.updated,
                          prefill_url(self.config.form_id, self.config.entries, member))

    def _envelope(self, item_id: str, address: str, view: MemberView, round_name: str,
                  today: date, now: datetime) -> Envelope:
        context: dict[str, Any] = {
            "office": self.office, "now": now, "info": view, "round_name": round_name,
            "answer_by": today + timedelta(days=self.config.answer_days),
        }
        return self.mail.envelope(KIND, item_id, address,
                                  view.member.coordinator or view.member.name, context, PRIORITY)

    def run(self, registry: Registry, limit: int | None = None, send: bool = True) -> ConfirmResult:
        """Mark who has updated, then send this round's confirmations (at most ``limit``)."""
        now = self.s.clock()
        envelopes, result = self.envelopes(registry, now)
        result.marked = mark_updated(self.s.ledger, registry, result.round, now)
        todo = envelopes[: limit or self.config.per_run]
        result.planned = len(todo)
        result.deferred = len(envelopes) - len(todo)
        if send and todo:
            sent = self.mail.send(todo)
            _add(result, sent)
        return result


def _add(result: ConfirmResult, sent: DispatchResult) -> None:
    result.sent += sent.sent
    result.failed += sent.failed
    result.deferred += sent.deferred
    result.stopped = sent.stopped


def preview(keep: KeepCurrent, registry: Registry, now: datetime,
            member_id: str | None = None) -> Envelope | None:
    """The first confirmation that would go out (or the one for ``member_id``)."""
    envelopes, _result = keep.envelopes(registry, now)
    for env in envelopes:
        if member_id is None or env.item_id.endswith(f"/{member_id}"):
            return env
    return None

