"""Shared by the reliability suites: the one-line summaries and the delivery invariants.

Each suite registers a ``summary(...)`` line with ``@summarised``; tests/conftest.py prints
them at the end of the run
(in CI output, with or without ``-s``). ``check_deliveries`` states the guarantees: every
expected (kind, item, recipient) arrived, none under two Message-IDs, nothing for an item
that was not approved, and the ledger holds nothing unsettled.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.policy
import signal
import sqlite3
import subprocess
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from pathlib import Path

import openpyxl

from automation import config as config_mod
from automation.core.cycle import Worker
from automation.core.services import Services
from automation.model import CycleReport
from automation.sources.google import GoogleSheet
from automation.thaidate import BANGKOK
from automation.wiring import services
from tests.fakes.sheets_api import FakeSheetsAPI, Formula
from tests.servers.smtp import ReceivedMessage
from tests.sheet_driver import SPREADSHEET_ID, TokenEndpoint, connect, service_account_key
from tests.workload import FORM, REGISTRY, SUPPRESSION, Workload, registry_rows

SUMMARIES: list[Callable[[], str | None]] = []
LINES: list[str] = []  # lines of suites whose one test makes the whole summary


def record(line: str) -> str:
    """Print ``line`` with the summaries at the end of the run (and return it)."""
    LINES.append(line)
    return line


def summarised(make_line: Callable[[], str | None]) -> Callable[[], str | None]:
    """Register a suite's summary line; tests/conftest.py prints it at the end of the run,
    whatever order the tests ran in (None when none of the suite's tests ran)."""
    SUMMARIES.append(make_line)
    return make_line


def kill_when(proc: subprocess.Popen[bytes], reached: Callable[[], bool], extra: float) -> bool:
    """SIGKILL ``proc`` once ``reached()`` (polled) holds, ``extra`` seconds later, so the
    kill lands anywhere in the work; False if the process ended first."""
    while proc.poll() is None:
        if not reached():
            time.sleep(0.002)
            continue
        if extra:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=extra)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
    return False


def summary(suite: str, cases: int, failures: int, detail: str = "") -> str:
    line = f"reliability {suite}: {cases} cases tried, {failures} failures"
    if detail:
        line += f"; {detail}"
    return line


Pair = tuple[str, str, str]  # (kind, item ID, recipient)


@dataclass
class Delivered:
    """What the SMTP server received, by (kind, item, recipient)."""

    ids: dict[Pair, set[str]] = field(default_factory=lambda: defaultdict(set))
    raw: int = 0

    @property
    def repeats(self) -> int:
        return self.raw - len(self.ids)

    @property
    def doubled(self) -> int:
        """Pairs that arrived under more than one Message-ID (must be 0)."""
        return sum(1 for ids in self.ids.values() if len(ids) > 1)

    def pairs(self, kind: str | None = None) -> set[Pair]:
        return {p for p in self.ids if kind is None or p[0] == kind}


_HEADERS = BytesHeaderParser(policy=email.policy.default)


def delivered(messages: Iterable[ReceivedMessage]) -> Delivered:
    result = Delivered()
    for m in messages:
        head = _HEADERS.parsebytes(m.data)
        kind, item = str(head["X-PR-Kind"] or ""), str(head["X-PR-Item"] or "")
        for rcpt in m.rcpt_tos:
            result.ids[(kind, item, rcpt.lower())].add(str(m.message_id))
        result.raw += len(m.rcpt_tos)
        # The To: header must name the envelope recipient and nobody else.
        to = [a.lower() for _n, a in getaddresses([str(head["To"] or "")])]
        if to != [r.lower() for r in m.rcpt_tos]:
            result.ids[("bad-to", item, ",".join(to))].add(str(m.message_id))
    return result


def item_ids(workbook: Path, titles: Iterable[str]) -> dict[str, str]:
    """Title → the worker-written news ID, for the given titles."""
    wanted = set(titles)
    book = openpyxl.load_workbook(workbook, read_only=True, data_only=True)
    try:
        rows = list(book[FORM].iter_rows(values_only=True))
    finally:
        book.close()
    head = [str(h or "") for h in rows[0]]
    title, ident = head.index("หัวข้อข่าว"), head.index("รหัสข่าว")
    return {str(r[title]): str(r[ident]) for r in rows[1:] if r and str(r[title]) in wanted}


def expected_notices(work: Workload, ids: dict[str, str]) -> set[Pair]:
    """What each submitter is owed: an acknowledgement, then the director's decision."""
    decision = {"ข่าวที่ไม่อนุมัติ": "rejected", "ข่าวส่งกลับแก้ไข": "returned",
                **{t: "approved" for t in work.approved_titles}}
    owed: set[Pair] = set()
    for title, address in work.submitters.items():
        if title not in ids:
            continue
        owed.add(("ack", ids[title], address))
        if title in decision:
            owed.add((decision[title], ids[title], address))
    return owed


