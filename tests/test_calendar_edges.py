"""The suites that count "today", "this month" or "this year" pass on the days that break
date arithmetic: the 1st of a month and 31 December (Bangkok time), with the whole process
tree's clock moved by libfaketime, as a machine's clock would be on those days."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Suites whose results depend on the date they run on (periods, digests, demo dates).
DATED = ["tests/test_reports.py", "tests/test_demo.py", "tests/test_demo_digest.py",
         "tests/test_cycle.py", "tests/test_first_contact.py", "tests/test_digest.py",
         "tests/test_reliability_faults.py", "tests/test_reliability_input.py"]
# UTC instants: 1 March 10:00, 31 December 12:00 and 23:30, and 1 January 00:30 in Bangkok
# (UTC+7): on the last, the machine's own date (UTC) is still the old year's.
DAYS = ["2027-03-01 03:00:00", "2026-12-31 05:00:00", "2026-12-31 16:30:00",
        "2026-12-31 17:30:00"]


@pytest.mark.parametrize("instant", DAYS)
def test_dated_suites_pass_on_edge_days(instant: str, tmp_path: Path) -> None:
    faketime = shutil.which("faketime")
    assert faketime, "the test command installs faketime (Debian package faketime)"
    # The monotonic clock moves with the wall clock: with it left alone, libfaketime makes
    # time.sleep fail (EINVAL).
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "TZ": "UTC"}
    run = subprocess.run(
        [faketime, instant, sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
         "--basetemp", str(tmp_path / "t"), *DATED],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
