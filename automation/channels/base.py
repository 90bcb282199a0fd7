"""What every channel shares: the post, the adapter interface, and what a failure means.

A post leaves the worker once per (channel, item). The ledger row is written ``pending``
before the request and ``sent``/``failed`` after; a request that may or may not have reached
the service is *uncertain*, and only the adapter knows whether sending it again is harmless
(a retry key the service honours), checkable (the Page's own feed) or neither (Telegram).
"""

from __future__ import annotations

import enum
import json
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from automation.core.render import hosted
from automation.errors import DeliveryError
from automation.model import Submission

_KEY_SPACE = uuid.UUID("6f1c4b0e-3a57-5d5e-9c1b-7a3e0f2d9b61")


class UncertainDelivery(DeliveryError):
    """The request may have reached the service (timeout, dropped reply, 5xx)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=False)


class Recovery(enum.Enum):
    RESEND = "resend"  # sending again cannot make a second post
    SENT = "sent"  # the service shows the post: record it as sent
    UNKNOWN = "unknown"  # cannot tell: never risk a duplicate in a public channel


@dataclass(frozen=True)
class Post:
    """One approved item as the channels print it: public fields only, no submitter data."""

    item_id: str
    title: str
    school: str
    cluster: str
    category: str
    activity_date: date | None
    url: str | None
    body: str
    images: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    urgent: bool = False
    # (picture, preview) https addresses on the news board: empty without a public board.
    photos: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, item: Submission) -> Post:
        return cls(
            item_id=item.id, title=item.title, school=item.school, cluster=item.cluster or "",
            category=item.category, activity_date=item.activity_date, url=item.url,
            body=item.body, images=item.images, links=item.links,
            urgent=item.urgent,
            photos=tuple((str(p.web_url), str(p.thumb_url)) for p in hosted(item.photos)),
        )

    def summary(self) -> str:
        """What the ledger keeps about the post: enough to find it, no body."""
        return json.dumps({"title": self.title, "url": self.url}, ensure_ascii=False)


def request_key(ledger_key: str) -> str:
    """The idempotency key sent with a post: the same for every attempt of one ledger row."""
    return str(uuid.uuid5(_KEY_SPACE, ledger_key))


class Channel(Protocol):
    """One chat/social integration. Adapters format and send; the publisher decides policy."""

    name: str
    min_interval: float

    def send(self, post: Post, key: str) -> str:
        """Post once with idempotency ``key``; the service's id for the post.

        Raises DeliveryError (not posted; ``permanent`` and ``scope`` say what to do) or
        UncertainDelivery (may have been posted).
        """
        ...

    def recover(self, post: Post, key: str, age: timedelta) -> Recovery:
        """After an uncertain attempt ``age`` ago: may the post be sent again?"""
        ...
