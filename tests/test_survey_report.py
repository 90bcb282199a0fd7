"""The survey summary against an independent computation on a generated semester:
n, x̄ and sample S.D. per question, area and overall to 2 decimals in the e-mail the
director receives and in the summary tab, levels by the bands, raw counts in the XLSX."""

from __future__ import annotations

import io
import random
import re
import statistics
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest

from automation.reports.period import parse
from automation.survey.report import SurveyReports
from automation.survey.settings import DEFAULT_QUESTIONS
from automation.thaidate import BANGKOK
from tests.mail_sim import DIRECTOR, OFFICER, Office, make_office
from tests.servers.smtp import SmtpServer

TAB = "การตอบแบบประเมิน 1"
SUMMARY = "สรุปผลแบบประเมิน"
NOW = datetime(2026, 4, 20, 9, 0, tzinfo=BANGKOK)  # in the break after term 2 of 2568
TERM2 = (datetime(2025, 11, 1, tzinfo=BANGKOK), datetime(2026, 5, 16, tzinfo=BANGKOK))
TERM1 = (datetime(2025, 5, 16, tzinfo=BANGKOK), datetime(2025, 11, 1, tzinfo=BANGKOK))
ADDED = "ความสะดวกในการติดตามข่าวทางเว็บไซต์/กระดานข่าว"  # a column added mid-period
ADDED_ON = datetime(2026, 1, 15, tzinfo=BANGKOK)
WORDS = {5: "มากที่สุด", 4: "มาก", 3: "ปานกลาง", 2: "น้อย", 1: "น้อยที่สุด"}
THAI = "๐๑๒๓๔๕"
GROUPS = ("ภายใน", "ภายนอก", "สื่อมวลชน", "กลุ่มเครือข่ายสถานศึกษา")
LEVELS = ((4.51, "มากที่สุด"), (3.51, "มาก"), (2.51, "ปานกลาง"), (1.51, "น้อย"), (1.0, "น้อยที่สุด"))


def typed(points: int, rng: random.Random) -> object:
    """One answer as people and forms write it."""
    return rng.choice((points, str(points), THAI[points], WORDS[points],
                       f"{points} - {WORDS[points]}", f" {WORDS[points]} "))


def generate(rng: random.Random, count: int, span: tuple[datetime, datetime],
             bias: float) -> tuple[list[list[object]], dict[str, list[int]], list[str]]:
    """Rows for the tab, the true answers per question, and the groups, in row order."""
    texts = [t for t, _a in DEFAULT_QUESTIONS]
    truth: dict[str, list[int]] = {t: [] for t in texts}
    rows, groups = [], []
    seconds = int((span[1] - span[0]).total_seconds()) - 1
    for _i in range(count):
        at = span[0] + timedelta(seconds=rng.randrange(seconds))
        group = rng.choice(GROUPS)
        row: list[object] = [at.replace(tzinfo=None), group]
        for q, text in enumerate(texts):
            if text == ADDED and at < ADDED_ON:
                row.append(None)  # the column did not exist yet
                continue
            if rng.random() < 0.08:
                row.append(None if rng.random() < 0.5 else "")  # skipped
                continue
            centre = 1.6 + (q * 0.37 + bias) % 3.3  # means spread over every band
            points = max(1, min(5, round(rng.gauss(centre, 0.9))))
            truth[text].append(points)
            row.append(typed(points, rng))
        comment = rng.choice(("", "", "ข่าวรวดเร็วดีมาก", "ติดต่อครูสมใจ 081-234-5678 ได้",
                              "ส่งรายละเอียดที่ somjai.k@school.example.test"))
        row.append(comment)
        rows.append(row)
        groups.append(group)
    return rows, truth, groups


def level(mean: float) -> str:
    return next(name for floor, name in LEVELS if round(mean, 2) >= floor)


@pytest.fixture
def office(tmp_path: Path, smtp_server_factory: Callable[..., SmtpServer]) -> Office:
    return make_office(tmp_path, smtp_server_factory, members=40, start=NOW,
                       toml='[survey]\nform_url = "https://forms.example.test/s"\n')


