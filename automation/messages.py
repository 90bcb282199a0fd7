"""Shared Thai phrases for what a person reads at the command line: config errors, the
one-worker lock and the CLI's own words. English stays where it is the standard term
(command names, TOML keys, pid)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class _Holder(Protocol):
    @property
    def pid(self) -> int: ...
    @property
    def since(self) -> str: ...
    @property
    def command(self) -> str: ...


CONFIG_ERROR = "ตั้งค่าผิด"
INTERRUPTED = "ถูกขัดจังหวะ (interrupted)"
HELP_CONFIG = "ไฟล์ตั้งค่า (ค่าเริ่มต้น: ./schedule.toml)"
HELP_LOG_FORMAT = "บันทึกการทำงานทาง stdout: บรรทัดอ่านง่าย (text, ค่าเริ่มต้น) หรือ JSON ทีละบรรทัด"


def locked(holder: _Holder | None, path: Path) -> str:
    """Refusal of a second worker for the same office."""
    who = (f"pid {holder.pid} เริ่มเมื่อ {holder.since} คำสั่ง automation {holder.command}"
           if holder else "อีกโปรเซสหนึ่ง")
    return (f"มีตัวทำงานของสำนักงานนี้ทำงานอยู่แล้ว ({who}; ไฟล์ล็อก {path}); "
            "หยุดตัวนั้นก่อน หรือรอให้ทำงานเสร็จ")
