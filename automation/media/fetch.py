"""Getting a picture's bytes: Google Drive (a form's file-upload answer) through the Drive
API v3 with the worker's Google sign-in, or a saved e-mail attachment from its folder.

Only these two sources are fetched. Any other address in the pictures column stays a link:
the worker never downloads what a stranger's URL points at.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import requests

from automation.errors import SheetError
from automation.sources.retry import GoogleHttpError, Retrier

REST_SECONDS = 300.0
DRIVE_FILES = "https://www.googleapis.com/drive/v3/files/"
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


class DriveFetcher:
    """files.get for the metadata (size first: a huge file is never downloaded), then
    files.get?alt=media for the content; quota and 5xx answers retried like the Sheets."""

    def __init__(
        self, session: requests.Session, account: str | None, retrier: Retrier,
        timeout: float = 60.0, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session = session
        self.account = account
        self.retrier = retrier
        self.timeout = timeout
        self.clock = clock
        # After Drive stayed unreachable through a whole retry budget, the other pictures
        # are not tried for a while: a Drive outage must not hold the cycle for each one.
        self.resting_until = 0.0

    def wants(self, source: str) -> bool:
        return drive_id(source) is not None

    def fetch(self, source: str, max_bytes: int) -> Fetched:
        file_id = drive_id(source)
        assert file_id is not None
        meta = self._get(file_id, {"fields": "name,mimeType,size", "supportsAllDrives": "true"})
        info: dict[str, Any] = meta.json() if meta.content else {}
        size = int(str(info.get("size") or 0)) if str(info.get("size") or "0").isdigit() else 0
        if size > max_bytes:
            raise Refused(too_big(size, max_bytes))
        mime = str(info.get("mimeType") or "")
        if mime and not mime.startswith("image/"):
            raise Refused(f"ไฟล์ '{info.get('name', file_id)}' ไม่ใช่ภาพ ({mime})")
        content = self._get(file_id, {"alt": "media", "supportsAllDrives": "true"})
        if len(content.content) > max_bytes:
            raise Refused(too_big(len(content.content), max_bytes))
        return Fetched(content.content, str(info.get("name") or file_id))

    def _get(self, file_id: str, params: dict[str, str]) -> requests.Response:
        if self.clock() < self.resting_until:
            raise Refused("Google Drive ขัดข้องชั่วคราว; จะลองใหม่ในรอบถัดไป", lasting=False)

        def attempt() -> requests.Response:
            response = self.session.get(DRIVE_FILES + file_id, params=params,
                                        timeout=self.timeout)
            if response.status_code != 200:
                raise _error(response)
            return response

        try:
            return self.retrier.call("Google Drive", attempt)
        except SheetError as exc:  # the retry budget is spent: next cycle tries again
            self.resting_until = self.clock() + REST_SECONDS
            raise Refused(f"Google Drive ขัดข้องชั่วคราว ({exc}); จะลองใหม่ในรอบถัดไป",
                          lasting=False) from None
        except GoogleHttpError as exc:
            raise Refused(self._explain(exc, file_id), lasting=exc.status != 401) from None
        except requests.exceptions.RequestException as exc:
            self.resting_until = self.clock() + REST_SECONDS
            raise Refused(f"ติดต่อ Google Drive ไม่ได้ ({type(exc).__name__}); "
                          "จะลองใหม่ในรอบถัดไป", lasting=False) from None

    def _explain(self, exc: GoogleHttpError, file_id: str) -> str:
        who = f"บัญชีบริการ {self.account}" if self.account else "บัญชี Google ที่ระบบลงชื่อเข้าใช้"
        share = (f"แชร์โฟลเดอร์ที่เก็บไฟล์อัปโหลดของแบบฟอร์ม (ใน Google Drive ของเจ้าของแบบฟอร์ม) "
                 f"ให้ {self.account} เป็นผู้มีสิทธิ์อ่าน" if self.account
                 else "แชร์โฟลเดอร์ที่เก็บไฟล์อัปโหลดของแบบฟอร์มให้บัญชีที่ลงชื่อเข้าใช้")
        if exc.status == 403 and exc.reason == "accessNotConfigured":
            return ("ยังไม่ได้เปิดใช้ Google Drive API ในโปรเจกต์ Google Cloud ของบัญชีบริการ: "
                    "เปิดที่ APIs & Services → Library → Google Drive API → Enable")
        if exc.status == 403 and exc.reason == "insufficientPermissions":
            return (f"{who} ไม่ได้ขอสิทธิ์อ่าน Google Drive: การลงชื่อเข้าใช้แบบ OAuth "
                    "(sheets.auth = \"oauth\") ใช้กับชีตเท่านั้น; ภาพจากแบบฟอร์มต้องใช้บัญชีบริการ "
                    "หรือให้โรงเรียนส่งภาพทางอีเมลข่าว")
        if exc.status == 403:
            return f"{who} ไม่มีสิทธิ์อ่านไฟล์ภาพ {file_id} ใน Google Drive: {share}"
        if exc.status == 404:
            return (f"ไม่พบไฟล์ภาพ {file_id} ใน Google Drive: ไฟล์ถูกลบ หรือยังไม่ได้แชร์ — {share}")
        if exc.status == 401:
            return f"Google ไม่รับการลงชื่อเข้าใช้ของ {who} (401); ตรวจไฟล์กุญแจ"
        return f"Google Drive ตอบ {exc.status} ({exc.reason or exc}) สำหรับไฟล์ {file_id}"


def _error(response: requests.Response) -> GoogleHttpError:
    reason, message = "", response.reason or ""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        message = str(error.get("message") or message)
        errors = error.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            reason = str(errors[0].get("reason") or "")
    return GoogleHttpError(response, reason, f"{response.status_code} {message}"[:200])


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
