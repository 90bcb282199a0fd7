"""Records that cross the boundaries between the core and its adapters.

Thai words stay in data and templates; identifiers name things in the users' own terms.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field
from datetime import date, datetime

Cell = str | bool | int | float | date | datetime | None
"""One spreadsheet value as a backend hands it over: booleans for checkboxes, dates as dates."""


@dataclass(frozen=True)
class Tab:
    """One tab read in one call: ``rows[0]`` is the header row; sheet row n is ``rows[n-1]``."""

    title: str
    rows: list[list[Cell]]


@dataclass(frozen=True)
class CellWrite:
    """A raw value for one cell, by 1-based sheet position located in a fresh read."""

    tab: str
    row: int
    col: int
    value: Cell


class Decision(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    UNREADABLE = "unreadable"


class Status(enum.StrEnum):
    """The worker-owned status words in the form-responses tab."""

    WAITING = "รอพิจารณา"
    APPROVED = "อนุมัติ-รอเผยแพร่"
    PUBLISHED = "เผยแพร่แล้ว"
    WITHDRAWN = "ถอนการเผยแพร่แล้ว"  # taken off the board by `automation site withdraw`
    REJECTED = "ไม่อนุมัติ"
    RETURNED = "ส่งกลับแก้ไข"
    REPLACED = "ส่งกลับแก้ไข-ได้ฉบับแก้ไขแล้ว"  # a resubmission names it (see core.resubmit)
    ERROR = "ผิดพลาด"


@dataclass(frozen=True)
class Problem:
    """Something a person must fix, located so they can find it."""

    tab: str
    message: str
    row_id: str | None = None
    row: int | None = None
    column: str | None = None
    severity: str = "error"  # "error" stops the item; "warning" is only reported
    once: bool = False  # told in one report only (a picture left out of a published item)

    def where(self) -> str:
        parts = [f"แท็บ '{self.tab}'"] if self.tab else []
        if self.row_id:
            parts.append(f"รหัส {self.row_id}")
        if self.row:
            parts.append(f"แถว {self.row}")
        if self.column:
            parts.append(f"คอลัมน์ '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class Photo:
    """One published picture: paths under the news board (``media/<ID>/<hash>.jpg``) for the
    web size and the thumbnail, and their public addresses when the board has one."""

    web: str
    thumb: str
    width: int
    height: int
    web_url: str | None = None
    thumb_url: str | None = None


@dataclass(frozen=True)
class Submission:
    """One news item as submitted (by form or e-mail) plus the director's decision."""

    id: str
    row: int
    submitted_at: datetime | None
    email: str
    school: str
    sender_name: str
    phone: str
    title: str
    body: str
    activity_date: date | None
    images: tuple[str, ...]
    links: tuple[str, ...]
    category: str
    source: str
    decision: Decision
    note: str
    audience: str
    publish_after: date | None
    urgent: bool
    cluster: str | None = None
    url: str | None = None
    problems: tuple[Problem, ...] = ()
    fingerprint: str = ""  # submission time + submitter address, to recognise its row
    channels: str = ""  # the director's ช่องทาง cell: which chat/social channels get it
    replaces: str = ""  # the returned item's ID this one is the corrected version of
    photos: tuple[Photo, ...] = ()  # its pictures as the board serves them (when fetched)

    @property
    def valid(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


@dataclass(frozen=True, slots=True)
class Member:
    """One row of the network registry (slots: a registry holds tens of thousands)."""

    member_id: str
    row: int
    network: str
    group: str
    name: str
    cluster: str
    coordinator: str
    position: str
    phone: str
    emails: tuple[str, ...]
    accepts_email: bool
    active: bool
    updated: date | None
    public: bool
    note: str = ""
    problems: tuple[Problem, ...] = ()

    def __reduce__(self) -> tuple[type[Member], tuple[object, ...]]:
        # Pickled as its fields, rebuilt through __init__: several times faster to load
        # than dataclasses' own state (the kept registry's members are loaded each run).
        return (Member, tuple(getattr(self, name) for name in self.__slots__))


@dataclass(frozen=True)
class Recipient:
    """One address that receives a bulletin, with the member it belongs to."""

    email: str
    member_id: str
    name: str
    coordinator: str = ""


@dataclass(frozen=True)
class Suppression:
    email: str
    reason: str
    since: date | None = None


@dataclass(frozen=True)
class Registry:
    members: tuple[Member, ...]
    suppressed: frozenset[str]
    problems: tuple[Problem, ...] = ()
    # Why the registry cannot say who receives e-mail (no e-mail column, no members): "" if
    # it can. Publication by e-mail is held while it is set.
    unreadable: str = ""

    def by_school_key(self) -> dict[str, Member]:
        return dict(self._by_school_key)

    @functools.cached_property
    def _by_school_key(self) -> dict[str, Member]:
        """Members by the fuzzy key of their name, made once (every parse of the form
        matches each row's school against it)."""
        from automation.text.thai import fuzzy_key

        return {fuzzy_key(m.name): m for m in self.members}

    @functools.cached_property
    def by_audience_key(self) -> dict[str, tuple[Member, ...]]:
        """Members by the fuzzy key of their cluster, group or name (audience words), made
        once: matching each approved item against every member's keys is quadratic."""
        from automation.text.thai import fuzzy_key

        keys: dict[str, str] = {}  # a network has few clusters and groups, many members

        def key(text: str) -> str:
            found = keys.get(text)
            if found is None:
                found = keys[text] = fuzzy_key(text)
            return found

        index: dict[str, list[Member]] = {}
        for m in self.members:
            for k in dict.fromkeys((key(m.cluster), key(m.group), fuzzy_key(m.name))):
                index.setdefault(k, []).append(m)
        return {k: tuple(v) for k, v in index.items()}


@dataclass
class CycleReport:
    """What one cycle did, printed by the CLI and kept for `automation status`."""

    started: datetime
    finished: datetime | None = None
    submissions: int = 0
    new_items: int = 0
    approved: int = 0
    published: int = 0
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    notices: int = 0
    sheet_writes: int = 0
    sheet_requests: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stopped: bool = False
    # What made the whole run fail (the mail server unusable, the sheet refusing the status
    # write), each reason once: shown in the summary, `status`, the officer's report and
    # the exit code.
    failures: list[str] = field(default_factory=list)

    def fail(self, reason: str) -> None:
        if reason not in self.failures:
            self.failures.append(reason)

    @property
    def ok(self) -> bool:
        return not self.stopped and not self.failures


# The ``source`` cell (ช่องทางส่งข่าว) of news that came by e-mail. Only EMAIL_SOURCE means
# the office's provider confirmed the sender is the registry school it claims to be
# (automation.inbox.auth); the others mark rows whose sender is unknown, unverified or
# known to be forged: the director sees the marker, and no notice may echo their text.
EMAIL_SOURCE = "อีเมล"
UNKNOWN_SENDER = f"{EMAIL_SOURCE} (ผู้ส่งไม่อยู่ในทะเบียน)"
FORGED_SENDER = f"{EMAIL_SOURCE} (ผู้ส่งไม่ผ่านการตรวจสอบ)"
UNVERIFIED_SENDER = f"{EMAIL_SOURCE} (ยืนยันผู้ส่งไม่ได้)"
UNVERIFIED_SOURCES = frozenset({UNKNOWN_SENDER, FORGED_SENDER, UNVERIFIED_SENDER})


def sender_unverified(item: Submission) -> bool:
    """True for e-mailed news whose sender the office could not verify (see above)."""
    return item.source.strip() in UNVERIFIED_SOURCES
