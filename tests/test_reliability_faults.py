"""Faults: the SMTP provider says 421 / 451, drops the connection, answers slowly or not
in time, runs out of quota, refuses some recipients — cycles complete or resume at the next
cycle, nothing is lost, nothing is sent twice, nothing unapproved is sent.

Each case runs fresh worker cycles (a new Worker per cycle, as a restarted or cron-started
worker would) against the aiosmtpd server until nothing is left to send. The clock moves
an hour between cycles so that a provider's "wait" (kept in the ledger) can pass, and the
dispatcher's back-off sleeps are skipped: the waits are the provider's, not the test's.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from automation import config as config_mod
from automation.core.cycle import Worker
from automation.core.services import Services
from automation.errors import AutomationError
from automation.model import CycleReport
from automation.sources.google import GoogleSheet
from automation.sources.retry import Retrier, RetryPolicy
from automation.thaidate import BANGKOK
from automation.wiring import services
from tests.reliability import (
    Delivered,
    GoogleOffice,
    check_deliveries,
    delivered,
    item_ids,
    ledger_statuses,
    summarised,
    summary,
)
from tests.servers.smtp import SmtpServer
from tests.sheet_driver import records
from tests.workload import FORM, Workload, make_workload, member_email, quiet, smtp_table

MEMBERS, APPROVED = 20, 3
# Between cycles: past any pause a provider asked for, a full quota window included.
STEP = timedelta(hours=25)
# A director's digest held back on an earlier day is settled (not sent late) when the
# next day's is made: its row ends failed on purpose. Nothing may stay pending.
STALE = ("director_digest",)
RESULTS: list[tuple[str, list[str], int]] = []
QUIET = quiet()


class Clock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(BANGKOK) + self.offset

    def monotonic(self) -> float:
        return time.monotonic() + self.offset.total_seconds()


def cycle(work: Workload, clock: Clock) -> CycleReport:
    s = services(config_mod.load(work.config))
    s.clock = clock
    s.sleep = lambda _seconds: None
    return Worker(s).cycle()


@dataclass(frozen=True)
class Case:
    name: str
    server: dict[str, Any] = field(default_factory=dict)
    mail: dict[str, Any] = field(default_factory=dict)
    failed: int = 0  # (item, recipient) pairs the provider refuses for good
    cycles: int = 4  # most cycles it may take to finish


def _random_faults(seed: int, total: int, share: float) -> dict[int, str]:
    rng = random.Random(seed)
    replies = ["421 4.7.0 Try again later, closing connection.", "451 4.3.0 Temporary failure",
               "drop", "452 4.2.2 Mailbox full, try later"]
    return {n: rng.choice(replies) for n in range(1, total) if rng.random() < share}


# Members that submit no news (1–5 do): only bulletins to them fail.
REFUSED = {member_email(7): "550 5.1.1 No such user", member_email(11): "553 5.1.3 Bad address"}
CASES = [
    Case("421 now and then, retried in the cycle", {"script": {3: "421 4.7.0 Try again later",
                                                             17: "421 4.7.0 Try again later",
                                                             40: "421 4.7.0 Try again later"}}),
    Case("421 again and again: back off, resume next cycle",
         {"script": {n: "421 4.7.0 Try again later" for n in range(5, 12)}}),
    Case("451 temporary failures", {"script": {n: "451 4.3.0 Temporary failure"
                                               for n in (2, 3, 9, 30, 31, 32, 50)}}),
    Case("451 with no retries: carried over", {"script": {n: "451 4.3.0 Temporary failure"
                                                          for n in range(1, 60, 7)}},
         {"retries": 0}),
    Case("connection dropped after DATA", {"script": {n: "drop" for n in (1, 4, 20, 21, 55)}}),
    Case("connection dropped at RCPT", {"script": {n: "drop" for n in (2, 8, 33)},
                                        "script_stage": "rcpt"}),
    Case("421 at RCPT", {"script": {n: "421 4.3.2 Service shutting down" for n in (6, 7, 44)},
                         "script_stage": "rcpt"}),
    Case("slow provider, three connections", {"delay": 0.01}, {"connections": 3}),
    Case("daily quota reply mid-send", {"script": {25: "550 5.4.5 Daily user sending quota "
                                                   "exceeded"}}),
    Case("recipients refused for good", {"fail_rcpt": REFUSED}, failed=len(REFUSED) * APPROVED),
    Case("random 15% faults, three connections",
         {"script": _random_faults(7, 120, 0.15)}, {"connections": 3, "retries": 1}),
    # Each throttling reply ends the run: the rest resumes over the next cycles.
    Case("random 30% faults at RCPT, one connection",
         {"script": _random_faults(11, 120, 0.3), "script_stage": "rcpt"}, {"retries": 0},
         cycles=16),
]


def _run_until_done(work: Workload, server: SmtpServer, case: Case) -> tuple[int, list[str]]:
    clock = Clock()
    problems: list[str] = []
    for n in range(1, case.cycles + 1):
        try:
            report = cycle(work, clock)
        except Exception as exc:
            return n, [f"cycle {n} raised {type(exc).__name__}: {exc}"]
        if report.deferred == 0 and not ledger_statuses(work.ledger).get("pending"):
            return n, problems
        clock.offset += STEP
    return case.cycles, [*problems, f"still sending after {case.cycles} cycles"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_smtp_fault(tmp_path: Path, case: Case) -> None:
    with SmtpServer(**case.server) as server:
        mail = {"connections": 1, "retries": 2, **case.mail}
        work = make_workload(tmp_path, members=MEMBERS, approved=APPROVED,
                             mail=smtp_table(server.port, **mail))
        cycles, problems = _run_until_done(work, server, case)
        got = delivered(server.messages)
        peak = server.max_concurrent_sessions
    problems += check_deliveries(got, work, allow_failed=case.failed, stale_kinds=STALE,
                                 notices=not case.server.get("fail_rcpt"))
    refused = {p for p in got.pairs("bulletin") if p[2] in case.server.get("fail_rcpt", {})}
    if refused:
        problems.append(f"refused recipients got bulletins: {sorted(refused)[:2]}")
    if peak > mail["connections"]:
        problems.append(f"{peak} concurrent sessions, configured {mail['connections']}")
    RESULTS.append((case.name, problems, got.repeats))
    assert not problems, problems
    assert cycles <= case.cycles


def test_timeouts_then_recovery(tmp_path: Path) -> None:
    """A provider slower than the timeout: nothing sent, nothing failed; later all of it."""
    with SmtpServer(delay=0.15) as server:
        work = make_workload(tmp_path, members=2, approved=1,
                             mail=smtp_table(server.port, retries=0, timeout=0.1),
                             extra_config=QUIET)
        clock = Clock()
        first = cycle(work, clock)
        problems = [] if first.sent == 0 and first.failed == 0 and first.deferred else [
            f"first cycle sent {first.sent}, failed {first.failed}, deferred {first.deferred}"
        ]
        text = work.config.read_text(encoding="utf-8").replace("timeout = 0.1", "timeout = 5.0")
        work.config.write_text(text, encoding="utf-8")
        for _ in range(3):
            clock.offset += STEP
            if cycle(work, clock).deferred == 0:
                break
        got = delivered(server.messages)
    problems += check_deliveries(got, work)
    RESULTS.append(("provider slower than the timeout", problems, got.repeats))
    assert not problems, problems


def test_unapproved_while_carried_over_is_not_sent(tmp_path: Path) -> None:
    """Approval is read when sending starts: an item withdrawn while waiting gets no more."""
    with SmtpServer(script={8: "550 5.4.5 Daily user sending quota exceeded"}) as server:
        work = make_workload(tmp_path, members=MEMBERS, approved=2, mail=smtp_table(server.port))
        clock = Clock()
        cycle(work, clock)
        ids = item_ids(work.workbook, work.approved_titles)
        withdrawn = ids[work.approved_titles[1]]
        before: Delivered = delivered(server.messages)
        book = openpyxl.load_workbook(work.workbook)
        sheet = book["การตอบแบบฟอร์ม 1"]
        head = [c.value for c in sheet[1]]
        for row in sheet.iter_rows(min_row=2):
            if row[head.index("รหัสข่าว")].value == withdrawn:
                row[head.index("อนุมัติ")].value = False
        book.save(work.workbook)
        for _ in range(3):
            clock.offset += STEP
            cycle(work, clock)
        after = delivered(server.messages)
    problems = []
    grown = {p for p in after.pairs("bulletin") if p[1] == withdrawn} - before.pairs("bulletin")
    if grown:
        problems.append(f"{len(grown)} bulletins for a withdrawn item")
    kept = ids[work.approved_titles[0]]
    if len({p for p in after.pairs("bulletin") if p[1] == kept}) != MEMBERS:
        problems.append("the item still approved was not completed")
    if after.doubled:
        problems.append(f"{after.doubled} pairs under two Message-IDs")
    RESULTS.append(("approval withdrawn while carried over", problems, after.repeats))
    assert not problems, problems


def test_sheets_and_smtp_faults_together(tmp_path: Path) -> None:
    """On Google Sheets (the wire-level fake): 30 % of API calls fail (429, 5xx, timeouts
    before and after the request was served, dropped connections) while 10 % of SMTP
    replies are faults. Cycles that give up are retried by the next one."""
    with SmtpServer(script=_random_faults(5, 200, 0.1)) as server:
        work = make_workload(tmp_path, members=MEMBERS, approved=APPROVED,
                             mail=smtp_table(server.port, retries=1))
        book = openpyxl.load_workbook(work.workbook, read_only=True)
        form = [list(r) for r in book[FORM].iter_rows(values_only=True)]
        book.close()
        office = GoogleOffice(work, tmp_path, MEMBERS)
        office.seed(form)
        clock = Clock()

        def fragile(svc: Services) -> None:
            svc.clock, svc.sleep = clock, lambda _seconds: None
            backend = svc.sheet.backend
            assert isinstance(backend, GoogleSheet)
            backend.retrier = Retrier(RetryPolicy(budget=3.0, base=1.0),
                                      sleep=lambda _seconds: None, clock=clock.monotonic)

        office.api.inject_rate(0.3, kinds=(429, 500, 503, "timeout", "timeout_after", "conn"),
                               seed=7)
        given_up = 0
        for _n in range(20):
            try:
                report = office.cycle(fragile)
            except AutomationError:
                given_up += 1  # the scheduler records it; the next cycle tries again
            else:
                rows = records(office.grid())
                done = all(r.get("สถานะ") == "เผยแพร่แล้ว" for r in rows
                           if r["หัวข้อข่าว"] in work.approved_titles)
                if done and report.deferred == 0 and not ledger_statuses(
                        work.ledger).get("pending"):
                    break
            clock.offset += STEP
        faults = office.api.count() - office.api.count(include_faulted=False)
        got = delivered(server.messages)
        ids = {str(r["หัวข้อข่าว"]): str(r["รหัสข่าว"]) for r in records(office.grid())}
    problems = check_deliveries(got, work, stale_kinds=STALE, ids=ids)
    if not faults or not given_up:
        problems.append(f"the faults did not bite ({faults} faulted calls, {given_up} cycles)")
    RESULTS.append((f"Sheets 30% faults + SMTP 10% faults ({faults} API faults, "
                    f"{given_up} cycles given up)", problems, got.repeats))
    assert not problems, problems


@summarised
def _summary() -> str | None:
    if not RESULTS:
        return None
    failures = sum(1 for _n, problems, _r in RESULTS if problems)
    repeats = sum(r for _n, _p, r in RESULTS)
    sheets = next((n for n, _p, _r in RESULTS if n.startswith("Sheets")), "")
    return summary("faults (SMTP 421/451/drop/slow/timeout/quota/refused; Sheets API)",
                   len(RESULTS), failures, f"raw repeats {repeats}; {sheets}")
