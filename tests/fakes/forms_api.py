"""An in-memory Google Forms API v1, served to real client code through a requests adapter.

In the style of the Sheets fake (tests/fakes/sheets_api.py): the product's own HTTP code runs
against it, and it answers on the wire the way Google does, including the parts that bite:

* ``forms.create`` (``POST /v1/forms``) copies only ``info.title`` and ``info.documentTitle``;
  a description, items or settings in the create body are refused (400), as Google documents.
  The new form starts **unpublished** (``publishSettings.publishState`` false/false), as
  forms created through the API do from 2026 on; ``?unpublished=true`` is accepted.
* ``forms.batchUpdate`` (``POST /v1/forms/{id}:batchUpdate``) serves ``createItem``,
  ``updateFormInfo`` and ``updateSettings``; all requests apply or none do. A
  ``fileUploadQuestion`` is refused: the API cannot create file-upload questions.
  Choice questions need options with distinct, non-empty values; ``isOther`` is not allowed
  on a dropdown. Replies map 1:1 to requests (``createItem`` → ``itemId`` + ``questionId``).
* ``forms.get`` and ``forms.setPublishSettings``
  (``POST /v1/forms/{id}:setPublishSettings``, ``publishSettings.publishState``
  ``isPublished``/``isAcceptingResponses``; unpublished forces not accepting).
* Drive v3 ``permissions.create`` on a form (``POST /drive/v3/files/{id}/permissions``): a
  form is a Drive file, shared like one.

What only a person can do in the Forms UI is played by methods: ``link_to_sheet`` (Responses →
Link to Sheets: a new tab ``การตอบแบบฟอร์ม N`` with the header row Google writes:
``ประทับเวลา``, ``ที่อยู่อีเมล`` when e-mails are collected, then the question titles in order),
``add_file_upload`` (a question added in the editor: Google adds its column after the form's
columns, before the columns people added) and ``submit`` (a respondent's answers: refused on an
unpublished form, a missing required answer or a dropdown value not offered; the row goes to
the linked tab, dates as date cells, the timestamp as a date-time).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from requests.adapters import BaseAdapter

from tests.fakes.sheets_api import FakeSpreadsheet, FakeTab, _ApiError, _response

FORMS_PREFIX = "https://forms.googleapis.com/"
DRIVE_PREFIX = "https://www.googleapis.com/drive/"
_KINDS = ("choiceQuestion", "textQuestion", "dateQuestion", "timeQuestion", "scaleQuestion",
          "fileUploadQuestion", "rowQuestion", "ratingQuestion")
_HEADERS = {"th": ("ประทับเวลา", "ที่อยู่อีเมล"), "en": ("Timestamp", "Email Address")}


@dataclass
class FakeForm:
    form_id: str
    info: dict[str, Any]
    responder_id: str
    settings: dict[str, Any] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)
    published: bool = False
    accepting: bool = False
    revision: int = 1
    permissions: list[dict[str, Any]] = field(default_factory=list)
    linked: tuple[FakeSpreadsheet, str] | None = None
    form_columns: int = 0  # how many columns of the linked tab are the form's own

    def as_api(self) -> dict[str, Any]:
        form: dict[str, Any] = {
            "formId": self.form_id, "info": copy.deepcopy(self.info),
            "settings": copy.deepcopy(self.settings), "revisionId": f"{self.revision:08d}",
            "responderUri": f"https://docs.google.com/forms/d/e/{self.responder_id}/viewform",
            "publishSettings": {"publishState": {
                "isPublished": self.published, "isAcceptingResponses": self.accepting}},
        }
        if self.items:
            form["items"] = copy.deepcopy(self.items)
        if self.linked is not None:
            form["linkedSheetId"] = self.linked[0].spreadsheet_id
        return form

    def questions(self) -> list[tuple[str, dict[str, Any]]]:
        """(title, question) of every question item, in form order."""
        return [(str(i.get("title", "")), i["questionItem"]["question"])
                for i in self.items if "questionItem" in i]

    def collects_email(self) -> bool:
        return self.settings.get("emailCollectionType") in ("VERIFIED", "RESPONDER_INPUT")


@dataclass(frozen=True)
class FormCall:
    method: str
    path: str
    kind: str
    body: Any
    status: int


class FakeFormsAPI:
    """Forms behind one fake endpoint; ``calls`` records every request with its answer."""

    def __init__(self, language: str = "th") -> None:
        self.forms: dict[str, FakeForm] = {}
        self.calls: list[FormCall] = []
        self.language = language
        self._faults: list[tuple[int, str, str | None]] = []
        self._ids = 0
        self._lock = threading.RLock()

    # -- what tests set up or read
    def inject(self, status: int, message: str, kind: str | None = None) -> None:
        """Answer the next request (of ``kind``: create, batchUpdate, setPublishSettings,
        permissions.create, get) with this error, in Google's JSON error body."""
        self._faults.append((status, message, kind))

    def only(self) -> FakeForm:
        [form] = self.forms.values()
        return form

    def bodies(self, kind: str) -> list[Any]:
        return [c.body for c in self.calls if c.kind == kind and c.status == 200]

    # -- the officer in the Forms UI
    def link_to_sheet(self, form_id: str, book: FakeSpreadsheet) -> FakeTab:
        """Responses → Link to Sheets → an existing spreadsheet: a new responses tab."""
        form = self.forms[form_id]
        base = "การตอบแบบฟอร์ม" if self.language == "th" else "Form Responses"
        n = 1
        while book.find_tab(f"{base} {n}") is not None:
            n += 1
        stamp, mail = _HEADERS[self.language]
        header: list[object] = [stamp, *([mail] if form.collects_email() else []),
                                *(title for title, _q in form.questions())]
        tab = book.add_tab(f"{base} {n}", [header], frozen_row_count=1)
        form.linked, form.form_columns = (book, tab.title), len(header)
        return tab

    def add_file_upload(self, form_id: str, title: str, required: bool = False) -> None:
        """A file-upload question added in the editor (the API cannot)."""
        form = self.forms[form_id]
        question = {"questionId": self._new_id("q"), "required": required,
                    "fileUploadQuestion": {"folderId": "upload-folder", "maxFiles": 5}}
        form.items.append({"itemId": self._new_id("i"), "title": title,
                           "questionItem": {"question": question}})
        if form.linked is not None:
            tab = form.linked[0].tab(form.linked[1])
            tab._insert_dimension("COLUMNS", form.form_columns, 1)
            tab.set_cell(1, form.form_columns + 1, title)
            form.form_columns += 1

    def submit(self, form_id: str, answers: Mapping[str, object], when: datetime,
               email: str | None = None) -> int:
        """A respondent sends the form; returns the sheet row it landed on."""
        form = self.forms[form_id]
        if not (form.published and form.accepting):
            raise PermissionError("this form is not accepting responses (unpublished)")
        if form.collects_email() and not email:
            raise ValueError("the form collects e-mail addresses: give one")
        titles = [t for t, _q in form.questions()]
        unknown = set(answers) - set(titles)
        if unknown:
            raise KeyError(f"no such questions: {sorted(unknown)}")
        for title, question in form.questions():
            value = answers.get(title)
            if question.get("required") and value in (None, ""):
                raise ValueError(f"required question not answered: {title}")
            choice = question.get("choiceQuestion")
            if choice and value not in (None, ""):
                offered = [o.get("value") for o in choice.get("options", [])]
                if value not in offered and not any(o.get("isOther") for o in choice["options"]):
                    raise ValueError(f"{value!r} is not an option of {title}")
        if form.linked is None:
            return 0  # kept in the form only
        tab = form.linked[0].tab(form.linked[1])
        header = [str(h) for h in tab.rows[0][: form.form_columns]]
        stamp, mail = _HEADERS[self.language]
        values = {stamp: when, mail: email, **answers}
        return tab.append_row([_cell(values.get(h)) for h in header])

    # -- serving
    def handle(self, request: requests.PreparedRequest) -> requests.Response:
        parts = urlsplit(request.url or "")
        method = (request.method or "GET").upper()
        path = unquote(parts.path)
        body = json.loads(request.body) if request.body else None
        params = parse_qs(parts.query)
        with self._lock:
            kind = _kind(method, path)
            try:
                fault = next((f for f in self._faults if f[2] in (None, kind)), None)
                if fault is not None:
                    self._faults.remove(fault)
                    raise _ApiError(fault[0], fault[1])
                if not str(request.headers.get("Authorization", "")).startswith("Bearer "):
                    raise _ApiError(401)
                status, answer = 200, self._serve(kind, path, params, body)
            except _ApiError as err:
                status, answer = err.code, err.body()
            self.calls.append(FormCall(method, path, kind, body, status))
        payload = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        return _response(request, status, {}, payload)

    def _serve(self, kind: str, path: str, params: Mapping[str, list[str]], body: Any) -> Any:
        if kind == "create":
            return self._create(body or {}, params).as_api()
        form = self._form(path)
        if kind == "get":
            return form.as_api()
        if kind == "batchUpdate":
            return self._batch_update(form, body or {})
        if kind == "setPublishSettings":
            return self._publish(form, body or {})
        if kind == "permissions.create":
            return self._share(form, body or {})
        raise _ApiError(404, "Method not found.")

    def _form(self, path: str) -> FakeForm:
        form_id = path.split("/")[3 if path.startswith("/v1/") else 4].split(":")[0]
        if form_id not in self.forms:
            raise _ApiError(404, "Requested entity was not found.")
        return self.forms[form_id]

    def _create(self, body: Mapping[str, Any], params: Mapping[str, list[str]]) -> FakeForm:
        info = body.get("info") or {}
        extra = [k for k in body if k != "info"] + [f"info.{k}" for k in info
                                                     if k not in ("title", "documentTitle")]
        if extra:
            raise _ApiError(400, f"Only info.title and info.document_title may be set at "
                                 f"creation; found: {', '.join(extra)}")
        title = str(info.get("title", ""))
        form_id = self._new_id("1FAIpQL-form-")
        kept = {"title": title, "documentTitle": str(info.get("documentTitle") or title)}
        form = FakeForm(form_id, kept, self._new_id("1FAIpQLSe-"))
        self.forms[form_id] = form
        return form

    def _batch_update(self, form: FakeForm, body: Mapping[str, Any]) -> dict[str, Any]:
        requests_ = body.get("requests")
        if not isinstance(requests_, list) or not requests_:
            raise _ApiError(400, "Must specify at least one request.")
        before = copy.deepcopy((form.info, form.settings, form.items))
        try:
            replies = [self._one(form, r, n) for n, r in enumerate(requests_)]
        except _ApiError:
            form.info, form.settings, form.items = before
            raise
        form.revision += 1
        answer: dict[str, Any] = {"replies": replies,
                                  "writeControl": {"requiredRevisionId": f"{form.revision:08d}"}}
        if body.get("includeFormInResponse"):
            answer["form"] = form.as_api()
        return answer

    def _one(self, form: FakeForm, request: Mapping[str, Any], n: int) -> dict[str, Any]:
        [(name, spec)] = request.items() if len(request) == 1 else [("", None)]
        where = f"Invalid requests[{n}].{name}"
        if name == "createItem":
            return {"createItem": self._create_item(form, spec, where)}
        if name in ("updateFormInfo", "updateSettings"):
            key = "info" if name == "updateFormInfo" else "settings"
            mask = str(spec.get("updateMask", ""))
            if not mask:
                raise _ApiError(400, f"{where}: updateMask is required")
            target = form.info if key == "info" else form.settings
            for path in mask.split(","):
                value = spec.get(key, {}).get(path.strip())
                if value is None:
                    target.pop(path.strip(), None)
                else:
                    target[path.strip()] = value
            return {}
        raise _ApiError(400, f"{where}: this fake serves createItem, updateFormInfo and "
                             "updateSettings only")

    def _create_item(self, form: FakeForm, spec: Mapping[str, Any], where: str) -> dict[str, Any]:
        item = copy.deepcopy(spec.get("item") or {})
        index = (spec.get("location") or {}).get("index")
        if not isinstance(index, int) or not 0 <= index <= len(form.items):
            raise _ApiError(400, f"{where}: location.index must be between 0 and "
                                 f"{len(form.items)}")
        question = (item.get("questionItem") or {}).get("question")
        if question is None:
            raise _ApiError(400, f"{where}: this fake creates question items only")
        kinds = [k for k in _KINDS if k in question]
        if len(kinds) != 1:
            raise _ApiError(400, f"{where}: a question needs exactly one kind, found {kinds}")
        if kinds[0] == "fileUploadQuestion":
            raise _ApiError(400, f"{where}: file upload questions cannot be created through "
                                 "the API")
        if kinds[0] == "choiceQuestion":
            _check_choice(question["choiceQuestion"], where)
        item["itemId"] = self._new_id("i")
        question["questionId"] = self._new_id("q")
        form.items.insert(index, item)
        return {"itemId": item["itemId"], "questionId": [question["questionId"]]}

    def _publish(self, form: FakeForm, body: Mapping[str, Any]) -> dict[str, Any]:
        state = (body.get("publishSettings") or {}).get("publishState")
        if not isinstance(state, dict) or "isPublished" not in state:
            raise _ApiError(400, "publishSettings.publishState.isPublished is required")
        form.published = bool(state["isPublished"])
        form.accepting = form.published and bool(state.get("isAcceptingResponses"))
        return {"formId": form.form_id, "publishSettings": form.as_api()["publishSettings"]}

    def _share(self, form: FakeForm, body: Mapping[str, Any]) -> dict[str, Any]:
        if body.get("type") != "user" or not body.get("emailAddress") or not body.get("role"):
            raise _ApiError(400, "The permission type, role and emailAddress are required.")
        permission = {"kind": "drive#permission", "id": self._new_id("p"), "type": "user",
                      "role": body["role"], "emailAddress": body["emailAddress"]}
        form.permissions.append(permission)
        return {k: permission[k] for k in ("kind", "id", "type", "role")}

    def _new_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}{self._ids:06x}"


