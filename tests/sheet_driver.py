"""One test suite, two spreadsheets: the local workbook and Google Sheets (the wire-level fake).

A driver seeds the demo tabs into its spreadsheet, runs cycles through the real wiring, reads
tabs back as header → value dicts and plays the director's edits on whole grids, so the same
test runs on either backend.

The Google driver goes through everything production does: ``schedule.toml`` with
``backend = "google"``, a service-account key file (a fresh RSA key), google-auth's token
exchange (answered by a tiny token endpoint), gspread's HTTPClient and the Sheets v4 fake.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol

import openpyxl
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from automation import config as config_mod
from automation.core.cycle import Worker
from automation.core.services import Services
from automation.demo import demo_tabs
from automation.model import Cell, CycleReport
from automation.sources.google import GoogleSheet
from automation.thaidate import BANGKOK
from automation.wiring import services
from tests.fakes.drive_api import FakeDriveAPI, mount_drive
from tests.fakes.sheets_api import FakeSheetsAPI, RefusingAdapter, mount
from tests.workspace import TODAY, make_workspace

Grid = list[list[Any]]
SPREADSHEET_ID = "1PrNewsOffice-Chiangmai9_test-sheet"
TOKEN_URI = "https://oauth2.googleapis.com/token"
SERVICE_ACCOUNT = "pr-worker@office-pr-test.iam.gserviceaccount.com"


# ----------------------------------------------------------------------- Google sign-in


@functools.cache
def _private_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def service_account_key(path: Path, email: str = SERVICE_ACCOUNT) -> Path:
    """A service-account key file shaped like the one Google Cloud Console hands out."""
    info = json.loads(Path(__file__).parent.parent.joinpath("credentials.example.json").read_text())
    info.update(private_key=_private_key_pem(), client_email=email, token_uri=TOKEN_URI)
    path.write_text(json.dumps(info, indent=2), encoding="utf-8")
    return path


def oauth_token(path: Path) -> Path:
    """A stored sign-in as gspread's installed-app flow writes it (authorized_user)."""
    info = {
        "type": "authorized_user",
        "client_id": "123-desktop.apps.googleusercontent.com",
        "client_secret": "test-client-secret",
        "refresh_token": "1//test-refresh-token",
        "token_uri": TOKEN_URI,
    }
    path.write_text(json.dumps(info), encoding="utf-8")
    return path


class TokenEndpoint(BaseAdapter):
    """Google's OAuth token endpoint: hands out access tokens, or refuses with ``error``."""

    def __init__(self, error: str | None = None) -> None:
        super().__init__()
        self.error = error
        self.calls = 0

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        response = requests.Response()
        if self.error:
            response.status_code = 400
            body: dict[str, Any] = {"error": self.error, "error_description": "Invalid grant"}
        else:
            response.status_code = 200
            body = {"access_token": f"ya29.test-{self.calls}", "expires_in": 3600,
                    "token_type": "Bearer"}
        response._content = json.dumps(body).encode()
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def connect(
    backend: GoogleSheet, api: FakeSheetsAPI, token: TokenEndpoint | None = None,
    drive: FakeDriveAPI | None = None,
) -> None:
    """Route a backend built by ``from_config`` to the fake (and the token endpoint); its
    Drive requests (pictures) go to ``drive``, by default a Drive holding no file."""
    mount(api, backend.session)
    mount_drive(drive or FakeDriveAPI(), backend.session)
    if backend.token_session is not None:
        backend.token_session.mount("https://", RefusingAdapter())
        backend.token_session.mount(TOKEN_URI, token or TokenEndpoint())


# ----------------------------------------------------------------------- drivers


class SheetDriver(Protocol):
    backend: str
    config: Path

    def worker(self, prepare: Callable[[Services], None] | None = None) -> Worker:
        """A worker as `automation run` keeps it: the same one for every cycle."""
        ...

    def run_cycle(self, prepare: Callable[[Services], None] | None = None) -> CycleReport: ...

    def table(self, tab: str) -> list[dict[str, Any]]: ...

    def grid(self, tab: str) -> Grid: ...

    def edit(self, tab: str, change: Callable[[Grid], Grid | None]) -> None: ...


