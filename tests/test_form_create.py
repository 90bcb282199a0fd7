"""`automation init --google ID --form`: the news form made through the Forms API (the wire-level
fake), whose responses the worker reads end to end: form → sheet → cycle → bulletin."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest

from automation.cli import main
from automation.config import FORM_FIELDS
from automation.demo import demo_tabs
from automation.sources.google_form import PLAN
from tests.fakes.forms_api import (
    DRIVE_PREFIX,
    FORMS_PREFIX,
    FakeForm,
    FakeFormsAdapter,
    FakeFormsAPI,
    route_sessions,
)
from tests.fakes.sheets_api import SHEETS_PREFIX, FakeSheetsAdapter
from tests.sheet_driver import (
    SPREADSHEET_ID,
    TOKEN_URI,
    GoogleDriver,
    cycle_at,
    edit_row,
    weekday_9am,
)
from tests.workspace import FORM, REGISTRY, TODAY, outbox, text_of

IMAGES = FORM_FIELDS["images"][0]
SCHOOL = FORM_FIELDS["school"][0]
TITLE, BODY, DAY = (FORM_FIELDS[f][0] for f in ("title", "body", "activity_date"))
NEWS_TITLE = "โรงเรียนจัดค่ายวิทยาศาสตร์ ปี 2569"


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[GoogleDriver, FakeFormsAPI]:
    """A Google-backed office whose spreadsheet has only the registry (no form yet)."""
    driver = GoogleDriver(tmp_path / "office",
                          tabs={REGISTRY: demo_tabs(TODAY)[REGISTRY], "Sheet1": []})
    forms = FakeFormsAPI()
    _route(monkeypatch, driver, forms)
    return driver, forms


def _route(patch: pytest.MonkeyPatch, driver: GoogleDriver, forms: FakeFormsAPI) -> None:
    """Sessions the CLI builds reach the Sheets and Forms fakes and the token endpoint."""
    route_sessions(patch, {
        SHEETS_PREFIX: FakeSheetsAdapter(driver.api), FORMS_PREFIX: FakeFormsAdapter(forms),
        DRIVE_PREFIX: FakeFormsAdapter(forms), TOKEN_URI: driver.token,
    })


def _init(driver: GoogleDriver, *extra: str) -> int:
    return main(["--config", str(driver.config), "init", "--google", SPREADSHEET_ID, *extra])


def _active_schools(driver: GoogleDriver) -> list[str]:
    rows = driver.table(REGISTRY)
    return [str(r["ชื่อหน่วยงาน"]) for r in rows
            if r.get("ชื่อหน่วยงาน") and r.get("สถานะ") not in ("ระงับ",)]




def _made_and_linked(driver: GoogleDriver, forms: FakeFormsAPI, upload: str) -> FakeForm:
    """The officer's steps: the form made by ``init --form``, linked to the sheet
    (Responses → Link to Sheets), a file-upload question titled ``upload`` added by hand,
    then ``init`` again for the director's and the worker's columns."""
    assert _init(driver, "--form") == 0
    form = forms.only()
    assert forms.link_to_sheet(form.form_id, driver.book).title == FORM
    forms.add_file_upload(form.form_id, upload)
    assert _init(driver) == 0
    return form


def _status(driver: GoogleDriver, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["status", "--config", str(driver.config)]) == 0
    return capsys.readouterr().out


def test_the_form_asks_what_the_worker_reads_and_is_published(
    office: tuple[GoogleDriver, FakeFormsAPI], capsys: pytest.CaptureFixture[str]
) -> None:
    driver, forms = office
    assert _init(driver, "--form") == 0
    out = capsys.readouterr().out
    [create] = forms.bodies("create")
    config = tomllib.loads(driver.config.read_text(encoding="utf-8"))
    title = f"ส่งข่าวประชาสัมพันธ์ — {config['office']['name']}"
    assert create == {"info": {"title": title, "documentTitle": title}}
    form = forms.only()
    assert form.info["title"] == title
    assert form.info["description"]
    assert form.settings["emailCollectionType"] == "RESPONDER_INPUT"
    questions = dict(form.questions())
    assert list(questions) == [FORM_FIELDS[f][0] for f, *_rest in PLAN]
    school = questions[SCHOOL]["choiceQuestion"]
    assert school["type"] == "DROP_DOWN"
    assert [o["value"] for o in school["options"]] == _active_schools(driver)
    assert questions[DAY]["dateQuestion"] == {"includeYear": True, "includeTime": False}
    assert questions[BODY]["textQuestion"] == {"paragraph": True}
    assert questions[TITLE]["textQuestion"] == {"paragraph": False}
    assert questions[TITLE]["required"] and questions[BODY]["required"]
    category = questions[FORM_FIELDS["category"][0]]["choiceQuestion"]
    assert category["type"] == "RADIO" and {"isOther": True} in category["options"]
    assert IMAGES not in questions  # the API cannot make file-upload questions
    assert (form.published, form.accepting) == (True, True)
    assert [c.kind for c in forms.calls][-1] == "setPublishSettings"
    config = tomllib.loads(driver.config.read_text(encoding="utf-8"))  # form_url written
    officer = config["office"]["officer_email"]
    assert form.permissions[0]["emailAddress"] == officer
    # what the officer is told: the address, and the clicks the API cannot do
    responder = form.as_api()["responderUri"]
    assert responder in out and config["office"]["form_url"] == responder
    assert "Link to Sheets" in out and f"'{IMAGES}'" in out and "File upload" in out
    assert driver.book.find_tab(FORM) is None  # Google makes it when the form is linked


def test_a_submission_through_the_form_is_read_whole_and_published(
    office: tuple[GoogleDriver, FakeFormsAPI], capsys: pytest.CaptureFixture[str]
) -> None:
    driver, forms = office
    form = _made_and_linked(driver, forms, IMAGES)
    assert len(forms.bodies("create")) == 1  # form_url is set: no second form
    school = _active_schools(driver)[0]
    email = next(str(r["อีเมล"]).split(",")[0].strip() for r in driver.table(REGISTRY)
                 if r["ชื่อหน่วยงาน"] == school)
    when = weekday_9am()
    answers = {  # by field: the respondent answers whatever the questions are titled
        "school": school, "sender": "นางสาวสมใจ ใจดี", "phone": "0812345678",
        "title": NEWS_TITLE, "body": "นักเรียนชั้น ป.6 ทำการทดลองวิทยาศาสตร์ร่วมกับชุมชน",
        "activity_date": date(2026, 3, 12), "category": "ข่าววิชาการ",
    }
    titles = [title for title, _question in form.questions()]
    by_title = {t: answers[f] for (f, *_rest), t in zip(PLAN, titles, strict=False)
                if f in answers}
    forms.submit(form.form_id, by_title, when - timedelta(hours=1), email=email)
    cycle_at(driver, when)
    assert "คอลัมน์แบบฟอร์มที่ระบบอ่านไม่ได้หรือไม่มี" not in _status(driver, capsys)
    [row] = [r for r in driver.table(FORM) if NEWS_TITLE in r.values()]
    item_id = str(row["รหัสข่าว"])
    edit_row(driver, FORM, item_id, "อนุมัติ", "อนุมัติ")
    cycle_at(driver, when + timedelta(hours=1))
    mail = outbox(driver.config.parent / "outbox")
    reports = [text_of(m) for m in mail if m["X-PR-Kind"] == "officer_report"]
    assert not [t for t in reports if "ไม่มีคอลัมน์" in t or "' — " in t]
    bulletins = [text_of(m) for m in mail if m["X-PR-Kind"] == "bulletin"]
    assert bulletins
    assert all(NEWS_TITLE in t and school in t and "นางสาวสมใจ ใจดี" in t for t in bulletins)


def test_a_mis_titled_upload_question_is_reported(
    office: tuple[GoogleDriver, FakeFormsAPI], capsys: pytest.CaptureFixture[str]
) -> None:
    driver, forms = office
    _made_and_linked(driver, forms, "แนบไฟล์ผลงาน")  # not the upload title the officer was given
    status = _status(driver, capsys)
    assert "'แนบไฟล์ผลงาน' —" in status
    assert f"ไม่มีคอลัมน์ '{IMAGES}'" in status


def test_an_unpublished_form_takes_no_answers(office: tuple[GoogleDriver, FakeFormsAPI]) -> None:
    driver, forms = office
    assert _init(driver, "--form") == 0
    form = forms.only()
    form.published = form.accepting = False  # as created, before setPublishSettings
    with pytest.raises(PermissionError):
        forms.submit(form.form_id, {}, weekday_9am())


@pytest.mark.parametrize(("status", "message", "expected"), [
    (403, "Google Forms API has not been used in project 123 before or it is disabled.",
     "APIs & Services → Library → Google Forms API → Enable"),
    (403, "Request had insufficient authentication scopes. ACCESS_TOKEN_SCOPE_INSUFFICIENT",
     "google-login --force --form"),
    (503, "The service is currently unavailable.", "รอสักครู่แล้วรันคำสั่งใหม่"),
])
def test_google_refusals_are_one_thai_line(
    office: tuple[GoogleDriver, FakeFormsAPI], capsys: pytest.CaptureFixture[str],
    status: int, message: str, expected: str,
) -> None:
    driver, forms = office
    forms.inject(status, message)
    assert _init(driver, "--form") == 1
    err = capsys.readouterr().err
    assert expected in err and "สร้างแบบฟอร์ม (forms.create)" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "form_url" not in driver.config.read_text(encoding="utf-8")


def test_a_failure_after_create_names_the_half_made_form(
    office: tuple[GoogleDriver, FakeFormsAPI], capsys: pytest.CaptureFixture[str]
) -> None:
    driver, forms = office
    forms.inject(403, "Google Forms API has not been used in project 123 before or it is "
                 "disabled.", kind="setPublishSettings")
    assert _init(driver, "--form") == 1
    err = capsys.readouterr().err
    form = forms.only()
    assert f"https://docs.google.com/forms/d/{form.form_id}/edit" in err
    assert "เปิดรับคำตอบ (forms.setPublishSettings)" in err and "Traceback" not in err
    assert not form.published
    assert "form_url" not in driver.config.read_text(encoding="utf-8")


def test_the_fake_refuses_what_google_refuses() -> None:
    """forms.create takes a title only; the API cannot make a file-upload question."""
    import requests

    forms = FakeFormsAPI()
    session = requests.Session()
    session.mount(FORMS_PREFIX, FakeFormsAdapter(forms))
    auth = {"Authorization": "Bearer t"}
    url = "https://forms.googleapis.com/v1/forms"
    refused = session.post(url, json={"info": {"title": "x", "description": "d"}}, headers=auth)
    assert refused.status_code == 400
    made = session.post(url, json={"info": {"title": "x"}}, headers=auth).json()
    assert made["publishSettings"]["publishState"] == {
        "isPublished": False, "isAcceptingResponses": False}
    upload = {"title": "ภาพ", "questionItem": {"question": {"fileUploadQuestion": {}}}}
    text = {"title": "หัวข้อ", "questionItem": {"question": {"textQuestion": {}}}}
    batch = {"requests": [{"createItem": {"item": text, "location": {"index": 0}}},
                          {"createItem": {"item": upload, "location": {"index": 1}}}]}
    answer = session.post(f"{url}/{made['formId']}:batchUpdate", json=batch, headers=auth)
    assert answer.status_code == 400 and "file upload" in answer.json()["error"]["message"]
    assert forms.only().items == []  # all or nothing
    assert session.post(url, json={"info": {"title": "x"}}).status_code == 401


def test_without_a_registry_the_school_is_typed_and_the_officer_is_warned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    driver = GoogleDriver(tmp_path / "office", tabs={"Sheet1": []})
    forms = FakeFormsAPI()
    _route(monkeypatch, driver, forms)
    assert _init(driver, "--form") == 0
    school = dict(forms.only().questions())[SCHOOL]
    assert school["textQuestion"] == {"paragraph": False}
    assert "ทะเบียนเครือข่ายยังไม่มีชื่อหน่วยงาน" in capsys.readouterr().out
