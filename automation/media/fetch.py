"""Getting a picture's bytes: Google Drive (a form's file-upload answer, ``drive.py``) or a
saved e-mail attachment from its folder (here, with what every fetcher shares).

Only these two sources are fetched. Any other address in the pictures column stays a link:
the worker never downloads what a stranger's URL points at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

_DRIVE_ID = re.compile(
    r"^https://(?:drive|docs)\.google\.com/(?:open\?(?:[\w=&-]*&)?id=|file/d/|"
    r"uc\?(?:[\w=&-]*&)?id=)([\w-]{10,})"
)


@dataclass(frozen=True)
class Fetched:
    data: bytes
    name: str


class Refused(Exception):
    """The picture cannot be had. ``lasting``: asking again will not help (recorded, told
    once); otherwise the next cycle tries again."""

    def __init__(self, message: str, *, lasting: bool = True) -> None:
        super().__init__(message)
        self.lasting = lasting


class Fetcher(Protocol):
    def wants(self, source: str) -> bool:
        """Whether ``source`` is an address this fetcher serves."""
        ...

    def fetch(self, source: str, max_bytes: int) -> Fetched:
        """The file's bytes; raises Refused."""
        ...


def drive_id(url: str) -> str | None:
    found = _DRIVE_ID.match(url.strip())
    return found.group(1) if found else None


def too_big(size: int, max_bytes: int) -> str:
    return (f"ไฟล์ขนาด {size / 1024 / 1024:.1f} MB เกินขนาดที่รับ {max_bytes / 1024 / 1024:g} MB "
            "(ตั้งได้ที่ media.max_mb)")


class AttachmentFiles:
    """E-mailed news: the attachments the mailbox job saved (``imap.attachments_dir``),
    named by their address under ``imap.attachments_url`` or by their path. Nothing
    outside that folder is ever read."""

    def __init__(self, folder: Path | None, url: str = "") -> None:
        self.folder = folder.resolve() if folder is not None else None
        self.url = url.rstrip("/") + "/" if url else ""

    def _path(self, source: str) -> Path | None:
        if self.folder is None:
            return None
        text = source.strip()
        if self.url and text.startswith(self.url):
            name = unquote(urlsplit(text).path.rsplit("/", 1)[-1])
            candidate = self.folder / name
        elif "://" in text:
            return None
        else:
            candidate = Path(text)
        try:
            resolved = candidate.resolve()
        except OSError:
            return None
        return resolved if resolved.parent == self.folder else None

    def wants(self, source: str) -> bool:
        return self._path(source) is not None

    def fetch(self, source: str, max_bytes: int) -> Fetched:
        path = self._path(source)
        assert path is not None
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise Refused(too_big(size, max_bytes))
            return Fetched(path.read_bytes(), path.name)
        except FileNotFoundError:
            raise Refused(f"ไม่พบไฟล์แนบ {path.name} ในโฟลเดอร์ไฟล์แนบ") from None
        except OSError as exc:
            raise Refused(f"อ่านไฟล์แนบ {path.name} ไม่ได้ ({exc.strerror})",
                          lasting=False) from None
