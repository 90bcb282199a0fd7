"""When digests go: the schedule, the last run, the slot due now (also for the scheduler
and ``automation status``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from automation.config import Config
from automation.core.cron import Cron
from automation.core.quota import CLOCK_TOLERANCE
from automation.errors import ConfigError
from automation.ports import Ledger

LAST_RUN = "digest.last_run"


def zone(config: Config) -> ZoneInfo:
    try:
        return ZoneInfo(config.office.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"'office.timezone' = \"{config.office.timezone}\" is not a known time zone; "
            "use e.g. \"Asia/Bangkok\""
        ) from None


def run_id(slot: datetime) -> str:
    return slot.strftime("D-%Y%m%d-%H%M")


def due(schedule: Cron, tz: ZoneInfo, last_run: datetime | None, now: datetime) -> datetime | None:
    """The slot of the digest due at ``now``, or None.

    A digest is due when the schedule fired after the last run; slots missed while the
    worker was off are caught up once, by the latest of them. With no last run (a new
    ledger) nothing is due: the schedule starts from the first cycle.
    """
    if last_run is None:
        return None
    slot = schedule.latest(now, tz)
    if slot is None or slot <= last_run:
        return None
    return slot


def last_run(ledger: Ledger, now: datetime | None = None) -> datetime | None:
    """When the last digest was planned; a time ahead of ``now`` (a clock that ran ahead)
    is not a last run, so the schedule starts again from now."""
    raw = ledger.get_state(LAST_RUN)
    if not raw:
        return None
    when = datetime.fromisoformat(raw)
    if now is not None and when > now + CLOCK_TOLERANCE:
        return None
    return when


def digest_due(config: Config, ledger: Ledger, now: datetime) -> datetime | None:
    """Whether ``automation run`` at ``now`` sends a digest: its slot, or None."""
    if config.bulletin.mode != "digest":
        return None
    last = last_run(ledger, now)
    if last is None and config.bulletin.first_digest == "at-once":
        return now.replace(second=0, microsecond=0)
    return due(config.bulletin.schedule, zone(config), last, now)


def next_digest(config: Config, ledger: Ledger, now: datetime) -> datetime | None:
    """When the next digest goes: the slot due now, else the schedule's next one."""
    if config.bulletin.mode != "digest":
        return None
    return digest_due(config, ledger, now) or config.bulletin.schedule.next_after(
        now, zone(config)
    )
