"""One exception root, caught once at the CLI edge.

Every message says what is wrong, where (TOML key, tab, row ID, column) and what to do,
so an officer can act on it without reading a traceback.
"""

from __future__ import annotations


class AutomationError(Exception):
    """Root of every error the worker reports to a person."""


class ConfigError(AutomationError):
    """schedule.toml (or an environment variable it names) is wrong."""


class LedgerError(AutomationError):
    """The ledger file cannot be used (e.g. written by a newer version of the worker)."""


class SheetError(AutomationError):
    """The spreadsheet cannot be read or written as configured."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class DeliveryError(AutomationError):
    """A message or post could not be delivered.

    ``permanent`` tells the caller whether retrying can help: a 5xx for one recipient is
    permanent for that recipient; a 4xx, a timeout or a dropped connection is not.
    ``scope`` says how far the failure reaches: one recipient, or the whole session/account
    (a quota or throttling reply stops sending for now without blaming the recipient).
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        scope: str = "recipient",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.scope = scope
        self.retry_after = retry_after


class LockedError(AutomationError):
    """Another worker for the same office is running."""
