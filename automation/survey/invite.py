"""The survey link to each member once per period, and one reminder, inside the quota.

With ``invite = "digest"`` (the default) the link rides in the member's regular digest: no
message is added. The first digest an address gets in the period claims its invitation in
the ledger (table ``survey_invites``, keyed by period, address and stage, owned by the
digest's delivery key), so a digest sent again after a crash carries the same text and no
other digest carries it twice. ``remind_after_days`` after a sent invitation, the next
digest carries the one reminder — to every invited address when the survey is anonymous
(nobody can know who answered), otherwise only to those whose address is not among the
responses. Suppressed and unsubscribed addresses get no digest, hence no invitation.

With ``invite = "message"`` ``automation survey send`` mails the same text on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from automation.config import Config
from automation.core.table import Sheet
from automation.errors import SheetError
from automation.reports import period as periods
from automation.reports.period import Period
from automation.thaidate import BANGKOK

INVITE = "invite"
REMINDER = "reminder"


@runtime_checkable
class InviteLedger(Protocol):
    def claim_invite(self, period: str, recipient: str, stage: str, carrier: str,
                     at: datetime) -> str: ...

    def survey_invites(self, period: str, recipient: str | None = None
                       ) -> list[tuple[str, str, str, datetime]]: ...

    def get(self, key: str) -> Any: ...


@dataclass(frozen=True)
class Invitation:
    """What a message says of the survey (the template's ``survey``)."""

    stage: str
    url: str
    period: str
    ends: date
    anonymous: bool
    office: str

    @property
    def reminder(self) -> bool:
        return self.stage == REMINDER


def current_period(config: Config, now: datetime) -> Period | None:
    """The survey period running today, or None in a school break."""
    today = now.astimezone(BANGKOK).date()
    found = periods.containing(config.survey.kind, today, config.report.calendar())
    return found if found.contains(today) else None


class Invites:
    def __init__(self, config: Config, ledger: InviteLedger, sheet: Sheet,
                 clock: Callable[[], datetime]) -> None:
        self.config = config
        self.survey = config.survey
        self.ledger = ledger
        self.sheet = sheet
        self.clock = clock
        self._answered: tuple[float, frozenset[str]] | None = None

    def answered(self) -> frozenset[str]:
        """Addresses found in the responses tab (read at most every ten minutes)."""
        if self._answered is not None and time.monotonic() - self._answered[0] < 600:
            return self._answered[1]
        from automation.survey.responses import read

        tab = self.survey.tab
        try:
            found = read(self.sheet.read([tab])[tab], self.survey)
            addresses = frozenset(r.email for r in found.rows if r.email)
        except SheetError:
            addresses = frozenset()
        self._answered = (time.monotonic(), addresses)
        return addresses

    def for_message(self, recipient: str, carrier: str) -> Invitation | None:
        """The invitation or reminder the message ``carrier`` to ``recipient`` carries."""
        now = self.clock()
        target = current_period(self.config, now)
        if not self.survey.on or target is None:
            return None
        mine = {stage: (owner, at) for _r, stage, owner, at
                in self.ledger.survey_invites(target.key, recipient)}
        for stage in (INVITE, REMINDER):
            if stage in mine and mine[stage][0] == carrier:
                return self._invitation(stage, target)  # the same message again
        if INVITE not in mine:
            return self._claim(target, recipient, INVITE, carrier, now)
        owner, at = mine[INVITE]
        if REMINDER in mine or now < at + timedelta(days=self.survey.remind_after_days):
            return None
        sent = self.ledger.get(owner)
        if sent is None or sent.status != "sent":
            return None
        if not self.survey.anonymous and recipient.casefold() in self.answered():
            return None
        return self._claim(target, recipient, REMINDER, carrier, now)

    def _claim(self, target: Period, recipient: str, stage: str, carrier: str,
               now: datetime) -> Invitation | None:
        owner = self.ledger.claim_invite(target.key, recipient, stage, carrier, now)
        return self._invitation(stage, target) if owner == carrier else None

    def _invitation(self, stage: str, target: Period) -> Invitation:
        return Invitation(stage, self.survey.form_url, target.name, target.end,
                          self.survey.anonymous, self.config.office.name)


def digest_addon(config: Config, ledger: object, sheet: Sheet,
                 clock: Callable[[], datetime]) -> Callable[[str, str], dict[str, Any]] | None:
    """What the digest adds to a message's context: ``survey`` (an Invitation or None)."""
    if not config.survey.on or config.survey.invite != "digest" \
            or not isinstance(ledger, InviteLedger):
        return None
    invites = Invites(config, ledger, sheet, clock)
    return lambda recipient, carrier: {"survey": invites.for_message(recipient, carrier)}
