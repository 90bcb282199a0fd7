"""``invite = "message"``: the survey invitation (or its reminder) as a message of its own.

The same ledger claims as the digest's keep each address to one invitation and one
reminder per period; the message goes through the dispatcher, inside the quota.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from automation.core.dispatch import DispatchResult
from automation.core.mailer import MailService
from automation.core.registry import parse_registry, recipients
from automation.core.services import Services
from automation.errors import AutomationError
from automation.model import Recipient
from automation.reports.period import Period
from automation.survey.invite import INVITE, REMINDER, InviteLedger, Invites, current_period

KIND = "survey_invite"
PRIORITY = 5  # with bulletins and digests


@dataclass(frozen=True)
class Plan:
    period: Period | None
    invited: int  # addresses already invited this period
    reminded: int
    audience: list[Recipient]


def ledger_of(services: Services) -> InviteLedger:
    if not isinstance(services.ledger, InviteLedger):
        raise AutomationError("บัญชีส่ง (ledger) นี้ไม่มีตารางคำเชิญแบบประเมิน")
    return services.ledger


def plan(services: Services) -> Plan:
    config = services.config
    target = current_period(config, services.clock())
    tabs, columns = config.sheets.tabs, config.sheets.columns
    read = services.sheet.read([tabs.registry, tabs.suppression])
    registry = parse_registry(read[tabs.registry], columns.aliases("registry"),
                              read[tabs.suppression], columns.aliases("suppression"))
    audience = recipients(registry, registry.members)
    claims = ledger_of(services).survey_invites(target.key) if target else []
    return Plan(target, sum(1 for c in claims if c[1] == INVITE),
                sum(1 for c in claims if c[1] == REMINDER), audience)


def send(services: Services, found: Plan) -> DispatchResult:
    """Each member's invitation, or the reminder when due; nothing twice."""
    if found.period is None:
        return DispatchResult(stopped="อยู่นอกช่วงภาคเรียน/ปีงบประมาณ: ยังไม่ส่งแบบประเมิน")
    mail = MailService(services)
    invites = Invites(services.config, ledger_of(services), services.sheet, services.clock)
    envelopes = []
    for r in found.audience:
        stages = [s for _r, s, _c, _a in invites.ledger.survey_invites(found.period.key, r.email)]
        stage = REMINDER if INVITE in stages else INVITE
        item_id = f"{found.period.key}-{stage}"
        carrier = f"{KIND}:{item_id}:{r.email}"
        invitation = invites.for_message(r.email, carrier)
        if invitation is None:
            continue
        unsubscribe = mail.unsubscribe_url(r.email)
        context: dict[str, Any] = {"office": mail.office, "now": services.clock(),
                                   "survey": invitation, "recipient": r,
                                   "unsubscribe_url": unsubscribe}
        envelopes.append(mail.envelope(
            KIND, item_id, r.email, r.coordinator or r.name or None, context, PRIORITY,
            unsubscribe))
    return mail.send(envelopes)
