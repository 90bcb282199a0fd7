"""News sent by e-mail as one row of the form-responses tab, like a Google Form answer.

The row carries what the form would (timestamp, sender, school, title, body, pictures,
links) plus the worker-owned ID, status and source, and never an approval: e-mailed news
waits for the director like any other. Attachments are saved, after the duplicate check,
under names made of the news ID and the content's hash: saving them again after a crash
finds the same files, and nothing ever replaces a file already saved.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.message import Message
from pathlib import Path
from urllib.parse import quote

from automation.inbox import parse
from automation.inbox.settings import ImapConfig
from automation.model import (
    EMAIL_SOURCE as SOURCE,
)
from automation.model import (
    FORGED_SENDER,
    UNKNOWN_SENDER,
    UNVERIFIED_SENDER,
    Cell,
    Member,
    Problem,
    Status,
)
from automation.text.files import safe_filename
from automation.text.lines import clean_text, single_line
from automation.thaidate import BANGKOK

# Logos and tracking pixels in signatures are not news pictures.
_MIN_INLINE_IMAGE = 4096
_PREFIXES = ("fwd:", "fw:", "ส่งต่อ:")
# Office formats that can carry macros: refused unless imap.allow_macro_documents is set.
MACRO_TYPES = frozenset({
    "doc", "dot", "docm", "dotm", "xls", "xlt", "xla", "xlsm", "xltm", "xlam", "xlsb",
    "ppt", "pot", "pps", "pptm", "potm", "ppsm", "sldm", "rtf",
})


@dataclass(frozen=True)
class Limits:
    max_title: int
    max_body: int


@dataclass(frozen=True)
class NewsRow:
    """Field name → cell value for one submission, and what the officer should know."""

    id: str
    values: dict[str, Cell]
    problems: tuple[Problem, ...] = ()
    files: tuple[Path, ...] = field(default=())


def timestamp(msg: Message, received: datetime | None) -> datetime:
    """When the news was sent: the Date header unless it is implausible next to when the
    server received it. Wall-clock Bangkok time to the second, as Google Forms writes it."""
    sent = parse.sent_at(msg)
    if sent is not None and received is not None and not (
        received - timedelta(days=30) <= sent <= received + timedelta(days=1)
    ):
        sent = None
    when = sent or received or datetime.now(BANGKOK)
    return when.astimezone(BANGKOK).replace(tzinfo=None, microsecond=0)


def title_of(msg: Message) -> str:
    title = parse.subject(msg)
    while title.casefold().startswith(_PREFIXES):
        title = title.split(":", 1)[1].strip()
    return title


def identify(msg: Message, from_email: str, received: datetime | None, limits: Limits) -> str:
    """The news ID of an e-mail: the same message always gets the same one, and 64 bits
    make a collision (a second e-mail taking another's ID, files and all) unreachable."""
    when = timestamp(msg, received)
    title = " ".join(single_line(title_of(msg), limits.max_title).split())
    basis = "\x1f".join((when.isoformat(), from_email.strip().casefold(), title))
    return "N-" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16].upper()


