"""The ``[schedule]`` section: one timetable per job, checked when the config is loaded.

Cron expressions use the crontab meaning of weekday numbers (0 or 7 = Sunday, 1 = Monday),
which is what an officer copying a line from a crontab expects; APScheduler 3 counts from
Monday, so numbers are translated to weekday names before they reach it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from automation.errors import ConfigError

# Job name → what it does, for messages and `automation status`.
JOB_TITLES: dict[str, str] = {
    "poll": "อ่านชีต ตอบรับข่าว เผยแพร่ข่าวที่อนุมัติ และบันทึกสถานะ",
    "publish": "เผยแพร่ข่าวที่อนุมัติตามเวลาที่กำหนด",
    "director_digest": "สรุปข่าวรอพิจารณาถึงผู้บริหาร",
    "mailbox": "อ่านกล่องจดหมาย (ข่าวทางอีเมล อีเมลตีกลับ ยกเลิกรับข่าว)",
    "reports": "รายงานสรุปผลการประชาสัมพันธ์",
    "registry_check": "ตรวจทะเบียนเครือข่าย",
    "keep_current": "ขอให้สมาชิกยืนยันข้อมูลทะเบียน",
}


@dataclass(frozen=True)
class JobSchedule:
    """When one job runs: a cron line or a fixed interval (not both; neither = the default)."""

    cron: str | None = None
    interval_minutes: float | None = None
    enabled: bool = True


DEFAULT_JOBS: dict[str, JobSchedule] = {
    "poll": JobSchedule(interval_minutes=5),
    # Off unless timed: poll publishes as soon as the director approves.
    "publish": JobSchedule(cron="0 8,12,15 * * 1-5", enabled=False),
    "director_digest": JobSchedule(cron="30 7 * * 1-5"),
    "mailbox": JobSchedule(interval_minutes=10),
    "reports": JobSchedule(cron="0 7 1 * *"),
    "registry_check": JobSchedule(cron="0 6 * * 1"),
    "keep_current": JobSchedule(cron="0 9 1 */3 *"),
}


@dataclass(frozen=True)
class ScheduleConfig:
    timezone: str = "Asia/Bangkok"
    misfire_grace_minutes: float = 720.0
    jobs: dict[str, JobSchedule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        zone(self.timezone, "schedule.timezone")
        if self.misfire_grace_minutes < 0:
            raise ConfigError(
                f"'schedule.misfire_grace_minutes' must be 0 or more, "
                f"got {self.misfire_grace_minutes}"
            )
        for name, job in self.jobs.items():
            if name not in JOB_TITLES:
                raise ConfigError(
                    f"unknown job 'schedule.jobs.{name}'; jobs: {', '.join(JOB_TITLES)}"
                )
            check_job(name, job, self.tz)

    @property
    def tz(self) -> tzinfo:
        return zone(self.timezone, "schedule.timezone")

    def job(self, name: str) -> JobSchedule:
        """The timetable in effect: the file's entry, its timetable defaulted if left out."""
        default = DEFAULT_JOBS[name]
        entry = self.jobs.get(name)
        if entry is None:
            return default
        if entry.cron is None and entry.interval_minutes is None:
            return JobSchedule(default.cron, default.interval_minutes, entry.enabled)
        return entry

    def enabled(self) -> dict[str, JobSchedule]:
        return {n: self.job(n) for n in JOB_TITLES if self.job(n).enabled}


def zone(name: str, key: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"'{key}' = \"{name}\" is not a time zone; use a name like \"Asia/Bangkok\""
        ) from None


def check_job(name: str, job: JobSchedule, tz: tzinfo) -> None:
    key = f"schedule.jobs.{name}"
    if job.cron is not None and job.interval_minutes is not None:
        raise ConfigError(
            f"[{key}] has both 'cron' and 'interval_minutes'; keep one "
            "(e.g. cron = \"*/5 * * * *\" or interval_minutes = 5)"
        )
    if job.interval_minutes is not None and job.interval_minutes <= 0:
        raise ConfigError(f"'{key}.interval_minutes' must be more than 0, "
                          f"got {job.interval_minutes}")
    if job.cron is not None:
        trigger(job, tz, key)


def trigger(job: JobSchedule, tz: tzinfo, key: str = "schedule.jobs") -> Any:
    """The APScheduler trigger for a timetable; a bad cron line is a ConfigError at ``key``."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if job.interval_minutes is not None:
        return IntervalTrigger(minutes=job.interval_minutes, timezone=tz)
    expr = job.cron or ""
    try:
        fields = expr.split()
        if len(fields) != 5:
            raise ValueError(f"{len(fields)} fields instead of 5")
        minute, hour, day, month, weekday = fields
        return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                           day_of_week=_weekdays(weekday), timezone=tz)
    except ValueError as exc:
        raise ConfigError(
            f"'{key}.cron' = \"{expr}\" is not a cron line ({exc}); use five fields "
            "minute hour day month weekday, e.g. \"*/5 * * * *\" or \"30 7 * * 1-5\""
        ) from None


_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_PART = re.compile(r"(\*|[a-z0-9]+)(?:-([a-z0-9]+))?(?:/(\d+))?")


def _weekdays(text: str) -> str:
    """A crontab weekday field (0/7 = Sunday) as APScheduler weekday names."""
    text = text.strip().lower()
    if text == "*":
        return "*"
    days: set[int] = set()
    for part in text.split(","):
        m = _PART.fullmatch(part)
        if m is None:
            raise ValueError(f"weekday '{part}' not understood")
        first, last, step = m.groups()
        if first == "*":
            low, high = 0, 6
        else:
            low = _day(first)
            high = _day(last) if last else (6 if step else low)
            if last and high == 0 and low > 0:
                high = 7  # "5-7" / "5-0": Friday to Sunday
        if high < low:
            raise ValueError(f"weekday range '{part}' runs backwards")
        days.update(d % 7 for d in range(low, high + 1, int(step or 1)))
    return ",".join(_NAMES[d] for d in sorted(days))


def _day(token: str) -> int:
    if token.isdigit():
        value = int(token)
        if value > 7:
            raise ValueError(f"weekday {value} is not 0-7")
        return value
    if token[:3] in _NAMES:
        return _NAMES.index(token[:3])
    raise ValueError(f"weekday '{token}' not understood")
