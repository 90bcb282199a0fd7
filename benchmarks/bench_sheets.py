"""Google Sheets API cost of a cycle: requests and wall time at 100 / 10,000 / 30,000 rows.

Runs whole cycles through the real wiring (schedule.toml with backend = "google",
google-auth, gspread) against the wire-level Sheets v4 fake, with the outbox transport.
Each cycle starts like `automation run --once` from cron: a fresh backend, no cached
metadata. Two cycles per size are measured after a settling cycle:

* no change — nothing new in the sheet; and the same in a worker kept running
  (`automation run`), which reuses its last parse while the sheet is unchanged;
* 50 approvals — the director ticks 50 pending items (each goes to a school cluster of
  9 addresses), so the cycle publishes, mails and writes status back.

    python -m benchmarks.bench_sheets [--sizes 100,10000,30000] [--approvals 50]
"""

from __future__ import annotations

import argparse
import collections
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from automation.core.services import Services
from automation.model import CycleReport
from tests.sheet_driver import GoogleDriver, approve, office_tabs
from tests.workspace import FORM, TODAY


@dataclass(frozen=True)
class Measure:
    rows: int
    cycle: str
    requests: int
    kinds: str
    seconds: float
    sheet_seconds: float
    sent: int
    cells: int


def _timed(sheet_time: list[float]) -> Callable[[Services], None]:
    """Time spent in the Sheets backend (gspread, JSON, the fake's answers) per cycle."""

    def prepare(svc: Services) -> None:
        backend = svc.sheet.backend
        for name in ("read", "write"):
            inner = getattr(backend, name)

            def timed(*args: Any, _inner: Any = inner) -> Any:
                started = time.perf_counter()
                try:
                    return _inner(*args)
                finally:
                    sheet_time.append(time.perf_counter() - started)

            setattr(backend, name, timed)

    return prepare


def _measure(driver: GoogleDriver, rows: int, name: str, cycle: Callable[[], CycleReport],
             sheet_time: list[float]) -> Measure:
    driver.api.reset_counts()
    sheet_time.clear()
    started = time.perf_counter()
    report = cycle()
    seconds = time.perf_counter() - started
    kinds = collections.Counter(c.kind for c in driver.api.calls)
    shown = " + ".join(f"{n}×{k}" for k, n in kinds.items())
    assert report.sheet_requests == len(driver.api.calls)
    return Measure(rows, name, report.sheet_requests, shown, seconds, sum(sheet_time),
                   report.sent, report.sheet_writes)


def _cycle(driver: GoogleDriver, rows: int, name: str) -> Measure:
    """A cycle as `automation run --once` makes it: everything built afresh."""
    sheet_time: list[float] = []
    return _measure(driver, rows, name, lambda: driver.run_cycle(_timed(sheet_time)),
                    sheet_time)


def run(sizes: list[int], approvals: int) -> list[Measure]:
    results = []
    for rows in sizes:
        with tempfile.TemporaryDirectory() as folder:
            driver = GoogleDriver(Path(folder) / "office", office_tabs(rows, TODAY))
            driver.run_cycle()  # settle: the director's daily digest, ledger events
            results.append(_cycle(driver, rows, "no change"))
            # A worker left running (`automation run`): its first poll parses everything,
            # later polls of an unchanged sheet reuse that.
            sheet_time: list[float] = []
            kept = driver.worker(_timed(sheet_time))
            kept.cycle()
            results.append(_measure(driver, rows, "no change, worker kept running",
                                    kept.cycle, sheet_time))
            chosen: list[str] = []
            driver.edit(FORM, lambda grid: chosen.extend(approve(grid, approvals)) or grid)  # noqa: B023
            results.append(_cycle(driver, rows, f"{len(chosen)} approvals"))
    return results


def table(results: list[Measure]) -> str:
    head = ("rows", "cycle", "API requests", "by kind", "wall time", "in Sheets calls",
            "mails", "cells written")
    lines = [
        (f"{m.rows:,}", m.cycle, str(m.requests), m.kinds, f"{m.seconds:.2f} s",
         f"{m.sheet_seconds:.2f} s", str(m.sent), str(m.cells))
        for m in results
    ]
    widths = [max(len(r[i]) for r in [head, *lines]) for i in range(len(head))]
    out = [" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    out.append("-+-".join("-" * w for w in widths))
    out += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in lines]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,10000,30000")
    parser.add_argument("--approvals", type=int, default=50)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(table(run(sizes, args.approvals)))


if __name__ == "__main__":
    main()
