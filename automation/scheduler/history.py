"""What each job did last, kept in the ledger's small key/value state.

The ledger already lives beside the worker and survives restarts, so `automation status`
(a separate process) reads the same facts the worker wrote. Values are short JSON texts.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

from automation.logs import mask
from automation.ports import Ledger

_JOB = "job:"
_ERRORS = "recent_errors"
_NEXT = "next_runs"
KEEP_ERRORS = 20


@dataclass(frozen=True)
class JobRun:
    """One run of one job."""

    job: str
    started: datetime
    finished: datetime
    ok: bool
    summary: str
    error: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return (self.finished - self.started).total_seconds()


@dataclass(frozen=True)
class ErrorNote:
    at: datetime
    job: str
    message: str


def record(ledger: Ledger, run: JobRun) -> None:
    """Keep the run as the job's last run; failures also go to the recent-errors list."""
    value = asdict(run)
    value["started"] = run.started.isoformat()
    value["finished"] = run.finished.isoformat()
    value["error"] = mask(run.error)
    ledger.set_state(_JOB + run.job, json.dumps(value, ensure_ascii=False))
    if run.error:
        add_error(ledger, ErrorNote(run.finished, run.job, run.error))


def last_run(ledger: Ledger, job: str) -> JobRun | None:
    raw = ledger.get_state(_JOB + job)
    if raw is None:
        return None
    try:
        value = json.loads(raw)
        return JobRun(
            job=str(value["job"]),
            started=datetime.fromisoformat(value["started"]),
            finished=datetime.fromisoformat(value["finished"]),
            ok=bool(value["ok"]),
            summary=str(value.get("summary", "")),
            error=str(value.get("error", "")),
            counts={str(k): int(v) for k, v in dict(value.get("counts", {})).items()},
        )
    except (ValueError, KeyError, TypeError):
        return None  # written by another version: shown as "never"


def add_error(ledger: Ledger, note: ErrorNote) -> None:
    notes = [*recent_errors(ledger), note][-KEEP_ERRORS:]
    ledger.set_state(_ERRORS, json.dumps(
        [{"at": n.at.isoformat(), "job": n.job, "message": mask(n.message)[:500]} for n in notes],
        ensure_ascii=False,
    ))


def recent_errors(ledger: Ledger) -> list[ErrorNote]:
    raw = ledger.get_state(_ERRORS)
    try:
        return [
            ErrorNote(datetime.fromisoformat(n["at"]), str(n["job"]), str(n["message"]))
            for n in json.loads(raw or "[]")
        ]
    except (ValueError, KeyError, TypeError):
        return []


def set_next_runs(ledger: Ledger, runs: dict[str, datetime | None]) -> None:
    """The running worker's timetable, so a separate `status` can show next run times."""
    ledger.set_state(_NEXT, json.dumps(
        {k: v.isoformat() if v else None for k, v in runs.items()}
    ))


def next_runs(ledger: Ledger) -> dict[str, datetime | None]:
    try:
        raw = json.loads(ledger.get_state(_NEXT) or "{}")
        return {str(k): datetime.fromisoformat(v) if v else None for k, v in raw.items()}
    except (ValueError, TypeError, AttributeError):
        return {}
