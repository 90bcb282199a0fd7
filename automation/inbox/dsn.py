"""Delivery status notifications: who could not be reached, with which status code.

Standard reports (RFC 3464 ``multipart/report; report-type=delivery-status``) are read
field by field. Gmail and Microsoft 365 also send reports in their own shapes — an
``X-Failed-Recipients`` header and a sentence ("Your message wasn't delivered to …",
"Remote Server returned '550 5.1.10 …'") — so those are read from the text as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser

from automation.inbox.htmltext import html_to_text
from automation.inbox.parse import header_text, header_values, text_of
from automation.text.addresses import email_problem, normalize_email
from automation.text.lines import single_line

# Reports are matched on at most this much of each text part: a hostile "report" of
# megabytes costs no more than a real one.
TEXT_CAP = 64 * 1024
STATUS = re.compile(r"(?<![\w.])([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)")
_SMTP_CODE = re.compile(r"(?<![\w.])([45]\d\d)(?=[ \-])")
# Starts only where a run of address characters starts, so a long run is tried once.
_EMAIL = re.compile(r"(?<![A-Za-z0-9.!#$%&'*+/=?^_`{|}~-])"
                    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_DAEMON = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|microsoftexchange[0-9a-f]*)@", re.I)
_SUBJECT = re.compile(
    r"undeliver|returned mail|delivery status notification|mail delivery (failed|failure|"
    r"subsystem)|delivery failure|failure notice|could not be delivered|"
    r"ส่งไม่สำเร็จ|ไม่สามารถส่ง|ส่งคืน",
    re.I,
)
_DELAY = re.compile(r"\bdelay|will (be )?retr|still trying|has not yet been delivered|ล่าช้า", re.I)
_MS_RETURNED = re.compile(r"Remote Server returned '([^'\n]{1,500})'", re.I)
_MS_FAILED_TO = re.compile(
    r"(?:Delivery has failed to these recipients or groups|couldn't be delivered to|"
    r"Your message to)\s*:?\s*([^\s@]+@\S+)", re.I)
_GMAIL_FAILED_TO = re.compile(
    r"(?:wasn't delivered to|could not be delivered to|delivery to the following "
    r"recipients? failed[^:\n]{0,200}:)\s*<?([^\s<>@]+@[^\s<>]+?)>?[\s.,]", re.I)


@dataclass(frozen=True)
class Failure:
    """One recipient of the bounced message and what happened to it."""

    recipient: str
    action: str  # failed | delayed | delivered | relayed | expanded
    status: str  # "5.1.1"; "" when the report gives none
    diagnostic: str


@dataclass(frozen=True)
class Dsn:
    form: str  # rfc3464 | gmail | microsoft | text
    failures: tuple[Failure, ...]
    original: Message | None  # the headers of the message that bounced
    addressed_to: tuple[str, ...]  # where this report was delivered (a VERP return path)
    text: str = ""  # the report's own text parts, which may quote the original inline


def report_type(msg: Message) -> str:
    if msg.get_content_type() != "multipart/report":
        return ""
    return str(msg.get_param("report-type") or "").lower()


def looks_like_dsn(msg: Message, from_email: str) -> bool:
    if report_type(msg) == "delivery-status" or msg.get("X-Failed-Recipients"):
        return True
    subject = header_text(msg.get("Subject"))
    daemon = bool(_DAEMON.match(from_email)) or "mail delivery" in header_text(
        msg.get("From")).lower()
    return bool(_SUBJECT.search(subject)) and (daemon or _original(msg) is not None)


def read_dsn(msg: Message) -> Dsn:
    original = _original(msg)
    addressed = tuple(
        a for name in ("To", "Delivered-To", "X-Original-To", "Envelope-To")
        for a in header_values(msg, name)
    )
    failures = _standard(msg)
    form = "rfc3464"
    if not failures:
        text = _human_text(msg)
        form = _form(msg, text)
        failures = _from_text(msg, text, original)
    return Dsn(form, tuple(failures), original, addressed, _quoted_text(msg))


# -- RFC 3464 ------------------------------------------------------------------------


def _walk(msg: Message) -> list[Message]:
    found = [msg]
    payload = msg.get_payload()
    if isinstance(payload, list) and msg.get_content_type() != "message/delivery-status":
        for part in payload:
            if isinstance(part, Message):
                found.extend(_walk(part))
    return found


def _blocks(part: Message) -> list[dict[str, str]]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [{k.lower(): header_text(v) for k, v in b.items()} for b in payload
                if isinstance(b, Message)]
    text = payload[:TEXT_CAP] if isinstance(payload, str) else ""
    parser = HeaderParser()
    return [
        {k.lower(): header_text(v) for k, v in parser.parsestr(chunk.strip() + "\n").items()}
        for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if chunk.strip()
    ]


def _address(field: str) -> str:
    value = field.split(";", 1)[-1].strip().strip("<>")
    return normalize_email(value) if value and not email_problem(value) else ""


def _standard(msg: Message) -> list[Failure]:
    failures: list[Failure] = []
    for part in _walk(msg):
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in _blocks(part):
            if "final-recipient" not in block and "original-recipient" not in block:
                continue
            recipient = _address(block.get("final-recipient", "")) or _address(
                block.get("original-recipient", ""))
            diagnostic = single_line(block.get("diagnostic-code", "").split(";", 1)[-1], 300)
            found = STATUS.search(block.get("status", "")) or STATUS.search(diagnostic)
            status = found.group(1) if found else _status_from_code(diagnostic)
            action = block.get("action", "failed").strip().lower() or "failed"
            failures.append(Failure(recipient, action, status, diagnostic))
    return failures


# -- the providers' own shapes ---------------------------------------------------------


def _original(msg: Message) -> Message | None:
    for part in _walk(msg)[1:]:
        kind = part.get_content_type()
        if kind in ("text/rfc822-headers", "message/rfc822-headers"):
            payload = part.get_payload(decode=True)
            text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
            return HeaderParser().parsestr(text.lstrip() + "\n\n", headersonly=True)
        if kind in ("message/rfc822", "message/global"):
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return inner[0]
    return None


def _human_text(msg: Message) -> str:
    plain, html = [], []
    for part in _walk(msg):
        if part.get_content_maintype() == "message":
            break  # the original message follows; its text is not the report
        if part.get_content_type() == "text/plain":
            plain.append(text_of(part)[:TEXT_CAP])
        elif part.get_content_type() == "text/html":
            html.append(html_to_text(text_of(part)[: 4 * TEXT_CAP])[0][:TEXT_CAP])
    return "\n".join(plain) if any(p.strip() for p in plain) else "\n".join(html)


def _quoted_text(msg: Message) -> str:
    """The report's text/plain parts (not an attached original), each capped."""
    found = [text_of(p)[:TEXT_CAP] for p in _walk(msg) if p.get_content_type() == "text/plain"]
    return "\n".join(found)[:TEXT_CAP]


