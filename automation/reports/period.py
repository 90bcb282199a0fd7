"""Report periods as an office counts them: months, semesters, fiscal years, any range.

Every period is a run of whole days in Bangkok, first and last day included.

* Month ``2569-11``: November 2569 B.E. (a year below 2400 is read as C.E.: ``2026-11``).
* Semester ``term1-2569`` / ``term2-2569`` of academic year 2569. The OBEC calendar is the
  default: ภาคเรียนที่ 1 runs 16 May – 11 October 2569 (2026), ภาคเรียนที่ 2 runs
  1 November 2569 – 31 March 2570 (2027); the breaks between them (12–31 October and
  1 April – 15 May) belong to no semester. The dates are set in ``[report]``.
* Fiscal year ``fy2569``: 1 October 2568 – 30 September 2569 (1 Oct 2025 – 30 Sep 2026),
  named, as the government names it, by the Buddhist-era year it ends in.
* Range ``2026-01-01..2026-03-31``: any two dates (B.E. years allowed, Thai forms too).

The previous period of the same kind is the month, semester or fiscal year before; for a
range it is the same number of days ending the day before the range starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from automation.errors import AutomationError, ConfigError
from automation.thaidate import (
    BANGKOK,
    BE_OFFSET,
    THAI_MONTHS,
    DateParseError,
    format_date,
    format_date_short,
    parse_date,
)

Kind = Literal["month", "term", "fiscal", "range"]
MonthDay = tuple[int, int]

HELP = ("ใช้ 2569-11 (เดือน), term1-2569 หรือ term2-2569 (ภาคเรียน), fy2569 (ปีงบประมาณ) "
        "หรือ 2026-01-01..2026-03-31 (ช่วงวันที่)")


class PeriodError(AutomationError):
    """A period written in a way this module cannot read."""


@dataclass(frozen=True)
class SchoolCalendar:
    """Semester dates as (month, day); term 2 may run into the next calendar year."""

    term1_start: MonthDay = (5, 16)
    term1_end: MonthDay = (10, 11)
    term2_start: MonthDay = (11, 1)
    term2_end: MonthDay = (3, 31)

    @classmethod
    def checked(cls, t1s: MonthDay, t1e: MonthDay, t2s: MonthDay, t2e: MonthDay) -> SchoolCalendar:
        calendar = cls(t1s, t1e, t2s, t2e)
        s1, e1 = calendar.term(1, 2569)
        s2, e2 = calendar.term(2, 2569)
        next1, _ = calendar.term(1, 2570)
        if not (s1 <= e1 < s2 <= e2 < next1):
            raise ConfigError(
                "[report] semester dates must follow each other without overlap: "
                "term1_start ≤ term1_end < term2_start ≤ term2_end < next term1_start"
            )
        return calendar

    def term(self, number: int, academic_year: int) -> tuple[date, date]:
        """First and last day of semester ``number`` of academic year ``academic_year`` (B.E.)."""
        year = academic_year - BE_OFFSET
        if number == 1:
            return date(year, *self.term1_start), _after(date(year, *self.term1_start),
                                                         self.term1_end)
        start = _after(date(year, *self.term1_end), self.term2_start)
        return start, _after(start, self.term2_end)


def _after(day: date, md: MonthDay) -> date:
    """The first (month, day) on or after ``day``."""
    candidate = date(day.year, *md)
    return candidate if candidate >= day else date(day.year + 1, *md)


@dataclass(frozen=True)
class Period:
    kind: Kind
    start: date
    end: date  # the last day, included
    key: str
    name: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in Bangkok: midnight of the first day to midnight after the last."""
        return (datetime.combine(self.start, time(), BANGKOK),
                datetime.combine(self.end + timedelta(days=1), time(), BANGKOK))

    @property
    def span(self) -> str:
        """``1 ต.ค. 2568 – 30 ก.ย. 2569``."""
        return f"{format_date_short(self.start)} – {format_date_short(self.end)}"

    @property
    def label(self) -> str:
        return self.name if self.kind == "range" else f"{self.name} ({self.span})"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


# ---------------------------------------------------------------- constructors

