"""The mail provider's limits as a budget over the ledger's rolling 24-hour window.

Providers count a rolling 24 hours, not a calendar day, and an account that goes over
cannot send at all for up to a day — acknowledgements and notices included. So every
message is counted from the ledger (acknowledgements, notices, digests, bulletins,
reports), and when the budget is short the most important mail goes first:

* priority 1–2: notices to submitters and the director; they have their own share of the
  window, ``reserve`` messages, and never more: rows typed into the public form by anyone
  can never push the planned bulletins out of the day;
* priority 3–7: urgent items, then digests and bulletins — everything but the notices'
  share is theirs;
* priority 8 and above: reports and keep-current mail — they also leave room for every
  digest and bulletin still waiting.

What does not fit waits; the window says when it frees. A provider that answers "quota
exceeded" anyway (people send by hand from the same account) blocks sending until the
window frees; the block is kept in the ledger so a restart respects it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from automation.core.usage import Usage, between
from automation.ports import Ledger
from automation.thaidate import BANGKOK, format_datetime

WINDOW = timedelta(hours=24)
NOTICE_MAX = 2  # highest priority number still counted as a notice
LOW_MIN = 8  # reports and keep-current mail from here on
STOP_PAUSE = timedelta(hours=1)  # before trying an account a person must fix again
QUOTA_PAUSE = timedelta(hours=1)  # when the ledger cannot tell when the window frees
MIN_PAUSE = timedelta(minutes=15)
THROTTLE_PAUSE = timedelta(minutes=5)  # after backing off in a run did not help

# Published limits per provider (2025). Keys a preset leaves out fall back to [mail].
PRESETS: dict[str, dict[str, int]] = {
    "workspace": {
        "messages_per_day": 2000, "recipients_per_day": 10000,
        "external_recipients_per_day": 3000, "max_recipients_per_message": 100,
    },
    "workspace-trial": {
        "messages_per_day": 500, "recipients_per_day": 500,
        "external_recipients_per_day": 500, "max_recipients_per_message": 100,
    },
    "gmail": {
        "messages_per_day": 500, "recipients_per_day": 500,
        "external_recipients_per_day": 500, "max_recipients_per_message": 100,
    },
    "microsoft365": {
        "messages_per_day": 10000, "recipients_per_day": 10000,
        "max_recipients_per_message": 500, "messages_per_minute": 30, "connections": 3,
    },
    "custom": {},
}
# Mail sent at notice priority, by kind as the ledger records it.
NOTICE_KINDS = frozenset({
    "ack", "approved", "rejected", "returned", "receipt", "director_digest",
    "quota_warning", "unsubscribed",
})
_BLOCKED_UNTIL = "mail.blocked_until"
_BLOCKED_REASON = "mail.blocked_reason"


@dataclass(frozen=True)
class Limits:
    """The effective limits: ``[mail.quota]`` keys, else the preset, else ``[mail]``."""

    preset: str
    messages_per_day: int
    recipients_per_day: int | None
    external_recipients_per_day: int | None
    max_recipients_per_message: int | None
    messages_per_minute: int
    connections: int
    reserve: int
    internal_domains: frozenset[str]

    def is_external(self, address: str) -> bool:
        return address.rpartition("@")[2].casefold() not in self.internal_domains

    @property
    def per_day(self) -> int:
        """Messages per rolling 24 hours (each message has exactly one recipient)."""
        return min(self.messages_per_day, self.recipients_per_day or self.messages_per_day)


def room(limits: Limits, priority: int, backlog: int, used: int, notices: int) -> int:
    """Messages of ``priority`` that still fit, given the window's use and its notices."""
    overall = limits.per_day - used
    if priority <= NOTICE_MAX:
        if limits.reserve == 0:  # the office chose no share: notices compete like the rest
            return max(0, overall)
        return max(0, min(overall, limits.reserve - notices))
    # The notices' share is kept whole for them whether or not they have used it yet.
    others = used - min(notices, limits.reserve)
    return max(0, min(overall, limits.per_day - reserve_for(limits, priority, backlog) - others))


def reserve_for(limits: Limits, priority: int, backlog: int = 0) -> int:
    """Messages a send of ``priority`` must leave free for more important mail."""
    if priority <= NOTICE_MAX:
        return 0
    if priority < LOW_MIN:
        return limits.reserve
    return limits.reserve + backlog


