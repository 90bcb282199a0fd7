"""Build one e-mail for one recipient: deterministic Message-ID, Thai-safe headers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from datetime import datetime
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime as rfc2822_date
from email.utils import formataddr
from urllib.parse import quote

from automation.core.render import Rendered
from automation.ports import Ledger
from automation.text.lines import single_line

_VERP_ITEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,40}")


# Headers of the messages the worker sends on its own (RFC 3834): notices answer a person,
# so they are "auto-replied"; bulletins and reports are "auto-generated" bulk mail. Either
# tells an auto-responder (another office's worker too) not to answer.
NOTICE_HEADERS = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
BULK_HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All",
                "Precedence": "bulk"}


def message_id(key: str, sender: str, secret: bytes | None = None) -> str:
    """The same (kind, item, recipient) always gets the same Message-ID, across restarts.

    With the office's ``secret`` the ID is an HMAC of the delivery key (see
    ``message_token``): a delivery report quoting it proves it answers this very message
    to this very recipient, and nobody without the secret can make one up.
    """
    domain = sender.rpartition("@")[2] or "localhost"
    if secret is not None:
        digest = message_token(secret, key)
    else:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def office_secret(ledger: Ledger) -> bytes:
    """The office's signing secret (ledger state ``unsubscribe_secret``), made on first use."""
    value = ledger.get_state("unsubscribe_secret")
    if value is None:
        value = secrets.token_hex(32)
        ledger.set_state("unsubscribe_secret", value)
    return bytes.fromhex(value)


def message_token(secret: bytes, key: str) -> str:
    """The signed local part of a Message-ID: 128 bits of HMAC-SHA256 over the key."""
    return hmac.new(secret, b"msgid\x00" + key.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def unsubscribe_token(secret: bytes, email: str) -> str:
    """A per-recipient signed token that cannot be guessed for another address."""
    mac = hmac.new(secret, email.lower().encode("utf-8"), hashlib.sha256).hexdigest()[:24]
    return mac


def unsubscribe_mailto(address: str, token: str, email: str) -> str:
    subject = quote(f"unsubscribe {email} {token}")
    return f"mailto:{address}?subject={subject}"


def one_click_url(base_url: str, secret: bytes, email: str) -> str:
    """The RFC 8058 one-click address for ``email``: the address itself, signed."""
    who = base64.urlsafe_b64encode(email.lower().encode("utf-8")).decode("ascii").rstrip("=")
    return f"{base_url.rstrip('/')}/unsubscribe/{who}.{unsubscribe_token(secret, email)}"


def verp_mac(secret: bytes, key: str) -> str:
    return hmac.new(secret, b"verp\x00" + key.encode("utf-8"), hashlib.sha256).hexdigest()[:12]


def return_path(sender: str, item_id: str, key: str, secret: bytes) -> str:
    """A VERP envelope sender naming the delivery, so a bounce finds it even without headers.

    ``pr+b-<item>.<mac>@domain``: the item narrows the ledger search, the MAC picks the
    delivery and cannot be made up. Left plain when the item ID would not fit a local part.
    """
    local, at, domain = sender.rpartition("@")
    verp = f"{local}+b-{item_id}.{verp_mac(secret, key)}"
    if not at or not _VERP_ITEM.fullmatch(item_id) or len(verp) > 64:
        return sender
    return f"{verp}@{domain}"


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
    one_click: str | None = None,
) -> Message:
    """A multipart/alternative message, text first, HTML second.

    Built with the compat32 API on purpose: the modern header folder spends tens of
    milliseconds per Thai header, the classic RFC 2047 encoder a few microseconds.
    """
    msg = MIMEMultipart("alternative")
    address(
        msg, subject=rendered.subject, sender=sender, sender_name=sender_name,
        recipient=recipient, recipient_name=recipient_name, msg_id=msg_id, now=now,
        reply_to=reply_to,
    )
    links = [u for u in (one_click, unsubscribe) if u]
    if links:
        msg["List-Unsubscribe"] = ", ".join(f"<{single_line(u)}>" for u in links)
    if one_click:
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in (headers or {}).items():
        msg[name] = _encoded(value)
    msg.attach(MIMEText(rendered.text, "plain", "utf-8"))
    msg.attach(MIMEText(rendered.html, "html", "utf-8"))
    return msg


def address(
    msg: Message,
    *,
    subject: str,
    sender: str,
    sender_name: str | None,
    recipient: str,
    recipient_name: str | None,
    msg_id: str,
    now: datetime,
    reply_to: str | None = None,
) -> None:
    """The headers every message of the worker carries, single-line and RFC 2047 encoded."""
    msg["Subject"] = _encoded(subject)
    msg["From"] = _address(sender_name, sender)
    msg["To"] = _address(recipient_name, recipient)
    if reply_to:
        msg["Reply-To"] = single_line(reply_to)
    msg["Date"] = rfc2822_date(now)
    msg["Message-ID"] = msg_id
    if "MIME-Version" not in msg:  # MIMEMultipart has it already; one is allowed
        msg["MIME-Version"] = "1.0"


def encoded(value: str) -> str:
    """A header value as RFC 2047 words: Thai subjects and names survive every client."""
    return _encoded(value)


def _encoded(value: str) -> str:
    text = single_line(value, limit=250)
    if text.isascii() and "=?" not in text:
        return text  # nothing to encode (X-PR-Kind, X-PR-Item): encoding it costs CPU
    return " ".join(words(text))


def _address(name: str | None, email: str) -> str:
    shown = single_line(name or "", limit=120)
    if shown.isascii() and "=?" not in shown:
        return formataddr((shown, single_line(email)))
    return f"{' '.join(words(shown))} <{single_line(email)}>"


# RFC 2047: an encoded-word is at most 75 characters, a header line at most 78. "=?utf-8?b?"
# and "?=" take 12, and 42 bytes of text are 56 of base64: a 68-character word fits a
# line after "Subject: ".
_WORD_BYTES = 42


def words(text: str) -> list[str]:
    """``text`` as RFC 2047 encoded-words of at most 75 characters, for a header the
    generator folds between them. Each word holds whole characters and never starts with
    a combining mark (a Thai vowel or tone mark stays with its consonant); a word ends
    after a space when one is near the end, so readers that wrongly keep the space between
    words show a double space rather than a split word."""
    chunks: list[str] = []
    current = ""
    for cluster in _clusters(text):
        if len((current + cluster).encode("utf-8")) > _WORD_BYTES and current:
            cut = current.rfind(" ") + 1
            if cut < len(current) // 2:
                cut = len(current)
            chunks.append(current[:cut])
            current = current[cut:]
        current += cluster
    if current:
        chunks.append(current)
    return [f"=?utf-8?b?{base64.b64encode(c.encode('utf-8')).decode('ascii')}?="
            for c in chunks]


def _clusters(text: str) -> list[str]:
    """Characters with their combining marks attached (a base of at most 45 bytes)."""
    out: list[str] = []
    for ch in text:
        if out and unicodedata.category(ch) in ("Mn", "Me") and len(
            (out[-1] + ch).encode("utf-8")
        ) <= _WORD_BYTES:
            out[-1] += ch
        else:
            out.append(ch)
    return out
