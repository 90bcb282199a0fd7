"""An APScheduler trigger for the project's own cron lines (``automation.core.cron``).

The digest schedule and the job timetables then read a cron line the same way: crontab
weekdays (0 or 7 = Sunday), and a day matching either the day of month or the weekday
when both are given (Vixie cron) — APScheduler 3's own CronTrigger counts weekdays from
Monday and requires both.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from apscheduler.triggers.base import BaseTrigger

from automation.core.cron import Cron


class CronLine(BaseTrigger):  # type: ignore[misc]
    __slots__ = ("cron", "timezone")

    def __init__(self, cron: Cron, timezone: tzinfo) -> None:
        self.cron = cron
        self.timezone = timezone

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        if previous_fire_time is not None:
            return self.cron.next_after(previous_fire_time, self.timezone)
        # The first time at or after now.
        return self.cron.next_after(now - timedelta(microseconds=1), self.timezone)

    def latest(self, at: datetime) -> datetime | None:
        """The last time it fired at or before ``at``."""
        return self.cron.latest(at, self.timezone)

    def __str__(self) -> str:
        return f"cron[{self.cron.expression}]"
