"""One mailbox pass that dies by SIGKILL at a chosen point, like a power cut.

    python -m tests.inbox_crash CONFIG after-append     # rows appended, nothing recorded
    python -m tests.inbox_crash CONFIG after-record     # recorded, messages not yet moved
    python -m tests.inbox_crash CONFIG reading:POISON   # while reading the message POISON

The kill happens inside the ports (sheet backend, ledger), so every line of the worker
before it ran for real.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from automation import config as config_mod
from automation.core.table import Sheet
from automation.inbox import run_mailbox
from automation.model import Cell
from automation.wiring import services


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class KillAfterAppend:
    def __init__(self, backend: Any, tab: str) -> None:
        self.backend = backend
        self.tab = tab

    def append(self, tab: str, rows: Sequence[Sequence[Cell]]) -> None:
        self.backend.append(tab, rows)
        if tab == self.tab:
            _die()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)


class KillAfterRecord:
    def __init__(self, ledger: Any) -> None:
        self.ledger = ledger

    def add_events(self, events: list[tuple[str, str, Any, str]]) -> int:
        added: int = self.ledger.add_events(events)
        if any(event == "processed" for _item, event, _at, _detail in events):
            _die()
        return added

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ledger, name)


class KillWhileReading:
    """Dies once the reading of a message whose Message-ID holds ``poison`` has begun,
    as a process killed (out of memory, a watchdog) in the middle of that message would."""

    def __init__(self, ledger: Any, poison: str) -> None:
        self.ledger = ledger
        self.poison = poison

    def add_events(self, events: list[tuple[str, str, Any, str]]) -> int:
        added: int = self.ledger.add_events(events)
        if any(event.startswith("attempt:") and self.poison in item
               for item, event, _at, _detail in events):
            _die()
        return added

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ledger, name)


def main(config_path: str, point: str) -> None:
    config = config_mod.load(Path(config_path))
    built = services(config)
    if point == "after-append":
        built.sheet = Sheet(KillAfterAppend(built.sheet.backend, config.sheets.tabs.form))
    elif point == "after-record":
        built.ledger = KillAfterRecord(built.ledger)
    elif point.startswith("reading:"):
        built.ledger = KillWhileReading(built.ledger, point.removeprefix("reading:"))
    else:
        raise SystemExit(f"unknown point {point}")
    report = run_mailbox(built)
    print(report.summary())


if __name__ == "__main__":
    main(*sys.argv[1:])
