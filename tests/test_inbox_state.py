"""The mailbox pass across restarts, crashes, renumbered folders and broken servers."""

from __future__ import annotations

import contextlib
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from automation import config as config_mod
from automation.cli import main
from automation.core.table import Sheet
from automation.inbox import run_mailbox
from automation.model import Cell
from automation.wiring import services
from tests.inbox_mail import PROCESSED, b64_word, mail, mailbox_workspace, run_pass
from tests.servers.dovecot import Dovecot
from tests.workspace import FORM, run_cycle, table

ROOT = Path(__file__).resolve().parents[1]


def titles(config: Path) -> list[str]:
    return [str(r["หัวข้อข่าว"]) for r in table(config.parent / "workbook.xlsx", FORM)]


def three_news() -> list[bytes]:
    return [mail(b64_word(f"ข่าวทดสอบลำดับที่ {n}"), f"เนื้อหาข่าวที่ {n}") for n in (1, 2, 3)]


def test_uidvalidity_change_rescans_without_duplicates(
    tmp_path: Path, mailbox: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = "ข่าวโรงเรียน"
    office = mailbox_workspace(tmp_path / "office", mailbox, monkeypatch, folder=folder,
                               processed_folder="")
    first, second, third = three_news()
    mailbox.create_folder(folder)
    mailbox.append(first, folder)
    mailbox.append(second, folder)
    assert run_pass(office).news == 2
    validity = mailbox.folder_status(folder)["UIDVALIDITY"]

    # The server loses the folder and gets it back (a migration, a restore): same
    # messages, new numbers, plus one that is really new.
    mailbox.delete_folder(folder)
    mailbox.create_folder(folder)
    for raw in (first, second, third):
        mailbox.append(raw, folder)
    assert mailbox.folder_status(folder)["UIDVALIDITY"] != validity
    report = run_pass(office)
    assert (report.news, report.duplicates) == (1, 0), report.summary()
    assert any("UIDVALIDITY" in n for n in report.notes)
    got = titles(office)
    for n in (1, 2, 3):
        assert got.count(f"ข่าวทดสอบลำดับที่ {n}") == 1
    assert run_pass(office).fetched == 0


@pytest.mark.parametrize("point", ["after-append", "after-record"])
def test_killed_between_ingest_and_marking(
    tmp_path: Path, mailbox: Dovecot, monkeypatch: pytest.MonkeyPatch, point: str
) -> None:
    office = mailbox_workspace(tmp_path / "office", mailbox, monkeypatch)
    for raw in three_news()[:2]:
        mailbox.append(raw)
    before = len(titles(office))
    crashed = subprocess.run(
        [sys.executable, "-m", "tests.inbox_crash", str(office), point],
        cwd=ROOT, capture_output=True, timeout=60,
    )
    assert crashed.returncode == -9, crashed.stderr.decode()
    assert len(titles(office)) == before + 2, "the rows were appended before the kill"
    assert len(mailbox.messages("INBOX")) == 2, "nothing was marked before the kill"

    report = run_pass(office)
    assert report.ok, report.error
    assert report.news == 0
    assert report.duplicates == (2 if point == "after-append" else 0)
    got = titles(office)
    assert len(got) == before + 2
    assert got.count("ข่าวทดสอบลำดับที่ 1") == got.count("ข่าวทดสอบลำดับที่ 2") == 1
    assert mailbox.messages("INBOX") == []
    assert len(mailbox.messages(PROCESSED)) == 2


class _DropsConnection:
    """A sheet backend whose append succeeds while the mail server restarts underneath."""

    def __init__(self, backend: Any, dovecot: Dovecot) -> None:
        self.backend = backend
        self.dovecot = dovecot

    def append(self, tab: str, rows: Sequence[Sequence[Cell]]) -> None:
        self.backend.append(tab, rows)
        self.dovecot.restart()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)