def month(year: int, number: int) -> Period:
    """Month ``number`` of C.E. ``year``."""
    start = date(year, number, 1)
    end = (date(year + number // 12, number % 12 + 1, 1)) - timedelta(days=1)
    return Period("month", start, end, f"{year + BE_OFFSET}-{number:02d}",
                  f"เดือน{THAI_MONTHS[number - 1]} {year + BE_OFFSET}")


def fiscal(year_be: int) -> Period:
    """Fiscal year ``year_be`` (B.E.): 1 October of the year before to 30 September."""
    ce = year_be - BE_OFFSET
    return Period("fiscal", date(ce - 1, 10, 1), date(ce, 9, 30), f"fy{year_be}",
                  f"ปีงบประมาณ {year_be}")


def term(number: int, academic_year: int, calendar: SchoolCalendar) -> Period:
    start, end = calendar.term(number, academic_year)
    return Period("term", start, end, f"term{number}-{academic_year}",
                  f"ภาคเรียนที่ {number} ปีการศึกษา {academic_year}")


def between(start: date, end: date) -> Period:
    if end < start:
        raise PeriodError(f"ช่วงวันที่กลับด้าน: {format_date(start)} อยู่หลัง {format_date(end)}")
    return Period("range", start, end, f"{start.isoformat()}..{end.isoformat()}",
                  f"{format_date(start)} – {format_date(end)}")


# ---------------------------------------------------------------- reading

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_FISCAL = re.compile(r"^(?:fy|ปีงบ(?:ประมาณ)?)\s*(\d{4})$", re.IGNORECASE)
_TERM = re.compile(r"^(?:term|ภาคเรียนที่|ภาค)\s*([12])\s*[-/]\s*(\d{4})$", re.IGNORECASE)


def _be(year: int) -> int:
    return year if year >= 2400 else year + BE_OFFSET


def parse(text: str, calendar: SchoolCalendar | None = None) -> Period:
    """A period from the command line or config; PeriodError says what is accepted."""
    calendar = calendar or SchoolCalendar()
    t = " ".join(text.split())
    if m := _MONTH.match(t):
        number = int(m.group(2))
        if not 1 <= number <= 12:
            raise PeriodError(f"เดือน '{text}' ไม่มีอยู่จริง; {HELP}")
        return month(_be(int(m.group(1))) - BE_OFFSET, number)
    if m := _FISCAL.match(t):
        return fiscal(_be(int(m.group(1))))
    if m := _TERM.match(t):
        return term(int(m.group(1)), _be(int(m.group(2))), calendar)
    if ".." in t:
        first, _, last = t.partition("..")
        return between(_day(first, text), _day(last, text))
    raise PeriodError(f"ไม่เข้าใจช่วงเวลา '{text}'; {HELP}")


def _day(value: str, whole: str) -> date:
    try:
        day = parse_date(value.strip())
    except DateParseError as exc:
        raise PeriodError(f"ช่วงเวลา '{whole}': {exc}") from None
    if day is None:
        raise PeriodError(f"ช่วงเวลา '{whole}' ต้องมีทั้งวันเริ่มและวันสิ้นสุด; {HELP}")
    return day


# ---------------------------------------------------------------- arithmetic

def previous(period: Period, calendar: SchoolCalendar | None = None) -> Period:
    """The period of the same kind just before ``period``."""
    calendar = calendar or SchoolCalendar()
    if period.kind == "month":
        first = period.start - timedelta(days=1)
        return month(first.year, first.month)
    if period.kind == "fiscal":
        return fiscal(period.end.year + BE_OFFSET - 1)
    if period.kind == "term":
        number, year = _term_of(period)
        return term(2, year - 1, calendar) if number == 1 else term(1, year, calendar)
    end = period.start - timedelta(days=1)
    return between(end - timedelta(days=period.days - 1), end)


def _term_of(period: Period) -> tuple[int, int]:
    m = re.match(r"^term([12])-(\d{4})$", period.key)
    assert m, period.key  # only term() builds term periods
    return int(m.group(1)), int(m.group(2))


def containing(kind: Kind, day: date, calendar: SchoolCalendar | None = None) -> Period:
    """The period of ``kind`` holding ``day``; in a school break, the semester that comes next."""
    calendar = calendar or SchoolCalendar()
    if kind == "month":
        return month(day.year, day.month)
    if kind == "fiscal":
        return fiscal(day.year + BE_OFFSET + (1 if day.month >= 10 else 0))
    if kind == "term":
        for academic_year in (day.year + BE_OFFSET - 1, day.year + BE_OFFSET):
            for number in (1, 2):
                candidate = term(number, academic_year, calendar)
                if day <= candidate.end:
                    return candidate
        return term(1, day.year + BE_OFFSET + 1, calendar)
    raise PeriodError("a date range has no period containing a day")


def last_complete(kind: Kind, today: date, calendar: SchoolCalendar | None = None) -> Period:
    """The latest period of ``kind`` whose last day is before ``today``."""
    period = containing(kind, today, calendar)
    while period.end >= today:
        period = previous(period, calendar)
    return period
