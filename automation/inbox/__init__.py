"""The office mailbox: news sent by e-mail, bounced bulletins and unsubscribe requests.

Kept import-light: the config loader imports ``automation.inbox.settings``; imap-tools is
only imported when the mailbox is actually read.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from automation.core.services import Services
    from automation.inbox.report import MailboxReport
    from automation.model import CycleReport


def run_mailbox(services: Services, report: CycleReport | None = None) -> MailboxReport:
    """One pass over the office mailbox; never raises for a mailbox or sheet problem.

    What it found and did comes back as a MailboxReport; with ``report`` its problems and
    notes are added to that cycle report too. See ``automation.inbox.job``.
    """
    from automation.inbox.job import run_mailbox as run

    return run(services, report)


def cycle_hook(services: Services) -> Callable[[CycleReport, Collection[str]], None]:
    """What the publishing cycle runs before it reads the sheet (see ``Services.inbound``):
    the mailbox pass unless the step ``mailbox`` is skipped, then one-click unsubscribes
    not yet on the sheet, then the mailbox's notes for the officer's report.
    """

    def inbound(report: CycleReport, skip: Collection[str]) -> None:
        from automation.inbox.job import before_cycle

        before_cycle(services, report, skip)

    return inbound
