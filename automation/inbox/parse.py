"""Read one raw e-mail: who sent it, its subject, its text, its links and attachments.

Parsed with the stdlib's compat32 API, which keeps every header as written, so each step
can decode it leniently: Thai mail still arrives as TIS-620 / windows-874, names and file
names come RFC 2047-encoded or as raw UTF-8, and a broken header must not lose the news.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.errors import HeaderParseError
from email.header import Header, decode_header
from email.message import Message
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value, getaddresses, parsedate_to_datetime

from automation.inbox.htmltext import find_links, html_to_text
from automation.text.addresses import email_problem, normalize_email
from automation.text.lines import clean_text, single_line
from automation.thaidate import BANGKOK

# Charset names Thai mail programs use that Python does not know by that name.
_CHARSETS = {
    "windows-874": "cp874", "x-windows-874": "cp874", "ms874": "cp874",
    "tis620": "tis-620", "x-tis620": "tis-620", "iso-8859-11": "iso8859-11",
    "unicode-1-1-utf-7": "utf-7", "ks_c_5601-1987": "cp949",
}
_MAX_LINKS = 20
_MSGID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes
    inline: bool


def parse(raw: bytes) -> Message:
    return BytesParser(policy=policy.compat32).parsebytes(raw)


def parse_headers(raw: bytes) -> Message:
    return BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)


def message_key(headers: Message, raw_header: bytes) -> str:
    """The Message-ID, or a digest of the header block for a message without one.

    Either is the same every time the same message is fetched, which is what makes
    ingesting it exactly-once.
    """
    found = _MSGID.search(header_text(headers.get("Message-ID")))
    if found:
        return found.group(0)[:250]
    return f"<{hashlib.sha256(raw_header).hexdigest()[:32]}@no-message-id.invalid>"


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes in the named charset, forgiving unknown names and bad bytes."""
    name = (charset or "").strip().strip('"').lower()
    name = _CHARSETS.get(name, name)
    if not name or name in ("us-ascii", "ascii", "unknown-8bit", "8bit"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            # Old Thai mail without a charset is almost always windows-874.
            return data.decode("cp874", errors="replace")
    try:
        return data.decode(name, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def header_text(value: object) -> str:
    """A header as text: RFC 2047 words decoded, raw UTF-8 accepted."""
    if value is None:
        return ""
    if isinstance(value, Header):  # how the parser hands over raw 8-bit header bytes
        return "".join(
            data if isinstance(data, str) else decode_bytes(data, charset)
            for data, charset in decode_header(value)
        )
    raw = str(value)
    if any("\udc80" <= c <= "\udcff" for c in raw):  # raw 8-bit bytes kept by the parser
        raw = decode_bytes(raw.encode("utf-8", "surrogateescape"), None)
    try:
        chunks = decode_header(raw)
    except (HeaderParseError, ValueError):
        return raw
    parts = [
        data if isinstance(data, str) else decode_bytes(data, charset)
        for data, charset in chunks
    ]
    return "".join(parts)


def sender(msg: Message) -> tuple[str, str]:
    """(address, display name) of From; the address is "" when it is unusable."""
    raw = header_text(msg.get("From"))
    pairs = getaddresses([raw])
    if not pairs:
        return "", ""
    name, address = pairs[0]
    address = address.strip()
    if not address or email_problem(address):
        return "", single_line(name, 200)
    return normalize_email(address), single_line(name.strip().strip('"'), 200)


def sent_at(msg: Message) -> datetime | None:
    """The Date header in Bangkok time, None when missing or unreadable."""
    raw = header_text(msg.get("Date")).strip()
    if not raw:
        return None
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return when.replace(tzinfo=BANGKOK)
    return when.astimezone(BANGKOK)


def subject(msg: Message) -> str:
    return single_line(header_text(msg.get("Subject")))


def parts(msg: Message) -> Iterator[Message]:
    """Leaf parts in order, not descending into attached messages (forwards, DSN copies)."""
    if msg.get_content_maintype() == "message":
        return
    if msg.is_multipart():
        payload = msg.get_payload()
        if isinstance(payload, list):
            for part in payload:
                if isinstance(part, Message):
                    yield from parts(part)
        return
    yield msg


def _is_attachment(part: Message) -> bool:
    disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    return disposition == "attachment" or bool(part.get_filename() or part.get_param("name"))


def _filename(part: Message) -> str:
    name = part.get_filename()
    if name:
        return name
    param = part.get_param("name")
    return collapse_rfc2231_value(param) if param else ""


def text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_bytes(payload, part.get_content_charset())


def body(msg: Message) -> tuple[str, list[str]]:
    """The message's text (the plain part, else its HTML as text) and its links."""
    plain = html = ""
    for part in parts(msg):
        if _is_attachment(part) or part.get_content_maintype() != "text":
            continue
        kind = part.get_content_subtype()
        if kind == "plain" and not plain.strip():
            plain = text_of(part)
        elif kind == "html" and not html.strip():
            html = text_of(part)
    html_text, html_links = html_to_text(html) if html.strip() else ("", [])
    text = clean_text(plain) if plain.strip() else html_text
    links: list[str] = []
    for url in [*find_links(text), *html_links]:
        if url not in links and len(links) < _MAX_LINKS:
            links.append(url)
    return text, links


def attachments(msg: Message) -> list[Attachment]:
    """Files sent with the message: named parts and inline images (not the body itself)."""
    found: list[Attachment] = []
    for part in parts(msg):
        maintype = part.get_content_maintype()
        named = _is_attachment(part)
        inline_image = maintype == "image" and part.get("Content-ID") is not None
        if not (named or inline_image) or (maintype == "text" and not named):
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data:
            continue
        name = single_line(header_text(_filename(part)), 200)
        disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        found.append(Attachment(name, part.get_content_type(), data, disposition != "attachment"))
    return found


def header_values(msg: Message, name: str) -> list[str]:
    return [header_text(v) for v in msg.get_all(name, [])]
