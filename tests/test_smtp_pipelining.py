"""PIPELINING (RFC 2920): MAIL, RCPT and DATA leave in one packet when the provider offers
it, and every reply is still judged on its own."""

from __future__ import annotations

import socket
import threading
from email.message import EmailMessage
from pathlib import Path

import pytest

from automation.errors import DeliveryError
from automation.mail.smtp import SmtpTransport
from automation.ports import Envelope
from tests.servers.smtp import SmtpServer

SENDER = "pr@office.example.test"


def _envelope(recipient: str, n: int = 1, body: str = "ข่าวประชาสัมพันธ์\n") -> Envelope:
    msg = EmailMessage()
    msg["From"] = SENDER
    msg["To"] = recipient
    msg["Subject"] = f"ข่าว {n}"
    msg["Message-ID"] = f"<n{n}@office.example.test>"
    msg.set_content(body)
    return Envelope(f"bulletin:N-{n}:{recipient}", "bulletin", f"N-{n}", recipient,
                    f"<n{n}@office.example.test>", SENDER, msg)


@pytest.mark.parametrize("pipelining", [True, False])
def test_the_same_messages_arrive_with_or_without_pipelining(pipelining: bool) -> None:
    body = ".a line that starts with a dot\n..two dots\nไทย\n.\nend"
    with SmtpServer(pipelining=pipelining) as server:
        session = SmtpTransport(server.host, server.port, security="none").open()
        for n in range(1, 4):
            session.send(_envelope(f"school{n}@school.example.test", n, body))
        assert bool(session.client.has_extn("pipelining")) is pipelining
        session.close()
        server.wait_for(3)
        got = server.messages
    assert [m.rcpt_tos for m in got] == [(f"school{n}@school.example.test",) for n in (1, 2, 3)]
    for received in got:
        assert received.message.get_content().replace("\r\n", "\n").rstrip("\n") == body
        assert received.mail_from == SENDER


def test_refusals_are_judged_per_reply_and_the_session_goes_on() -> None:
    refused = "gone@school.example.test"
    with SmtpServer(fail_rcpt={refused: "550 5.1.1 no such user"},
                    script={2: "452 4.3.1 insufficient system storage"}) as server:
        session = SmtpTransport(server.host, server.port, security="none").open()
        session.send(_envelope("a@school.example.test", 1))
        with pytest.raises(DeliveryError) as bad_rcpt:
            session.send(_envelope(refused, 2))
        assert bad_rcpt.value.scope == "recipient" and bad_rcpt.value.permanent
        assert "5.1.1" in str(bad_rcpt.value)
        with pytest.raises(DeliveryError) as full:  # the 2nd DATA transfer: 452
            session.send(_envelope("b@school.example.test", 3))
        assert not full.value.permanent and "452" in str(full.value)
        session.send(_envelope("c@school.example.test", 4))  # same connection still good
        session.close()
        server.wait_for(2)
        assert [m.rcpt_tos[0] for m in server.messages] == ["a@school.example.test",
                                                           "c@school.example.test"]


def test_a_421_in_the_middle_of_the_pipeline_ends_the_session() -> None:
    with SmtpServer(script={1: "421 4.3.2 service shutting down"}, script_stage="rcpt") as server:
        session = SmtpTransport(server.host, server.port, security="none").open()
        with pytest.raises(DeliveryError) as closed:
            session.send(_envelope("a@school.example.test"))
        assert closed.value.scope == "throttle"  # a 421 means: slow down, connection closed
        assert session.client.sock is None
        session.close()
        assert server.messages == []


class _WatchingServer:
    """A bare SMTP responder that answers nothing after EHLO until it holds MAIL, RCPT and
    DATA: only a client that really pipelines gets through."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.before_any_reply = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        conn.settimeout(5)
        with conn:
            conn.sendall(b"220 mail.example.test ESMTP\r\n")
            self._read_until(conn, b"\r\n")
            conn.sendall(b"250-mail.example.test\r\n250-PIPELINING\r\n250 SIZE 1000000\r\n")
            self.before_any_reply = self._read_until(conn, b"DATA\r\n")
            conn.sendall(b"250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n")
            self._read_until(conn, b"\r\n.\r\n")
            conn.sendall(b"250 2.0.0 queued\r\n")
            self._read_until(conn, b"\r\n")
            conn.sendall(b"221 bye\r\n")

    @staticmethod
    def _read_until(conn: socket.socket, end: bytes) -> bytes:
        data = b""
        while not data.endswith(end):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def test_mail_rcpt_and_data_go_out_before_any_reply(tmp_path: Path) -> None:
    server = _WatchingServer()
    session = SmtpTransport("127.0.0.1", server.port, security="none", timeout=5).open()
    session.send(_envelope("school@school.example.test"))
    session.close()
    server.thread.join(timeout=5)
    lines = server.before_any_reply.split(b"\r\n")
    assert lines[0].startswith(b"MAIL FROM:<pr@office.example.test> SIZE=")
    assert lines[1:] == [b"RCPT TO:<school@school.example.test>", b"DATA", b""]