@dataclass(frozen=True)
class Window:
    """The rolling window's usage at ``now``, from the ledger."""

    now: datetime
    limits: Limits
    times: tuple[datetime, ...]  # when each counted message went, oldest first
    external: tuple[datetime, ...]
    blocked_until: datetime | None = None
    blocked_reason: str = ""
    notice_times: tuple[datetime, ...] = ()  # the notices among ``times``
    other_times: tuple[datetime, ...] = ()  # and the rest

    @property
    def used(self) -> int:
        return len(self.times)

    @property
    def notices(self) -> int:
        return len(self.notice_times)

    def _counted(self, priority: int, backlog: int) -> tuple[int, list[datetime]]:
        """The cap for ``priority`` and the sends that count against it, oldest first."""
        limits = self.limits
        if limits.reserve == 0:
            return limits.per_day - reserve_for(limits, priority, backlog), list(self.times)
        if priority <= NOTICE_MAX:
            return limits.reserve, list(self.notice_times)
        return limits.per_day - reserve_for(limits, priority, backlog), list(self.other_times)

    def left(self, priority: int, backlog: int = 0) -> int:
        if self.blocked_until is not None:
            return 0
        return room(self.limits, priority, backlog, self.used, self.notices)

    def frees_at(self, priority: int, count: int = 1, backlog: int = 0) -> datetime:
        """When ``count`` more messages of ``priority`` fit (now, if they already do)."""
        start = self.blocked_until or self.now
        cap, counted = self._counted(priority, backlog)
        if cap < count:
            return start + WINDOW  # cannot fit in any window; a day is the honest answer
        alive = [t for t in counted if t + WINDOW > start]
        over = len(alive) + count - cap
        if over <= 0:
            return start
        return alive[over - 1] + WINDOW

    def capacity(self, until: datetime, priority: int, backlog: int = 0) -> int:
        """How many messages of ``priority`` can go from now until ``until``."""
        start = self.blocked_until or self.now
        if start >= until:
            return 0
        cap, counted = self._counted(priority, backlog)
        alive_then = sum(1 for t in counted if t + WINDOW > until)
        return max(0, cap - alive_then)


class Addressed(Protocol):
    """What the budget needs of a message: whom it goes to and how important it is."""

    @property
    def recipient(self) -> str: ...

    @property
    def priority(self) -> int: ...


class Budget:
    """What one dispatch may still send; safe to share between sending threads."""

    def __init__(self, window: Window, backlog: int = 0) -> None:
        self.window = window
        self.limits = window.limits
        self.backlog = backlog
        self._used = window.used
        self._notices = window.notices
        self._external = len(window.external)
        self._blocked = window.blocked_until is not None
        self._lock = threading.Lock()

    def take(self, envelope: Addressed) -> bool:
        external = self.limits.is_external(envelope.recipient)
        notice = envelope.priority <= NOTICE_MAX
        with self._lock:
            if self._blocked or room(self.limits, envelope.priority, self.backlog,
                                     self._used, self._notices) <= 0:
                return False
            if external and self.limits.external_recipients_per_day is not None:
                if self._external >= self.limits.external_recipients_per_day:
                    return False
                self._external += 1
            self._used += 1
            self._notices += notice
            return True

    def give_back(self, envelope: Addressed) -> None:
        with self._lock:
            self._used -= 1
            self._notices -= envelope.priority <= NOTICE_MAX
            if self.limits.is_external(envelope.recipient) and \
                    self.limits.external_recipients_per_day is not None:
                self._external -= 1

    def exhausted_note(self, priority: int) -> str:
        return waiting_note(self.window, priority, self.backlog)


def waiting_note(window: Window, priority: int, backlog: int = 0) -> str:
    """Why mail of ``priority`` waits, and until when (for the cycle's notes)."""
    if window.blocked_until is not None:
        return (f"sending paused until {local(window.blocked_until)} "
                f"({window.blocked_reason})")
    when = window.frees_at(priority, backlog=backlog)
    return (f"daily limit reached ({window.limits.per_day} messages per 24 hours); "
            f"the rest waits for the window to free at {local(when)}")


def local(when: datetime) -> str:
    """A time as the office reads it, in the notes of a cycle."""
    return when.astimezone(BANGKOK).strftime("%Y-%m-%d %H:%M")


