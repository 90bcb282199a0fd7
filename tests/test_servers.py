"""The test mail servers behave like the office's provider and mailbox."""

from __future__ import annotations

import email.policy
import imaplib
import json
import signal
import smtplib
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from imap_tools import MailBox, MailboxLoginError, MailBoxUnencrypted

from benchmarks.network_sink import NetworkSink
from benchmarks.provider_sink import ProviderSink
from tests.servers.dovecot import Dovecot
from tests.servers.smtp import SmtpServer

SUBJECT = "ข่าวประชาสัมพันธ์ สพป. ประจำสัปดาห์"
BODY = "โรงเรียนบ้านหนองบัวจัดกิจกรรมวันวิทยาศาสตร์\n"
Factory = Callable[..., SmtpServer]


def bulletin(n: int = 1, to: str = "school@example.test") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "งานประชาสัมพันธ์ <pr@example.test>"
    msg["To"] = to
    msg["Subject"] = f"{SUBJECT} #{n}"
    msg["Message-ID"] = f"<bulletin-{n}@example.test>"
    msg.set_content(BODY, cte="base64")
    return msg


def verified(server: SmtpServer) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=server.cafile)


# -- SMTP --------------------------------------------------------------------------------


def test_plain_server_records_thai_message(smtp_server: SmtpServer) -> None:
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as smtp:
        assert not smtp.has_extn("starttls")
        smtp.send_message(bulletin(1))
    smtp_server.wait_for(1, timeout=2)
    [record] = smtp_server.messages
    assert record.mail_from == "pr@example.test"
    assert record.rcpt_tos == ("school@example.test",)
    assert record.message_id == "<bulletin-1@example.test>"
    assert (record.session, record.tls, record.username) == (1, False, None)
    # The subject travels RFC 2047-encoded and decodes back to the same Thai text.
    header = next(line for line in record.data.split(b"\r\n") if line.startswith(b"Subject:"))
    assert b"=?utf-8?b?" in header.lower()
    assert record.message["Subject"] == f"{SUBJECT} #1"
    assert record.message.get_content() == BODY
    assert smtp_server.sessions == 1


def test_starttls_and_auth_are_required(smtp_server_factory: Factory) -> None:
    server = smtp_server_factory(tls=True, auth=True)
    with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("starttls")
        assert not smtp.has_extn("auth")  # no AUTH in clear text
        assert smtp.docmd("AUTH", "PLAIN AHVzZXIAcGFzcw==")[0] in (530, 538)
        assert smtp.mail("pr@example.test")[0] == 530
        smtp.starttls(context=verified(server))
        smtp.ehlo()
        assert "LOGIN" in smtp.esmtp_features["auth"]
        assert "PLAIN" in smtp.esmtp_features["auth"]
        assert smtp.mail("pr@example.test")[0] == 530  # TLS alone is not enough
        with pytest.raises(smtplib.SMTPAuthenticationError):
            smtp.login(server.username or "", "wrong-password")
        smtp.login(server.username or "", server.password or "")
        smtp.send_message(bulletin(1))
    server.wait_for(1, timeout=2)
    record = server.messages[0]
    assert (record.tls, record.username) == (True, "pr-office@example.test")
    assert record.message["Subject"] == f"{SUBJECT} #1"


def test_auth_without_tls_is_allowed_in_clear_text(smtp_server_factory: Factory) -> None:
    server = smtp_server_factory(auth=True, username="teacher@example.test", password="s3cret")
    with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:
        smtp.ehlo()
        assert smtp.mail("pr@example.test")[0] == 530
        smtp.rset()
        with pytest.raises(smtplib.SMTPAuthenticationError):
            smtp.login("teacher@example.test", "wrong")
        smtp.login("teacher@example.test", "s3cret")
        smtp.send_message(bulletin(1))
    assert server.messages[0].username == "teacher@example.test"