def _check_choice(choice: Mapping[str, Any], where: str) -> None:
    kind = choice.get("type")
    if kind not in ("RADIO", "CHECKBOX", "DROP_DOWN"):
        raise _ApiError(400, f"{where}: choiceQuestion.type must be RADIO, CHECKBOX or DROP_DOWN")
    options = choice.get("options") or []
    values = [o.get("value") for o in options if not o.get("isOther")]
    if not options or any(not v for v in values):
        raise _ApiError(400, f"{where}: a choice question needs options with values")
    if len(set(values)) != len(values):
        raise _ApiError(400, f"{where}: duplicate option values are not allowed")
    if kind == "DROP_DOWN" and any(o.get("isOther") for o in options):
        raise _ApiError(400, f"{where}: isOther is not allowed for DROP_DOWN questions")


def _kind(method: str, path: str) -> str:
    if path.startswith("/drive/v3/files/") and path.endswith("/permissions") and method == "POST":
        return "permissions.create"
    if path == "/v1/forms" and method == "POST":
        return "create"
    if path.startswith("/v1/forms/") and method == "POST" and ":" in path:
        return path.rsplit(":", 1)[1]
    if path.startswith("/v1/forms/") and method == "GET":
        return "get"
    return "unsupported"


def _cell(value: object) -> object:
    if isinstance(value, datetime | date) or value is None:
        return value
    return str(value)


