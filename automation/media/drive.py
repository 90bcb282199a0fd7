"""Pictures from Google Drive: a form's file-upload answer fetched through the Drive API v3
with the worker's Google sign-in (imported only with the Google backend)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests

from automation.errors import SheetError
from automation.media.fetch import Fetched, Refused, drive_id, too_big
from automation.sources.retry import GoogleHttpError, Retrier

REST_SECONDS = 300.0
DRIVE_FILES = "https://www.googleapis.com/drive/v3/files/"


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
