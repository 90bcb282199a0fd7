"""Suppression requests put on the sheet, and the confirmations they call for."""

from __future__ import annotations

from collections.abc import Sequence

from automation.core.mailer import MailService
from automation.core.services import NOTICE, Services
from automation.inbox import suppress
from automation.model import Tab


def settle(services: Services, tab: Tab | None) -> list[suppress.Request]:
    """Apply pending suppression requests to the tab; returns the ones appended."""
    ledger, config = services.ledger, services.config
    wanted = suppress.pending(ledger)
    if not wanted:
        return []
    name = config.sheets.tabs.suppression
    if tab is None:
        tab = services.sheet.read([name])[name]
    aliases = config.sheets.columns.aliases("suppression")
    added = suppress.append(services.sheet.backend, tab, aliases, wanted)
    confirm = [r for r in wanted if r.confirm]
    if confirm:
        send_confirmations(MailService(services), confirm)
    suppress.mark_applied(ledger, wanted, services.clock())
    return added


def send_confirmations(mail: MailService, wanted: Sequence[suppress.Request]) -> int:
    now = mail.s.clock()
    envelopes = [
        mail.envelope(
            "unsubscribed", f"U-{r.day:%Y%m%d}", r.email, None,
            {"office": mail.office, "now": now, "email": r.email}, NOTICE,
        )
        for r in wanted
    ]
    return mail.send(envelopes).sent