def test_scripted_data_replies(smtp_server_factory: Factory) -> None:
    server = smtp_server_factory(script={
        2: "550 5.4.5 Daily user sending quota exceeded",
        3: "421 4.7.0 Try again later",
        4: "drop",
    })
    smtp = smtplib.SMTP(server.host, server.port, timeout=5)
    smtp.send_message(bulletin(1))
    with pytest.raises(smtplib.SMTPDataError) as quota:
        smtp.send_message(bulletin(2))
    assert quota.value.smtp_code == 550
    assert b"quota exceeded" in quota.value.smtp_error
    # 421 on the same connection, after which the server hangs up.
    smtp.mail("pr@example.test")
    smtp.rcpt("school@example.test")
    code, reply = smtp.data(bulletin(3).as_bytes(policy=email.policy.SMTP))
    assert (code, reply) == (421, b"4.7.0 Try again later")
    with pytest.raises(smtplib.SMTPServerDisconnected):
        smtp.noop()
    smtp.close()
    with smtplib.SMTP(server.host, server.port, timeout=5) as smtp2, pytest.raises(
        smtplib.SMTPServerDisconnected
    ):
        smtp2.send_message(bulletin(4))
    with smtplib.SMTP(server.host, server.port, timeout=5) as smtp3:
        smtp3.send_message(bulletin(5))
    assert [m.message_id for m in server.messages] == [
        "<bulletin-1@example.test>", "<bulletin-5@example.test>",
    ]
    assert [m.session for m in server.messages] == [1, 3]
    assert server.sessions == 3


def test_scripted_rcpt_replies_and_refused_recipient(smtp_server_factory: Factory) -> None:
    server = smtp_server_factory(
        script_stage="rcpt",
        script={2: "450 4.2.1 Mailbox busy", 4: "drop"},
        fail_rcpt={"Nobody@Example.test": "550 5.1.1 no such user"},
    )
    rcpts = ["a@example.test", "b@example.test", "nobody@example.test"]
    with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:
        refused = smtp.send_message(bulletin(1), to_addrs=rcpts)
        assert refused == {
            "b@example.test": (450, b"4.2.1 Mailbox busy"),
            "nobody@example.test": (550, b"5.1.1 no such user"),
        }
        with pytest.raises(smtplib.SMTPServerDisconnected):
            smtp.send_message(bulletin(2), to_addrs=["c@example.test"])
    [record] = server.messages
    assert record.rcpt_tos == ("a@example.test",)
    with smtplib.SMTP(server.host, server.port, timeout=5) as smtp, pytest.raises(
        smtplib.SMTPRecipientsRefused
    ):
        smtp.send_message(bulletin(3), to_addrs=["NOBODY@example.test"])


def test_invalid_script_is_rejected() -> None:
    with pytest.raises(ValueError):
        SmtpServer(script={1: "quota exceeded"})
    with pytest.raises(ValueError):
        SmtpServer(script_stage="mail")  # type: ignore[arg-type]


def test_concurrent_sessions_and_reply_delay(smtp_server_factory: Factory) -> None:
    server = smtp_server_factory(delay=0.05)
    together = threading.Barrier(3, timeout=5)
    noop_seconds: list[float] = []
    errors: list[BaseException] = []

    def send(n: int) -> None:
        try:
            with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:
                together.wait()  # all three connections are open at once here
                started = time.perf_counter()
                smtp.noop()
                noop_seconds.append(time.perf_counter() - started)
                smtp.send_message(bulletin(n))
        except BaseException as error:  # surfaced in the main thread below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(n,)) for n in (1, 2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors
    server.wait_for(3, timeout=2)
    assert server.sessions == 3
    assert server.max_concurrent_sessions == 3
    assert {m.session for m in server.messages} == {1, 2, 3}
    assert min(noop_seconds) >= 0.045


# -- IMAP (Dovecot) ----------------------------------------------------------------------


def test_plain_port_append_fetch_and_move(mailbox: Dovecot) -> None:
    uid = mailbox.append(bulletin(1, to=mailbox.user).as_bytes())
    with MailBoxUnencrypted(mailbox.host, mailbox.port).login(
        mailbox.user, mailbox.password
    ) as box:
        [msg] = list(box.fetch(mark_seen=False))
        assert msg.uid == str(uid)
        assert msg.subject == f"{SUBJECT} #1"
        assert msg.text == BODY
        box.folder.create("ข่าวที่ส่งแล้ว")
        box.move(msg.uid, "ข่าวที่ส่งแล้ว")
    assert mailbox.folder_status("INBOX")["MESSAGES"] == 0
    assert mailbox.folder_status("ข่าวที่ส่งแล้ว")["MESSAGES"] == 1
    [raw] = mailbox.messages("ข่าวที่ส่งแล้ว")
    moved = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert moved["Subject"] == f"{SUBJECT} #1"


def test_tls_port_with_verified_certificate(mailbox: Dovecot) -> None:
    mailbox.append(bulletin(7, to=mailbox.user).as_bytes())
    context = ssl.create_default_context(cafile=mailbox.cafile)
    with MailBox(mailbox.host, mailbox.ssl_port, ssl_context=context).login(
        mailbox.user, mailbox.password
    ) as box:
        [msg] = list(box.fetch())
        assert msg.subject == f"{SUBJECT} #7"
        assert msg.text == BODY


