"""Graceful stop: the first SIGTERM/SIGINT asks the worker to stop, a second one ends it now.

The first signal only sets the ``stop`` event; the dispatcher checks it between messages,
so the message in flight is finished and its ledger row committed, and the cycle still
writes status back to the sheet. Exiting at once on the second signal is safe too: a
``pending`` ledger row is resent with the same Message-ID by the next run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_FIRST = (b"automation: stopping after the message in flight "
          b"(send the signal again to exit at once)\n")


@contextlib.contextmanager
def graceful_stop(stop: threading.Event | None = None) -> Iterator[threading.Event]:
    """Install the handlers for the duration (main thread only); yields the stop event."""
    event = stop or threading.Event()

    def handle(signum: int, _frame: FrameType | None) -> None:
        if event.is_set():
            os._exit(128 + signum)
        event.set()
        # os.write, not logging: a handler may interrupt the main thread inside a log call.
        os.write(2, _FIRST)

    previous = {s: signal.signal(s, handle) for s in _SIGNALS}
    try:
        yield event
    finally:
        for s, old in previous.items():
            signal.signal(s, old)
