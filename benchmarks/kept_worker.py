"""A worker kept running, as `automation run` keeps it, driven one cycle at a time.

    python -m benchmarks.kept_worker CONFIG

Reads a line per cycle on stdin and answers each with one JSON line: the cycle's own
time, messages, spreadsheet requests, the process's peak RSS so far and its RSS now. The
benchmark edits the workbook from its own process between cycles, so the figures are the
worker's alone.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from automation import config as config_mod
from automation.wiring import worker


def _memory_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process since it started its program: unlike
    ru_maxrss, not counting the memory of the parent it was forked from."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str]) -> int:
    kept = worker(config_mod.load(Path(argv[0])))
    for _line in sys.stdin:
        started = time.perf_counter()
        report = kept.cycle()
        seconds = time.perf_counter() - started
        print(json.dumps({
            "seconds": round(seconds, 3),
            "sent": report.sent + report.notices,
            "requests": report.sheet_requests,
            "peak_mb": round(_memory_mb("VmHWM"), 1),
            "rss_mb": round(_memory_mb("VmRSS"), 1),
        }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
