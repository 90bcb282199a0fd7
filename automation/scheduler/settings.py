"""The ``[schedule]`` section: one timetable per job, checked when the config is loaded.

Cron lines are read by ``automation.core.cron`` (crontab weekdays: 0 or 7 = Sunday, 1-5 =
Monday to Friday), as the digest schedule is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from automation.core.cron import Cron
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
            check_job(name, job)

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


def check_job(name: str, job: JobSchedule) -> None:
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
        Cron.parse(job.cron, f"{key}.cron")


def trigger(job: JobSchedule, tz: tzinfo, key: str = "schedule.jobs") -> Any:
    """The APScheduler trigger for a timetable; a bad cron line is a ConfigError at ``key``."""
    if job.interval_minutes is not None:
        from apscheduler.triggers.interval import IntervalTrigger

        return IntervalTrigger(minutes=job.interval_minutes, timezone=tz)
    from automation.scheduler.triggers import CronLine

    return CronLine(Cron.parse(job.cron or "", f"{key}.cron"), tz)
