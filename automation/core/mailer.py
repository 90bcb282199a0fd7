"""The core's mail service: build an envelope → hold it to the quota → send → record.

Every job that e-mails people — the publishing cycle, the evaluation report, registry
upkeep, the survey, the mailbox's unsubscribe confirmations — goes through one of these, so
every message gets the same signed Message-ID, envelope sender (VERP), unsubscribe links,
loop headers, quota share and exactly-once ledger record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import Message
from typing import Any

from automation.core import message
from automation.core.dispatch import Dispatcher, DispatchPolicy, DispatchResult, Outgoing
from automation.core.quota import Quota
from automation.core.services import NOTICE, Services
from automation.core.views import OfficeView
from automation.ports import Envelope


def envelope_key(kind: str, item_id: str, recipient: str) -> str:
    """The ledger key of one message: one (kind, item, recipient) is sent at most once."""
    return f"{kind}:{item_id}:{recipient}"


@dataclass(frozen=True)
class Addressing:
    """What makes one message exactly-once and traceable: its ledger key, signed Message-ID
    and envelope sender (a signed VERP address when bounces are matched that way)."""

    key: str
    message_id: str
    sender: str


class MailService:
    def __init__(self, services: Services) -> None:
        self.s = services
        config = services.config
        self.delivery = delivery = config.delivery
        quota = delivery.limits
        self.dispatcher = Dispatcher(
            services.ledger,
            services.transport,
            services.clock,
            DispatchPolicy(
                connections=quota.connections,
                # The outbox is a folder, not a provider: no reason to pace it.
                rate_per_minute=quota.messages_per_minute if delivery.paced else 10**9,
                daily_limit=quota.messages_per_day,
                retries=delivery.retries,
            ),
            stop=services.stop,
            on_sent=services.on_sent,
            sleep=services.sleep,
            quota=Quota(quota, services.ledger),
        )
        office = config.office
        self.office = OfficeView(office.name, office.website, delivery.sender, office.form_url)
        self._secret_cache: bytes | None = None

    @property
    def quota(self) -> Quota:
        return self.dispatcher.quota

    def secret(self) -> bytes:
        """The office's signing secret (Message-IDs, unsubscribe tokens, VERP addresses)."""
        if self._secret_cache is None:
            self._secret_cache = message.office_secret(self.s.ledger)
        return self._secret_cache

    def unsubscribe_url(self, email: str) -> str:
        """The signed mailto: address that stops bulletins to ``email``."""
        token = message.unsubscribe_token(self.secret(), email)
        return message.unsubscribe_mailto(self.delivery.unsubscribe_to, token, email)

    def addressing(self, kind: str, item_id: str, recipient: str) -> Addressing:
        office = self.delivery.sender
        key = envelope_key(kind, item_id, recipient)
        sender = office
        if self.delivery.verp:
            sender = message.return_path(office, item_id, key, self.secret())
        return Addressing(key, message.message_id(key, office, self.secret()), sender)

    def wrap(
        self, kind: str, item_id: str, recipient: str, priority: int,
        build: Callable[[Addressing], Message],
    ) -> Envelope:
        """An envelope around a message the caller builds itself (a report with charts and
        attachments), addressed like every other message."""
        to = self.addressing(kind, item_id, recipient)
        return Envelope(to.key, kind, item_id, recipient, to.message_id, to.sender, build(to),
                        priority)

    def envelope(
        self, kind: str, item_id: str, recipient: str, name: str | None,
        context: dict[str, Any], priority: int, unsubscribe: str | None = None,
    ) -> Envelope:
        """One message rendered from the ``kind`` templates to one recipient."""
        delivery = self.delivery
        to = self.addressing(kind, item_id, recipient)
        one_click = None
        if unsubscribe and delivery.one_click_base:
            one_click = message.one_click_url(delivery.one_click_base, self.secret(), recipient)
        msg = message.build(
            rendered=self.s.renderer.render(kind, context),
            sender=delivery.sender,
            sender_name=delivery.sender_name or self.office.name,
            recipient=recipient,
            recipient_name=name,
            msg_id=to.message_id,
            now=self.s.clock(),
            reply_to=delivery.reply_to,
            unsubscribe=unsubscribe,
            headers={"X-PR-Kind": kind, "X-PR-Item": item_id,
                     **(message.NOTICE_HEADERS if priority == NOTICE else message.BULK_HEADERS)},
            one_click=one_click,
        )
        return Envelope(to.key, kind, item_id, recipient, to.message_id, to.sender, msg, priority)

    def send(self, envelopes: Sequence[Envelope | Outgoing]) -> DispatchResult:
        """Send within the quota; each message recorded in the ledger before and after."""
        if not envelopes:
            return DispatchResult()
        self.secret()  # read (or made) once, before the sending threads build messages
        return self.dispatcher.send(envelopes)
