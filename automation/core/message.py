"""Build one e-mail for one recipient: deterministic Message-ID, Thai-safe headers."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date
from urllib.parse import quote

from automation.core.render import Rendered
from automation.text import single_line


def message_id(key: str, sender: str) -> str:
    """The same (item, recipient) always gets the same Message-ID, across restarts."""
    domain = sender.rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def unsubscribe_token(secret: bytes, email: str) -> str:
    """A per-recipient signed token that cannot be guessed for another address."""
    mac = hmac.new(secret, email.lower().encode("utf-8"), hashlib.sha256).hexdigest()[:24]
    return mac


def unsubscribe_mailto(address: str, token: str, email: str) -> str:
    subject = quote(f"unsubscribe {email} {token}")
    return f"mailto:{address}?subject={subject}"


def build(
    *,
    rendered: Rendered,
    sender: str,
    sender_name: str | None,
    recipient: str,
    recipient_name: str | None,
    msg_id: str,
    now: datetime,
    reply_to: str | None = None,
    unsubscribe: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = single_line(rendered.subject, limit=250)
    msg["From"] = _address(sender_name, sender)
    msg["To"] = _address(recipient_name, recipient)
    if reply_to:
        msg["Reply-To"] = single_line(reply_to)
    msg["Date"] = rfc2822_date(now)
    msg["Message-ID"] = msg_id
    if unsubscribe:
        msg["List-Unsubscribe"] = f"<{single_line(unsubscribe)}>"
    for name, value in (headers or {}).items():
        msg[name] = single_line(value)
    msg.set_content(rendered.text, charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return msg


def _address(name: str | None, email: str) -> Address:
    local, _, domain = single_line(email).rpartition("@")
    return Address(display_name=single_line(name or "", limit=120), username=local, domain=domain)
