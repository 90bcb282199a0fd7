"""Standard five-field cron expressions (minute hour day month weekday), evaluated in a zone.

Weekdays follow crontab, not APScheduler 3.x: 0 and 7 are Sunday, so ``1-5`` is Monday to
Friday. When both day-of-month and weekday are restricted, a day matching either one
matches, as in Vixie cron. Names (``mon``, ``jan``) and ``*/n``, ``a-b/n`` are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from automation.errors import ConfigError

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("weekday", 0, 7, _DAYS),
)
# A yearly schedule on 29 February needs up to eight years to recur.
_SEARCH_DAYS = 366 * 8


@dataclass(frozen=True)
class Cron:
    expression: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, expression: str, key: str = "cron") -> Cron:
        """Parse ``expression``; a mistake is a ConfigError naming ``key``."""
        parts = expression.split()
        if len(parts) != 5:
            raise ConfigError(
                f"'{key}' = \"{expression}\" needs five fields: minute hour day month weekday "
                "(e.g. \"0 15 * * 1-5\" = 15:00 Monday to Friday)"
            )
        values = [
            _field(part, name, low, high, names, key)
            for part, (name, low, high, names) in zip(parts, _FIELDS, strict=True)
        ]
        weekdays = frozenset(0 if d == 7 else d for d in values[4])
        return cls(
            expression=" ".join(parts),
            minutes=tuple(sorted(values[0])),
            hours=tuple(sorted(values[1])),
            days=frozenset(values[2]),
            months=frozenset(values[3]),
            weekdays=weekdays,
            # As Vixie cron: a field starting with "*" (also "*/2") is a star, so day and
            # weekday must both match; only two restricted fields are either-or.
            any_day=parts[2].startswith("*"),
            any_weekday=parts[4].startswith("*"),
        )

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        in_month = day.day in self.days
        in_week = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return in_month and in_week
        return in_month or in_week

    def latest(self, at: datetime, zone: tzinfo) -> datetime | None:
        """The last time the schedule fired at or before ``at`` (aware, in ``zone``)."""
        local = at.astimezone(zone)
        for offset in range(_SEARCH_DAYS):
            day = local.date() - timedelta(days=offset)
            if not self.matches_day(day):
                continue
            for hour in reversed(self.hours):
                for minute in reversed(self.minutes):
                    fire = datetime.combine(day, time(hour, minute), zone)
                    if fire <= local:
                        return fire
        return None

    def next_after(self, at: datetime, zone: tzinfo) -> datetime | None:
        """The first time the schedule fires strictly after ``at``."""
        local = at.astimezone(zone)
        for offset in range(_SEARCH_DAYS):
            day = local.date() + timedelta(days=offset)
            if not self.matches_day(day):
                continue
            for hour in self.hours:
                for minute in self.minutes:
                    fire = datetime.combine(day, time(hour, minute), zone)
                    if fire > local:
                        return fire
        return None


def _field(
    text: str, name: str, low: int, high: int, names: tuple[str, ...], key: str
) -> set[int]:
    def bad(why: str) -> ConfigError:
        return ConfigError(f"'{key}': {name} field \"{text}\" {why}")

    def number(token: str) -> int:
        word = token.strip().casefold()
        if word in names:
            return names.index(word) + (1 if names is _MONTHS else 0)
        if not word.isdigit():
            raise bad(f"has \"{token}\", which is not a number from {low} to {high}")
        value = int(word)
        if not low <= value <= high:
            raise bad(f"has {value}, outside {low}–{high}")
        return value

    result: set[int] = set()
    for item in text.split(","):
        if not item:
            raise bad("has an empty list entry")
        span, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise bad(f"has step \"{step_text}\"; use a whole number of at least 1")
            step = int(step_text)
        if span == "*":
            start, stop = low, high
        elif "-" in span:
            first, _, last = span.partition("-")
            start, stop = number(first), number(last)
            if start > stop:
                raise bad(f"has the range {span} running backwards")
        else:
            start = number(span)
            stop = high if step_text else start
        result.update(range(start, stop + 1, step))
    return result
