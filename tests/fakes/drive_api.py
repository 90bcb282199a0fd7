"""An in-memory Google Drive API v3 (``files.get``), served through a requests adapter.

What the worker needs from Drive is one call, in two forms (Drive v3 reference,
"files.get"; "Download and export files"; "Resolve errors"):

* ``GET https://www.googleapis.com/drive/v3/files/{fileId}?fields=name,mimeType,size`` —
  the File resource with just those fields (``size`` is a string of decimal digits, as
  int64 values are in Google's JSON);
* ``GET .../files/{fileId}?alt=media`` — the file's bytes, with its MIME type.

Errors come as Google's JSON error body::

    {"error": {"code": 404, "message": "File not found: <id>.",
               "errors": [{"domain": "global", "reason": "notFound",
                           "message": "File not found: <id>.",
                           "locationType": "parameter", "location": "fileId"}]}}

A file that exists but is not shared with the caller answers 404 as well (Drive does not
say that it exists); ``forbid`` makes it answer 403 ``insufficientFilePermissions`` — "The
user does not have sufficient permissions for file <id>." — as Drive does for a file the
account can see but not download. ``fail(status, n)`` queues ``n`` answers of 429
(``rateLimitExceeded``, with ``Retry-After``), 403 ``userRateLimitExceeded`` or 5xx
(``backendError``) before the next real answer; requests without a Bearer token get 401;
``api_enabled = False`` answers 403 ``accessNotConfigured`` (the Cloud project has not
enabled the Drive API).
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

DRIVE_PREFIX = "https://www.googleapis.com/drive/v3/"
_FIELDS = ("id", "name", "mimeType", "size", "kind")


@dataclass
class DriveFile:
    id: str
    name: str
    mime_type: str
    data: bytes
    shared: bool = True  # with the account the worker signs in as
    forbidden: bool = False  # seen but not downloadable: 403 instead of 404

    def resource(self) -> dict[str, Any]:
        return {"kind": "drive#file", "id": self.id, "name": self.name,
                "mimeType": self.mime_type, "size": str(len(self.data))}


@dataclass
class Call:
    file_id: str
    media: bool
    params: dict[str, str]
    status: int


@dataclass
class FakeDriveAPI:
    files: dict[str, DriveFile] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    api_enabled: bool = True  # False: the project has not enabled the Drive API
    _faults: deque[int] = field(default_factory=deque)

    def add(self, file_id: str, name: str, data: bytes, mime_type: str = "image/jpeg",
            *, shared: bool = True, forbidden: bool = False) -> str:
        self.files[file_id] = DriveFile(file_id, name, mime_type, data, shared, forbidden)
        return f"https://drive.google.com/open?id={file_id}"

    def fail(self, status: int, times: int = 1) -> None:
        self._faults.extend([status] * times)

    def answer(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(request.url or "")
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        file_id = parts.path.removeprefix("/drive/v3/files/")
        status, headers, body = self._answer(request, file_id, params)
        self.calls.append(Call(file_id, params.get("alt") == "media", params, status))
        return status, headers, body

    def _answer(
        self, request: requests.PreparedRequest, file_id: str, params: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        if request.method != "GET" or "/" in file_id or not file_id:
            return _error(404, "notFound", "Not Found", location=None)
        if not str(request.headers.get("Authorization", "")).startswith("Bearer "):
            return _error(401, "authError", "Invalid Credentials", location="Authorization",
                          location_type="header")
        if not self.api_enabled:
            return _error(403, "accessNotConfigured", "Google Drive API has not been used in "
                          "project 123456789 before or it is disabled.", location=None,
                          domain="usageLimits")
        if self._faults:
            return _fault(self._faults.popleft())
        found = self.files.get(file_id)
        if found is None or not found.shared:
            return _error(404, "notFound", f"File not found: {file_id}.")
        if found.forbidden:
            return _error(403, "insufficientFilePermissions",
                          f"The user does not have sufficient permissions for file {file_id}.",
                          location=None)
        if params.get("alt") == "media":
            return 200, {"Content-Type": found.mime_type}, found.data
        wanted = [f.strip() for f in params.get("fields", "").split(",") if f.strip()]
        resource = found.resource()
        shown = {k: resource[k] for k in (wanted or ["kind", "id", "name", "mimeType"])
                 if k in _FIELDS and k in resource}
        return 200, {"Content-Type": "application/json; charset=UTF-8"}, json.dumps(shown).encode()


def _error(
    status: int, reason: str, message: str, *, location: str | None = "fileId",
    location_type: str = "parameter", domain: str = "global",
) -> tuple[int, dict[str, str], bytes]:
    detail: dict[str, Any] = {"domain": domain, "reason": reason, "message": message}
    if location:
        detail.update(locationType=location_type, location=location)
    body = {"error": {"code": status, "message": message, "errors": [detail]}}
    return status, {"Content-Type": "application/json; charset=UTF-8"}, json.dumps(body).encode()


def _fault(status: int) -> tuple[int, dict[str, str], bytes]:
    if status == 429:
        code, headers, body = _error(429, "rateLimitExceeded", "Rate Limit Exceeded",
                                     location=None, domain="usageLimits")
        return code, {**headers, "Retry-After": "0"}, body
    if status == 403:
        return _error(403, "userRateLimitExceeded", "User Rate Limit Exceeded",
                      location=None, domain="usageLimits")
    return _error(status, "backendError", "Backend Error", location=None)


class FakeDriveAdapter(BaseAdapter):
    def __init__(self, api: FakeDriveAPI) -> None:
        super().__init__()
        self.api = api

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        status, headers, body = self.api.answer(request)
        response = requests.Response()
        response.status_code = status
        response.reason = {200: "OK", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                           429: "Too Many Requests"}.get(status, "Error")
        response._content = body
        response.headers = CaseInsensitiveDict(headers)
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def mount_drive(api: FakeDriveAPI, session: requests.Session) -> None:
    """Route the session's Drive traffic to ``api`` (mount the Sheets fake first: it refuses
    every other address)."""
    session.mount(DRIVE_PREFIX, FakeDriveAdapter(api))
