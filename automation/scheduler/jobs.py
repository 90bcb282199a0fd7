"""What each scheduled job does, and running one so that nothing it raises stops the worker.

The publishing jobs are parts of the core cycle (``Worker.cycle(skip=...)``); the others call
the mailbox, reports and registry-upkeep packages by plain import statements (the heavy
ones when their job runs), so a misspelt name fails the type check and the run, never
silently skips a job. Every run is recorded (``history``)
and logged.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from automation import logs
from automation.core.cycle import Worker
from automation.core.services import Services
from automation.errors import AutomationError
from automation.inbox import run_mailbox
from automation.model import CycleReport
from automation.scheduler import history
from automation.scheduler.history import JobRun

log = logs.get("jobs")

CYCLE = "cycle"  # the whole cycle of `automation run --once`
DIGESTS = frozenset({"director_digest"})
# Cycle steps that poll leaves to their own job when that job has a timetable.
OWN_TIMETABLE = frozenset({"publish", "mailbox"})

@dataclass(frozen=True)
class Outcome:
    ok: bool
    summary: str
    error: str = ""
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class JobContext:
    """What the jobs share for the worker's lifetime: one set of adapters, one core Worker."""

    services: Services
    worker: Worker
    timed: frozenset[str] = frozenset()  # steps scheduled as jobs of their own
    last_report: CycleReport | None = None

    @classmethod
    def build(cls, services: Services, scheduled: Collection[str] = ()) -> JobContext:
        return cls(services, Worker(services), OWN_TIMETABLE & frozenset(scheduled))


Job = Callable[[JobContext], Outcome]


def _cycle(ctx: JobContext, skip: frozenset[str]) -> Outcome:
    report = ctx.worker.cycle(skip=skip)
    ctx.last_report = report
    return from_report(report)


def poll(ctx: JobContext) -> Outcome:
    return _cycle(ctx, DIGESTS | ctx.timed)


def publish(ctx: JobContext) -> Outcome:
    return _cycle(ctx, frozenset(Worker.STEPS) - {"publish"})


def director_digest(ctx: JobContext) -> Outcome:
    return _cycle(ctx, frozenset(Worker.STEPS) - {"director_digest"})


def full_cycle(ctx: JobContext) -> Outcome:
    return _cycle(ctx, frozenset())


# The report and upkeep packages (openpyxl, charts) are loaded when their job runs, not by
# every cycle; a plain import statement, so a wrong name fails the type check and the run.
def _reports(services: Services) -> object:
    from automation.reports.job import run_scheduled

    return run_scheduled(services)


def _registry_check(services: Services) -> object:
    from automation.upkeep.jobs import scheduled_check

    return scheduled_check(services)


def _keep_current(services: Services) -> object:
    from automation.upkeep.jobs import scheduled_keep_current

    return scheduled_keep_current(services)


def _service_job(function: Callable[[Services], object]) -> Job:
    def run(ctx: JobContext) -> Outcome:
        return from_result(function(ctx.services))

    return run


JOBS: dict[str, Job] = {
    "poll": poll,
    "publish": publish,
    "director_digest": director_digest,
    CYCLE: full_cycle,
    "mailbox": _service_job(run_mailbox),
    "reports": _service_job(_reports),
    "registry_check": _service_job(_registry_check),
    "keep_current": _service_job(_keep_current),
}


def available(name: str) -> bool:
    return name in JOBS


def from_report(report: CycleReport) -> Outcome:
    errors = sum(1 for p in report.problems if p.severity == "error")
    counts = {
        "submissions": report.submissions, "new": report.new_items,
        "published": report.published, "sent": report.sent, "notices": report.notices,
        "failed": report.failed, "deferred": report.deferred, "problems": errors,
        "sheet_requests": report.sheet_requests,
    }
    summary = (
        f"ข่าว {report.submissions} (ใหม่ {report.new_items}), เผยแพร่ {report.published}, "
        f"ส่งอีเมล {report.sent}, แจ้ง {report.notices}, ล้มเหลว {report.failed}, "
        f"ยกไปรอบหน้า {report.deferred}, ปัญหาในชีต {errors}, "
        f"คำขอชีต {report.sheet_requests}"
    )
    if report.stopped:
        summary += " (หยุดตามคำสั่ง)"
    error = "; ".join([*report.failures,
                       *(n for n in report.notes if n.startswith("หยุดส่งชั่วคราว"))])
    return Outcome(not error, summary, error, counts)


def from_result(result: object) -> Outcome:
    """An adapter's own report: a ``summary()`` or its text, ``ok``/``error`` if it has them."""
    describe = getattr(result, "summary", None)
    text = describe() if callable(describe) else (str(result) if result is not None else "")
    error = str(getattr(result, "error", "") or "")
    ok = bool(getattr(result, "ok", not error))
    return Outcome(ok, text[:500], error)


def run_job(name: str, ctx: JobContext, reraise: bool = False) -> JobRun:
    """Run one job now; record and log how it went.

    A failure is recorded and logged, then swallowed (the scheduled worker carries on) or,
    with ``reraise``, raised again for the command line to report.
    """
    clock = ctx.services.clock
    started = clock()
    failure: Exception | None = None
    try:
        outcome = JOBS[name](ctx)
    except AutomationError as exc:
        failure, outcome = exc, Outcome(False, "", str(exc))
    except Exception as exc:
        # A bug must not take the worker down with it: log the traceback, carry on.
        log.exception("%s: unexpected error", name, extra={"job": name})
        failure, outcome = exc, Outcome(False, "", f"{type(exc).__name__}: {exc}")
    run = JobRun(name, started, clock(), outcome.ok, outcome.summary, outcome.error,
                 outcome.counts)
    _log(run)
    try:
        history.record(ctx.services.ledger, run)
    except Exception:  # the ledger itself is unwell; the log still has the run
        log.exception("%s: could not record the run in the ledger", name, extra={"job": name})
    if reraise and isinstance(failure, AutomationError):
        raise failure
    if reraise and failure is not None:
        # One line for the command line; the traceback is in the log above.
        raise AutomationError(f"{name}: unexpected error {run.error}") from failure
    return run


def _log(run: JobRun) -> None:
    fields: dict[str, Any] = {"job": run.job, "ok": run.ok, "seconds": round(run.seconds, 3),
                              **run.counts}
    if run.error:
        log.error("%s: %s", run.job, run.error, extra=fields)
    else:
        log.info("%s: %.1f s, %s", run.job, run.seconds, run.summary, extra=fields)
