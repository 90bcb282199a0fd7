"""The workbook edits of the at-scale benchmark, in a process of their own.

    python -m benchmarks.scale_edit make FOLDER REGISTRY SUBMISSIONS
    python -m benchmarks.scale_edit make-notices FOLDER REGISTRY SUBMISSIONS
    python -m benchmarks.scale_edit approve WORKBOOK APPROVALS CLUSTERS  (0: every school)
    python -m benchmarks.scale_edit history LEDGER ITEMS PER_ITEM
    python -m benchmarks.scale_edit audience FOLDER MEMBERS [APPROVED]

Building a 40,000-row workbook with openpyxl takes a few hundred MB. Done in the
benchmark's own process, that memory would be counted in the peak RSS of every worker it
starts afterwards (Linux carries a process's high-water mark across fork and exec).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from automation.thaidate import BANGKOK
from tests.workload import FORM, cluster_name, form_row, make_workload, quiet

QUIET = quiet(acknowledge=True)


def make(folder: Path, registry: int, submissions: int, notices: bool = False) -> None:
    """The workbook; with ``notices``, the office's default [publish] table (receipts,
    decision notices, the director's digest, the officer's report) instead of bulletins
    and receipts only."""
    work = make_workload(folder, members=registry, approved=0, old_items=submissions,
                         extra_config="" if notices else QUIET)
    print(work.config)


def approve(workbook: Path, approvals: int, clusters: int) -> None:
    """The director ticks ``approvals`` new items, each for a school cluster."""
    import openpyxl

    book = openpyxl.load_workbook(workbook)
    sheet = book[FORM]
    now = datetime.now(BANGKOK).replace(tzinfo=None, microsecond=0)  # the office's time
    for i in range(approvals):
        # No clusters: to every school of the network.
        to = cluster_name(i * 7 % clusters + 1) if clusters else None
        sheet.append(form_row(80_000 + i, now - timedelta(minutes=i), f"ข่าวอนุมัติใหม่ {i + 1}",
                              True, to))
    book.save(workbook)


def history(ledger: Path, items: int, per_item: int) -> None:
    """``items`` bulletins published over the last 24 hours, ``per_item`` recipients each:
    deliveries that all count against the provider's rolling window."""
    import sqlite3

    from automation.ledger.sqlite import SqliteLedger

    SqliteLedger(ledger).close()  # the schema
    now = datetime.now(UTC)
    rows = []
    for i in range(items):
        at = (now - timedelta(hours=23) + timedelta(seconds=i * 60)).isoformat(
            timespec="microseconds")
        for r in range(per_item):
            to = f"history{r:05d}@example.test"
            key = f"bulletin:H{i:05d}:{to}"
            rows.append((key, "bulletin", f"H{i:05d}", to, "email", f"<{key}>", "sent", 1, "",
                         at, at, at, ""))
    db = sqlite3.connect(ledger)
    with db:
        # Named columns: the ledger's later columns keep their defaults.
        db.executemany("INSERT OR IGNORE INTO deliveries (key, kind, item_id, recipient, "
                       "channel, message_id, status, attempts, error, created_at, "
                       "updated_at, sent_at, detail) VALUES "
                       "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.close()


def audience(folder: Path, members: int, approved: int = 1) -> None:
    """An office of ``members`` schools, bulletins only, with ``approved`` items approved
    for every school (0: the director has approved nothing yet)."""
    work = make_workload(folder, members=members, approved=approved, extra_config=quiet())
    print(work.config)


def main(argv: list[str]) -> int:
    if argv[0] in ("make", "make-notices"):
        make(Path(argv[1]), int(argv[2]), int(argv[3]), argv[0] == "make-notices")
    elif argv[0] == "history":
        history(Path(argv[1]), int(argv[2]), int(argv[3]))
    elif argv[0] == "audience":
        audience(Path(argv[1]), int(argv[2]), *map(int, argv[3:4]))
    else:
        approve(Path(argv[1]), int(argv[2]), int(argv[3]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
