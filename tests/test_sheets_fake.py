"""The Sheets v4 fake, exercised through real gspread the way the worker uses it."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import gspread
import pytest
import requests
from gspread.exceptions import APIError, SpreadsheetNotFound

from tests.fakes.sheets_api import (
    FakeSheetsAPI,
    FakeSpreadsheet,
    Formula,
    from_serial,
    make_client,
    to_serial,
)

BOOK_ID = "1pRnEwS-sPp-office-sheet"
FORM_TAB = "การตอบแบบฟอร์ม 1"
REGISTRY_TAB = "ทะเบียนเครือข่าย"
HEADER = ["ประทับเวลา", "ที่อยู่อีเมล", "หัวข้อข่าว", "อนุมัติ", "วันที่จัดกิจกรรม", "รหัสข่าว"]


@pytest.fixture
def api() -> FakeSheetsAPI:
    return FakeSheetsAPI()


@pytest.fixture
def book(api: FakeSheetsAPI) -> FakeSpreadsheet:
    return api.add_spreadsheet(
        BOOK_ID,
        title="ข่าวประชาสัมพันธ์ สพป.",
        tabs={
            FORM_TAB: [
                HEADER,
                [
                    dt.datetime(2026, 11, 25, 14, 5, 33),
                    "school1@example.ac.th",
                    "กีฬาสีโรงเรียนบ้านหนองบัว",
                    True,
                    dt.date(2026, 11, 20),
                    "N-0001",
                ],
                [],
                [
                    dt.datetime(2026, 11, 26, 9, 0, 0),
                    "school2@example.ac.th",
                    "ค่ายวิทยาศาสตร์",
                    False,
                    None,
                    "",
                ],
            ],
            REGISTRY_TAB: [
                ["รหัสสมาชิก", "ชื่อหน่วยงาน", "โทรศัพท์", "รับข่าวทางอีเมล"],
                ["M-001", "โรงเรียนบ้านหนองบัว", "0812345678", True],
            ],
        },
    )


@pytest.fixture
def client(api: FakeSheetsAPI, book: FakeSpreadsheet) -> Iterator[gspread.Client]:
    yield make_client(api)


@pytest.fixture
def sheet(client: gspread.Client) -> gspread.Spreadsheet:
    return client.open_by_key(BOOK_ID)


def test_open_by_key_lists_worksheets_with_properties(
    api: FakeSheetsAPI, book: FakeSpreadsheet, client: gspread.Client
) -> None:
    book.tab(FORM_TAB).frozen_row_count = 1
    sh = client.open_by_key(BOOK_ID)

    assert sh.title == "ข่าวประชาสัมพันธ์ สพป."
    assert sh.timezone == "Asia/Bangkok"
    assert sh.locale == "th_TH"
    tabs = sh.worksheets()
    assert [w.title for w in tabs] == [FORM_TAB, REGISTRY_TAB]
    assert [w.index for w in tabs] == [0, 1]
    assert tabs[0].id == 0 and tabs[1].id != 0
    assert (tabs[0].row_count, tabs[0].col_count) == (1000, 26)
    assert tabs[0].frozen_row_count == 1 and tabs[1].frozen_row_count == 0
    assert sh.worksheet(REGISTRY_TAB).id == book.tab(REGISTRY_TAB).sheet_id
    assert api.count("metadata") == 3


def test_get_all_values_and_batch_get_on_thai_tab(sheet: gspread.Spreadsheet) -> None:
    ws = sheet.worksheet(FORM_TAB)

    rows = ws.get_all_values()
    assert rows[0] == HEADER
    assert rows[1] == [
        "25/11/2026, 14:05:33",
        "school1@example.ac.th",
        "กีฬาสีโรงเรียนบ้านหนองบัว",
        "TRUE",
        "20/11/2026",
        "N-0001",
    ]
    assert rows[2] == [""] * 6  # gspread pads the empty middle row
    assert rows[3][:4] == ["26/11/2026, 9:00:00", "school2@example.ac.th", "ค่ายวิทยาศาสตร์", "FALSE"]

    header, ids, registry = ws.batch_get(["A1:F1", "F2:F"]) + sheet.worksheet(
        REGISTRY_TAB
    ).batch_get(["A2:D2"])
    assert header == [HEADER]
    assert header.range == f"'{FORM_TAB}'!A1:F1"
    assert ids == [["N-0001"]]  # row 4 has "" in F: trailing empties vanish, so do empty rows
    assert ids.range == f"'{FORM_TAB}'!F2:F1000"
    assert registry == [["M-001", "โรงเรียนบ้านหนองบัว", "0812345678", "TRUE"]]


def test_raw_json_omits_trailing_empties_and_keeps_middle_rows(
    sheet: gspread.Spreadsheet,
) -> None:
    raw = sheet.values_get(f"'{FORM_TAB}'!A1:K")
    assert raw["range"] == f"'{FORM_TAB}'!A1:K1000"
    assert raw["majorDimension"] == "ROWS"
    values = raw["values"]
    assert len(values) == 4  # no trailing empty rows
    assert values[2] == []  # empty middle row
    assert values[3] == ["26/11/2026, 9:00:00", "school2@example.ac.th", "ค่ายวิทยาศาสตร์", "FALSE"]

    empty = sheet.values_get(f"'{FORM_TAB}'!H1:K20")
    assert "values" not in empty
    assert empty["range"] == f"'{FORM_TAB}'!H1:K20"

    columns = sheet.values_get(f"'{FORM_TAB}'!C1:D4", params={"majorDimension": "COLUMNS"})
    assert columns["values"] == [
        ["หัวข้อข่าว", "กีฬาสีโรงเรียนบ้านหนองบัว", "", "ค่ายวิทยาศาสตร์"],
        ["อนุมัติ", "TRUE", "", "FALSE"],
    ]


def test_range_forms_are_understood(api: FakeSheetsAPI, client: gspread.Client) -> None:
    api.add_spreadsheet(
        "ranges",
        tabs={
            "Plain": [["a1", "b1", "c1"], ["a2", "b2", "c2"], ["a3", "b3", "c3"]],
            "O'Brien's list": [["x"]],
        },
    )
    sh = client.open_by_key("ranges")

    assert sh.values_get("Plain")["range"] == "Plain!A1:Z1000"
    assert sh.values_get("Plain!B:C")["values"] == [["b1", "c1"], ["b2", "c2"], ["b3", "c3"]]
    assert sh.values_get("Plain!2:3")["values"] == [["a2", "b2", "c2"], ["a3", "b3", "c3"]]
    assert sh.values_get("Plain!2:3")["range"] == "Plain!A2:Z3"
    assert sh.values_get("Plain!B2:C")["values"] == [["b2", "c2"], ["b3", "c3"]]
    assert sh.values_get("A3")["values"] == [["a3"]]  # no tab named: the first one
    assert sh.values_get("A3")["range"] == "Plain!A3"
    quoted = sh.values_get("'O''Brien''s list'!A1:B2")
    assert quoted["values"] == [["x"]]
    assert quoted["range"] == "'O''Brien''s list'!A1:B2"
    assert sh.worksheet("O'Brien's list").get_all_values() == [["x"]]


def test_unformatted_and_formula_render_options(sheet: gspread.Spreadsheet) -> None:
    ws = sheet.worksheet(FORM_TAB)
    stamp = dt.datetime(2026, 11, 25, 14, 5, 33)

    values = ws.get("A2:E2", value_render_option="UNFORMATTED_VALUE")
    assert values[0][3] is True
    assert values[0][4] == 46346 and isinstance(values[0][4], int)
    assert values[0][0] == pytest.approx(to_serial(stamp))
    assert from_serial(values[0][0]).replace(microsecond=0) == stamp

    as_text = ws.get(
        "A2:E2",
        value_render_option="UNFORMATTED_VALUE",
        date_time_render_option="FORMATTED_STRING",
    )
    assert as_text[0][0] == "25/11/2026, 14:05:33"
    assert as_text[0][3] is True

    ws.update([['=HYPERLINK("https://news.example/1","อ่านข่าว")']], "G2", raw=False)
    assert ws.get("G2").first() == "อ่านข่าว"
    assert ws.get("G2", value_render_option="FORMULA").first() == (
        '=HYPERLINK("https://news.example/1","อ่านข่าว")'
    )


def test_raw_keeps_text_and_user_entered_parses_like_sheets(
    book: FakeSpreadsheet, sheet: gspread.Spreadsheet
) -> None:
    ws = sheet.worksheet(REGISTRY_TAB)
    ws.update([['=IMPORTXML("https://x","//a")', "0812345678", "'quoted", "TRUE"]], "A3:D3")
    ws.update(
        [['=IMPORTXML("https://x","//a")', "0812345678", "'quoted", "TRUE", "25/11/2026"]],
        "A4:E4",
        raw=False,
    )
    tab = book.tab(REGISTRY_TAB)

    assert tab.rows[2] == ['=IMPORTXML("https://x","//a")', "0812345678", "'quoted", "TRUE"]
    assert tab.rows[3] == [
        Formula('=IMPORTXML("https://x","//a")'),
        812345678,
        "quoted",
        True,
        dt.date(2026, 11, 25),
    ]
    formatted = ws.get("A3:E4")
    assert formatted[0] == ['=IMPORTXML("https://x","//a")', "0812345678", "'quoted", "TRUE"]
    assert formatted[1] == ["#NAME?", "812345678", "quoted", "TRUE", "25/11/2026"]
    unformatted = ws.get("A3:D4", value_render_option="UNFORMATTED_VALUE")
    assert unformatted[0][1] == "0812345678" and unformatted[0][3] == "TRUE"
    assert unformatted[1][1] == 812345678 and unformatted[1][3] is True
    formulas = ws.get("A3:A4", value_render_option="FORMULA")
    assert formulas == [['=IMPORTXML("https://x","//a")'], ['=IMPORTXML("https://x","//a")']]


def test_batch_update_values_and_write_bounds(
    api: FakeSheetsAPI, book: FakeSpreadsheet, sheet: gspread.Spreadsheet
) -> None:
    ws = sheet.worksheet(FORM_TAB)
    result = ws.batch_update(
        [
            {"range": "F4", "values": [["N-0002"]]},
            {"range": "G1:G2", "values": [["สถานะ"], ["เผยแพร่แล้ว"]]},
        ]
    )
    assert result["totalUpdatedCells"] == 3
    assert result["responses"][1]["updatedRange"] == f"'{FORM_TAB}'!G1:G2"
    assert book.tab(FORM_TAB).cell(4, 6) == "N-0002"
    assert book.tab(FORM_TAB).cell(2, 7) == "เผยแพร่แล้ว"

    with pytest.raises(APIError) as err:
        ws.batch_update(
            [
                {"range": "H1", "values": [["ok"]]},
                {"range": "H1:H1", "values": [["x"], ["too many"]]},
            ]
        )
    assert err.value.code == 400
    assert "tried writing to row [2]" in err.value.error["message"]
    assert book.tab(FORM_TAB).cell(1, 8) is None  # nothing of a failed batch is written

    ws.update([["ไกลสุด"]], "AD1500")  # past the 1000 x 26 grid: the grid grows
    assert book.tab(FORM_TAB).row_count == 1500
    assert book.tab(FORM_TAB).column_count == 30
    api.strict_grid_limits = True
    with pytest.raises(APIError, match="exceeds grid limits"):
        ws.update([["x"]], "A1600")


def test_append_lands_after_the_last_row(book: FakeSpreadsheet, sheet: gspread.Spreadsheet) -> None:
    ws = sheet.worksheet(REGISTRY_TAB)
    reply = ws.append_row(["M-002", "โรงเรียนบ้านโคก", "0898765432", True])
    assert reply["updates"]["updatedRange"] == f"'{REGISTRY_TAB}'!A3:D3"
    assert reply["tableRange"] == f"'{REGISTRY_TAB}'!A1:D2"
    reply = ws.append_rows([["M-003", "อบต.หนองบัว"]], insert_data_option="INSERT_ROWS")
    assert reply["updates"]["updatedRange"] == f"'{REGISTRY_TAB}'!A4:B4"
    tab = book.tab(REGISTRY_TAB)
    assert [r[0] for r in tab.rows] == ["รหัสสมาชิก", "M-001", "M-002", "M-003"]
    assert tab.rows[2][2] == "0898765432"  # append defaults to RAW in gspread

    empty = sheet.add_worksheet("งดรับข่าว", rows=10, cols=3)
    reply = empty.append_row(["อีเมล", "เหตุผล"])
    assert reply["updates"]["updatedRange"] == "'งดรับข่าว'!A1:B1"
    assert "tableRange" not in reply


def test_insert_and_delete_rows_through_gspread_shift_rules(
    book: FakeSpreadsheet, sheet: gspread.Spreadsheet
) -> None:
    tab = book.tab(REGISTRY_TAB)
    tab.add_checkboxes("D2:D")
    ws = sheet.worksheet(REGISTRY_TAB)

    ws.insert_rows([["M-000", "สพป. เขต 1"]], row=2)
    assert [r[0] for r in tab.rows] == ["รหัสสมาชิก", "M-000", "M-001"]
    assert tab.row_count == 1001
    assert tab.validation_at(3, 4) == {"condition": {"type": "BOOLEAN"}}
    assert tab.validation_at(1, 4) is None

    ws.delete_rows(2)
    assert [r[0] for r in tab.rows] == ["รหัสสมาชิก", "M-001"]
    assert tab.row_count == 1000
    assert tab.validation_at(2, 4) == {"condition": {"type": "BOOLEAN"}}


def test_structure_requests_through_batch_update(
    api: FakeSheetsAPI, book: FakeSpreadsheet, sheet: gspread.Spreadsheet
) -> None:
    reply = sheet.batch_update(
        {
            "requests": [
                {
                    "addSheet": {
                        "properties": {
                            "title": "สรุปผล",
                            "gridProperties": {"rowCount": 50, "columnCount": 8},
                        }
                    }
                }
            ]
        }
    )
    props = reply["replies"][0]["addSheet"]["properties"]
    assert props["title"] == "สรุปผล" and props["index"] == 2
    assert props["gridProperties"] == {"rowCount": 50, "columnCount": 8}
    new_id = props["sheetId"]

    reply = sheet.batch_update(
        {
            "requests": [
                {
                    "updateSheetProperties": {
                        "properties": {
                            "sheetId": new_id,
                            "title": "สรุปผลรายเดือน",
                            "gridProperties": {"frozenRowCount": 1, "rowCount": 5},
                        },
                        "fields": "title,gridProperties.frozenRowCount",
                    }
                },
                {
                    "setDataValidation": {
                        "range": {
                            "sheetId": 0,
                            "startRowIndex": 1,
                            "startColumnIndex": 3,
                            "endColumnIndex": 4,
                        },
                        "rule": {
                            "condition": {
                                "type": "ONE_OF_LIST",
                                "values": [
                                    {"userEnteredValue": "อนุมัติ"},
                                    {"userEnteredValue": "ไม่อนุมัติ"},
                                    {"userEnteredValue": "ส่งกลับแก้ไข"},
                                ],
                            },
                            "showCustomUi": True,
                            "strict": True,
                        },
                    }
                },
                {
                    "addProtectedRange": {
                        "protectedRange": {
                            "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1},
                            "description": "หัวตาราง",
                            "warningOnly": True,
                        }
                    }
                },
            ]
        }
    )
    assert reply["spreadsheetId"] == BOOK_ID
    assert reply["replies"][0] == {} and reply["replies"][1] == {}
    protected = reply["replies"][2]["addProtectedRange"]["protectedRange"]
    assert protected["description"] == "หัวตาราง" and protected["protectedRangeId"] > 0

    summary = book.tab("สรุปผลรายเดือน")
    assert summary.frozen_row_count == 1
    assert summary.row_count == 50  # rowCount was not in "fields"
    rule = book.tab(FORM_TAB).validation_at(500, 4)
    assert rule is not None and rule["condition"]["type"] == "ONE_OF_LIST"
    assert book.tab(FORM_TAB).validation_at(1, 4) is None

    meta = sheet.fetch_sheet_metadata()
    form_meta = meta["sheets"][0]
    assert form_meta["protectedRanges"][0]["range"] == {
        "sheetId": 0,
        "startRowIndex": 0,
        "endRowIndex": 1,
        "startColumnIndex": 0,
    }
    assert sheet.worksheet("สรุปผลรายเดือน").frozen_row_count == 1

    sheet.worksheet("สรุปผลรายเดือน").freeze(rows=2)  # gspread writes fields with slashes
    assert summary.frozen_row_count == 2

    with pytest.raises(APIError) as err:
        sheet.batch_update(
            {
                "requests": [
                    {"deleteSheet": {"sheetId": new_id}},
                    {"addSheet": {"properties": {"title": REGISTRY_TAB}}},
                ]
            }
        )
    assert err.value.code == 400 and "already exists" in err.value.error["message"]
    assert book.find_tab("สรุปผลรายเดือน") is summary  # the whole batch was rolled back


def test_permission_not_found_and_bad_range_errors(
    api: FakeSheetsAPI, book: FakeSpreadsheet, client: gspread.Client
) -> None:
    api.add_spreadsheet("private", shared=False)
    with pytest.raises(PermissionError) as denied:
        client.open_by_key("private")
    cause = denied.value.__cause__
    assert isinstance(cause, APIError) and cause.code == 403
    assert cause.error == {
        "code": 403,
        "message": "The caller does not have permission",
        "status": "PERMISSION_DENIED",
    }

    with pytest.raises(SpreadsheetNotFound):
        client.open_by_key("no-such-file")

    sh = client.open_by_key(BOOK_ID)
    with pytest.raises(APIError) as bad:
        sh.values_get("'ไม่มีแท็บนี้'!A1:C")
    assert bad.value.code == 400
    assert bad.value.error["status"] == "INVALID_ARGUMENT"
    assert bad.value.error["message"] == "Unable to parse range: 'ไม่มีแท็บนี้'!A1:C"

    book.shared = False  # access withdrawn while the worker runs
    with pytest.raises(APIError) as later:
        sh.worksheet(FORM_TAB)
    assert later.value.code == 403

    book.shared = True
    book.can_edit = False  # viewer only: reads pass, writes are refused
    ws = sh.worksheet(FORM_TAB)
    assert ws.get("A1").first() == "ประทับเวลา"
    with pytest.raises(APIError) as refused:
        ws.update([["x"]], "A1")
    assert refused.value.code == 403


def test_injected_faults_surface_like_google(
    api: FakeSheetsAPI, book: FakeSpreadsheet, sheet: gspread.Spreadsheet
) -> None:
    ws = sheet.worksheet(FORM_TAB)
    api.retry_after = 7
    api.inject([429, "timeout", "conn", 500, 502, 503, None])

    with pytest.raises(APIError) as quota:
        ws.get("A1")
    assert quota.value.code == 429
    assert quota.value.error["status"] == "RESOURCE_EXHAUSTED"
    assert quota.value.response.headers["Retry-After"] == "7"
    with pytest.raises(requests.exceptions.ReadTimeout):
        ws.get("A1")
    with pytest.raises(requests.exceptions.ConnectionError):
        ws.get("A1")
    with pytest.raises(APIError) as internal:
        ws.get("A1")
    assert internal.value.code == 500 and internal.value.error["status"] == "INTERNAL"
    with pytest.raises(APIError) as gateway:
        ws.get("A1")
    assert gateway.value.response.status_code == 502
    assert "Error 502" in gateway.value.response.text
    with pytest.raises(APIError) as unavailable:
        ws.get("A1")
    assert unavailable.value.code == 503 and unavailable.value.error["status"] == "UNAVAILABLE"
    assert ws.get("A1").first() == "ประทับเวลา"

    faulted = [c.fault for c in api.calls if c.faulted]
    assert faulted == [429, "timeout", "conn", 500, 502, 503]
    assert api.count("values_get") == 7
    assert api.count("values_get", include_faulted=False) == 1

    # A timeout after the server applied the write: the caller cannot tell it happened.
    api.inject(["timeout_after"], only=["values_update"])
    assert ws.get("A1").first() == "ประทับเวลา"  # reads do not consume it
    with pytest.raises(requests.exceptions.ReadTimeout):
        ws.update([["N-0009"]], "F4")
    assert book.tab(FORM_TAB).cell(4, 6) == "N-0009"


def test_random_fault_rate_is_reproducible(api: FakeSheetsAPI, sheet: gspread.Spreadsheet) -> None:
    ws = sheet.worksheet(FORM_TAB)

    def run() -> list[object]:
        api.reset_counts()
        api.inject_rate(0.3, kinds=(429, 503, "timeout"), seed=42)
        for _ in range(40):
            with contextlib.suppress(APIError, requests.exceptions.ReadTimeout):
                ws.get("A1")
        api.clear_faults()
        return [c.fault for c in api.calls]

    first = run()
    assert first == run()
    failures = sum(1 for f in first if f is not None)
    assert 4 <= failures <= 20
    assert api.count() == 40


def test_before_request_hook_lets_a_person_edit_between_calls(
    api: FakeSheetsAPI, book: FakeSpreadsheet, sheet: gspread.Spreadsheet
) -> None:
    ws = sheet.worksheet(FORM_TAB)
    seen: list[tuple[str, str]] = []
    tab = book.tab(FORM_TAB)

    def officer_inserts_a_row(method: str, kind: str) -> None:
        seen.append((method, kind))
        if kind == "values_batch_update" and len(tab.rows) == 4:
            tab.insert_rows(2, [["แถวที่คนแทรก"]])

    api.before_request = officer_inserts_a_row
    rows = ws.get_all_values()
    target = next(i for i, r in enumerate(rows, start=1) if r[5] == "N-0001")
    ws.batch_update([{"range": f"G{target}", "values": [["เผยแพร่แล้ว"]]}])

    assert seen == [("GET", "values_get"), ("POST", "values_batch_update")]
    # The status went to the row the person inserted, not to N-0001 (now on row 3).
    assert tab.cell(2, 7) == "เผยแพร่แล้ว"
    assert tab.cell(3, 6) == "N-0001" and tab.cell(3, 7) is None


def test_request_counting_is_exact(api: FakeSheetsAPI, client: gspread.Client) -> None:
    sh = client.open_by_key(BOOK_ID)
    ws = sh.worksheet(FORM_TAB)
    assert [c.kind for c in api.calls] == ["metadata", "metadata"]

    api.reset_counts()
    ws.get_all_values()
    ws.batch_get(["A1:B2", "C1"])
    ws.update([["x"]], "H2")
    ws.batch_update([{"range": "H3", "values": [["y"]]}])
    ws.append_row(["z"])
    ws.batch_clear(["H2:H3"])
    ws.clear()
    grow = {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 5}}
    sh.batch_update({"requests": [grow]})

    assert [c.kind for c in api.calls] == [
        "values_get",
        "values_batch_get",
        "values_update",
        "values_batch_update",
        "values_append",
        "values_batch_clear",
        "values_clear",
        "batch_update",
    ]
    assert api.count() == 8 and api.count("values_get") == 1 and api.count("metadata") == 0
    assert api.calls[2].range == f"'{FORM_TAB}'!H2"
    assert api.calls[2].params["valueInputOption"] == ["RAW"]
    assert api.calls[2].body["values"] == [["x"]]
    assert all(c.status == 200 and c.spreadsheet_id == BOOK_ID for c in api.calls)


def test_clear_keeps_the_grid(book: FakeSpreadsheet, sheet: gspread.Spreadsheet) -> None:
    ws = sheet.worksheet(FORM_TAB)
    reply = ws.batch_clear(["C2:C4"])
    assert reply["clearedRanges"] == [f"'{FORM_TAB}'!C2:C4"]
    assert ws.get("C1:C4") == [["หัวข้อข่าว"]]
    ws.clear()
    assert ws.get_all_values() == [[]]
    assert book.tab(FORM_TAB).row_count == 1000


def test_tab_helpers_model_peoples_edits(book: FakeSpreadsheet, sheet: gspread.Spreadsheet) -> None:
    tab = book.tab(FORM_TAB)
    assert tab.append_row(["27/11/2026", "c@example.ac.th", "ข่าวใหม่"]) == 5
    tab.sort_rows(key=lambda r: str(r[2]))
    assert [r[2] for r in tab.rows[1:]] == [
        "กีฬาสีโรงเรียนบ้านหนองบัว",
        "ข่าวใหม่",
        "ค่ายวิทยาศาสตร์",
    ]
    tab.delete_row(2)
    assert tab.cell(2, 3) == "ข่าวใหม่"
    assert tab.values() is not tab.rows and tab.values() == tab.rows
    assert sheet.worksheet(FORM_TAB).get("C2:C3") == [["ข่าวใหม่"], ["ค่ายวิทยาศาสตร์"]]


def test_only_the_fake_is_reachable(client: gspread.Client) -> None:
    with pytest.raises(requests.exceptions.ConnectionError, match="network access is disabled"):
        client.list_spreadsheet_files()
    with pytest.raises(requests.exceptions.ConnectionError):
        client.http_client.session.get("http://example.com/")


def test_large_batch_get(api: FakeSheetsAPI, client: gspread.Client) -> None:
    rows: list[list[object]] = [[f"คอลัมน์ {j}" for j in range(15)]]
    rows += [
        [f"R{i}", i, i % 2 == 0, dt.date(2026, 1, 1) + dt.timedelta(days=i % 365)]
        + [f"ข้อความ {i}-{j}" for j in range(11)]
        for i in range(30_000)
    ]
    api.add_spreadsheet("big", tabs={REGISTRY_TAB: rows})
    ws = client.open_by_key("big").sheet1

    formatted, unformatted = (
        ws.batch_get(["A1:O"]),
        ws.batch_get(["A1:O"], value_render_option="UNFORMATTED_VALUE"),
    )
    assert len(formatted[0]) == 30_001
    assert formatted[0][-1][:3] == ["R29999", "29999", "FALSE"]
    assert unformatted[0][-1][:3] == ["R29999", 29999, False]
    assert formatted[0][-1][14] == "ข้อความ 29999-10"


def test_grid_data_shows_validation_and_thai_era_dates(
    book: FakeSpreadsheet, sheet: gspread.Spreadsheet
) -> None:
    tab = book.tab(REGISTRY_TAB)
    tab.add_checkboxes("D2:D")
    book.buddhist_era = True
    ws = sheet.worksheet(REGISTRY_TAB)
    ws.update([["1/2/2569"]], "E2", raw=False)
    assert tab.cell(2, 5) == dt.date(2026, 2, 1)
    assert ws.get("E2").first() == "1/2/2569"

    meta = sheet.fetch_sheet_metadata(
        params={"includeGridData": "true", "ranges": f"'{REGISTRY_TAB}'!C2:E2"}
    )
    assert [s["properties"]["title"] for s in meta["sheets"]] == [REGISTRY_TAB]
    data = meta["sheets"][0]["data"][0]
    assert (data["startRow"], data["startColumn"]) == (1, 2)
    phone, checkbox, when = data["rowData"][0]["values"]
    assert phone["userEnteredValue"] == {"stringValue": "0812345678"}
    assert checkbox["effectiveValue"] == {"boolValue": True}
    assert checkbox["dataValidation"] == {"condition": {"type": "BOOLEAN"}}
    assert when["effectiveValue"] == {"numberValue": 46054}
    assert when["formattedValue"] == "1/2/2569"