def _form(msg: Message, text: str) -> str:
    origin = " ".join([header_text(msg.get("From")), *header_values(msg, "Received")]).lower()
    if "Remote Server returned" in text or "microsoft" in origin or "outlook.com" in origin:
        return "microsoft"
    if "google" in origin or "gmail" in origin or msg.get("X-Failed-Recipients"):
        return "gmail"
    return "text"


def _status_from_code(text: str) -> str:
    code = _SMTP_CODE.search(text)
    return f"{code.group(1)[0]}.0.0" if code else ""


def _from_text(msg: Message, text: str, original: Message | None) -> list[Failure]:
    returned = _MS_RETURNED.search(text)
    diagnostic = returned.group(1) if returned else ""
    found = STATUS.search(diagnostic) or STATUS.search(text)
    status = found.group(1) if found else _status_from_code(diagnostic or text)
    if not diagnostic:
        line = next((ln for ln in text.splitlines() if status and status in ln), "")
        diagnostic = line or next((ln for ln in text.splitlines() if ln.strip()), "")
    subject = header_text(msg.get("Subject"))
    delayed = bool(_DELAY.search(subject) or _DELAY.search(text)) and not status.startswith("5")
    action = "delayed" if delayed else "failed"
    recipients = _recipients(msg, text, original)
    return [
        Failure(r, action, status, single_line(diagnostic, 300)) for r in recipients or [""]
    ]


def _recipients(msg: Message, text: str, original: Message | None) -> list[str]:
    candidates = [
        a for v in header_values(msg, "X-Failed-Recipients") for a in re.split(r"[,\s]+", v)
    ]
    candidates += [m.group(1) for m in _MS_FAILED_TO.finditer(text)]
    candidates += [m.group(1) for m in _GMAIL_FAILED_TO.finditer(text)]
    if not candidates and original is not None:
        candidates = _EMAIL.findall(header_text(original.get("To"))[:TEXT_CAP])
    result: list[str] = []
    for candidate in candidates:
        address = candidate.strip().strip("<>.,;:'\"")
        if address and not email_problem(address):
            address = normalize_email(address)
            if address not in result:
                result.append(address)
    return result
