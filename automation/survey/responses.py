"""The survey's responses tab: columns found by header text, answers read per question.

Google Forms writes one column per question, titled with the question (a grid question as
``title [row]``). A column is a question when its header matches one configured in
``[survey] questions`` (or its aliases, or ``… [text]``); any other column whose answers
are all five-level answers counts too, in "other". Rows are dated by the form's timestamp.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from automation.core.table import find_columns, rows
from automation.model import Problem, Tab
from automation.survey.scale import ScaleError, score
from automation.survey.settings import SurveyConfig
from automation.text.headers import normalize_header
from automation.text.lines import single_line
from automation.thaidate import DateParseError, parse_datetime

FIELDS: dict[str, list[str]] = {
    "timestamp": ["ประทับเวลา", "Timestamp"],
    "email": ["ที่อยู่อีเมล", "Email Address", "อีเมล", "E-mail"],
    "group": ["กลุ่มผู้ตอบ", "สถานภาพผู้ตอบ", "ท่านเป็น", "ประเภทผู้ตอบ", "Respondent group"],
    "comment": ["ข้อเสนอแนะ", "ข้อเสนอแนะเพิ่มเติม", "ความคิดเห็นเพิ่มเติม", "ความคิดเห็น",
                "Comments"],
}
NO_GROUP = "ไม่ระบุ"


@dataclass(frozen=True)
class Question:
    key: str  # the header as written in the tab
    text: str  # the question as configured (or the header)
    area: str
    column: int


@dataclass(frozen=True)
class Response:
    row: int
    at: datetime | None
    email: str
    group: str
    comment: str
    answers: dict[str, int]  # question key → 1..5, answered questions only


@dataclass
class Responses:
    tab: str
    questions: list[Question]
    rows: list[Response]
    problems: list[Problem] = field(default_factory=list)

    def between(self, start: datetime, end: datetime) -> list[Response]:
        return [r for r in self.rows if r.at is not None and start <= r.at < end]


def aliases(config: SurveyConfig) -> dict[str, list[str]]:
    found = {k: list(v) for k, v in FIELDS.items()}
    found["group"] = [*config.group_headers, *found["group"]]
    found["comment"] = [*config.comment_headers, *found["comment"]]
    return found


def _grid_row(header: str) -> str:
    m = re.search(r"\[([^\]]+)\]\s*$", header)
    return m.group(1) if m else header


def questions(tab: Tab, config: SurveyConfig, known_columns: set[int]) -> list[Question]:
    configured: dict[str, tuple[str, str]] = {}
    for q in config.questions:
        for name in (q.text, *q.aliases):
            configured.setdefault(normalize_header(name), (q.text, q.area))
    headers = [str(h) if h is not None else "" for h in (tab.rows[0] if tab.rows else [])]
    found: list[Question] = []
    for col, header in enumerate(headers, start=1):
        if col in known_columns or not header.strip():
            continue
        match = configured.get(normalize_header(header)) or configured.get(
            normalize_header(_grid_row(header)))
        if match is not None:
            found.append(Question(header, match[0], match[1], col))
        elif _all_scale(tab, col):
            found.append(Question(header, single_line(header), "other", col))
    return found


def _all_scale(tab: Tab, col: int) -> bool:
    seen = False
    for cells in tab.rows[1:]:
        value = cells[col - 1] if col <= len(cells) else None
        try:
            seen = score(value) is not None or seen
        except ScaleError:
            return False
    return seen


def _when(value: object) -> datetime | None:
    try:
        return parse_datetime(value)
    except DateParseError:
        return None


def read(tab: Tab, config: SurveyConfig) -> Responses:
    """Every response row with its answers; unreadable cells become located problems."""
    cols = find_columns(tab, aliases(config))
    found = Responses(tab.title, questions(tab, config, set(cols.by_field.values())), [],
                      list(cols.problems))
    if "timestamp" not in cols.by_field:
        found.problems.append(Problem(tab.title, "ไม่พบคอลัมน์ 'ประทับเวลา' ในแถวหัวตาราง", row=1,
                                      column="ประทับเวลา"))
    for row in rows(tab, cols):
        answers: dict[str, int] = {}
        for q in found.questions:
            value = row.cells[q.column - 1] if q.column <= len(row.cells) else None
            try:
                points = score(value)
            except ScaleError:
                found.problems.append(Problem(
                    tab.title, f"คำตอบ '{single_line(str(value), 40)}' ไม่ใช่ระดับ 1–5 "
                    "(เช่น 5, ๕, มากที่สุด); ไม่นับข้อนี้", row=row.number, column=q.key,
                    severity="warning"))
                continue
            if points is not None:
                answers[q.key] = points
        at = _when(row.get("timestamp"))
        if at is None:
            found.problems.append(Problem(tab.title, "ไม่มีวันเวลาที่ตอบ (ประทับเวลา); ไม่นับแถวนี้",
                                          row=row.number, column="ประทับเวลา",
                                          severity="warning"))
        found.rows.append(Response(row.number, at, row.text("email").casefold(),
                                   single_line(row.text("group")) or NO_GROUP,
                                   row.text("comment"), answers))
    return found
