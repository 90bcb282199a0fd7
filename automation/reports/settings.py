"""The ``[report]`` section of schedule.toml (documented in the sample file)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from automation.errors import ConfigError
from automation.reports.period import SchoolCalendar

ScheduledKind = Literal["month", "term", "fiscal"]

_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")


def month_day(value: str, key: str) -> tuple[int, int]:
    """``"05-16"`` → (5, 16); a day that no year has (or only leap years have) is an error."""
    m = _MONTH_DAY.match(value.strip())
    if not m:
        raise ConfigError(f"'{key}' = \"{value}\" must be month-day like \"05-16\"")
    month, day = int(m.group(1)), int(m.group(2))
    limits = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    if not 1 <= month <= 12 or not 1 <= day <= limits[month - 1]:
        raise ConfigError(f"'{key}' = \"{value}\" is not a day of the year (29 Feb not allowed)")
    return month, day


@dataclass(frozen=True)
class ReportConfig:
    # Which summaries the scheduled job makes, each once after its period has ended.
    periods: list[ScheduledKind] = field(default_factory=lambda: ["month", "term", "fiscal"])
    # Extra recipients besides [office] director_email and officer_email.
    to: list[str] = field(default_factory=list)
    attachment: Literal["xlsx", "csv"] = "xlsx"
    charts: bool = True
    # A font file or family name for the charts; "" = the first Thai font found.
    font: str = ""
    # Schools listed by name in the e-mail (the attachment always has all of them).
    top_schools: int = 10
    # Delivery kinds that count towards reach (members who received news).
    reach_kinds: list[str] = field(default_factory=lambda: ["bulletin", "digest"])
    # Semester dates of the Thai school year (OBEC calendar), month-day.
    term1_start: str = "05-16"
    term1_end: str = "10-11"
    term2_start: str = "11-01"
    term2_end: str = "03-31"

    def __post_init__(self) -> None:
        if self.top_schools < 0:
            raise ConfigError(f"'report.top_schools' must be 0 or more, got {self.top_schools}")
        self.calendar()  # validates the semester dates

    def calendar(self) -> SchoolCalendar:
        return SchoolCalendar.checked(
            month_day(self.term1_start, "report.term1_start"),
            month_day(self.term1_end, "report.term1_end"),
            month_day(self.term2_start, "report.term2_start"),
            month_day(self.term2_end, "report.term2_end"),
        )

