"""Helpers for the mailbox tests: a demo workspace reading the test Dovecot, and mail as
schools, mail programs and providers really send it (Thai in base64 and quoted-printable,
HTML only, attachments, auto-replies, delivery reports of each provider's shape)."""

from __future__ import annotations

import base64
import email
import uuid
from collections.abc import Sequence
from datetime import datetime
from email import encoders, policy
from email.charset import BASE64, QP, Charset
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from automation import config as config_mod
from automation.inbox import run_mailbox
from automation.inbox.report import MailboxReport
from automation.thaidate import BANGKOK
from automation.wiring import services
from tests.servers.dovecot import Dovecot
from tests.workspace import make_workspace

OFFICE = "pr@office.example.test"
SCHOOL = "bandonkaew@school.example.test"  # โรงเรียนบ้านดอนแก้ว in the demo registry
SCHOOL_NAME = "โรงเรียนบ้านดอนแก้ว"
PROCESSED = "ประมวลผลแล้ว"


def imap_section(dovecot: Dovecot, **extra: Any) -> str:
    values: dict[str, Any] = {
        "host": dovecot.host, "port": dovecot.port, "security": "none",
        "username": dovecot.user, "password_env": "IMAP_PASSWORD", "timeout": 5.0,
        "attachments_dir": "attachments", **extra,
    }
    lines = ["[imap]"]
    for key, value in values.items():
        if isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        elif isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        else:
            lines.append(f"{key} = {value!r}")
    return "\n".join(lines) + "\n"


def mailbox_workspace(
    where: Path, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch, extra: str = "",
    mail: str | None = None, **imap: Any,
) -> Path:
    """A demo workspace whose [imap] reads ``dovecot``; ``imap`` overrides its keys."""
    monkeypatch.setenv("IMAP_PASSWORD", dovecot.password)
    return make_workspace(where, imap_section(dovecot, **imap) + extra, mail=mail)


def run_pass(config_path: Path) -> MailboxReport:
    return run_mailbox(services(config_mod.load(config_path)))


def b64_word(text: str) -> str:
    return f"=?UTF-8?B?{base64.b64encode(text.encode()).decode()}?="


def qp_word(text: str) -> str:
    encoded = "".join(
        "_" if b == 0x20 else chr(b) if chr(b).isascii() and chr(b).isalnum() else f"={b:02X}"
        for b in text.encode()
    )
    return f"=?UTF-8?Q?{encoded}?="


def _text_part(body: str, subtype: str, cte: str) -> MIMEText:
    charset = Charset("utf-8")
    charset.body_encoding = QP if cte == "quoted-printable" else BASE64
    return MIMEText(body, subtype, charset)  # type: ignore[arg-type]