def ledger_statuses(ledger: Path, skip_kinds: Iterable[str] = ()) -> dict[str, int]:
    skip = tuple(skip_kinds)
    db = sqlite3.connect(ledger)
    try:
        rows = db.execute(
            "SELECT status, COUNT(*) FROM deliveries "
            f"WHERE kind NOT IN ({','.join('?' * len(skip))}) GROUP BY status", skip,
        ).fetchall()
    finally:
        db.close()
    return {str(s): int(n) for s, n in rows}


def check_deliveries(
    got: Delivered, work: Workload, *, allow_failed: int = 0,
    recipients: Iterable[str] | None = None, stale_kinds: Iterable[str] = (),
    ids: dict[str, str] | None = None, notices: bool = False,
) -> list[str]:
    """Violations of the guarantees (empty when all hold).

    ``stale_kinds``: kinds whose rows may end failed on purpose (a director's digest held
    back on an earlier day is settled when the next day's is made, not sent late); nothing
    of any kind may stay pending. ``ids``: title → news ID when the sheet is not the
    workload's workbook.
    """
    problems: list[str] = []
    if ids is None:
        ids = item_ids(work.workbook, [*work.approved_titles, *work.other_titles])
    approved = {t: ids[t] for t in work.approved_titles if t in ids}
    others = {t: ids[t] for t in work.other_titles if t in ids}
    members = [r.lower() for r in (recipients if recipients is not None else work.recipients)]
    expected = {("bulletin", i, r) for i in approved.values() for r in members}
    missing = expected - got.pairs("bulletin")
    if len(missing) > allow_failed:
        problems.append(f"{len(missing)} (item, recipient) pairs never delivered, "
                        f"e.g. {sorted(missing)[:3]}")
    if got.doubled:
        twice = [p for p, ids in got.ids.items() if len(ids) > 1]
        problems.append(f"{got.doubled} pairs under two Message-IDs, e.g. {twice[:3]}")
    unapproved = {p for p in got.pairs("bulletin") if p[1] in set(others.values())}
    if unapproved:
        problems.append(f"{len(unapproved)} bulletins for items not approved")
    strangers = {p for p in got.pairs("bulletin") if p[1] not in set(approved.values())}
    if strangers - unapproved:
        problems.append(f"bulletins for unknown items: {sorted(strangers)[:3]}")
    if notices:
        owed = expected_notices(work, ids)
        lost = owed - got.pairs()
        if lost:
            problems.append(f"{len(lost)} notices never delivered: {sorted(lost)[:4]}")
    if got.pairs("bad-to"):
        problems.append(f"To: header differs from the envelope: {sorted(got.pairs('bad-to'))[:3]}")
    pending = ledger_statuses(work.ledger).get("pending")
    if pending:
        problems.append(f"{pending} ledger rows still pending")
    statuses = ledger_statuses(work.ledger, stale_kinds)
    if statuses.get("failed", 0) > allow_failed:
        problems.append(f"{statuses['failed']} ledger rows failed")
    return problems


class GoogleOffice:
    """A workload's tabs in the Sheets v4 fake, cycles through gspread and the Google backend
    (the workload's config is switched to ``backend = "google"``)."""

    def __init__(self, work: Workload, folder: Path, members: int) -> None:
        self.work, self.members = work, members
        key = service_account_key(folder / "service-account.json")
        text = work.config.read_text(encoding="utf-8")
        local = '[sheets]\nbackend = "local"\nworkbook = "workbook.xlsx"\n'
        google = (f'[sheets]\nbackend = "google"\nspreadsheet_id = "{SPREADSHEET_ID}"\n'
                  f'credentials = "{key.name}"\n')
        work.config.write_text(text.replace(local, google), encoding="utf-8")
        self.api = FakeSheetsAPI()

    def seed(self, form: list[list[object]]) -> None:
        today = dt.datetime.now(BANGKOK).date()
        tabs = {FORM: form, REGISTRY: registry_rows(self.members, 20, today),
                SUPPRESSION: [["อีเมล", "เหตุผล", "วันที่", "รายละเอียด"]]}
        self.book = self.api.add_spreadsheet(SPREADSHEET_ID, tabs=tabs)

    def cycle(self, prepare: Callable[[Services], None] | None = None) -> CycleReport:
        svc = services(config_mod.load(self.work.config))
        assert isinstance(svc.sheet.backend, GoogleSheet)
        connect(svc.sheet.backend, self.api, TokenEndpoint())
        if prepare is not None:
            prepare(svc)
        return Worker(svc).cycle()

    def grid(self, formulas: bool = False) -> list[list[object]]:
        tab = self.book.tab(FORM)
        if formulas:
            return [[c.text if isinstance(c, Formula) else None for c in row] for row in tab.rows]
        return tab.values()
