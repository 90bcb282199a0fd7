"""The long-running worker: timetables, catch-up, one worker per office, graceful stop,
job history and status, and logs without personal data."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from automation import config as config_mod
from automation import logs
from automation.cli import main
from automation.ledger.sqlite import SqliteLedger
from automation.scheduler import history
from automation.scheduler.history import JobRun
from automation.scheduler.lock import holder
from automation.scheduler.service import make_scheduler, plan
from automation.scheduler.settings import JobSchedule, ScheduleConfig, trigger
from automation.thaidate import BANGKOK
from tests.reliability import check_deliveries, delivered, ledger_statuses
from tests.servers.smtp import SmtpServer
from tests.workload import Workload, make_workload, smtp_table

ROOT = Path(__file__).resolve().parents[1]
WORKER = [sys.executable, "-m", "automation.cli"]


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BANGKOK)  # 23 Nov 2026 is a Monday


# -- timetables ----------------------------------------------------------------------------


def test_sample_file_timetables_and_crontab_weekdays() -> None:
    config = config_mod.load(ROOT / "schedule.toml")
    enabled = config.schedule.enabled()
    assert enabled["poll"].interval_minutes == 5
    assert "publish" not in enabled  # off until an office times it
    digest = trigger(enabled["director_digest"], config.schedule.tz)
    fires, at = [], _at(21, 12)  # a Saturday
    for _ in range(7):
        at = digest.get_next_fire_time(None, at + timedelta(seconds=1))
        fires.append(at)
    # "30 7 * * 1-5" means Monday to Friday, as in crontab (APScheduler alone would shift it)
    assert [f.strftime("%a %H:%M") for f in fires] == [
        "Mon 07:30", "Tue 07:30", "Wed 07:30", "Thu 07:30", "Fri 07:30", "Mon 07:30",
        "Tue 07:30",
    ]
    sunday = trigger(JobSchedule(cron="0 9 * * 0,7"), BANGKOK).get_next_fire_time(None, _at(23, 0))
    assert sunday.strftime("%a %d") == "Sun 29"


@pytest.mark.parametrize(("table", "key"), [
    ('[schedule.jobs.poll]\ncron = "61 * * * *"', "schedule.jobs.poll.cron"),
    ('[schedule.jobs.poll]\ncron = "*/5 * * *"', "schedule.jobs.poll.cron"),
    ('[schedule.jobs.director_digest]\ncron = "30 7 * * mon-funday"',
     "schedule.jobs.director_digest.cron"),
    ("[schedule.jobs.poll]\ninterval_minutes = 0", "schedule.jobs.poll.interval_minutes"),
    ('[schedule.jobs.poll]\ninterval_minutes = 5\ncron = "* * * * *"', "schedule.jobs.poll"),
    ('[schedule.jobs.poll]\ncron = "every day"', "schedule.jobs.poll.cron"),
    ("[schedule.jobs.polling]\ninterval_minutes = 5", "schedule.jobs.polling"),
    ('[schedule]\ntimezone = "Asia/Bangkokk"', "schedule.timezone"),
    ("[schedule]\nmisfire_grace_minutes = -1", "schedule.misfire_grace_minutes"),
    ('[schedule.jobs.poll]\ninterval_minutes = "5"', "schedule.jobs.poll.interval_minutes"),
])
def test_bad_timetable_is_a_config_error_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str, key: str
) -> None:
    work = make_workload(tmp_path, members=2, approved=1, extra_config=table)
    assert main(["run", "--once", "--config", str(work.config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and key in err and "Traceback" not in err, err
    assert not (tmp_path / "outbox").exists()  # refused before doing anything


def test_restart_catches_up_a_missed_run_once_within_the_grace(tmp_path: Path) -> None:
    ledger = SqliteLedger(tmp_path / "ledger.sqlite3")
    # A job switched off needs no timetable of its own.
    schedule = ScheduleConfig(jobs={"reports": JobSchedule(enabled=False),
                                    "registry_check": JobSchedule(enabled=False),
                                    "keep_current": JobSchedule(enabled=False)})

    def first_runs(now: datetime) -> dict[str, datetime | None]:
        planned, _missing = plan(schedule, ledger, now)
        return {p.name: p.first_run for p in planned}

    now = _at(24, 9)  # Tuesday 09:00
    # Never ran: interval jobs start at once, timed ones wait for their time.
    assert first_runs(now) == {"poll": now, "director_digest": None, "mailbox": now}
    ran = _at(23, 7, 30)
    history.record(ledger, JobRun("director_digest", ran, ran, True, "ok"))
    assert first_runs(now)["director_digest"] == now  # Tuesday 07:30 was missed: once, now
    assert first_runs(_at(23, 12))["director_digest"] is None  # nothing missed yet
    assert first_runs(_at(24, 21))["director_digest"] is None  # late by > 12 h: wait
    # Off for days: the latest missed time counts, not the first one.
    assert first_runs(_at(26, 8))["director_digest"] == _at(26, 8)
    history.record(ledger, JobRun("director_digest", now, now, True, "ok"))
    assert first_runs(now + timedelta(minutes=5))["director_digest"] is None


def test_missed_runs_are_made_once_and_jobs_never_overlap() -> None:
    """After a sleep the scheduler finds poll five times overdue: it runs it once."""
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler = make_scheduler(ScheduleConfig())
    runs: list[str] = []
    running = []

    def job(name: str) -> None:
        running.append(name)
        assert len(running) == 1, "two jobs at once"
        time.sleep(0.05)
        runs.append(name)
        running.remove(name)

    now = datetime.now(BANGKOK)
    for name in ("poll", "mailbox", "publish"):
        scheduler.add_job(job, IntervalTrigger(minutes=1, start_date=now - timedelta(minutes=5),
                                               timezone=BANGKOK),
                          args=[name], id=name, next_run_time=now - timedelta(minutes=5))
    scheduler.start()
    try:
        time.sleep(0.6)
    finally:
        scheduler.shutdown(wait=True)
    assert sorted(runs) == ["mailbox", "poll", "publish"]  # once each, one at a time


# -- one worker per office -------------------------------------------------------------------


def test_second_worker_refused_and_a_dead_workers_lock_recovered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = make_workload(tmp_path, members=3, approved=1)
    ledger = work.ledger
    hold = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path;"
        "from automation.scheduler.lock import single_instance\n"
        f"with single_instance(Path({str(ledger)!r}), 'run'):\n"
        "    print('locked', flush=True); time.sleep(60)"
    )], stdout=subprocess.PIPE, text=True)
    try:
        assert hold.stdout is not None and hold.stdout.readline().strip() == "locked"
        assert main(["run", "--once", "--config", str(work.config)]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "มีตัวทำงานของสำนักงานนี้ทำงานอยู่แล้ว" in err
        assert f"pid {hold.pid}" in err
        assert not (tmp_path / "outbox").exists()
        found = holder(ledger)
        assert found is not None and found.pid == hold.pid
        hold.send_signal(signal.SIGKILL)
        hold.wait()
        assert holder(ledger) is None
        assert main(["run", "--once", "--config", str(work.config)]) == 0
        assert len(list((tmp_path / "outbox").glob("bulletin-*.eml"))) == 3
    finally:
        hold.kill()
        hold.wait()


# -- graceful stop -------------------------------------------------------------------------


@pytest.fixture
def start_worker() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """``start(config, *options)``: `automation run` in a subprocess, killed after the test."""
    started: list[subprocess.Popen[str]] = []

    def start(config: Path, *extra: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen([*WORKER, *extra, "run", "--config", str(config)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _slow_office(tmp_path: Path, server: SmtpServer) -> Workload:
    return make_workload(
        tmp_path, members=15, approved=2, mail=smtp_table(server.port, connections=1),
        extra_config="[schedule.jobs.poll]\ninterval_minutes = 60\n",
    )


def test_sigterm_finishes_the_message_in_flight_and_writes_status(
    tmp_path: Path, start_worker: Callable[..., subprocess.Popen[str]]
) -> None:
    with SmtpServer(delay=0.01) as server:
        work = _slow_office(tmp_path, server)
        proc = start_worker(work.config)
        server.wait_for(10, timeout=30)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert "stopping" in err and "worker stopped" in out
        statuses = ledger_statuses(work.ledger)
        got_at_stop = len(server.messages)
        # Every message the server took is recorded as sent; nothing is left pending.
        assert statuses.get("pending", 0) == 0
        assert statuses["sent"] == got_at_stop < 30
        rows = _form_statuses(work.workbook)
        assert any(s.startswith("ส่ง ") for s in rows.values()), rows  # status written back
        assert subprocess.run([*WORKER, "run", "--once", "--config", str(work.config)],
                              capture_output=True, timeout=60).returncode == 0
        got = delivered(server.messages)
    assert check_deliveries(got, work) == []
    assert got.repeats == 0  # a graceful stop leaves nothing uncertain


def test_second_signal_exits_at_once_and_the_ledger_still_holds(
    tmp_path: Path, start_worker: Callable[..., subprocess.Popen[str]]
) -> None:
    with SmtpServer(delay=0.01) as server:
        work = _slow_office(tmp_path, server)
        proc = start_worker(work.config)
        server.wait_for(6, timeout=30)
        proc.send_signal(signal.SIGTERM)
        assert proc.stderr is not None and "stopping" in proc.stderr.readline()
        proc.send_signal(signal.SIGTERM)  # once the first was taken (Python merges a burst)
        started = time.monotonic()
        proc.communicate(timeout=20)
        assert proc.returncode == 128 + signal.SIGTERM
        assert time.monotonic() - started < 2
        assert subprocess.run([*WORKER, "run", "--once", "--config", str(work.config)],
                              capture_output=True, timeout=60).returncode == 0
        got = delivered(server.messages)
    assert check_deliveries(got, work) == []


def _form_statuses(workbook: Path) -> dict[str, str]:
    import openpyxl

    book = openpyxl.load_workbook(workbook, read_only=True)
    rows = list(book["การตอบแบบฟอร์ม 1"].iter_rows(values_only=True))
    book.close()
    head = list(rows[0])
    title, delivery = head.index("หัวข้อข่าว"), head.index("ผลการส่ง")
    return {str(r[title]): str(r[delivery] or "") for r in rows[1:]}


# -- a failing job, history, status, logs ------------------------------------------------------


def test_a_failing_job_is_recorded_and_the_worker_keeps_going(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
    start_worker: Callable[..., subprocess.Popen[str]],
) -> None:
    work = make_workload(tmp_path, members=2, approved=1,
                         extra_config="[schedule.jobs.poll]\ninterval_minutes = 0.01\n")
    work.workbook.rename(tmp_path / "moved.xlsx")  # the sheet is gone: every poll fails
    proc = start_worker(work.config, "--log-format", "json")
    deadline = time.monotonic() + 20
    ledger = SqliteLedger(work.ledger)
    while time.monotonic() < deadline and len(history.recent_errors(ledger)) < 3:
        time.sleep(0.1)
    assert proc.poll() is None  # still running after three failed polls
    assert main(["status", "--config", str(work.config)]) == 0
    shown = capsys.readouterr().out
    proc.send_signal(signal.SIGINT)
    out, _err = proc.communicate(timeout=20)
    assert proc.returncode == 0
    last = history.last_run(ledger, "poll")
    assert last is not None and not last.ok and "workbook" in last.error
    assert "อ่านชีตไม่ได้" in shown and f"pid {proc.pid}" in shown
    assert "งาน poll" in shown and "ผิดพลาด" in shown and "ข้อผิดพลาดล่าสุด:" in shown
    entries = [json.loads(line) for line in out.splitlines()]
    assert {e["level"] for e in entries} >= {"info", "error"}
    assert any(e.get("job") == "poll" and e.get("ok") is False for e in entries)


def test_once_records_its_run_and_logs_no_personal_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = make_workload(tmp_path, members=5, approved=2)
    assert main(["--log-format", "json", "run", "--once", "--config", str(work.config)]) == 0
    out = capsys.readouterr().out
    entry = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    assert entry["job"] == "cycle" and entry["ok"] is True and entry["sent"] == 10
    assert main(["status", "--config", str(work.config)]) == 0
    shown = capsys.readouterr().out
    assert "งาน cycle" in shown and "สำเร็จ" in shown and "ส่งอีเมล 10" in shown
    assert "ไม่ได้ทำงาน" in shown  # no worker holds the lock now
    assert "ข้อความค้างส่ง (ยกไปรอบหน้า): 0" in shown


def test_masking_of_addresses_phones_and_secrets() -> None:
    logs.register_secret("app-pass-1234")
    text = ("to somchai.j@school.example.test and ครู@โรงเรียน.ไทย, call 0812345678 / "
            "053-112233? login app-pass-1234")
    masked = logs.mask(text)
    assert "so***@school.example.test" in masked and "คร***@โรงเรียน.ไทย" in masked
    assert "05*-****33" in masked
    assert "08******78" in masked and "app-pass-1234" not in masked
    assert logs.mask(masked) == masked
    assert not re.search(r"somchai|0812345678", masked)
