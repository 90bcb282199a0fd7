"""The worker's side of `automation status`: is it running, each job's last and next run,
what is carried over, recent errors. Read from the lock file and the ledger only, so it
works while the worker runs and when the sheet cannot be reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from automation.config import Config
from automation.ports import Ledger
from automation.scheduler import history, jobs
from automation.scheduler.history import ErrorNote, JobRun
from automation.scheduler.lock import Holder, holder
from automation.scheduler.settings import JOB_TITLES, JobSchedule, trigger
from automation.thaidate import format_datetime


@dataclass(frozen=True)
class JobStatus:
    name: str
    title: str
    schedule: JobSchedule | None  # None for the one-off full cycle
    enabled: bool
    configured: bool
    last: JobRun | None
    next_run: datetime | None


@dataclass(frozen=True)
class WorkerStatus:
    running: Holder | None
    jobs: tuple[JobStatus, ...]
    errors: tuple[ErrorNote, ...]


def collect(config: Config, ledger: Ledger, now: datetime) -> WorkerStatus:
    running = holder(config.ledger_path)
    schedule = config.schedule
    planned = history.next_runs(ledger) if running else {}
    result: list[JobStatus] = []
    for name, title in JOB_TITLES.items():
        job = schedule.job(name)
        configured = jobs.available(name)
        when = planned.get(name)
        if running is None and job.enabled and configured and job.cron:
            when = trigger(job, schedule.tz).get_next_fire_time(None, now)
        result.append(JobStatus(name, title, job, job.enabled, configured,
                                history.last_run(ledger, name), when))
    once = history.last_run(ledger, jobs.CYCLE)
    if once is not None:
        result.append(JobStatus(jobs.CYCLE, "รอบเต็ม (automation run --once)", None, True, True,
                                once, None))
    return WorkerStatus(running, tuple(result), tuple(history.recent_errors(ledger)[-5:]))


def lines(status: WorkerStatus) -> list[str]:
    """The status as Thai text lines for the terminal."""
    r = status.running
    out = ["  ตัวทำงาน (automation run): "
           + (f"กำลังทำงาน pid {r.pid} ตั้งแต่ {r.since}" if r else "ไม่ได้ทำงาน")]
    for job in status.jobs:
        if not job.enabled:
            state = "ปิดอยู่"
        elif not job.configured:
            state = "ไม่ได้ตั้งค่า (not configured)"
        elif job.schedule is None:
            state = "เมื่อสั่ง"
        elif job.schedule.interval_minutes is not None:
            state = f"ทุก {job.schedule.interval_minutes:g} นาที"
        else:
            state = f"cron {job.schedule.cron}"
        out.append(f"  งาน {job.name} — {job.title}: {state}")
        if job.last is not None:
            result = "สำเร็จ" if job.last.ok else "ผิดพลาด"
            detail = job.last.error or job.last.summary
            out.append(f"      ครั้งล่าสุด {format_datetime(job.last.finished)} "
                       f"({job.last.seconds:.1f} วินาที) {result}: {detail}")
        elif job.enabled and job.configured:
            out.append("      ยังไม่เคยทำงาน")
        if job.next_run is not None:
            out.append(f"      ครั้งถัดไป {format_datetime(job.next_run)}")
        elif job.enabled and job.configured and job.schedule and job.schedule.interval_minutes:
            out.append("      ครั้งถัดไป: ทันทีที่เริ่มตัวทำงาน แล้วตามรอบ")
    if status.errors:
        out.append("  ข้อผิดพลาดล่าสุด:")
        out.extend(f"    {format_datetime(e.at)} {e.job}: {e.message}" for e in status.errors)
    else:
        out.append("  ข้อผิดพลาดล่าสุด: ไม่มี")
    return out
