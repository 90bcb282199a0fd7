"""Messages that keep breaking the mailbox pass are set aside, not read again for ever.

Before a message is read, an attempt is recorded for it (event ``attempt:<n>`` of
``inbox:<key>``, committed first); when its reading is over, the attempt is closed
(``read:<n>``). An attempt left open means the pass died on that message: killed, out of
memory, an error nobody caught. A message with ``LIMIT`` open attempts is not read again:
it is recorded as processed, left in the folder for the officer, and the officer is told
why. A pass that failed because a server did not answer closes its attempts: that was not
the message's fault.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from automation.ports import Ledger

LIMIT = 2
_ATTEMPT, _READ = "attempt:", "read:"


def open_attempts(ledger: Ledger, key: str) -> tuple[int, int]:
    """(attempts never closed, number of the last attempt) for the message ``key``."""
    started: set[str] = set()
    closed: set[str] = set()
    for _item, event, _at, _detail in ledger.events(f"inbox:{key}"):
        if event.startswith(_ATTEMPT):
            started.add(event.removeprefix(_ATTEMPT))
        elif event.startswith(_READ):
            closed.add(event.removeprefix(_READ))
    numbers = [int(n) for n in started if n.isdigit()]
    return len(started - closed), max(numbers, default=0)


def begin(ledger: Ledger, attempts: dict[str, int], now: datetime) -> None:
    """Record attempt ``n`` for each message key (one commit, before any is read)."""
    ledger.add_events([(f"inbox:{k}", f"{_ATTEMPT}{n}", now, "") for k, n in attempts.items()])


def close(ledger: Ledger, attempts: dict[str, int], keys: Iterable[str], now: datetime) -> None:
    """The reading of ``keys`` is over (whatever it found)."""
    ledger.add_events([(f"inbox:{k}", f"{_READ}{attempts[k]}", now, "")
                       for k in keys if k in attempts])
