"""Every table of a survey summary, built once for the e-mail, the XLSX and the summary tab."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from automation.model import Cell, Problem
from automation.reports.tables import Table
from automation.survey.scale import band_text
from automation.survey.settings import LEVELS
from automation.survey.stats import Figures, Stat
from automation.thaidate import format_date_short, format_datetime

SD_NOTE = ("S.D. คือส่วนเบี่ยงเบนมาตรฐานของกลุ่มตัวอย่าง (หารด้วย n − 1); ค่าเฉลี่ยรายด้านและ"
           "ภาพรวมคำนวณจากคำตอบทุกข้อในด้านนั้นรวมกัน; ข้อที่ไม่ได้ตอบไม่นับใน n ของข้อนั้น")


@dataclass(frozen=True)
class Comparison:
    name: str
    mean: float | None
    previous: float | None

    @property
    def change_text(self) -> str:
        if self.mean is None or self.previous is None:
            return "–"
        change = round(self.mean, 2) - round(self.previous, 2)
        return f"{'+' if change > 0 else ''}{change:.2f}"


@dataclass(frozen=True)
class SurveyReport:
    office: str
    generated: datetime
    form_url: str
    anonymous: bool
    current: Figures
    previous: Figures
    members: int  # active members of the registry
    bands: tuple[float, ...]
    problems: tuple[Problem, ...]

    @property
    def rate(self) -> float | None:
        return None if not self.members else 100.0 * self.current.responses / self.members

    @property
    def rate_text(self) -> str:
        rate = self.rate
        return "–" if rate is None else f"{rate:.1f}%"

    @property
    def legend(self) -> list[tuple[str, str]]:
        return band_text(self.bands)

    def comparisons(self) -> list[Comparison]:
        rows = []
        for area in self.current.areas:
            before = self.previous.area(area.key)
            rows.append(Comparison(area.name, area.stat.mean,
                                   before.stat.mean if before and before.stat.n else None))
        rows.append(Comparison("ภาพรวม", self.current.overall.mean,
                               self.previous.overall.mean if self.previous.overall.n else None))
        return rows


def _figures(s: Stat) -> tuple[Cell, ...]:
    return (s.n, s.mean_text, s.sd_text, s.level)


def question_table(r: SurveyReport) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for area in r.current.areas:
        rows.append((area.name, "", *_figures(area.stat)))
        for q in area.questions:
            note = f" (เพิ่มเมื่อ {format_date_short(q.since)})" if q.since else ""
            rows.append((f"{q.number}.", q.question.text + note, *_figures(q.stat)))
    rows.append(("ภาพรวม", "", *_figures(r.current.overall)))
    return Table("รายข้อ", "ผลการประเมินความพึงพอใจรายข้อและรายด้าน",
                 ("ข้อ", "รายการประเมิน", "n", "x̄", "S.D.", "ระดับ"), tuple(rows))


def group_table(r: SurveyReport) -> Table:
    return Table("รายกลุ่มผู้ตอบ", "ผลการประเมินจำแนกตามกลุ่มผู้ตอบ",
                 ("กลุ่มผู้ตอบ", "จำนวนผู้ตอบ", "n (คำตอบ)", "x̄", "S.D.", "ระดับ"),
                 tuple((g.group, g.respondents, *_figures(g.stat)) for g in r.current.groups))


def compare_table(r: SurveyReport) -> Table:
    return Table("เทียบช่วงก่อน", f"เทียบกับ {r.previous.period.name}",
                 ("ด้าน", "x̄ ช่วงนี้", "x̄ ช่วงก่อน", "เปลี่ยนแปลง"),
                 tuple((c.name, "–" if c.mean is None else f"{c.mean:.2f}",
                        "–" if c.previous is None else f"{c.previous:.2f}", c.change_text)
                       for c in r.comparisons()))


def counts_table(r: SurveyReport) -> Table:
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (q.number, q.question.text, *reversed(q.stat.counts), q.stat.n)
        for q in r.current.questions)
    headers = tuple(f"{name} ({points})" for points, name in reversed(list(enumerate(LEVELS, 1))))
    return Table("จำนวนตามระดับ", "จำนวนคำตอบในแต่ละระดับ (ข้อมูลดิบ)",
                 ("ข้อ", "รายการประเมิน", *headers, "n"), rows)


def comment_table(r: SurveyReport) -> Table:
    return Table("ข้อเสนอแนะ", "ข้อเสนอแนะ (ปิดบังเบอร์โทรศัพท์และอีเมลแล้ว)", ("ที่", "ข้อเสนอแนะ"),
                 tuple((i, c) for i, c in enumerate(r.current.comments, 1)))


def all_tables(r: SurveyReport) -> list[Table]:
    return [question_table(r), group_table(r), compare_table(r), counts_table(r),
            comment_table(r)]


def summary_tab(r: SurveyReport) -> list[list[Cell]]:
    """The worker-owned summary tab: a heading, then every table one after another."""
    rows: list[list[Cell]] = [
        [f"สรุปผลการประเมินความพึงพอใจเครือข่ายประชาสัมพันธ์ {r.office}"],
        ["ช่วงเวลา", r.current.period.label],
        ["จำนวนผู้ตอบ", r.current.responses],
        ["สมาชิกที่ใช้งาน", r.members],
        ["อัตราการตอบกลับ", r.rate_text],
        ["จัดทำเมื่อ", format_datetime(r.generated)],
        ["หมายเหตุ", SD_NOTE],
        ["เกณฑ์การแปลผล", "; ".join(f"{rng} = {name}" for rng, name in r.legend)],
        [],
    ]
    for table in all_tables(r):
        rows.append([table.title])
        rows.append(list(table.headers))
        rows.extend(list(row) for row in table.rows)
        rows.append([])
    return rows
