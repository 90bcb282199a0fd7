"""Bulletins over real SMTP (aiosmtpd on loopback): what arrives, and how faults are handled."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

from automation.demo import SUPPRESSED_EMAIL
from tests.servers.smtp import SmtpServer
from tests.sheet_driver import due_and_approved
from tests.test_header_words import check_words
from tests.workspace import FORM, make_workspace, run_cycle, smtp_mail, table


def test_bulletins_arrive_one_per_recipient_with_thai_intact(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    config = make_workspace(tmp_path / "office", mail=smtp_mail(smtp_server.port))
    report = run_cycle(config)
    rows = table(tmp_path / "office" / "workbook.xlsx", FORM)
    published = {str(r["รหัสข่าว"]): r for r in rows if due_and_approved(r)}
    assert published and report.failed == 0
    bulletins = [m for m in smtp_server.messages if m.message["X-PR-Kind"] == "bulletin"]
    assert len(bulletins) == report.sent
    for received in bulletins:
        msg = received.message
        assert len(received.rcpt_tos) == 1
        (rcpt,) = received.rcpt_tos
        assert msg["To"].addresses[0].addr_spec == rcpt
        assert rcpt != SUPPRESSED_EMAIL
        item = published[str(msg["X-PR-Item"])]
        # RFC 2047 on the wire, Thai after decoding
        raw_subject = received.data.split(b"\r\nSubject: ", 1)[1].split(b"\r\n")[0]
        assert raw_subject.startswith(b"=?utf-8?")
        assert str(item["หัวข้อข่าว"]).strip()[:15] in str(msg["Subject"])
        plain = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        assert plain is not None and html is not None
        assert str(item["หัวข้อข่าว"]).strip()[:15] in plain.get_content()
        assert "<html" in html.get_content().lower()
        assert msg["Message-ID"] == received.message_id and msg["Date"]
        sender = msg["From"].addresses[0]
        assert sender.addr_spec == "pr@office.example.test"
        assert "สำนักงานเขตพื้นที่การศึกษา" in check_words(received.data, "From")
        assert "=?utf-8?" in received.data.split(b"\r\nFrom:", 1)[1][:300].decode()
        assert str(msg["List-Unsubscribe"]).strip().startswith("<mailto:")
    pairs = Counter((m.message["X-PR-Item"], m.rcpt_tos[0]) for m in bulletins)
    assert max(pairs.values()) == 1
    ids = [m.message_id for m in bulletins]
    assert len(ids) == len(set(ids))
    # only approved items ever leave
    sent_items = {m.message["X-PR-Item"] for m in bulletins}
    assert sent_items == set(published)


def test_rerun_sends_nothing_and_same_message_ids(tmp_path: Path, smtp_server: SmtpServer) -> None:
    config = make_workspace(tmp_path / "office", mail=smtp_mail(smtp_server.port))
    run_cycle(config)
    count = len(smtp_server.messages)
    again = run_cycle(config)
    assert again.sent == 0 and again.notices == 0
    assert len(smtp_server.messages) == count


def test_permanent_and_temporary_failures(
    tmp_path: Path, smtp_server_factory: object
) -> None:
    make = smtp_server_factory
    bad = "banhuaybong@school.example.test"
    server: SmtpServer = make(  # type: ignore[operator]
        script={3: "451 4.3.0 Temporary local problem", 7: "drop"},
        fail_rcpt={bad: "550 5.1.1 No such user"},
    )
    # Three tries a message: a retry that lands on the dropped connection still has one left.
    config = make_workspace(tmp_path / "office",
                            mail=smtp_mail(server.port).replace("retries = 1", "retries = 3"))
    report = run_cycle(config)
    received = Counter(m.rcpt_tos[0] for m in server.messages)
    assert bad not in received
    # the temporary failure and the dropped connection were retried, not lost
    assert report.deferred == 0
    assert report.failed >= 1
    rows = table(tmp_path / "office" / "workbook.xlsx", FORM)
    assert any("ล้มเหลว" in str(r["ผลการส่ง"]) for r in rows if r["สถานะ"] == "เผยแพร่แล้ว")
    pairs = Counter((m.message["X-PR-Item"], m.message["X-PR-Kind"], m.rcpt_tos[0])
                    for m in server.messages)
    assert max(pairs.values()) == 1
    second = run_cycle(config)
    assert second.sent == 0, "a permanent failure is recorded, not retried every cycle"


def test_a_message_the_server_deferred_is_marked_to_retry_in_the_ledger(
    tmp_path: Path, smtp_server_factory: object
) -> None:
    """The ledger says "refused, try again" in a column of its own; a pending row without
    it means the worker stopped while the message was on its way."""
    deferred = "bandonkaew@school.example.test"
    server: SmtpServer = smtp_server_factory(  # type: ignore[operator]
        fail_rcpt={deferred: "451 4.7.1 Try again later"})
    config = make_workspace(tmp_path / "office", mail=smtp_mail(server.port))
    run_cycle(config)
    db = sqlite3.connect(config.parent / "ledger.sqlite3")
    rows = db.execute("SELECT kind, status, retry, error FROM deliveries WHERE recipient = ?",
                      (deferred,)).fetchall()
    others = db.execute("SELECT DISTINCT status, retry FROM deliveries WHERE recipient != ?",
                        (deferred,)).fetchall()
    db.close()
    assert deferred not in {m.rcpt_tos[0] for m in server.messages}
    assert rows and all(s == "pending" and r == 1 and "451" in e for _k, s, r, e in rows)
    assert set(others) <= {("sent", 0), ("failed", 0)}