def test_semester_summary_matches_an_independent_computation(office: Office) -> None:
    rng = random.Random(2569)
    rows, truth, groups = generate(rng, 330, TERM2, 0.0)
    old_rows, old_truth, _g = generate(rng, 45, TERM1, 1.1)
    header = ["ประทับเวลา", "กลุ่มผู้ตอบ", *(t for t, _a in DEFAULT_QUESTIONS), "ข้อเสนอแนะ"]
    bad_row = rows[7]
    bad_row[2] = "ดีมาก"  # not a level: left out of the first question, reported
    first = DEFAULT_QUESTIONS[0][0]
    truth[first] = [p for r in rows[:7] + rows[8:] for p in [_points(r[2])] if p]
    tab = [header, *old_rows, *rows]
    office.sheet.tabs[TAB] = tab
    bad_sheet_row = 1 + len(old_rows) + 8

    reports = SurveyReports(office.worker.s)
    output = reports.build(parse("term2-2568"))
    result = reports.send(output)
    reports.write_summary(output)
    assert result.sent == 2

    mail = {m.rcpt_tos[0]: m.message for m in office.server.messages}
    assert set(mail) == {DIRECTOR, OFFICER}
    body = _text(mail[DIRECTOR])
    assert "ผลการประเมินความพึงพอใจ" in str(mail[DIRECTOR]["Subject"])
    assert "n − 1" in body  # the report says which S.D. it gives
    assert f"ผู้ตอบแบบประเมิน: 330 คน จากสมาชิกที่ใช้งาน 40 ราย (อัตราการตอบกลับ {330 / 40 * 100:.1f}%)" \
        in body
    summary = office.sheet.tabs[SUMMARY]
    levels_seen = set()
    for number, (text, _area) in enumerate(_ordered(), start=1):
        answers = truth[text]
        n, mean, sd = len(answers), statistics.mean(answers), statistics.stdev(answers)
        assert n < 330 if text != ADDED else n < 200
        line = re.search(rf"{number}\. {re.escape(text)}.*: n = (\d+), x̄ = ([\d.]+), "
                         rf"S\.D\. = ([\d.]+), (\S+)", body)
        assert line, text
        assert (int(line[1]), line[2], line[3], line[4]) == (n, f"{mean:.2f}", f"{sd:.2f}",
                                                           level(mean)), text
        cells = next(r for r in summary if r[:1] == [f"{number}."])
        assert cells[2:6] == [n, f"{mean:.2f}", f"{sd:.2f}", level(mean)]
        levels_seen.add(level(mean))
    assert len(levels_seen) >= 3, "the generated means cross several bands"
    assert "(เพิ่มเมื่อ" in _line_of(body, ADDED), "a question added mid-period is marked"
    assert body.count("(เพิ่มเมื่อ") == 1, "a question merely skipped by the first respondent is not"

    every = [p for a in truth.values() for p in a]
    overall = f"n = {len(every)}, x̄ = {statistics.mean(every):.2f}, " \
              f"S.D. = {statistics.stdev(every):.2f}, {level(statistics.mean(every))}"
    assert f"ภาพรวม: {overall}" in body
    for key, name in (("publicity", "ด้านการประชาสัมพันธ์"), ("service", "ด้านการให้บริการสารสนเทศ"),
                      ("coordination", "ด้านการประสานงานเครือข่าย")):
        pooled = [p for t, a in DEFAULT_QUESTIONS if a == key for p in truth[t]]
        assert f"n = {len(pooled)}, x̄ = {statistics.mean(pooled):.2f}, " \
               f"S.D. = {statistics.stdev(pooled):.2f}" in _line_of(body, name)
    old = [p for a in old_truth.values() for p in a]
    assert f"- ภาพรวม: {statistics.mean(every):.2f} (ช่วงก่อน {statistics.mean(old):.2f}" in body
    for group in GROUPS:
        assert f"- {group}: {groups.count(group)} คน" in body

    assert "081-234-5678" not in body and "somjai.k@" not in body
    assert "[เบอร์โทรศัพท์]" in body and "[อีเมล]" in body
    assert f"แถว {bad_sheet_row}" in body and "ดีมาก" in body

    parts = {p.get_content_type(): p for p in mail[DIRECTOR].walk()}
    assert parts["image/png"].get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    book = openpyxl.load_workbook(io.BytesIO(parts[
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"].get_content()))
    counts = {str(r[1]): r[2:8] for r in book["จำนวนตามระดับ"].iter_rows(min_row=4,
                                                                       values_only=True)}
    for text, answers in truth.items():
        assert counts[text] == (*(answers.count(k) for k in (5, 4, 3, 2, 1)), len(answers))


def _points(value: object) -> int | None:
    for k, word in WORDS.items():
        if value in (k, str(k), THAI[k], word, f"{k} - {word}", f" {word} "):
            return k
    return None


def _ordered() -> list[tuple[str, str]]:
    """The questions numbered as the report numbers them: area by area (5.10, 5.1.8, 5.2.6)."""
    return [q for key in ("coordination", "publicity", "service")
            for q in DEFAULT_QUESTIONS if q[1] == key]


def _text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _line_of(body: str, needle: str) -> str:
    return next(line for line in body.splitlines() if needle in line)
