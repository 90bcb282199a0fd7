"""The small interfaces the core owns; adapters implement them.

Nothing here imports an adapter library. Wiring in ``automation.wiring`` picks the
implementations from the config.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from typing import Protocol, runtime_checkable

from automation.model import Cell, CellWrite, Photo, Registry, Submission, Tab


class SheetBackend(Protocol):
    """A spreadsheet: whole tabs in, batched raw cell values out."""

    def read(self, tabs: Sequence[str]) -> dict[str, Tab]:
        """Read every named tab in one call. A missing tab raises SheetError naming it."""
        ...

    def write(self, writes: Sequence[CellWrite]) -> None:
        """Write raw values (never formulas) in one batched call; grows the grid if needed."""
        ...

    def append(self, tab: str, rows: Sequence[Sequence[Cell]]) -> None:
        """Append rows after the tab's last row, raw values, in one call."""
        ...

    def replace(self, tab: str, rows: Sequence[Sequence[Cell]]) -> None:
        """Replace a worker-owned tab's whole content (created if missing) in one call."""
        ...

    @property
    def requests(self) -> int:
        """Requests made to the spreadsheet service so far (for the cycle summary)."""
        ...


@runtime_checkable
class Versioned(Protocol):
    """A spreadsheet that can tell cheaply whether anything in it changed."""

    def version(self) -> str | None:
        """A token that changes with any change to the content (a digest of the local file's
        bytes), or None when it cannot be told without reading the tabs."""
        ...

    def tab_version(self, tab: str) -> str | None:
        """A token that changes with any change to that tab's values, whatever happens to
        the other tabs; None when it cannot be told without reading the tab."""
        ...

    def own_writes(self) -> tuple[str, str, frozenset[str]] | None:
        """(version before, version after, tabs written) of this process's own cell writes,
        each made over the last: the content at "after" is the content at "before" changed
        by them alone."""
        ...


@dataclass(frozen=True)
class Envelope:
    """One message to one recipient, with the ledger key that makes it exactly-once."""

    key: str
    kind: str
    item_id: str
    recipient: str
    message_id: str
    sender: str
    message: Message
    priority: int = 5


def nothing() -> None:
    """No work to do meanwhile."""


class MailSession(Protocol):
    def send(self, envelope: Envelope, meanwhile: Callable[[], None] = nothing) -> None:
        """Hand one message to the provider; raises DeliveryError. ``meanwhile`` is work
        the session may run once while it waits for the provider's answer (the sender
        builds the next message then); it never raises, and it may be left undone."""
        ...

    def close(self) -> None: ...


class MailTransport(Protocol):
    def open(self) -> MailSession:
        """Open one session (connection + login); raises DeliveryError(scope="session")."""
        ...


@dataclass(frozen=True)
class DeliveryRecord:
    key: str
    kind: str
    item_id: str
    recipient: str
    channel: str
    message_id: str
    status: str  # pending | sent | failed
    attempts: int = 0
    error: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    sent_at: datetime | None = None
    detail: str = ""
    # pending and known NOT delivered (refused, deferred): try again later. A pending row
    # without it is uncertain: the worker stopped while the message was on its way.
    retry: bool = False


class Ledger(Protocol):
    """What was attempted and what was delivered, committed per message."""

    def get(self, key: str) -> DeliveryRecord | None: ...

    def get_many(self, keys: Sequence[str]) -> dict[str, DeliveryRecord]:
        """The records of those ``keys`` the ledger has, read together."""
        ...

    def begin(self, record: DeliveryRecord, at: datetime) -> None:
        """Record an attempt as pending (committed) before the send starts."""
        ...

    def finish(
        self, key: str, status: str, at: datetime, error: str = "", *, retry: bool = False
    ) -> None: ...

    def deliveries(
        self, *, item_id: str | None = None, kind: str | None = None
    ) -> list[DeliveryRecord]: ...

    def settled_keys(self, kinds: tuple[str, ...]) -> set[str]: ...

    def sent_since(self, since: datetime, channel: str = "email") -> int: ...

    def add_event(self, item_id: str, event: str, at: datetime, detail: str = "") -> bool:
        """Record an item event once; False if it was already recorded."""
        ...

    def add_events(self, events: list[tuple[str, str, datetime, str]]) -> int: ...

    def set_events(self, events: list[tuple[str, str, datetime, str]]) -> None:
        """Record events, replacing what each (item, event) held before."""
        ...

    def event_times(self, event: str) -> dict[str, datetime]: ...

    def event_details(self, event: str) -> dict[str, str]: ...

    def counts(self, kind: str) -> dict[str, dict[str, int]]: ...

    def events(self, item_id: str | None = None) -> list[tuple[str, str, datetime, str]]: ...

    def events_before(self, end: datetime) -> list[tuple[str, str, datetime, str]]: ...

    def delivery_summary(
        self, periods: Sequence[tuple[datetime, datetime]]
    ) -> list[tuple[str, str, str, str, tuple[int, ...]]]:
        """(channel, kind, status, recipient, count per period): sent ones by send time,
        others by last attempt."""
        ...

    def get_state(self, name: str) -> str | None: ...

    def set_state(self, name: str, value: str) -> None: ...

    def plan_digests(
        self,
        plans: Sequence[tuple[DeliveryRecord, Sequence[str]]],
        at: datetime,
        state: Mapping[str, str] | None = None,
    ) -> None:
        """Record digests as pending with the items each carries (and ``state``), atomically."""
        ...

    def digest_pairs(self, item_ids: Sequence[str]) -> set[tuple[str, str]]: ...

    def digest_counts(self) -> dict[str, dict[str, int]]: ...

    def unsettled(self, kind: str) -> list[DeliveryRecord]: ...

    def usage(self, since: datetime, channel: str = "email"
              ) -> list[tuple[datetime, str, str, str]]:
        """(time, recipient, kind, key) of each message counting against the sending
        window."""
        ...


class Publisher(Protocol):
    """A publishing channel beside e-mail (news board, chat, social), exactly-once per item."""

    name: str

    def publish(self, item: Submission, now: datetime) -> None:
        """Publish one approved item; idempotent; raises DeliveryError."""
        ...

    def finish(self, published: Sequence[Submission], registry: Registry, now: datetime) -> None:
        """Called once per cycle after publishing (e.g. rebuild lists and feeds)."""
        ...


@dataclass(frozen=True)
class Pictures:
    """What the media adapter made of one item's picture addresses: the photos now on the
    board, and one Thai sentence per picture left out (said once, when first found)."""

    photos: tuple[Photo, ...] = ()
    skipped: tuple[str, ...] = ()


class MediaStore(Protocol):
    """Fetches an item's pictures (Drive, saved e-mail attachments), strips their metadata
    and puts web-size copies and thumbnails on the news board."""

    def prepare(self, item_id: str, sources: Sequence[str]) -> Pictures:
        """Never raises for a picture: one that cannot be had is skipped and told."""
        ...