def records(grid: Grid) -> list[dict[str, Any]]:
    """Rows as header → value dicts, with the sheet row number under '#'; blank rows skipped."""
    headers = [str(h) if h is not None else "" for h in (grid[0] if grid else [])]
    result = []
    for number, row in enumerate(grid[1:], start=2):
        if all(v in (None, "") for v in row):
            continue
        record = {h: (row[i] if i < len(row) else None) for i, h in enumerate(headers) if h}
        record["#"] = number
        result.append(record)
    return result


class LocalDriver:
    backend = "local"

    def __init__(self, folder: Path) -> None:
        self.config = make_workspace(folder)
        self.workbook = folder / "workbook.xlsx"

    def worker(self, prepare: Callable[[Services], None] | None = None) -> Worker:
        svc = services(config_mod.load(self.config))
        if prepare:
            prepare(svc)
        return Worker(svc)

    def run_cycle(self, prepare: Callable[[Services], None] | None = None) -> CycleReport:
        return self.worker(prepare).cycle()

    def grid(self, tab: str) -> Grid:
        book = openpyxl.load_workbook(self.workbook, data_only=True)
        return [list(r) for r in book[tab].iter_rows(values_only=True)]

    def table(self, tab: str) -> list[dict[str, Any]]:
        return records(self.grid(tab))

    def edit(self, tab: str, change: Callable[[Grid], Grid | None]) -> None:
        book = openpyxl.load_workbook(self.workbook)
        sheet = book[tab]
        before = [list(r) for r in sheet.iter_rows(values_only=True)]
        after = change(before)
        after = before if after is None else after
        height = max(sheet.max_row, len(after))
        width = max(sheet.max_column, max((len(r) for r in after), default=0))
        for r in range(1, height + 1):
            values = after[r - 1] if r <= len(after) else []
            for c in range(1, width + 1):
                sheet.cell(row=r, column=c).value = values[c - 1] if c <= len(values) else None
        book.save(self.workbook)


class GoogleDriver:
    """The demo tabs in the Sheets fake; cycles wired from a google-backend schedule.toml."""

    backend = "google"

    def __init__(self, folder: Path, tabs: Mapping[str, Grid] | None = None) -> None:
        self.config = make_workspace(folder)
        key = service_account_key(folder / "service-account.json")
        text = self.config.read_text(encoding="utf-8")
        local = '[sheets]\nbackend = "local"\nworkbook = "workbook.xlsx"\n'
        assert local in text
        google = (
            f'[sheets]\nbackend = "google"\nspreadsheet_id = "{SPREADSHEET_ID}"\n'
            f'credentials = "{key.name}"\n'
        )
        self.config.write_text(text.replace(local, google), encoding="utf-8")
        (folder / "workbook.xlsx").unlink()
        self.api = FakeSheetsAPI()
        self.api.strict_grid_limits = True  # as Google: writes beyond the grid are refused
        self.token = TokenEndpoint()
        self.drive = FakeDriveAPI()
        self.book = self.api.add_spreadsheet(SPREADSHEET_ID, tabs=tabs or demo_tabs(TODAY))

    def worker(self, prepare: Callable[[Services], None] | None = None) -> Worker:
        svc = services(config_mod.load(self.config))
        assert isinstance(svc.sheet.backend, GoogleSheet)
        connect(svc.sheet.backend, self.api, self.token, self.drive)
        if prepare:
            prepare(svc)
        return Worker(svc)

    def run_cycle(self, prepare: Callable[[Services], None] | None = None) -> CycleReport:
        return self.worker(prepare).cycle()

    def grid(self, tab: str) -> Grid:
        return self.book.tab(tab).values()

    def table(self, tab: str) -> list[dict[str, Any]]:
        return records(self.grid(tab))

    def edit(self, tab: str, change: Callable[[Grid], Grid | None]) -> None:
        fake = self.book.tab(tab)
        after = change(fake.values())
        if after is not None:
            fake.rows = [list(r) for r in after]
            fake.fit_grid()


def weekday_9am(days: int = 1) -> datetime:
    """09:00 in Bangkok on the first weekday ``days`` or more days after today."""
    day = TODAY + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(9, 0), BANGKOK)


