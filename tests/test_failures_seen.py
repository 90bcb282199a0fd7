"""A mail server that cannot be used is named once, in Thai, where people look: the run's
output, its exit code, `automation status`, and the officer's next report."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import openpyxl

from automation import config as config_mod
from tests.servers.smtp import SmtpServer
from tests.workspace import FORM, REGISTRY, make_workspace, outbox, smtp_mail, text_of

ROOT = Path(__file__).resolve().parents[1]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "400"}
    return subprocess.run([sys.executable, "-m", "automation.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def test_unreachable_server_is_named_once_fails_the_run_and_reaches_the_officer(
    tmp_path: Path,
) -> None:
    port = closed_port()
    config = make_workspace(tmp_path / "office", mail=smtp_mail(port))
    officer = config_mod.load(config).office.officer_email
    assert officer

    run = cli("run", "--once", "--config", str(config))
    out = run.stdout + run.stderr
    reason = f"เชื่อมต่อเซิร์ฟเวอร์อีเมล 127.0.0.1:{port} ไม่ได้"
    assert run.returncode != 0, out
    summary = out.split("รอบการทำงานเสร็จใน", 1)[1]
    assert summary.count(reason) == 1, out  # the summary names it once
    assert out.count(reason) == 2, out  # and the log line once
    assert "Traceback" not in out

    status = cli("status", "--config", str(config))
    latest = status.stdout.split("ข้อผิดพลาดล่าสุด", 1)[1]
    assert reason in latest, status.stdout

    with SmtpServer(port=port) as server:
        again = cli("run", "--once", "--config", str(config))
        assert again.returncode == 0, again.stdout + again.stderr
        reports = [m.message for m in server.messages if m.rcpt_tos == (officer,)]
    assert reports, "the officer hears of it once mail can leave"
    body = reports[-1].get_body(("plain",))
    assert body is not None and reason in str(body.get_content())


def test_a_sheet_that_cannot_be_read_reaches_the_officer_once(tmp_path: Path) -> None:
    """A missing tab stops every run; the officer, who may never look at the machine, gets
    one e-mail naming the tab, not one every five minutes."""
    config = make_workspace(tmp_path / "office")
    workbook = config.parent / "workbook.xlsx"
    book = openpyxl.load_workbook(workbook)
    del book[REGISTRY]
    book.save(workbook)
    officer = config_mod.load(config).office.officer_email

    for _run in range(2):
        run = cli("run", "--once", "--config", str(config))
        assert run.returncode == 1 and "Traceback" not in run.stdout + run.stderr
        assert REGISTRY in run.stderr
    reports = [m for m in outbox(config.parent / "outbox") if m["X-PR-Kind"] == "officer_report"]
    assert len(reports) == 1, "told once, not every run"
    assert str(reports[0]["To"]) == officer
    assert f"'{REGISTRY}'" in text_of(reports[0])
    assert not [m for m in outbox(config.parent / "outbox") if m["X-PR-Kind"] == "bulletin"]


def test_an_unreadable_sheet_does_not_make_the_officer_hear_old_findings_again(
    tmp_path: Path,
) -> None:
    """A form column the worker does not know is told once; a run that could not read the
    sheet in between does not make it news again."""
    config = make_workspace(tmp_path / "office")
    workbook = config.parent / "workbook.xlsx"
    book = openpyxl.load_workbook(workbook)
    form = book[FORM]
    form.cell(row=1, column=form.max_column + 1, value="คำถามที่ระบบไม่รู้จัก")
    book.save(workbook)

    def reports() -> list[str]:
        return [text_of(m) for m in outbox(config.parent / "outbox")
                if m["X-PR-Kind"] == "officer_report"]

    assert cli("run", "--once", "--config", str(config)).returncode == 0
    assert sum("คำถามที่ระบบไม่รู้จัก" in r for r in reports()) == 1
    kept = workbook.read_bytes()
    book = openpyxl.load_workbook(workbook)
    del book[REGISTRY]
    book.save(workbook)
    assert cli("run", "--once", "--config", str(config)).returncode == 1
    assert sum("อ่านชีตไม่ได้" in r for r in reports()) == 1
    workbook.write_bytes(kept)  # the officer puts the tab back, and a new problem appears
    book = openpyxl.load_workbook(workbook)
    registry = book[REGISTRY]
    email = next(c.column for c in registry[1] if c.value == "อีเมล")
    registry.cell(row=3, column=email, value="ใหม่@@school.example.test")
    book.save(workbook)
    assert cli("run", "--once", "--config", str(config)).returncode == 0
    latest = reports()
    assert sum("ใหม่@@school.example.test" in r for r in latest) == 1, "the new problem is told"
    assert sum("คำถามที่ระบบไม่รู้จัก" in r for r in latest) == 1, "the old one not again"