class FakeFormsAdapter(BaseAdapter):
    """Serves the Forms API (and Drive permissions) from a FakeFormsAPI, in process."""

    def __init__(self, api: FakeFormsAPI) -> None:
        super().__init__()
        self.api = api

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        return self.api.handle(request)

    def close(self) -> None:
        pass


def mount(api: FakeFormsAPI, session: requests.Session) -> FakeFormsAdapter:
    adapter = FakeFormsAdapter(api)
    session.mount(FORMS_PREFIX, adapter)
    session.mount(DRIVE_PREFIX, adapter)
    return adapter


def route_sessions(patch: Any, adapters: Mapping[str, BaseAdapter]) -> None:
    """Every requests.Session made while ``patch`` (pytest's monkeypatch) is active sends the
    given URL prefixes to their adapters and refuses any other https:// address: how a test
    reaches the fakes through a command that builds its own signed-in sessions. This patches
    the requests library's constructor, not the product's code."""
    from tests.fakes.sheets_api import RefusingAdapter

    original = requests.Session.__init__

    def init(self: requests.Session) -> None:
        original(self)
        self.mount("https://", RefusingAdapter())
        for prefix, adapter in adapters.items():
            self.mount(prefix, adapter)

    patch.setattr(requests.Session, "__init__", init)
