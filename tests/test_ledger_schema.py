"""The ledger's schema is versioned: every earlier shape opens and is migrated forward, and a
ledger from a newer worker is refused with a message, not half-read."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from automation.cli import main
from automation.errors import LedgerError
from automation.ledger.schema import VERSION
from automation.ledger.sqlite import SqliteLedger
from tests.workload import make_workload

AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC).isoformat()

# Every released shape of the deliveries table, oldest first: (version, CREATE statement).
VERSIONS: list[tuple[int, str]] = [
    (0, """CREATE TABLE deliveries (
        key TEXT PRIMARY KEY, kind TEXT NOT NULL, item_id TEXT NOT NULL,
        recipient TEXT NOT NULL, channel TEXT NOT NULL, message_id TEXT NOT NULL,
        status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        sent_at TEXT, detail TEXT NOT NULL DEFAULT '')"""),
]
# Rows as version 0 wrote them: (key, status, error).
ROWS = [
    ("post:line:N-1", "pending", "retry: LINE ตอบ 429 ส่งเกินโควตา"),  # refused: known not posted
    ("post:facebook:N-1", "pending", ""),  # stopped mid-request: uncertain
    ("post:telegram:N-2", "failed", "retry: ไม่ใช่เครื่องหมาย เพราะส่งไม่สำเร็จแล้ว"),
    ("bulletin:N-1:a@x.test", "sent", ""),
]


def _old_ledger(path: Path, version: int, create: str) -> None:
    db = sqlite3.connect(path)
    db.execute(create)
    for key, status, error in ROWS:
        db.execute(
            "INSERT INTO deliveries (key, kind, item_id, recipient, channel, message_id, "
            "status, attempts, error, created_at, updated_at, sent_at) "
            "VALUES (?, ?, 'N-1', 'r', 'c', 'm', ?, 1, ?, ?, ?, NULL)",
            (key, key.split(":")[0], status, error, AT, AT),
        )
    db.execute(f"PRAGMA user_version = {version}")
    db.commit()
    db.close()


@pytest.mark.parametrize(("version", "create"), VERSIONS, ids=[f"v{v}" for v, _c in VERSIONS])
def test_every_earlier_version_is_migrated_forward(tmp_path: Path, version: int,
                                                   create: str) -> None:
    path = tmp_path / "ledger.sqlite3"
    _old_ledger(path, version, create)
    ledger = SqliteLedger(path)
    records = {r.key: r for r in ledger.deliveries()}
    ledger.close()
    assert len(records) == len(ROWS)  # nothing lost
    refused = records["post:line:N-1"]
    assert refused.retry and refused.status == "pending"
    assert refused.error == "LINE ตอบ 429 ส่งเกินโควตา"  # the state left the prose
    assert not records["post:facebook:N-1"].retry  # still uncertain
    assert not records["post:telegram:N-2"].retry
    assert records["post:telegram:N-2"].error.startswith("retry: ")  # only pending rows
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == VERSION
    tables = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"deliveries", "events", "state", "digest_items", "survey_invites"} <= tables
    db.close()
    # Opening again changes nothing.
    again = SqliteLedger(path)
    assert {r.key: r for r in again.deliveries()} == records
    again.close()


def test_a_new_ledger_starts_at_the_current_version(tmp_path: Path) -> None:
    SqliteLedger(tmp_path / "ledger.sqlite3").close()
    db = sqlite3.connect(tmp_path / "ledger.sqlite3")
    assert db.execute("PRAGMA user_version").fetchone()[0] == VERSION == max(
        v for v, _c in VERSIONS) + 1


def test_a_ledger_from_a_newer_worker_is_refused_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = make_workload(tmp_path, members=3, approved=1)
    ledger_path = work.config.parent / "ledger.sqlite3"
    SqliteLedger(ledger_path).close()
    db = sqlite3.connect(ledger_path)
    db.execute(f"PRAGMA user_version = {VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(LedgerError):
        SqliteLedger(ledger_path)
    code = main(["run", "--once", "--config", str(work.config)])
    out, err = capsys.readouterr()
    assert code != 0 and "Traceback" not in out + err
    assert "รุ่นใหม่กว่า" in err and str(ledger_path) in err
    assert not list(tmp_path.rglob("*.eml"))  # nothing sent on a ledger it cannot read
