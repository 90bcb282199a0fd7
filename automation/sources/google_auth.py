"""Signing in to Google: a service-account key file, or OAuth as a person with a stored token.

A service account is the usual way: the office shares the sheet with the account's e-mail.
Workspace domains that forbid sharing with outside accounts use OAuth instead: the officer
signs in once in a browser (`automation google-login`) and the token is kept on disk.
Every problem with the key or token becomes one SheetError sentence that says what to do.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession, Request
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from automation.config import SheetsConfig
from automation.errors import SheetError

# The spreadsheets scope; a service account also reads Drive files shared with it (the
# pictures a form's file-upload question stored), and only those. A person's OAuth token
# keeps the scope it was granted: asking more on refresh would be refused.
SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
# Making the news form (`init --google --form`): the form itself, and sharing that one file
# with the officer (drive.file reaches only files the worker created, never the office's Drive).
FORM_SCOPES = (*SCOPES, "https://www.googleapis.com/auth/forms.body",
               "https://www.googleapis.com/auth/drive.file")
SERVICE_SCOPES = (*SCOPES, "https://www.googleapis.com/auth/drive.readonly")
KEY_ENV = "GOOGLE_APPLICATION_CREDENTIALS"
LOGIN_HINT = "automation google-login --config schedule.toml"


@dataclass(frozen=True)
class Authorized:
    """Signed-in HTTP sessions: ``session`` for the Sheets API, ``token_session`` for tokens.

    ``account`` is the service account's e-mail (the address to share the sheet with), or
    None when signed in as a person.
    """

    session: AuthorizedSession
    token_session: requests.Session
    account: str | None


def authorize(
    sheets: SheetsConfig, environ: Mapping[str, str] | None = None,
    scopes: tuple[str, ...] = SCOPES,
) -> Authorized:
    env = os.environ if environ is None else environ
    account: str | None
    if sheets.auth == "oauth":
        credentials: Credentials = _user_credentials(token_path(sheets), scopes)
        account = None
    else:
        credentials, account = _service_account(key_path(sheets, env), scopes)
    token_session = requests.Session()
    session = AuthorizedSession(  # type: ignore[no-untyped-call]
        credentials, refresh_timeout=sheets.timeout, auth_request=Request(token_session)
    )
    return Authorized(session, token_session, account)


def key_path(sheets: SheetsConfig, environ: Mapping[str, str]) -> Path:
    if sheets.credentials is not None:
        return sheets.credentials
    from_env = environ.get(KEY_ENV, "").strip()
    if from_env:
        return Path(from_env).expanduser()
    raise SheetError(
        "ยังไม่ได้ระบุไฟล์กุญแจบัญชีบริการ: ตั้ง 'sheets.credentials' ใน schedule.toml "
        f"หรือตัวแปร {KEY_ENV} ให้ชี้ไปที่ไฟล์ .json ที่ดาวน์โหลดจาก Google Cloud Console"
    )


def token_path(sheets: SheetsConfig) -> Path:
    if sheets.oauth_token is not None:
        return sheets.oauth_token
    from gspread.auth import DEFAULT_AUTHORIZED_USER_FILENAME

    return Path(DEFAULT_AUTHORIZED_USER_FILENAME)


def _read_json(path: Path, what: str, fix: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SheetError(f"ไม่พบไฟล์{what} {path}; {fix}") from None
    except IsADirectoryError:
        raise SheetError(f"{path} เป็นโฟลเดอร์ ไม่ใช่ไฟล์{what}; {fix}") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "ไม่ใช่ข้อความ UTF-8"
        raise SheetError(
            f"อ่านไฟล์{what} {path} ไม่ได้ ({reason}); ตรวจสิทธิ์การอ่านไฟล์ของผู้ใช้ที่รันระบบ"
        ) from None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise SheetError(
            f"ไฟล์{what} {path} ไม่ใช่ JSON ที่ถูกต้อง; ดาวน์โหลดไฟล์ใหม่และอย่าแก้ไขเนื้อหาในไฟล์"
        )
    return data


def _service_account(path: Path, scopes: tuple[str, ...]) -> tuple[Credentials, str]:
    fix = (
        "สร้างกุญแจ JSON ของบัญชีบริการใน Google Cloud Console แล้วตั้ง 'sheets.credentials' "
        f"หรือ {KEY_ENV} ให้ชี้ไปที่ไฟล์นั้น"
    )
    info = _read_json(path, "กุญแจบัญชีบริการ", fix)
    kind = info.get("type")
    if kind in ("installed", "web") or "installed" in info or "web" in info:
        raise SheetError(
            f"{path} เป็นไฟล์ OAuth client ไม่ใช่กุญแจบัญชีบริการ; ถ้าต้องการลงชื่อเข้าใช้ด้วยบัญชีของคน "
            f'ให้ตั้ง sheets.auth = "oauth" แล้วรัน {LOGIN_HINT}'
        )
    if kind == "authorized_user":
        raise SheetError(
            f"{path} เป็นโทเคนของผู้ใช้ ไม่ใช่กุญแจบัญชีบริการ; ตั้ง sheets.auth = \"oauth\" และ "
            "sheets.oauth_token ให้ชี้ไปที่ไฟล์นี้ หรือใช้กุญแจบัญชีบริการแทน"
        )
    missing = [k for k in ("client_email", "private_key", "token_uri") if not info.get(k)]
    if kind != "service_account" or missing:
        lacking = f" (ขาด {', '.join(missing)})" if missing else ""
        raise SheetError(f"{path} ไม่ใช่กุญแจบัญชีบริการ{lacking}; {fix}")
    try:
        credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=list(dict.fromkeys((*scopes, *SERVICE_SCOPES)))
        )
    except (ValueError, TypeError, IndexError):
        raise SheetError(
            f"กุญแจส่วนตัวในไฟล์ {path} ใช้ไม่ได้ (ยังเป็นค่าตัวอย่างหรือไฟล์ถูกแก้ไข?); {fix}"
        ) from None
    return credentials, str(info["client_email"])


def _user_credentials(path: Path, scopes: tuple[str, ...]) -> Credentials:
    if not path.exists():
        raise SheetError(
            f"ยังไม่ได้ลงชื่อเข้าใช้ Google (ไม่พบโทเคน {path}); รัน {LOGIN_HINT} "
            "หนึ่งครั้งบนเครื่องที่มีเว็บเบราว์เซอร์"
        )
    info = _read_json(path, "โทเคน OAuth", f"ลบไฟล์นั้นแล้วรัน {LOGIN_HINT} ใหม่")
    try:
        credentials: Credentials = user_credentials.Credentials.from_authorized_user_info(  # type: ignore[no-untyped-call]
            info, scopes=list(scopes)
        )
    except ValueError:
        raise SheetError(
            f"โทเคน OAuth {path} ไม่ครบ (ต้องมี refresh_token, client_id, client_secret); "
            f"ลบไฟล์นั้นแล้วรัน {LOGIN_HINT} ใหม่"
        ) from None
    return credentials


Flow = Callable[..., Any]


def login(
    sheets: SheetsConfig, flow: Flow | None = None, force: bool = False,
    scopes: tuple[str, ...] = SCOPES,
) -> Path:
    """Sign in as a person with gspread's installed-app flow; returns where the token is kept.

    ``sheets.credentials`` is the OAuth client file ("Desktop app") from Google Cloud.
    ``flow`` defaults to gspread's local-server flow, which opens the browser.
    """
    import gspread.auth
    from gspread.http_client import HTTPClient

    if sheets.credentials is None:
        raise SheetError(
            "ตั้ง 'sheets.credentials' ให้ชี้ไปที่ไฟล์ OAuth client (ชนิด Desktop app) "
            "ที่ดาวน์โหลดจาก Google Cloud Console ก่อนลงชื่อเข้าใช้"
        )
    client_file = sheets.credentials
    info = _read_json(client_file, "OAuth client", "ดาวน์โหลดไฟล์ OAuth client (Desktop app) ใหม่")
    if "installed" not in info and "web" not in info:
        raise SheetError(
            f"{client_file} ไม่ใช่ไฟล์ OAuth client (ชนิด Desktop app); ใน Google Cloud Console "
            "สร้าง OAuth client ID ชนิด Desktop app แล้วดาวน์โหลด JSON"
        )
    token = token_path(sheets)
    if force:
        token.unlink(missing_ok=True)
    token.parent.mkdir(parents=True, exist_ok=True)
    gspread.auth.oauth(
        scopes=list(scopes),
        flow=flow or gspread.auth.local_server_flow,
        credentials_filename=client_file,
        authorized_user_filename=token,
        http_client=HTTPClient,
    )
    token.chmod(0o600)  # the refresh token is a password to the office's sheet
    return token