def build_row(
    msg: Message,
    *,
    from_email: str,
    from_name: str,
    received: datetime | None,
    owner: Member | None,
    forged: str,
    form_tab: str,
    unverified: str = "",
    limits: Limits,
    imap: ImapConfig,
    attachments_dir: Path,
    headers: Mapping[str, str],
) -> NewsRow:
    when = timestamp(msg, received)
    title = single_line(title_of(msg), limits.max_title)
    body, links = parse.body(msg)
    news_id = identify(msg, from_email, received, limits)
    trusted = owner if not (forged or unverified) else None
    problems: list[Problem] = []
    if forged:
        source = FORGED_SENDER
        problems.append(Problem(
            form_tab, f"อีเมลข่าว '{single_line(title, 80)}' อ้างว่ามาจาก {from_email} แต่ "
            f"{forged}; ตรวจสอบกับผู้ส่งก่อนอนุมัติ", news_id, column=headers["email"],
            severity="warning"))
    elif owner is None:
        source = UNKNOWN_SENDER
        problems.append(Problem(
            form_tab, f"อีเมลข่าว '{single_line(title, 80)}' จาก {from_email or from_name} "
            "ซึ่งไม่อยู่ในทะเบียนเครือข่าย; ตรวจสอบผู้ส่งก่อนอนุมัติ", news_id,
            column=headers["email"], severity="warning"))
    elif unverified:
        source = UNVERIFIED_SENDER
        problems.append(Problem(
            form_tab, f"อีเมลข่าว '{single_line(title, 80)}' อ้างว่ามาจาก {from_email} "
            f"({owner.name}) แต่ยืนยันผู้ส่งไม่ได้: {unverified}; ตรวจสอบกับโรงเรียนก่อนอนุมัติ",
            news_id, column=headers["email"], severity="warning"))
    else:
        source = SOURCE
    images, others, files, file_problems = save_attachments(
        msg, news_id, imap, attachments_dir, Problem(form_tab, "", news_id,
                                                     column=headers["images"]))
    problems.extend(file_problems)
    values: dict[str, Cell] = {
        "timestamp": when,
        "email": from_email,
        "school": trusted.name if trusted else from_name,
        "sender": from_name or (trusted.coordinator if trusted else ""),
        "title": title,
        "body": clean_text(body, limits.max_body),
        "images": ", ".join(images),
        "links": ", ".join([*others, *(u for u in links if u not in others)]),
        "id": news_id,
        "status": Status.WAITING.value,
        "source": source,
    }
    return NewsRow(news_id, values, tuple(problems), tuple(files))


def save_attachments(
    msg: Message, news_id: str, imap: ImapConfig, folder: Path, where: Problem
) -> tuple[list[str], list[str], list[Path], list[Problem]]:
    """Save allowed files; returns (picture links, other file links, paths, problems).

    ``where`` locates the problems (tab, news ID, column); its message is not used.
    """
    images: list[str] = []
    others: list[str] = []
    saved: list[Path] = []
    problems: list[Problem] = []
    allowed = {t.lower().lstrip(".") for t in imap.attachment_types}
    limit = int(imap.max_attachment_mb * 1024 * 1024)

    def skip(name: str, why: str) -> None:
        message = f"ไม่ได้บันทึกไฟล์แนบ '{single_line(name, 80)}': {why}"
        problems.append(replace(where, message=message, severity="warning"))

    for attachment in parse.attachments(msg):
        name = _file_name(attachment)
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if attachment.inline and not attachment.filename and (
            len(attachment.data) < _MIN_INLINE_IMAGE
        ):
            continue
        if extension in MACRO_TYPES and not imap.allow_macro_documents:
            skip(name, f"ไม่รับไฟล์ชนิด .{extension} ซึ่งอาจมีมาโคร (ส่งเป็น PDF หรือ .docx/.xlsx/"
                 ".pptx แทน; รับได้เมื่อตั้ง imap.allow_macro_documents = true)")
            continue
        if extension not in allowed:
            skip(name, f"ไม่รับไฟล์ชนิด .{extension or '?'} (รับ: {', '.join(sorted(allowed))})")
            continue
        if len(attachment.data) > limit:
            size = len(attachment.data) / 1024 / 1024
            skip(name, f"ขนาด {size:.1f} MB เกิน {imap.max_attachment_mb:g} MB")
            continue
        if len(saved) >= imap.max_attachments:
            skip(name, f"ไฟล์แนบเกิน {imap.max_attachments} ไฟล์ต่อข่าว")
            continue
        # The content's hash is in the name: a file once saved (and published) is never
        # replaced by other bytes; the same bytes saved again after a crash are left as is.
        digest = hashlib.sha256(attachment.data).hexdigest()[:16]
        path = folder / safe_filename(f"{news_id}-{len(saved) + 1}-{digest}-{name}", max_len=150)
        if not path.exists():
            _write(path, attachment.data)
        saved.append(path)
        link = (f"{imap.attachments_url.rstrip('/')}/{quote(path.name)}"
                if imap.attachments_url else str(path))
        (images if attachment.content_type.startswith("image/") else others).append(link)
    return images, others, saved, problems


def _file_name(attachment: parse.Attachment) -> str:
    name = attachment.filename.strip() or "file"
    if "." not in name.lstrip("."):
        name += mimetypes.guess_extension(attachment.content_type) or ""
    return name


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
