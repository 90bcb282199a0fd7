"""Test helpers: a demo workspace on disk, edited as the director and officer would."""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl

from automation import config as config_mod
from automation.core.cycle import Worker
from automation.model import CycleReport
from automation.thaidate import BANGKOK
from automation.wiring import services
from automation.workspace import init

FORM = "การตอบแบบฟอร์ม 1"
REGISTRY = "ทะเบียนเครือข่าย"
# The office's day (Asia/Bangkok), as the worker counts it, not the machine's.
TODAY = datetime.now(BANGKOK).date()


def make_workspace(
    folder: Path, extra_config: str = "", mail: str | None = None, bulletin: str = "per-item"
) -> Path:
    """`automation init` into ``folder``; optional TOML replacing the [mail] table.

    Bulletins go one per item at once (``bulletin="per-item"``), as the tests of one item's
    path expect; ``bulletin="digest"`` keeps the product's default, the daily digest.
    """
    path = init(folder, TODAY)
    text = path.read_text(encoding="utf-8")
    text = text.replace('mode = "digest"', f'mode = "{bulletin}"', 1)
    if mail is not None:
        text = text[: text.index("[mail]")] + mail
    path.write_text(text, encoding="utf-8")
    if extra_config:
        with path.open("a", encoding="utf-8") as fh:
            fh.write("\n" + extra_config)
    return path


def smtp_mail(port: int, **extra: Any) -> str:
    lines = [
        "[mail]",
        'transport = "smtp"',
        'host = "127.0.0.1"',
        f"port = {port}",
        'security = "none"',
        'sender = "pr@office.example.test"',
        "rate_per_minute = 100000",
        "daily_limit = 100000",
        "retries = 1",
    ]
    lines += [f"{k} = {v!r}".replace("'", '"') for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def run_cycle(config_path: Path) -> CycleReport:
    config = config_mod.load(config_path)
    return Worker(services(config)).cycle()


def edit_sheet(workbook: Path, tab: str, change: Callable[[Any], None]) -> None:
    book = openpyxl.load_workbook(workbook)
    change(book[tab])
    book.save(workbook)


def table(workbook: Path, tab: str) -> list[dict[str, Any]]:
    """Rows of a tab as header → value dicts (with the sheet row number under '#')."""
    book = openpyxl.load_workbook(workbook, data_only=True)
    sheet = book[tab]
    values = list(sheet.iter_rows(values_only=True))
    headers = [str(h) if h is not None else "" for h in values[0]]
    result = []
    for number, row in enumerate(values[1:], start=2):
        if all(v in (None, "") for v in row):
            continue
        record = {h: v for h, v in zip(headers, row, strict=False) if h}
        record["#"] = number
        result.append(record)
    return result


def column_of(sheet: Any, header: str) -> int:
    for cell in sheet[1]:
        if cell.value == header:
            return int(cell.column)
    raise KeyError(header)


def find_row(sheet: Any, header: str, value: str) -> int:
    col = column_of(sheet, header)
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row=row, column=col).value == value:
            return row
    raise KeyError(value)


def outbox(folder: Path) -> list[EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for p in sorted(folder.glob("*.eml"))
    ]


def text_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def run_once(config: Path) -> subprocess.Popen[bytes]:
    """`automation run --once` in its own process, as cron would start it."""
    return subprocess.Popen(
        [sys.executable, "-m", "automation.cli", "--config", str(config), "run", "--once"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def kill_then_rerun(config: Path, received: Callable[[], int], kill_after: int) -> int:
    """SIGKILL the worker once ``received()`` reaches ``kill_after``, then run it again to
    the end. Returns how many messages had arrived at the kill."""
    proc = run_once(config)
    deadline = time.monotonic() + 60
    while received() < kill_after and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    at_kill = received()
    rerun = run_once(config)
    _out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err.decode()
    return at_kill