def test_connection_dropped_mid_pass_resumes_without_duplicates(
    tmp_path: Path, mailbox: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = mailbox_workspace(tmp_path / "office", mailbox, monkeypatch)
    for raw in three_news()[:2]:
        mailbox.append(raw)
    before = len(titles(office))
    built = services(config_mod.load(office))
    built.sheet = Sheet(_DropsConnection(built.sheet.backend, mailbox))
    broken = run_mailbox(built)
    assert not broken.ok
    assert "connection to IMAP server" in broken.error and "lost" in broken.error
    assert "\n" not in broken.error
    assert len(titles(office)) == before + 2

    report = run_pass(office)
    assert report.ok and report.news == 0
    assert len(titles(office)) == before + 2
    assert mailbox.messages("INBOX") == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"password_env": "WRONG_IMAP_PASSWORD"}, "refused the login for 'office@example.test'"),
        ({"folder": "ไม่มีโฟลเดอร์นี้"}, "folder 'ไม่มีโฟลเดอร์นี้' not found"),
        ({"port": 0}, "cannot connect to IMAP server 127.0.0.1:"),
        ({"security": "ssl"}, "TLS with IMAP server 127.0.0.1:"),
    ],
)
def test_clear_one_line_errors_and_the_cycle_goes_on(
    tmp_path: Path, mailbox: Dovecot, monkeypatch: pytest.MonkeyPatch,
    settings: dict[str, Any], expected: str,
) -> None:
    monkeypatch.setenv("WRONG_IMAP_PASSWORD", "not-the-password")
    if settings.get("port") == 0:
        settings = {**settings, "port": _closed_port()}
    office = mailbox_workspace(tmp_path / "office", mailbox, monkeypatch, **settings)
    mailbox.append(mail(b64_word("ข่าวที่ยังอ่านไม่ได้"), "เนื้อหา"))
    report = run_pass(office)
    assert not report.ok
    assert expected in report.error
    assert "\n" not in report.error and "Traceback" not in report.error
    if "folder" in settings:
        assert "INBOX" in report.error, "the folders that do exist are named"

    assert len(mailbox.messages("INBOX")) == 1
    if "password_env" in settings or "port" in settings:
        cycle = run_cycle(office)
        assert cycle.published > 0, "the other jobs go on"
        assert any(n.startswith("กล่องจดหมาย: ") and expected in n for n in cycle.notes)