def mail(
    subject: str,
    body: str = "",
    *,
    sender: str = SCHOOL,
    name: str = "ครูสมศรี ใจดี",
    cte: str = "base64",
    html: str | None = None,
    text: bool = True,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    headers: dict[str, str] | None = None,
    date: datetime | None = None,
    message_id: str | None = None,
    to: str = OFFICE,
    verified: bool = True,
) -> bytes:
    """A school's e-mail: Thai text, chosen transfer encoding, optional HTML and files.

    ``subject`` goes out as given, so a test can pass RFC 2047 words of its choice.
    """
    parts: list[Message] = []
    if text:
        parts.append(_text_part(body, "plain", cte))
    if html is not None:
        parts.append(_text_part(html, "html", cte))
    content: Message = parts[0] if len(parts) == 1 else MIMEMultipart("alternative", None, parts)
    if attachments:
        content = MIMEMultipart("mixed", None, [content])
        for filename, content_type, data in attachments:
            maintype, subtype = content_type.split("/", 1)
            part = MIMEBase(maintype, subtype)
            part.set_payload(data)
            encoders.encode_base64(part)
            part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", filename))
            content.attach(part)
    if not any(k.lower() == "authentication-results" for k in headers or {}) and verified:
        # What the office's provider adds on receipt: the sender's domain passed DMARC.
        domain = sender.rpartition("@")[2]
        content["Authentication-Results"] = (
            f"mx.office.example.test; dkim=pass header.d={domain}; spf=pass; "
            f"dmarc=pass header.from={domain}")
    content["From"] = f"{b64_word(name)} <{sender}>" if name else sender
    content["To"] = to
    content["Subject"] = subject
    content["Date"] = format_datetime(date or datetime.now(BANGKOK))
    content["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@mail.school.example.test>"
    for key, value in (headers or {}).items():
        content[key] = value
    return content.as_bytes(policy=policy.compat32.clone(linesep="\r\n"))


def parsed(raw: bytes) -> Message:
    return email.message_from_bytes(raw)


def headers_of(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("ascii", "replace")


def dsn_rfc3464(
    original: bytes, recipient: str, status: str, *, action: str = "failed",
    diagnostic: str = "", to: str = OFFICE, whole: bool = False, quote: bool = True,
) -> bytes:
    """A standard delivery report (Postfix shape) quoting the original headers, the whole
    original (``whole``) or nothing at all (``quote=False``)."""
    boundary = uuid.uuid4().hex
    quoted = (
        f"Content-Type: message/rfc822\r\n\r\n{original.decode('utf-8', 'replace')}"
        if whole else f"Content-Type: text/rfc822-headers\r\n\r\n{headers_of(original)}\r\n"
    )
    quoted = f"--{boundary}\r\n{quoted}\r\n" if quote else ""
    code = "550" if status.startswith("5") else "450"
    diagnostic = diagnostic or f"{code} {status} <{recipient}>: Recipient address rejected"
    return (
        f"From: MAILER-DAEMON@mx.school.example.test (Mail Delivery System)\r\n"
        f"To: {to}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(datetime.now(BANGKOK))}\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@mx.school.example.test>\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"'
        f"\r\n\r\n--{boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        f"I'm sorry to have to inform you that your message could not be delivered.\r\n\r\n"
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; mx.school.example.test\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nOriginal-Recipient: rfc822;{recipient}\r\n"
        f"Action: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; {diagnostic}\r\n\r\n"
        f"{quoted}--{boundary}--\r\n"
    ).encode()


def dsn_gmail(original: bytes, recipient: str, *, to: str = OFFICE) -> bytes:
    """Gmail's own shape: X-Failed-Recipients, a sentence, the original as message/rfc822."""
    boundary = uuid.uuid4().hex
    text = (
        "** Address not found **\r\n\r\n"
        f"Your message wasn't delivered to {recipient} because the address couldn't be found, "
        "or is unable to receive mail.\r\n\r\nThe response from the remote server was:\r\n"
        "550 5.1.1 The email account that you tried to reach does not exist. Please try "
        "double-checking the recipient's email address for typos.\r\n"
    )
    return (
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\r\n"
        f"To: {to}\r\nX-Failed-Recipients: {recipient}\r\n"
        "Subject: Delivery Status Notification (Failure)\r\n"
        f"Date: {format_datetime(datetime.now(BANGKOK))}\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@mx.google.com>\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n{text}\r\n"
        f"--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n"
        f"{original.decode('utf-8', 'replace')}\r\n--{boundary}--\r\n"
    ).encode()


def dsn_microsoft(original: bytes, recipient: str, *, to: str = OFFICE) -> bytes:
    """Microsoft 365's own shape: an HTML report and the original as an attachment."""
    boundary = uuid.uuid4().hex
    html = (
        "<html><body><p><b><font color=\"#000066\" size=\"3\">Your message to "
        f"<a href=\"mailto:{recipient}\">{recipient}</a> couldn't be delivered.</font></b></p>"
        "<p>The email address couldn't be found.</p><br><p><b>Diagnostic information for "
        "administrators:</b></p><p>Generating server: AM0PR01MB1234.eurprd01.prod.outlook.com"
        f"</p><p>{recipient}<br>Remote Server returned '550 5.1.10 RESOLVER.ADR."
        "RecipientNotFound; Recipient not found by SMTP address lookup'</p></body></html>"
    )
    return (
        "From: Microsoft Outlook <postmaster@schools.onmicrosoft.com>\r\n"
        f"To: {to}\r\nSubject: Undeliverable: =?UTF-8?B?"
        f"{base64.b64encode('ข่าวประชาสัมพันธ์'.encode()).decode()}?=\r\n"
        f"Date: {format_datetime(datetime.now(BANGKOK))}\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@AM0PR01MB1234.outlook.com>\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n"
        f"--{boundary}\r\nContent-Type: message/rfc822\r\n"
        "Content-Disposition: attachment\r\n\r\n"
        f"{original.decode('utf-8', 'replace')}\r\n--{boundary}--\r\n"
    ).encode()
