"""`automation init --google ID --form`: the office's news form, made through the Forms API.

The form asks exactly what the worker reads: every question's title is the first name the
worker recognises for its field (``[sheets.columns.form]`` and the built-in aliases), so the
responses tab Google fills is read with no unrecognised column. The school is a dropdown of
the registry's active members, the category a choice list (with "other"), the activity date a
date question, the body a paragraph. E-mail addresses are collected by the form's own
setting (Google writes them as ``ที่อยู่อีเมล`` after ``ประทับเวลา``).

Calls: ``forms.create`` (title only: Google copies nothing else), one ``forms.batchUpdate``
(description, e-mail collection, the questions), Drive ``permissions.create`` to let the
officer edit a form owned by the service account, ``forms.setPublishSettings`` (forms made
through the API start unpublished). Two steps only a person can do in Google's UI are
printed: linking responses to the spreadsheet and adding the file-upload question — the API
cannot create file-upload questions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import requests
from google.auth import exceptions as auth_exceptions

from automation.config import SheetsConfig
from automation.core.registry import parse_registry
from automation.errors import SheetError
from automation.sources import google_auth
from automation.sources.google import GoogleSheet
from automation.sources.google_errors import refresh_failed

FORMS_URL = "https://forms.googleapis.com/v1/forms"
DRIVE_FILES_URL = "https://www.googleapis.com/drive/v3/files"
DEFAULT_CATEGORIES = ("ข่าวกิจกรรม", "ข่าวผลงาน/รางวัล", "ข่าววิชาการ", "ข่าวประชาสัมพันธ์")
Kind = Literal["dropdown", "choice", "date", "paragraph", "short"]

# The form's questions in order: field, kind, required, help text. Titles are not here: they
# come from the aliases the worker reads the sheet with.
PLAN: tuple[tuple[str, Kind, bool, str], ...] = (
    ("school", "dropdown", True, "เลือกชื่อตามทะเบียนเครือข่ายของสำนักงาน"),
    ("sender", "short", True, "ชื่อ-นามสกุล ของผู้ส่งข่าว (ใช้ในใบตอบรับ)"),
    ("phone", "short", False, "เบอร์ที่เจ้าหน้าที่ติดต่อกลับได้"),
    ("title", "short", True, "สั้น กระชับ บอกว่าใคร ทำอะไร"),
    ("body", "paragraph", True, "รายละเอียดของข่าว: ใคร ทำอะไร ที่ไหน เมื่อไร อย่างไร"),
    ("activity_date", "date", False, "วันที่จัดกิจกรรม"),
    ("links", "short", False, "ลิงก์อัลบั้มภาพ วิดีโอ หรือเพจ (ขึ้นต้นด้วย https://)"),
    ("category", "choice", False, "ประเภทของข่าว"),
    ("replaces", "short", False,
     "กรอกเฉพาะเมื่อส่งข่าวที่ถูกส่งกลับแก้ไขมาใหม่: รหัสข่าวเดิม เช่น N-1A2B3C4D"),
)
# Filled in by the form itself, or only in Google's UI.
AUTOMATIC = ("timestamp", "email")
UI_ONLY = ("images",)


@dataclass(frozen=True)
class Question:
    field: str
    title: str
    kind: Kind
    required: bool
    help: str
    options: tuple[str, ...] = ()

    def item(self) -> dict[str, Any]:
        """The Forms API Item for this question."""
        question: dict[str, Any] = {"required": self.required}
        if self.kind == "dropdown":
            question["choiceQuestion"] = {
                "type": "DROP_DOWN", "options": [{"value": o} for o in self.options]}
        elif self.kind == "choice":
            question["choiceQuestion"] = {
                "type": "RADIO",
                "options": [*({"value": o} for o in self.options), {"isOther": True}]}
        elif self.kind == "date":
            question["dateQuestion"] = {"includeYear": True, "includeTime": False}
        else:
            question["textQuestion"] = {"paragraph": self.kind == "paragraph"}
        return {"title": self.title, "description": self.help,
                "questionItem": {"question": question}}


@dataclass
class CreatedForm:
    form_id: str
    responder_uri: str
    questions: list[Question]
    shared_with: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def edit_uri(self) -> str:
        return f"https://docs.google.com/forms/d/{self.form_id}/edit"


def questions(
    aliases: Mapping[str, Sequence[str]], schools: Sequence[str], categories: Sequence[str],
) -> tuple[list[Question], list[str]]:
    """The form's questions with the worker's own titles, and warnings about them."""
    warnings: list[str] = []
    result = []
    for field_, kind, required, help_ in PLAN:
        options: tuple[str, ...] = ()
        if kind == "dropdown":
            options = tuple(dict.fromkeys(s.strip() for s in schools if s.strip()))
            if not options:
                kind = "short"
                warnings.append("ทะเบียนเครือข่ายยังไม่มีชื่อหน่วยงาน: คำถามชื่อโรงเรียนจึงเป็น"
                                "คำตอบสั้นแทนรายการให้เลือก; เพิ่มรายชื่อแล้วแก้คำถามใน Google Forms")
        elif kind == "choice":
            options = tuple(dict.fromkeys(c.strip() for c in categories if c.strip()))
        result.append(Question(field_, aliases[field_][0], kind, required, help_, options))
    return result, warnings


def registry_schools(sheet: GoogleSheet, sheets: SheetsConfig) -> list[str]:
    """Names of the registry's active members, in the registry's order."""
    title = sheets.tabs.registry
    if sheet.metadata().tab(title) is None:
        return []
    tab = sheet.read([title])[title]
    registry = parse_registry(tab, sheets.columns.aliases("registry"))
    return [m.name for m in registry.members if m.active and m.name]


class FormsClient:
    """The Forms API (and Drive's sharing of the form) over a signed-in session."""

    def __init__(self, session: requests.Session, account: str | None, timeout: float) -> None:
        self.session = session
        self.account = account
        self.timeout = timeout
        self.oauth = account is None

    @classmethod
    def from_config(cls, sheets: SheetsConfig) -> FormsClient:
        auth = google_auth.authorize(sheets, scopes=google_auth.FORM_SCOPES)
        return cls(auth.session, auth.account, sheets.timeout)

    def call(self, what: str, url: str, body: Mapping[str, Any] | None = None,
             api: str = "Google Forms API") -> dict[str, Any]:
        try:
            response = self.session.request("POST" if body is not None else "GET", url,
                                            json=body, timeout=self.timeout)
        except auth_exceptions.RefreshError as exc:
            raise SheetError(f"{what}: {refresh_failed(str(exc), self.account)}") from None
        except requests.RequestException as exc:
            raise SheetError(f"{what}: ติดต่อ {api} ไม่ได้ ({type(exc).__name__}); "
                             "ตรวจการเชื่อมต่ออินเทอร์เน็ตแล้วรันคำสั่งใหม่") from None
        if response.status_code >= 400:
            raise explain(response, what, api, self.account)
        answer = response.json() if response.content else {}
        return answer if isinstance(answer, dict) else {}


def explain(response: requests.Response, what: str, api: str, account: str | None) -> SheetError:
    """A Forms/Drive error answer as one Thai sentence that says what to do."""
    status = response.status_code
    try:
        error = response.json().get("error", {})
        message = str(error.get("message", "")) + " " + str(error.get("status", ""))
    except (ValueError, AttributeError):
        message = response.text[:200]
    who = account or "บัญชี Google ที่ลงชื่อเข้าใช้"
    disabled = ("has not been used", "is disabled", "SERVICE_DISABLED")
    if status == 403 and any(m in message for m in disabled):
        return SheetError(f"{what}: ยังไม่ได้เปิดใช้ {api} ในโปรเจกต์ของกุญแจนี้; ใน Google Cloud "
                          f"Console ไปที่ APIs & Services → Library → {api} → Enable แล้วรอสักครู่")
    if status == 403 and "scope" in message.casefold():
        return SheetError(f"{what}: การลงชื่อเข้าใช้ยังไม่ได้รับสิทธิ์สร้างแบบฟอร์ม; รัน "
                          "automation google-login --force --form --config schedule.toml")
    if status in (401, 403):
        return SheetError(f"{what}: {api} ไม่ยอมให้ {who} ทำรายการนี้ ({message.strip()}); "
                          "ตรวจว่าเปิดใช้ Google Forms สำหรับบัญชีนี้ (ผู้ดูแล Workspace อาจปิดไว้)")
    if status == 429 or status >= 500:
        return SheetError(f"{what}: {api} ขัดข้องหรือเกินโควตาชั่วคราว (รหัส {status}); "
                          "รอสักครู่แล้วรันคำสั่งใหม่", transient=True)
    return SheetError(f"{what}: {api} ปฏิเสธคำขอ (รหัส {status}: {message.strip()})")


def create_news_form(
    client: FormsClient, office_name: str, items: Sequence[Question], editors: Sequence[str],
) -> CreatedForm:
    """Create, fill, share and publish the news form."""
    title = f"ส่งข่าวประชาสัมพันธ์ — {office_name}"
    made = client.call("สร้างแบบฟอร์ม (forms.create)", f"{FORMS_URL}?unpublished=true",
                       {"info": {"title": title, "documentTitle": title}})
    form_id = str(made.get("formId", ""))
    created = CreatedForm(form_id, str(made.get("responderUri", "")), list(items))
    try:
        _fill(client, created, office_name)
        if not client.oauth:  # a service account owns the form: let the people edit it
            _share(client, created, editors)
        client.call("เปิดรับคำตอบ (forms.setPublishSettings)",
                    f"{FORMS_URL}/{form_id}:setPublishSettings",
                    {"publishSettings": {"publishState": {
                        "isPublished": True, "isAcceptingResponses": True}},
                     "updateMask": "publishState"})
    except SheetError as exc:
        raise SheetError(f"{exc} — แบบฟอร์ม {created.edit_uri} ถูกสร้างไว้แล้วแต่ยังไม่ครบ: "
                         "ลบแบบฟอร์มนั้นใน Google Drive แล้วรันคำสั่งใหม่",
                         transient=exc.transient) from None
    return created


def _fill(client: FormsClient, created: CreatedForm, office_name: str) -> None:
    description = (
        f"แบบฟอร์มส่งข่าวประชาสัมพันธ์ของโรงเรียนและหน่วยงานในเครือข่าย {office_name}. "
        "ข่าวจะเผยแพร่ทางอีเมล กระดานข่าว และช่องทางของสำนักงานเมื่อผู้บริหารอนุมัติแล้ว; "
        "ระบบจะส่งใบตอบรับและผลการพิจารณาไปที่อีเมลที่กรอก"
    )
    requests_: list[dict[str, Any]] = [
        {"updateFormInfo": {"info": {"description": description},
                            "updateMask": "description"}},
        {"updateSettings": {"settings": {"emailCollectionType": "RESPONDER_INPUT"},
                            "updateMask": "emailCollectionType"}},
    ]
    requests_ += [{"createItem": {"item": q.item(), "location": {"index": n}}}
                  for n, q in enumerate(created.questions)]
    answer = client.call("เพิ่มคำถาม (forms.batchUpdate)",
                         f"{FORMS_URL}/{created.form_id}:batchUpdate", {"requests": requests_})
    made = [r for r in answer.get("replies", []) if "createItem" in r]
    if len(made) != len(created.questions):
        raise SheetError(f"เพิ่มคำถาม (forms.batchUpdate): Google ตอบว่าสร้าง {len(made)} "
                         f"จาก {len(created.questions)} คำถาม")


def _share(client: FormsClient, created: CreatedForm, editors: Sequence[str]) -> None:
    if not editors:
        created.warnings.append(
            f"ไม่มีผู้ได้รับสิทธิ์แก้ไขแบบฟอร์ม (แบบฟอร์มเป็นของ {client.account}): ตั้ง "
            "office.officer_email หรือใส่ --editor อีเมล แล้วสร้างใหม่ เพื่อทำขั้นตอนที่เหลือใน Google Forms")
    for address in dict.fromkeys(editors):
        url = (f"{DRIVE_FILES_URL}/{created.form_id}/permissions"
               "?sendNotificationEmail=true")
        try:
            client.call(f"แชร์แบบฟอร์มให้ {address}", url,
                        {"role": "writer", "type": "user", "emailAddress": address},
                        api="Google Drive API")
        except SheetError as exc:
            if exc.transient:
                raise
            created.warnings.append(f"{exc}; แบบฟอร์มเป็นของ {client.account} จนกว่าจะแชร์ได้")
            continue
        created.shared_with.append(address)


def manual_steps(created: CreatedForm, images_title: str, spreadsheet_id: str,
                 form_tab: str, config: str) -> list[str]:
    """What the officer still does in Google's UI, in order."""
    editors = ", ".join(created.shared_with) or "บัญชีที่สร้างแบบฟอร์ม"
    return [
        f"เปิดแบบฟอร์มเพื่อแก้ไข: {created.edit_uri} (ผู้แก้ไขได้: {editors})",
        "แท็บ 'การตอบกลับ' (Responses) → 'ลิงก์ไปยังชีต' (Link to Sheets) → 'เลือกสเปรดชีตที่มีอยู่' "
        f"→ เลือกสเปรดชีต {spreadsheet_id}; Google จะสร้างแท็บคำตอบใหม่ ถ้าชื่อไม่ใช่ '{form_tab}' "
        "ให้ตั้ง [sheets.tabs] form เป็นชื่อนั้นใน schedule.toml",
        f"เพิ่มคำถามแบบ 'อัปโหลดไฟล์' (File upload) ชื่อ '{images_title}' ให้ตรงตามนี้ทุกตัวอักษร "
        "(Forms API สร้างคำถามชนิดนี้ไม่ได้): อนุญาตเฉพาะรูปภาพ ไม่เกิน 5 ไฟล์; "
        "ผู้ส่งต้องลงชื่อเข้าใช้บัญชี Google จึงจะอัปโหลดได้",
        f"รัน automation init --google {spreadsheet_id} --config {config} อีกครั้ง "
        "เพื่อเพิ่มคอลัมน์อนุมัติและคอลัมน์ของระบบต่อท้ายคอลัมน์ของแบบฟอร์ม",
        f"ส่งลิงก์แบบฟอร์มให้โรงเรียน: {created.responder_uri}",
    ]
