"""Suppression requests put on the sheet, and the confirmations they call for."""

from __future__ import annotations

from collections.abc import Sequence

from automation.core.cycle import Worker
from automation.core.services import NOTICE, Services
from automation.inbox import suppress
from automation.model import Tab


def settle(services: Services, tab: Tab | None, worker: Worker | None) -> list[suppress.Request]:
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
        send_confirmations(worker or Worker(services), confirm)
    suppress.mark_applied(ledger, wanted, services.clock())
    return added


def send_confirmations(worker: Worker, wanted: Sequence[suppress.Request]) -> int:
    now = worker.s.clock()
    envelopes = [
        worker._envelope(
            "unsubscribed", f"U-{r.day:%Y%m%d}", r.email, None,
            {"office": worker.office, "now": now, "email": r.email}, NOTICE,
        )
        for r in wanted
    ]
    return worker.dispatcher.send(envelopes).sent
