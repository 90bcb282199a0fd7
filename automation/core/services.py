"""What a cycle works with: the adapters the wiring hands the core, and one read of the sheet."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from automation.config import Config
from automation.core.dispatch import Clock
from automation.core.intake import Identities
from automation.core.render import Renderer
from automation.core.table import Sheet
from automation.model import CycleReport, Problem, Registry, Submission, Tab
from automation.ports import Envelope, Ledger, MailTransport, MediaStore, Publisher

# Mail priorities: lower goes first when the 24-hour window is short (automation.core.quota).
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
    # What a digest adds to its message's context, given (recipient, digest key): the
    # survey invitation when the survey rides on digests. None: nothing.
    digest_extras: Callable[[str, str], dict[str, Any]] | None = None
    # Pictures for the board, the e-mails and the channels (None: links only).
    media: MediaStore | None = None
