"""The ledger's tables and their forward migrations.

``PRAGMA user_version`` holds the schema version. Opening a ledger creates the tables an
older version lacked (``_BASE`` only ever says ``IF NOT EXISTS``) and then runs every
migration after the file's version, each in one transaction with its version bump, so a
crash mid-migration leaves the previous version intact. A ledger written by a newer version
of the worker is refused with a message instead of being half-read.

To change the schema: append a migration to ``MIGRATIONS`` (never edit a released one) and
add the previous shape to tests/test_ledger_schema.py's versions.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from automation.errors import LedgerError

_BASE = """
CREATE TABLE IF NOT EXISTS deliveries (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    channel TEXT NOT NULL,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS deliveries_item ON deliveries(item_id);
CREATE INDEX IF NOT EXISTS deliveries_sent ON deliveries(channel, sent_at);
CREATE TABLE IF NOT EXISTS events (
    item_id TEXT NOT NULL,
    event TEXT NOT NULL,
    at TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (item_id, event)
);
CREATE TABLE IF NOT EXISTS state (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Which items each planned digest carries: one row per (item, recipient), so an item can
-- never be planned into two digests for the same recipient.
CREATE TABLE IF NOT EXISTS digest_items (
    item_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    digest_key TEXT NOT NULL,
    PRIMARY KEY (item_id, recipient)
);
CREATE INDEX IF NOT EXISTS deliveries_status ON deliveries(status, kind);
-- Covers the evaluation report's pass over sent deliveries: with a year of per-item
-- bulletins (millions of rows) the report reads this index alone, never the table.
CREATE INDEX IF NOT EXISTS deliveries_report
    ON deliveries(status, channel, kind, recipient, sent_at);
-- Survey invitations and reminders: one row per (period, address, stage), claimed by the
-- message that carries it (a digest or the survey's own message).
CREATE TABLE IF NOT EXISTS survey_invites (
    period TEXT NOT NULL,
    recipient TEXT NOT NULL,
    stage TEXT NOT NULL,
    carrier TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (period, recipient, stage)
);
"""

# version → the statements that bring version - 1 to it.
MIGRATIONS: dict[int, str] = {
    # 1: "will retry" was the prefix "retry: " in the error text; now a column of its own.
    1: """
ALTER TABLE deliveries ADD COLUMN retry INTEGER NOT NULL DEFAULT 0;
UPDATE deliveries SET retry = 1, error = substr(error, 8)
    WHERE status = 'pending' AND error LIKE 'retry: %';
""",
}
VERSION = max(MIGRATIONS)


def migrate(db: sqlite3.Connection, path: Path) -> int:
    """Bring the ledger at ``path`` to ``VERSION``; the version it had before."""
    found = int(db.execute("PRAGMA user_version").fetchone()[0])
    if found > VERSION:
        raise LedgerError(
            f"สมุดบันทึกการส่ง {path} สร้างโดยโปรแกรมรุ่นใหม่กว่า (โครงสร้างรุ่น {found}, "
            f"โปรแกรมนี้รู้จักถึงรุ่น {VERSION}): ติดตั้งโปรแกรมรุ่นล่าสุด หรือใช้สำเนาสำรองของสมุดบันทึก"
        )
    db.executescript(_BASE)
    for version in range(found + 1, VERSION + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[version]):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {version}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return found


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