def test_tls_and_starttls(tmp_path: Path, mailbox: Dovecot,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    ssl_office = mailbox_workspace(tmp_path / "ssl", mailbox, monkeypatch, security="ssl",
                                   port=mailbox.ssl_port, cafile=mailbox.cafile)
    mailbox.append(mail(b64_word("ข่าวผ่าน TLS"), "เนื้อหา"))
    assert run_pass(ssl_office).news == 1
    starttls = mailbox_workspace(tmp_path / "starttls", mailbox, monkeypatch,
                                 security="starttls", cafile=mailbox.cafile)
    mailbox.append(mail(b64_word("ข่าวผ่าน STARTTLS"), "เนื้อหา"))
    assert run_pass(starttls).news == 1
    untrusted = mailbox_workspace(tmp_path / "untrusted", mailbox, monkeypatch,
                                  security="ssl", port=mailbox.ssl_port)
    report = run_pass(untrusted)
    assert "TLS with IMAP server" in report.error and "imap.cafile" in report.error


def test_command_line(tmp_path: Path, mailbox: Dovecot, monkeypatch: pytest.MonkeyPatch,
                      capsys: pytest.CaptureFixture[str]) -> None:
    office = mailbox_workspace(tmp_path / "office", mailbox, monkeypatch)
    mailbox.append(mail(b64_word("ข่าวจากบรรทัดคำสั่ง"), "เนื้อหา"))
    assert main(["mailbox", "--config", str(office)]) == 0
    out = capsys.readouterr().out
    assert "ข่าว 1" in out

    monkeypatch.setenv("IMAP_PASSWORD", "wrong")
    assert main(["mailbox", "--config", str(office)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("automation: mailbox: IMAP server") and "\n" not in err

    monkeypatch.delenv("IMAP_PASSWORD")
    assert main(["mailbox", "--config", str(office)]) == 2
    assert "IMAP_PASSWORD" in capsys.readouterr().err


def test_a_backlog_is_taken_in_over_several_passes(
    tmp_path: Path, mailbox: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = mailbox_workspace(tmp_path / "office", mailbox, monkeypatch, max_messages=2)
    for raw in three_news():
        mailbox.append(raw)
    first = run_pass(office)
    assert (first.news, first.waiting) == (2, 1)
    assert "รอรอบหน้า 1" in first.summary()
    second = run_pass(office)
    assert (second.news, second.waiting) == (1, 0)
    assert sorted(t for t in titles(office) if t.startswith("ข่าวทดสอบ")) == [
        f"ข่าวทดสอบลำดับที่ {n}" for n in (1, 2, 3)]


def test_a_message_that_kills_the_pass_is_set_aside(
    tmp_path: Path, mailbox: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = mailbox_workspace(tmp_path / "office", mailbox, monkeypatch)
    good = three_news()
    mailbox.append(good[0])
    mailbox.append(mail(b64_word("ข่าวที่ทำให้ล่ม"), "เนื้อหา", message_id="<poison@school.test>"))
    mailbox.append(good[1])
    before = len(titles(office))
    for _ in range(2):
        crashed = subprocess.run(
            [sys.executable, "-m", "tests.inbox_crash", str(office), "reading:poison"],
            cwd=ROOT, capture_output=True, timeout=60,
        )
        assert crashed.returncode == -9, crashed.stderr.decode()

    report = run_pass(office)
    assert report.ok, report.error
    assert (report.news, report.left) == (2, 1), report.summary()
    got = titles(office)
    assert len(got) == before + 2 and "ข่าวที่ทำให้ล่ม" not in got
    assert any("poison@school.test" in p.message and "กักไว้" in p.message
               for p in report.problems)
    left = mailbox.messages("INBOX")
    assert len(left) == 1 and b"<poison@school.test>" in left[0], "kept for the officer"
    again = run_pass(office)
    assert (again.fetched, again.news) == (0, 0), "never read again"


def test_sigterm_stops_the_pass_after_the_message_in_hand(
    tmp_path: Path, mailbox: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = mailbox_workspace(tmp_path / "office", mailbox, monkeypatch)
    count = 40
    for n in range(count):  # HTML that takes a noticeable while to read, each
        mailbox.append(mail(b64_word(f"ข่าวยาวลำดับที่ {n}"), "", text=False,
                            html="<p>" + "<" * 20_000))
    before = len(titles(office))
    ledger_path = config_mod.load(office).ledger_path
    proc = subprocess.Popen(
        [sys.executable, "-m", "automation.cli", "mailbox", "--config", str(office)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if ledger_path.exists() and _attempts(ledger_path) >= count + 3:  # building news
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the pass ended before it could be stopped"
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    took = time.monotonic() - sent
    assert proc.returncode == 0, err.decode()
    assert took < 3.0, f"stopped {took:.1f} s after SIGTERM"
    assert "หยุดอ่านกล่องจดหมายตามคำสั่ง" in out.decode()
    first = len(titles(office)) - before
    assert 0 < first < count

    report = run_pass(office)  # the rest, once each
    assert report.ok, report.error
    got = titles(office)[before:]
    assert len(got) == count and len(set(got)) == count
    assert mailbox.messages("INBOX") == []


def _attempts(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path, timeout=5)) as db:
        try:
            row = db.execute(
                "SELECT COUNT(*) FROM events WHERE event LIKE 'attempt:%'").fetchone()
        except sqlite3.OperationalError:
            return 0
    return int(row[0])