def cycle_at(driver: SheetDriver, when: datetime) -> CycleReport:
    """One cycle with the worker's clock pinned at ``when``."""
    def pin(svc: Services) -> None:
        svc.clock = lambda: when

    return driver.run_cycle(pin)


def make_driver(kind: str, folder: Path) -> SheetDriver:
    return LocalDriver(folder) if kind == "local" else GoogleDriver(folder)


def as_day(value: Cell) -> date | None:
    """A date cell as either backend hands it to a test (datetime, date or serial)."""
    from datetime import datetime

    from automation.thaidate import parse_date

    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return parse_date(value)
    return None


# ----------------------------------------------------------------------- large offices

WORKER_HEADERS = ("รหัสข่าว", "สถานะ", "เผยแพร่เมื่อ", "ผลการส่ง", "ลิงก์ข่าว")
PENDING_ROWS = 60


def office_tabs(rows: int, today: date) -> dict[str, Grid]:
    """The demo registry with a form tab of ``rows`` older submissions already processed:
    the first PENDING_ROWS wait for the director, the rest were rejected, and every row
    carries its ID and status, so a cycle over it has nothing to do."""
    from datetime import datetime, timedelta

    from automation.demo import CLUSTERS, FORM_HEADERS, school_name

    tabs = demo_tabs(today)
    schools = [school_name(v) for members in CLUSTERS.values() for v, _mail in members]
    header = [*FORM_HEADERS, *WORKER_HEADERS]
    form: Grid = [header]
    start = datetime.combine(today - timedelta(days=400), datetime.min.time())
    for i in range(rows):
        pending = i < PENDING_ROWS
        stamp = start + timedelta(minutes=17 * i)
        school = schools[i % len(schools)]
        form.append([
            stamp, "", school, "ครูผู้ส่งข่าว", f"08{i % 100_000_000:08d}",
            f"กิจกรรมที่ {i + 1} ของ{school}", f"รายละเอียดกิจกรรมที่ {i + 1}\nบรรทัดที่สอง",
            stamp.date(), None, None, "ข่าวกิจกรรม",
            None if pending else "ไม่อนุมัติ", None if pending else "ซ้ำกับข่าวเดิม",
            "เครือข่ายสะเมิง", None, None,
            f"N-{i:08X}", "รอพิจารณา" if pending else "ไม่อนุมัติ", None, None, None,
        ])  # fmt: skip
    tabs["การตอบแบบฟอร์ม 1"] = form
    return {k: [list(r) for r in v] for k, v in tabs.items()}


def approve(grid: Grid, count: int) -> list[str]:
    """Tick ``count`` pending rows, as the director does; returns their IDs."""
    header = grid[0]
    approval, ids, status = (header.index(h) for h in ("อนุมัติ", "รหัสข่าว", "สถานะ"))
    chosen = []
    for row in grid[1:]:
        if len(chosen) == count:
            break
        if row[status] == "รอพิจารณา" and row[approval] in (None, "", False):
            row[approval] = True
            chosen.append(str(row[ids]))
    return chosen


def edit_row(driver: SheetDriver, tab: str, item_id: str, header: str, value: object) -> None:
    """Set one cell of the row whose รหัสข่าว is ``item_id``, as a person editing the sheet."""
    def change(grid: Grid) -> Grid:
        ids, col = grid[0].index("รหัสข่าว"), grid[0].index(header)
        for row in grid[1:]:
            if len(row) > ids and row[ids] == item_id:
                row[col] = value
        return grid

    driver.edit(tab, change)


def due_and_approved(row: dict[str, Any]) -> bool:
    """What the director and the submitter put in a demo row says it goes out today — judged
    from their cells, never from the worker's own status column."""
    from automation.demo import BROKEN_SUBMITTER_EMAIL

    decision = row["อนุมัติ"]
    after = as_day(row["เผยแพร่วันที่"])
    return (decision not in (None, False, "", "ไม่อนุมัติ", "ส่งกลับแก้ไข")
            and bool(str(row["หัวข้อข่าว"] or "").strip())
            and row["ที่อยู่อีเมล"] != BROKEN_SUBMITTER_EMAIL
            and (after is None or after <= TODAY))
