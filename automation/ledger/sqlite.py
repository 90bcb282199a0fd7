"""SQLite ledger (WAL), committed per message so kill -9 never loses a recorded send.

A row is written as ``pending`` before the send starts and as ``sent`` or ``failed`` after.
A ``pending`` row found later means "uncertain": it is sent again with the same Message-ID,
so the receiving side can discard the repeat. Safe to share between sending threads.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from automation.ledger.schema import migrate
from automation.ports import DeliveryRecord

_COLUMNS = (
    "key, kind, item_id, recipient, channel, message_id, status, attempts, error, "
    "created_at, updated_at, sent_at, detail, retry"
)
_CHUNK = 500  # keys looked up in one statement (SQLite allows 999 parameters and more)


def _ts(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class SqliteLedger:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            # The ledger file was deleted (or never copied) but its write-ahead log stayed:
            # SQLite cannot open a log without its database. Start clean; the sheet's
            # statuses tell the worker what was already published.
            for suffix in ("-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            # It holds the office's signing secret and members' addresses: owner only. SQLite
            # gives its -wal and -shm files the same permissions.
            path.touch(mode=0o600)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a killed process; only power loss can drop a commit.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        migrate(self._db, path)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def backup(self, dest: Path) -> int:
        """A consistent copy of the ledger at ``dest`` (owner-only), taken while the worker
        may be writing; the number of deliveries it holds."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.unlink(missing_ok=True)
        dest.touch(mode=0o600)
        copy = sqlite3.connect(dest)
        try:
            with self._lock:
                self._db.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            return int(copy.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0])
        finally:
            copy.close()

    def get(self, key: str) -> DeliveryRecord | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM deliveries WHERE key = ?", (key,)
            ).fetchone()
        return _record(row) if row else None

    def get_many(self, keys: Sequence[str]) -> dict[str, DeliveryRecord]:
        found: dict[str, DeliveryRecord] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = list(keys[start:start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            with self._lock:
                rows = self._db.execute(
                    f"SELECT {_COLUMNS} FROM deliveries WHERE key IN ({marks})", chunk
                ).fetchall()
            found.update((record.key, record) for record in map(_record, rows))
        return found

    def begin(self, record: DeliveryRecord, at: datetime) -> None:
        with self._lock:
            self._db.execute(
                f"""INSERT INTO deliveries ({_COLUMNS})
                    VALUES (?, ?, ?, ?, ?, ?, 'pending', 1, '', ?, ?, NULL, ?, 0)
                    ON CONFLICT(key) DO UPDATE SET
                        status = 'pending', attempts = attempts + 1, retry = 0,
                        updated_at = excluded.updated_at
                """,
                (
                    record.key,
                    record.kind,
                    record.item_id,
                    record.recipient,
                    record.channel,
                    record.message_id,
                    _ts(at),
                    _ts(at),
                    record.detail,
                ),
            )

    def finish(
        self, key: str, status: str, at: datetime, error: str = "", *, retry: bool = False
    ) -> None:
        if status not in ("sent", "failed", "pending") or (retry and status != "pending"):
            raise ValueError(status)
        with self._lock:
            self._db.execute(
                "UPDATE deliveries SET status = ?, error = ?, updated_at = ?, retry = ?, "
                "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE key = ?",
                (status, error[:500], _ts(at), int(retry), status, _ts(at), key),
            )

    def deliveries(
        self, *, item_id: str | None = None, kind: str | None = None
    ) -> list[DeliveryRecord]:
        query = f"SELECT {_COLUMNS} FROM deliveries WHERE 1=1"
        args: list[str] = []
        if item_id is not None:
            query += " AND item_id = ?"
            args.append(item_id)
        if kind is not None:
            # Naming every status lets SQLite use the (status, kind) index instead of
            # scanning millions of bulletin rows for a handful of another kind.
            query += " AND kind = ? AND status IN ('pending', 'sent', 'failed')"
            args.append(kind)
        with self._lock:
            return [_record(r) for r in self._db.execute(query + " ORDER BY rowid", args)]

    def settled_keys(self, kinds: tuple[str, ...]) -> set[str]:
        """Keys of deliveries of these kinds that are sent or failed (not to be sent again)."""
        marks = ",".join("?" * len(kinds))
        with self._lock:
            rows = self._db.execute(
                f"SELECT key FROM deliveries WHERE kind IN ({marks}) "
                "AND status IN ('sent', 'failed')",
                kinds,
            ).fetchall()
        return {str(k) for (k,) in rows}

    def sent_since(self, since: datetime, channel: str = "email") -> int:
        with self._lock:
            (count,) = self._db.execute(
                "SELECT COUNT(*) FROM deliveries WHERE channel = ? AND sent_at >= ?",
                (channel, _ts(since)),
            ).fetchone()
        return int(count)

    def add_event(self, item_id: str, event: str, at: datetime, detail: str = "") -> bool:
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO events (item_id, event, at, detail) VALUES (?, ?, ?, ?)",
                (item_id, event, _ts(at), detail),
            )
        return cur.rowcount == 1

    def add_events(self, events: list[tuple[str, str, datetime, str]]) -> int:
        """Record many (item, event, at, detail) at once; existing ones are kept."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                before = self._db.total_changes
                self._db.executemany(
                    "INSERT OR IGNORE INTO events (item_id, event, at, detail) VALUES (?, ?, ?, ?)",
                    [(i, e, _ts(a), d) for i, e, a, d in events],
                )
                added = self._db.total_changes - before
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return added

    def set_events(self, events: list[tuple[str, str, datetime, str]]) -> None:
        """Record many (item, event, at, detail), replacing what each (item, event) held."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    "INSERT OR REPLACE INTO events (item_id, event, at, detail) "
                    "VALUES (?, ?, ?, ?)",
                    [(i, e, _ts(a), d) for i, e, a, d in events],
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def event_times(self, event: str) -> dict[str, datetime]:
        with self._lock:
            rows = self._db.execute(
                "SELECT item_id, at FROM events WHERE event = ?", (event,)
            ).fetchall()
        return {str(i): datetime.fromisoformat(a) for i, a in rows}

    def event_details(self, event: str) -> dict[str, str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT item_id, detail FROM events WHERE event = ?", (event,)
            ).fetchall()
        return {str(i): str(d) for i, d in rows}

    def counts(self, kind: str) -> dict[str, dict[str, int]]:
        """Per item: how many deliveries of ``kind`` are in each status."""
        result: dict[str, dict[str, int]] = {}
        with self._lock:
            rows = self._db.execute(
                "SELECT item_id, status, COUNT(*) FROM deliveries WHERE kind = ? "
                "GROUP BY item_id, status",
                (kind,),
            ).fetchall()
        for item_id, status, count in rows:
            result.setdefault(str(item_id), {})[str(status)] = int(count)
        return result

    def events(self, item_id: str | None = None) -> list[tuple[str, str, datetime, str]]:
        query = "SELECT item_id, event, at, detail FROM events"
        args: tuple[str, ...] = ()
        if item_id is not None:
            query += " WHERE item_id = ?"
            args = (item_id,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY at", args).fetchall()
        return [(i, e, datetime.fromisoformat(a), d) for i, e, a, d in rows]

    def events_before(self, end: datetime) -> list[tuple[str, str, datetime, str]]:
        """Every event recorded before ``end`` (for period reports and waiting times)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT item_id, event, at, detail FROM events WHERE at < ?", (_ts(end),)
            ).fetchall()
        return [(i, e, datetime.fromisoformat(a), d) for i, e, a, d in rows]

    def delivery_summary(
        self, periods: Sequence[tuple[datetime, datetime]]
    ) -> list[tuple[str, str, str, str, tuple[int, ...]]]:
        """(channel, kind, status, recipient, count in each period) in one pass.

        A sent delivery counts in the period it was sent in; a failed or still pending one
        in the period it was last attempted in. Rows counting in no period are left out.
        """
        if not periods:
            return []
        bounds = [(_ts(a), _ts(b)) for a, b in periods]
        low, high = min(a for a, _ in bounds), max(b for _, b in bounds)
        flat = [x for pair in bounds for x in pair]
        result: list[tuple[str, str, str, str, tuple[int, ...]]] = []
        for status_clause, at, index in (
            ("status = 'sent'", "sent_at", "INDEXED BY deliveries_report"),
            ("status IN ('failed', 'pending')", "updated_at", ""),
        ):
            sums = ", ".join(f"SUM({at} >= ? AND {at} < ?)" for _ in bounds)
            with self._lock:
                rows = self._db.execute(
                    f"SELECT channel, kind, status, recipient, {sums} FROM deliveries {index} "
                    f"WHERE {status_clause} AND {at} >= ? AND {at} < ? "
                    "GROUP BY channel, kind, status, recipient",
                    (*flat, low, high),
                ).fetchall()
            for channel, kind, status, recipient, *counts in rows:
                if any(counts):
                    result.append((str(channel), str(kind), str(status), str(recipient),
                                   tuple(int(n) for n in counts)))
        return result

    def get_state(self, name: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM state WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    def set_state(self, name: str, value: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO state (name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                (name, value),
            )

    # -- digests and the sending window --------------------------------------------------

    def plan_digests(
        self,
        plans: Sequence[tuple[DeliveryRecord, Sequence[str]]],
        at: datetime,
        state: Mapping[str, str] | None = None,
    ) -> None:
        """Record planned digests (pending, not yet attempted) with the items each carries,
        and ``state``, in one transaction: a crash leaves all of it or none."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    f"INSERT INTO deliveries ({_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, '', ?, ?, NULL, ?, 0)",
                    [(r.key, r.kind, r.item_id, r.recipient, r.channel, r.message_id,
                      _ts(at), _ts(at), r.detail) for r, _items in plans],
                )
                self._db.executemany(
                    "INSERT INTO digest_items (item_id, recipient, digest_key) VALUES (?, ?, ?)",
                    [(item, r.recipient, r.key) for r, items in plans for item in items],
                )
                self._db.executemany(
                    "INSERT INTO state (name, value) VALUES (?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                    list((state or {}).items()),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def digest_pairs(self, item_ids: Sequence[str]) -> set[tuple[str, str]]:
        """(item, recipient) pairs already planned into a digest, for these items."""
        result: set[tuple[str, str]] = set()
        ids = list(item_ids)
        with self._lock:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT item_id, recipient FROM digest_items WHERE item_id IN ({marks})",
                    chunk,
                ).fetchall()
                result.update((str(i), str(r)) for i, r in rows)
        return result

    def digest_counts(self) -> dict[str, dict[str, int]]:
        """Per item: how many digests carrying it are in each status."""
        result: dict[str, dict[str, int]] = {}
        with self._lock:
            rows = self._db.execute(
                "SELECT di.item_id, d.status, COUNT(*) FROM digest_items di "
                "JOIN deliveries d ON d.key = di.digest_key GROUP BY di.item_id, d.status"
            ).fetchall()
        for item_id, status, count in rows:
            result.setdefault(str(item_id), {})[str(status)] = int(count)
        return result

    def unsettled(self, kind: str) -> list[DeliveryRecord]:
        """Deliveries of ``kind`` still pending (planned, deferred or uncertain), oldest first."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM deliveries WHERE status = 'pending' AND kind = ? "
                "ORDER BY rowid",
                (kind,),
            ).fetchall()
        return [_record(r) for r in rows]

    def usage(self, since: datetime, channel: str = "email"
              ) -> list[tuple[datetime, str, str, str]]:
        """(time, recipient, kind, key) of every message that counts against the provider's
        window since ``since``: sent ones when sent, attempted but unsettled or failed ones
        when last attempted (the provider may have taken them)."""
        at = _ts(since)
        with self._lock:
            rows = self._db.execute(
                "SELECT sent_at, recipient, kind, key FROM deliveries "
                "WHERE channel = ? AND sent_at >= ? AND status = 'sent' "
                "UNION ALL "
                "SELECT updated_at, recipient, kind, key FROM deliveries "
                "WHERE status IN ('pending', 'failed') AND channel = ? AND attempts > 0 "
                "AND updated_at >= ?",
                (channel, at, channel, at),
            ).fetchall()
        return sorted((datetime.fromisoformat(t), str(r), str(k), str(key))
                      for t, r, k, key in rows)


    # -- survey invitations (automation.survey.invite) ---------------------------------

    def claim_invite(self, period: str, recipient: str, stage: str, carrier: str,
                     at: datetime) -> str:
        """Give (period, recipient, stage) to ``carrier`` unless taken; the owner's key."""
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO survey_invites VALUES (?, ?, ?, ?, ?)",
                (period, recipient, stage, carrier, _ts(at)))
            row = self._db.execute(
                "SELECT carrier FROM survey_invites WHERE period = ? AND recipient = ? "
                "AND stage = ?", (period, recipient, stage)).fetchone()
        return str(row[0])

    def survey_invites(self, period: str, recipient: str | None = None
                       ) -> list[tuple[str, str, str, datetime]]:
        """(recipient, stage, carrier, when) of the invitations claimed for ``period``."""
        query = "SELECT recipient, stage, carrier, at FROM survey_invites WHERE period = ?"
        args = [period]
        if recipient is not None:
            query += " AND recipient = ?"
            args.append(recipient)
        with self._lock:
            found = self._db.execute(query + " ORDER BY rowid", args).fetchall()
        return [(r, s, c, datetime.fromisoformat(a)) for r, s, c, a in found]

def _record(row: tuple[object, ...]) -> DeliveryRecord:
    (key, kind, item_id, recipient, channel, message_id, status, attempts, error,
     created, updated, sent, detail, retry) = row
    return DeliveryRecord(
        key=str(key),
        kind=str(kind),
        item_id=str(item_id),
        recipient=str(recipient),
        channel=str(channel),
        message_id=str(message_id),
        status=str(status),
        attempts=int(str(attempts)),
        error=str(error),
        created_at=_dt(str(created)),
        updated_at=_dt(str(updated)),
        sent_at=_dt(str(sent)) if sent else None,
        detail=str(detail),
        retry=bool(retry),
    )