def test_mailbox_fixture_starts_clean(mailbox: Dovecot) -> None:
    # Runs after tests that created folders and stored mail.
    assert sorted(mailbox.folders()) == ["INBOX", "Sent", "Trash"]
    assert mailbox.messages() == []


def test_uidvalidity_changes_after_delete_and_create(mailbox: Dovecot) -> None:
    mailbox.create_folder("ข่าว/รอส่ง")
    before = mailbox.folder_status("ข่าว/รอส่ง")
    mailbox.delete_folder("ข่าว/รอส่ง")
    mailbox.create_folder("ข่าว/รอส่ง")
    after = mailbox.folder_status("ข่าว/รอส่ง")
    assert after["UIDVALIDITY"] != before["UIDVALIDITY"]
    assert after["MESSAGES"] == 0


@pytest.mark.parametrize("tls", [False, True])
def test_wrong_password_is_a_login_error(mailbox: Dovecot, tls: bool) -> None:
    box = (
        MailBox(mailbox.host, mailbox.ssl_port, ssl_context=mailbox.ssl_context())
        if tls else MailBoxUnencrypted(mailbox.host, mailbox.port)
    )
    with pytest.raises(MailboxLoginError):
        box.login(mailbox.user, "not-the-password")


def test_restart_cuts_connections_and_keeps_mail(mailbox: Dovecot) -> None:
    mailbox.append(bulletin(1, to=mailbox.user).as_bytes())
    box = mailbox.mailbox()
    mailbox.restart()
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        box.folder.status("INBOX")
    assert mailbox.folder_status("INBOX")["MESSAGES"] == 1


def test_accounts_are_separate(mailbox: Dovecot) -> None:
    mailbox.append(b"Subject: other\r\n\r\nhello\r\n", user=mailbox.other_user,
                   password=mailbox.other_password)
    assert mailbox.messages() == []
    assert len(mailbox.messages(user=mailbox.other_user, password=mailbox.other_password)) == 1


# -- provider-like sink ------------------------------------------------------------------


def test_provider_sink_in_process(tmp_path: Path) -> None:
    spool = tmp_path / "spool.jsonl"
    with ProviderSink(rtt_ms=5, spool=spool) as sink:
        assert sink.cafile is not None
        with smtplib.SMTP(sink.host, sink.port, timeout=5) as smtp:
            smtp.ehlo()
            assert smtp.mail("pr@example.test")[0] == 530
            smtp.starttls(context=ssl.create_default_context(cafile=sink.cafile))
            smtp.login("any-user", "any-password")
            smtp.send_message(bulletin(1), to_addrs=["a@example.test", "ข@example.test"])
        sink.server.wait_for(1, timeout=2)
        assert sink.accepted == 1
    lines = [json.loads(line) for line in spool.read_text(encoding="utf-8").splitlines()]
    assert lines == [
        {"rcpt": ["a@example.test", "ข@example.test"], "message_id": "<bulletin-1@example.test>"}
    ]


def test_network_sink_carries_tls_and_pipelined_commands_through_its_link() -> None:
    with NetworkSink(rtt_ms=4) as sink:
        assert sink.port != sink.server.port, "clients reach the server through the link"
        with smtplib.SMTP(sink.host, sink.port, timeout=5) as smtp:
            smtp.starttls(context=ssl.create_default_context(cafile=sink.cafile))
            smtp.login("any-user", "any-password")
            assert smtp.has_extn("pipelining")
            data = bulletin(2).as_bytes().replace(b"\n", b"\r\n")
            smtp.send(b"MAIL FROM:<pr@example.test>\r\nRCPT TO:<a@example.test>\r\nDATA\r\n")
            assert [smtp.getreply()[0] for _ in range(3)] == [250, 250, 354]
            smtp.send(data + b".\r\n")
            assert smtp.getreply()[0] == 250
        sink.server.wait_for(1, timeout=2)
        assert sink.accepted == 1 and sink.server.messages[0].tls


def test_provider_sink_command_line(tmp_path: Path) -> None:
    spool = tmp_path / "spool.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.provider_sink", "--port", "0", "--rtt-ms", "0",
         "--plain", "--spool", str(spool)],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().split()
        assert first[0] == "PORT", first
        with smtplib.SMTP("127.0.0.1", int(first[1]), timeout=5) as smtp:
            smtp.send_message(bulletin(1))
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert out.splitlines()[-1] == "ACCEPTED 1"
    assert json.loads(spool.read_text(encoding="utf-8")) == {
        "rcpt": ["school@example.test"], "message_id": "<bulletin-1@example.test>",
    }
