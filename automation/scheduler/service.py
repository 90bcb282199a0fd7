"""`automation run`: the worker an office leaves on for months.

APScheduler runs the jobs on their timetables from ``[schedule]``, one at a time (a single
executor thread: jobs share the sheet and the ledger), each with ``coalesce`` and
``max_instances = 1``: after a sleep, a run missed several times is made once, and only
within the misfire grace. A restart catches up the same way: a timed job whose last fire
time passed while the worker was down runs once at start; interval jobs (poll, mailbox)
run at start anyway.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from automation import logs, wiring
from automation.config import Config
from automation.scheduler import history, jobs
from automation.scheduler.jobs import JobContext
from automation.scheduler.lock import single_instance
from automation.scheduler.settings import JobSchedule, ScheduleConfig, trigger
from automation.scheduler.signals import graceful_stop

log = logs.get("worker")


@dataclass(frozen=True)
class Planned:
    name: str
    schedule: JobSchedule
    trigger: Any
    first_run: datetime | None  # None: wait for the timetable


def plan(
    schedule: ScheduleConfig, ledger: Any, now: datetime
) -> tuple[list[Planned], list[str]]:
    """Jobs to schedule with their first run, and the names of jobs not configured."""
    planned: list[Planned] = []
    missing: list[str] = []
    grace = timedelta(minutes=schedule.misfire_grace_minutes)
    for name, job in schedule.enabled().items():
        if not jobs.available(name):
            missing.append(name)
            continue
        trig = trigger(job, schedule.tz, f"schedule.jobs.{name}")
        first: datetime | None = None
        if job.interval_minutes is not None:
            first = now
        else:
            last, missed = history.last_run(ledger, name), trig.latest(now)
            if last is not None and missed is not None and last.started < missed \
                    and now - missed <= grace:
                first = now  # its time passed while the worker was down: once, now
        planned.append(Planned(name, job, trig, first))
    return planned, missing


def make_scheduler(schedule: ScheduleConfig) -> Any:
    """A BackgroundScheduler running one job at a time, each missed run made once."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler

    grace = max(1, round(schedule.misfire_grace_minutes * 60))
    return BackgroundScheduler(
        timezone=schedule.tz,
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
    )


def serve(config: Config, stop: threading.Event | None = None) -> int:
    """Run until SIGTERM/SIGINT (or ``stop``); returns the exit code."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED

    schedule = config.schedule
    with single_instance(config.ledger_path, "run"), graceful_stop(stop) as stopping:
        if config.mail.transport == "smtp":
            logs.register_secret(config.mail.password())
        services = wiring.services(config, stopping)
        planned, missing = plan(schedule, services.ledger, services.clock())
        ctx = JobContext.build(services, [p.name for p in planned])
        for name in missing:
            log.warning("%s: not configured (the module for it is not installed); not scheduled",
                        name, extra={"job": name})
        scheduler = make_scheduler(schedule)

        def run(name: str) -> None:
            if not stopping.is_set():
                jobs.run_job(name, ctx)

        def remember() -> None:
            runs = {j.id: j.next_run_time for j in scheduler.get_jobs()}
            history.set_next_runs(services.ledger, runs)

        for p in planned:
            options: dict[str, Any] = {"next_run_time": p.first_run} if p.first_run else {}
            scheduler.add_job(run, p.trigger, args=[p.name], id=p.name, name=p.name, **options)
        # The listener only flags: asking the scheduler for its jobs from the executor
        # thread would deadlock with a shutdown waiting for that thread.
        ran = threading.Event()
        scheduler.add_listener(lambda _event: ran.set(),
                               EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        log.info("worker started: %s", ", ".join(f"{p.name} ({_when(p.schedule)})"
                                                  for p in planned),
                 extra={"jobs": ",".join(p.name for p in planned)})
        scheduler.start()
        remember()
        while not stopping.is_set():
            if ran.wait(timeout=0.2):
                ran.clear()
                remember()
        log.info("stopping: the job in progress finishes its message and writes status")
        scheduler.shutdown(wait=True)
        history.set_next_runs(services.ledger, {})
        log.info("worker stopped")
    return 0


def _when(job: JobSchedule) -> str:
    if job.interval_minutes is not None:
        return f"every {job.interval_minutes:g} min"
    return f"cron {job.cron}"
