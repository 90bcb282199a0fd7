"""`automation ledger backup / restore`: a copy taken while the worker writes, put back while
no worker runs, and a bad file never replaces the office's ledger."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from automation.cli import main
from automation.scheduler.lock import single_instance
from tests.workload import make_workload, quiet


def _deliveries(path: Path) -> set[tuple[str, str]]:
    db = sqlite3.connect(path)
    try:
        return {(str(k), str(s)) for k, s in db.execute("SELECT key, status FROM deliveries")}
    finally:
        db.close()


def test_backup_while_running_then_restore_brings_back_every_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = make_workload(tmp_path / "office", members=5, approved=2, extra_config=quiet())
    assert main(["run", "--once", "--config", str(work.config)]) == 0
    sent = _deliveries(work.ledger)
    assert len(sent) == 10

    copy = tmp_path / "safe" / "ledger-copy.sqlite3"
    with single_instance(work.ledger, "run"):  # a worker is running: backup still works
        assert main(["ledger", "backup", str(copy), "--config", str(work.config)]) == 0
    assert copy.stat().st_mode & 0o077 == 0, "members' addresses: owner only"
    assert _deliveries(copy) == sent
    assert "10" in capsys.readouterr().out

    for suffix in ("", "-wal", "-shm"):
        Path(f"{work.ledger}{suffix}").unlink(missing_ok=True)
    assert main(["ledger", "restore", str(copy), "--config", str(work.config)]) == 0
    assert _deliveries(work.ledger) == sent
    assert work.ledger.stat().st_mode & 0o077 == 0


def test_restore_refuses_while_a_worker_runs_and_refuses_a_file_that_is_no_ledger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = make_workload(tmp_path / "office", members=3, approved=1, extra_config=quiet())
    assert main(["run", "--once", "--config", str(work.config)]) == 0
    before = _deliveries(work.ledger)
    copy = tmp_path / "copy.sqlite3"
    assert main(["ledger", "backup", str(copy), "--config", str(work.config)]) == 0
    capsys.readouterr()

    with single_instance(work.ledger, "run"):
        assert main(["ledger", "restore", str(copy), "--config", str(work.config)]) == 1
    assert "ทำงานอยู่แล้ว" in capsys.readouterr().err
    assert _deliveries(work.ledger) == before

    junk = tmp_path / "not-a-ledger.sqlite3"
    junk.write_bytes(b"this is a spreadsheet, not a ledger" * 100)
    assert main(["ledger", "restore", str(junk), "--config", str(work.config)]) == 1
    err = capsys.readouterr().err
    assert "ไม่ใช่สมุดบันทึกการส่งที่ใช้ได้" in err and "Traceback" not in err
    assert _deliveries(work.ledger) == before, "the office's ledger is untouched"
