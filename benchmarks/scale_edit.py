"""The workbook edits of the at-scale benchmark, in a process of their own.

    python -m benchmarks.scale_edit make FOLDER REGISTRY SUBMISSIONS
    python -m benchmarks.scale_edit approve WORKBOOK APPROVALS CLUSTERS

Building a 40,000-row workbook with openpyxl takes a few hundred MB. Done in the
benchmark's own process, that memory would be counted in the peak RSS of every worker it
starts afterwards (Linux carries a process's high-water mark across fork and exec).
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.workload import FORM, cluster_name, form_row, make_workload, quiet

QUIET = quiet(acknowledge=True)


def make(folder: Path, registry: int, submissions: int) -> None:
    work = make_workload(folder, members=registry, approved=0, old_items=submissions,
                         extra_config=QUIET)
    print(work.config)


def approve(workbook: Path, approvals: int, clusters: int) -> None:
    """The director ticks ``approvals`` new items, each for a school cluster."""
    import openpyxl

    book = openpyxl.load_workbook(workbook)
    sheet = book[FORM]
    now = datetime.now().replace(microsecond=0)
    for i in range(approvals):
        sheet.append(form_row(80_000 + i, now - timedelta(minutes=i), f"ข่าวอนุมัติใหม่ {i + 1}",
                              True, cluster_name(i * 7 % clusters + 1)))
    book.save(workbook)


def main(argv: list[str]) -> int:
    if argv[0] == "make":
        make(Path(argv[1]), int(argv[2]), int(argv[3]))
    else:
        approve(Path(argv[1]), int(argv[2]), int(argv[3]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
