"""ledger backup, ledger restore: the record of what was sent to whom, kept safe by hand.

The ledger is what keeps every message exactly-once. A copy taken with ``backup`` is
consistent even while the worker runs; ``restore`` puts one back while no worker runs.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from automation import config as config_mod
from automation.cli_util import console, subcommand
from automation.errors import ConfigError, LedgerError
from automation.ledger.sqlite import SqliteLedger


def register(sub: Any) -> dict[str, Any]:
    p = subcommand(sub, "ledger", "สมุดบันทึกการส่ง: สำรอง หรือกู้คืน")
    actions = p.add_subparsers(dest="ledger_action", metavar="ACTION")
    b = subcommand(actions, "backup", "สำรองสมุดบันทึกการส่ง (ทำได้ขณะระบบทำงาน)")
    b.add_argument("dest", nargs="?", type=Path, default=None,
                   help="ไฟล์ปลายทาง (ค่าเริ่มต้น: ข้างไฟล์สมุดบันทึก ตามวันเวลา)")
    r = subcommand(actions, "restore", "กู้คืนสมุดบันทึกการส่งจากไฟล์สำรอง (ต้องหยุดระบบก่อน)")
    r.add_argument("source", type=Path, help="ไฟล์สำรองที่ได้จาก 'automation ledger backup'")
    return {"ledger": cmd_ledger}


def cmd_ledger(args: argparse.Namespace) -> int:
    config = config_mod.load(args.config)
    if args.ledger_action == "backup":
        return _backup(config.ledger_path, args.dest)
    if args.ledger_action == "restore":
        return _restore(config.ledger_path, args.source)
    raise ConfigError("use 'automation ledger backup [FILE]' or 'automation ledger restore FILE'")


def _backup(ledger_path: Path, dest: Path | None) -> int:
    if not ledger_path.exists():
        raise LedgerError(f"ยังไม่มีสมุดบันทึกการส่งที่ {ledger_path}: ไม่มีอะไรให้สำรอง")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = dest or ledger_path.with_name(f"{ledger_path.stem}-{stamp}.backup.sqlite3")
    ledger = SqliteLedger(ledger_path)
    try:
        count = ledger.backup(target)
    except (OSError, sqlite3.Error) as exc:
        raise LedgerError(f"สำรองสมุดบันทึกไปที่ {target} ไม่ได้: {exc}") from None
    finally:
        ledger.close()
    console().print(f"สำรองสมุดบันทึกการส่งแล้ว: {target} (การส่ง {count:,} รายการ)",
                    markup=False)
    return 0


def _restore(ledger_path: Path, source: Path) -> int:
    from automation.scheduler.lock import single_instance

    if not source.is_file():
        raise LedgerError(f"ไม่พบไฟล์สำรอง {source}")
    try:  # a ledger, readable by this version (migrated on a scratch copy, never in place)
        scratch = ledger_path.with_name(ledger_path.name + ".restore-check")
        shutil.copyfile(source, scratch)
        SqliteLedger(scratch).close()
    except (sqlite3.Error, LedgerError) as exc:
        raise LedgerError(f"{source} ไม่ใช่สมุดบันทึกการส่งที่ใช้ได้: {exc}") from None
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{ledger_path}.restore-check{suffix}").unlink(missing_ok=True)
    with single_instance(ledger_path, "ledger restore"):
        if ledger_path.exists():
            kept = ledger_path.with_name(
                f"{ledger_path.stem}-replaced-{datetime.now():%Y%m%d-%H%M%S}.sqlite3")
            current = SqliteLedger(ledger_path)
            try:
                current.backup(kept)
            finally:
                current.close()
            console().print(f"เก็บสมุดบันทึกเดิมไว้ที่ {kept}", markup=False)
        for suffix in ("-wal", "-shm"):
            Path(f"{ledger_path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source, ledger_path)
        ledger_path.chmod(0o600)
        SqliteLedger(ledger_path).close()  # brought to this version's schema
    console().print(f"กู้คืนสมุดบันทึกการส่งจาก {source} แล้ว", markup=False)
    return 0
