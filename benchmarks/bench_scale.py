"""The worker at scale, cron-style: each row one `automation run --once` process.

    python -m benchmarks.bench_scale            # 30,000 registry rows + 10,000 submissions
    python -m benchmarks.bench_scale --quick    # 3,000 + 1,000, to try it out

Local workbook, mail to the outbox folder (so the figures are the worker's, not a mail
server's). Rows:

* no change: a second `--once` after the first, nothing new in the sheet;
* 50 new approvals (each to a cluster of 20 schools), without history and with 1,000
  items published in the last 24 hours (30,000 deliveries in the provider's window);
* first cycle on the sheet's 10,000 old decided rows, bulletins and receipts only, and
  with every notice on (decisions older than the first contact must not be mailed);
* peak RSS against the audience: in an office that has been running (a quiet run, one
  item published to a cluster), the director approves one item for every school of 100
  and of 10,000; and when its first message reached the outbox, in seconds after the
  process started and after the cycle started (the job's start the worker records,
  before it reads the sheet).

Wall and CPU are the whole process's (wait4), peak RSS is the process's own high-water
mark: the workbooks are built by ``benchmarks.scale_edit`` in processes of their own. The
worker processes keep their compiled bytecode in the benchmark's folder, as an installed
program does (pip compiles it at install), even where PYTHONDONTWRITEBYTECODE is set.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "automation.cli"]


@dataclass(frozen=True)
class Once:
    wall: float
    cpu: float
    rss_mb: float
    messages: int
    first_s: float | None  # first message in the outbox, seconds after the process started
    first_cycle_s: float | None  # ... after the cycle started (the job's recorded start)


def edit(*args: object) -> str:
    done = subprocess.run([sys.executable, "-m", "benchmarks.scale_edit", *map(str, args)],
                          cwd=ROOT, check=True, text=True, stdout=subprocess.PIPE)
    return done.stdout.strip()


def worker_env(base: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(base / "pycache")
    return env


def once(config: Path) -> Once:
    """One `automation run --once`: wall, CPU and peak RSS of that process alone."""
    outbox = config.parent / "outbox"
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    started_wall = time.time()
    started = time.perf_counter()
    proc = subprocess.Popen([*CLI, "run", "--once", "--config", str(config)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True, env=worker_env(config.parent.parent))
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"run --once failed: {err[-800:]}")
    new = [p for p in outbox.glob("*.eml") if p not in before] if outbox.exists() else []
    first = min((p.stat().st_mtime for p in new), default=None)
    return Once(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, len(new),
                None if first is None else first - started_wall,
                None if first is None else first - cycle_started(config))


def cycle_started(config: Path) -> float:
    """When the run's cycle started, as the worker recorded it (the job's start, before
    the sheet is read), as a POSIX time."""
    db = sqlite3.connect(config.parent / "ledger.sqlite3")
    try:
        (value,) = db.execute("SELECT value FROM state WHERE name = 'job:cycle'").fetchone()
    finally:
        db.close()
    return datetime.fromisoformat(json.loads(value)["started"]).timestamp()


def copy(folder: Path, to: Path) -> Path:
    shutil.copytree(folder, to)
    return to / "schedule.toml"


def measure(base: Path, registry: int, submissions: int, approvals: int
            ) -> list[tuple[str, Once]]:
    rows: list[tuple[str, Once]] = []
    config = Path(edit("make", base / "scale", registry, submissions))
    rows.append((f"first cycle, {submissions:,} old rows, bulletins + receipts", once(config)))
    rows.append(("no change", once(config)))
    plain = copy(config.parent, base / "plain")
    history = copy(config.parent, base / "history")
    edit("history", history.parent / "ledger.sqlite3", 1000, 30)
    clusters = max(1, registry // 20)
    for path in (plain, history):
        edit("approve", path.parent / "workbook.xlsx", approvals, clusters)
    rows.append((f"{approvals} new approvals, no history", once(plain)))
    rows.append((f"{approvals} new approvals, 30,000 deliveries in window", once(history)))
    loud = Path(edit("make-notices", base / "loud", registry, submissions))
    rows.append((f"first cycle, {submissions:,} old rows, every notice on", once(loud)))
    for members in (100, 10_000):
        rows.append((f"one item to {members:,} schools", running_office(base, members)))
    return rows


def running_office(base: Path, members: int) -> Once:
    """An office that has been running: a quiet run, then one item for one cluster (the
    worker has published before), then the director approves one item for every school:
    that run is measured."""
    config = Path(edit("audience", base / f"audience{members}", members, 0))
    once(config)
    workbook = config.parent / "workbook.xlsx"
    edit("approve", workbook, 1, max(1, members // 20))
    once(config)
    edit("approve", workbook, 1, 0)
    return once(config)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3,000 + 1,000 rows")
    args = parser.parse_args(argv)
    registry, submissions = (3000, 1000) if args.quick else (30_000, 10_000)
    base = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        rows = measure(base, registry, submissions, 50)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"Scale: local workbook, {registry:,} registry rows + {submissions:,} submissions, "
          "`automation run --once` per row, outbox transport")
    print("| run                                              | wall s | CPU s | peak RSS MB "
          "| messages | first message s (process / cycle) |")
    print("|--------------------------------------------------|--------|-------|-------------"
          "|----------|------------------------------------|")
    for name, r in rows:
        first = "-" if r.first_s is None else f"{r.first_s:.2f} / {r.first_cycle_s:.2f}"
        print(f"| {name:<48} | {r.wall:6.2f} | {r.cpu:5.2f} | {r.rss_mb:11.0f} "
              f"| {r.messages:8d} | {first:>34} |")
    found = dict(rows)
    idle = found["no change"]
    plain = next(r for n, r in rows if n.endswith("no history"))
    loaded = next(r for n, r in rows if n.endswith("in window"))
    loud = next(r for n, r in rows if n.endswith("every notice on"))
    small = next(r for n, r in rows if n == "one item to 100 schools")
    big = next(r for n, r in rows if n == "one item to 10,000 schools")
    print("\nTargets")
    print(f"  no-change --once < 2 s: {idle.wall:.2f} s "
          f"{'met' if idle.wall < 2 else 'MISSED'}")
    ratio = loaded.wall / plain.wall
    print(f"  50 approvals with history within 20 % of without: {ratio:.2f}x "
          f"{'met' if ratio <= 1.2 else 'MISSED'}")
    print(f"  first cycle with every notice on < 30 s: {loud.wall:.1f} s "
          f"{'met' if loud.wall < 30 else 'MISSED'}")
    grow = big.rss_mb - small.rss_mb
    print(f"  peak RSS 10,000 vs 100 recipients within 50 MB: +{grow:.0f} MB "
          f"{'met' if grow <= 50 else 'MISSED'}")
    started = big.first_s if big.first_s is not None else float("inf")
    after = big.first_cycle_s if big.first_cycle_s is not None else float("inf")
    print(f"  first of 10,000 messages within a second of the cycle's start: {after:.2f} s "
          f"{'met' if after <= 1 else 'MISSED'} ({started:.2f} s after the process started)")
    print(f"\nload average {' '.join(f'{x:.1f}' for x in os.getloadavg())}, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