# A time more than this ahead of the clock was written by a clock that ran ahead (a board
# without a real-time clock, a bad NTP answer): it is not history.
CLOCK_TOLERANCE = timedelta(minutes=10)


def present(usage: list[tuple[datetime, str, str, str]], now: datetime
            ) -> list[tuple[datetime, str, str, str]]:
    """Usage without the sends a clock running ahead dated in the future."""
    limit = now + CLOCK_TOLERANCE
    return [u for u in usage if u[0] <= limit]


def clock_fault(ledger: Ledger, now: datetime, last_digest: str | None) -> str:
    """A Thai note when the ledger holds times in the future (the clock ran ahead earlier,
    or runs behind now), once per such time; "" otherwise."""
    limit = now + CLOCK_TOLERANCE
    ahead = [t for t, _r, _k, _key in ledger.usage(limit)]
    if last_digest and datetime.fromisoformat(last_digest) > limit:
        ahead.append(datetime.fromisoformat(last_digest))
    if not ahead:
        return ""
    latest = max(ahead).isoformat()
    if ledger.get_state("clock.fault") == latest:
        return ""
    ledger.set_state("clock.fault", latest)
    return (f"นาฬิกาของเครื่องเคยเดินผิด: บันทึกการส่งมีเวลาในอนาคตถึง "
            f"{format_datetime(max(ahead))} (ตอนนี้ {format_datetime(now)}); ไม่นับเวลาเหล่านั้น"
            "เป็นรอบสรุปข่าวล่าสุดหรือโควตา ตรวจการตั้งเวลา (NTP) ของเครื่อง")


class Quota:
    """The window and the provider's blocks, read from and kept in the ledger."""

    def __init__(self, limits: Limits, ledger: Ledger) -> None:
        self.limits = limits
        self.ledger = ledger
        # Bulletins this cycle found no room for: not in the ledger yet, still owed.
        self.waiting = 0
        self._usage: Usage | None = None

    def refresh(self) -> None:
        """Read the window from the ledger again at the next check (a new cycle: other
        commands may have sent mail since)."""
        self._usage = None

    def recorded(self, key: str, at: datetime, recipient: str, kind: str) -> None:
        """The ledger now counts message ``key`` at ``at`` (attempted, sent or failed)."""
        if self._usage is not None:
            self._usage.put(key, at, recipient, kind)

    def _usage_at(self, now: datetime) -> Usage:
        since = now - WINDOW
        if self._usage is None or since < self._usage.since:  # first check, or clock went back
            self._usage = Usage(since, self.ledger.usage(since), self.limits.is_external,
                                NOTICE_KINDS.__contains__)
        return self._usage

    def window(self, now: datetime) -> Window:
        usage = self._usage_at(now)
        start, end = now - WINDOW, now + CLOCK_TOLERANCE
        until, reason = self.blocked(now)
        return Window(now, self.limits, between(usage.times, start, end),
                      between(usage.external, start, end), until, reason,
                      between(usage.notices, start, end), between(usage.others, start, end))

    def backlog(self) -> int:
        """Digests and bulletins planned or deferred and not yet sent."""
        return (len(self.ledger.unsettled("digest")) + len(self.ledger.unsettled("bulletin"))
                + self.waiting)

    def budget(self, now: datetime) -> Budget:
        return Budget(self.window(now), self.backlog())

    def blocked(self, now: datetime) -> tuple[datetime | None, str]:
        raw = self.ledger.get_state(_BLOCKED_UNTIL)
        if not raw:
            return None, ""
        until = datetime.fromisoformat(raw)
        if until <= now:
            return None, ""
        return until, self.ledger.get_state(_BLOCKED_REASON) or ""

    def block(self, now: datetime, verdict: str, reason: str) -> datetime:
        """Stop all sending after a quota, throttle or stop reply; returns when it may resume."""
        if verdict == "quota":
            usage = sorted(t for t, _r, _k, _key in present(self.ledger.usage(now - WINDOW), now))
            frees = usage[0] + WINDOW if usage else now + QUOTA_PAUSE
            until = min(now + WINDOW, max(now + MIN_PAUSE, frees))
        elif verdict == "throttle":
            until = now + THROTTLE_PAUSE
        else:
            until = now + STOP_PAUSE
        self.ledger.set_state(_BLOCKED_UNTIL, until.isoformat())
        self.ledger.set_state(_BLOCKED_REASON, reason[:300])
        return until
