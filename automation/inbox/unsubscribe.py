"""Unsubscribe requests: by e-mail (the List-Unsubscribe mailto) and by one-click link.

Both carry the address and its token, an HMAC of the address under the office's secret
(ledger state ``unsubscribe_secret``, made when the first bulletin is built). Without the
secret nobody can make a valid token for an address, so requests cannot be forged for
someone else or enumerated; the comparison takes constant time.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re

from automation.core.message import unsubscribe_token
from automation.ports import Ledger
from automation.text.addresses import email_problem, normalize_email

# The local part cannot hold an "@": with it, "unsubscribe a@a@a@…" made the engine try
# every split of the run against every other (quadratic in the text's length).
_MAIL_REQUEST = re.compile(
    r"unsubscribe\s+<?([^\s<>@]+@[^\s<>]+?)>?\s+([0-9a-f]{24})(?![0-9a-f])", re.IGNORECASE
)
_TEXT_CAP = 64 * 1024  # a real request is one line; only this much of each text is read
_ONE_CLICK = re.compile(r"([A-Za-z0-9_-]{4,400})\.([0-9a-f]{24})")


def secret(ledger: Ledger) -> bytes | None:
    """The office's signing secret; None before any bulletin was built (no valid token yet)."""
    value = ledger.get_state("unsubscribe_secret")
    try:
        return bytes.fromhex(value) if value else None
    except ValueError:
        return None


def valid(key: bytes | None, email: str, token: str) -> bool:
    if key is None or not email:
        return False
    return hmac.compare_digest(unsubscribe_token(key, email), token.lower())


def mail_request(*texts: str) -> tuple[str, str] | None:
    """(address, token) from the subject or body of an unsubscribe e-mail."""
    for text in texts:
        found = _MAIL_REQUEST.search(text[:_TEXT_CAP])
        if found:
            address = found.group(1).strip().rstrip(".,;")
            if not email_problem(address):
                return normalize_email(address), found.group(2).lower()
    return None


def one_click_address(key: bytes | None, blob: str) -> str | None:
    """The address a one-click link was made for, or None for a forged or broken link."""
    found = _ONE_CLICK.fullmatch(blob)
    if found is None:
        return None
    encoded, token = found.groups()
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        email = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    if email_problem(email) or not valid(key, email, token):
        return None
    return normalize_email(email)
