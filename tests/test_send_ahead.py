"""Each session builds the next message while the provider answers the current one, and a
message that cannot be built is never half-sent: the ones before it arrive, it and the
ones after it wait for the next run, and no message arrives twice."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from automation.core.dispatch import Dispatcher, DispatchPolicy, Outgoing
from automation.ledger.sqlite import SqliteLedger
from automation.mail.smtp import SmtpTransport
from automation.ports import Envelope
from tests.servers.smtp import SmtpServer

SENDER = "pr@office.example.test"
NOW = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


def _envelope(n: int) -> Envelope:
    recipient = f"school{n}@school.example.test"
    msg = EmailMessage()
    msg["From"] = SENDER
    msg["To"] = recipient
    msg["Subject"] = f"ข่าว {n}"
    msg["Message-ID"] = f"<n{n}@office.example.test>"
    msg.set_content("ข่าวประชาสัมพันธ์\n")
    return Envelope(f"bulletin:N-1:{recipient}", "bulletin", "N-1", recipient,
                    f"<n{n}@office.example.test>", SENDER, msg)


def _outgoing(n: int, build: Callable[[], Envelope]) -> Outgoing:
    env = _envelope(n)
    return Outgoing(env.key, env.kind, env.item_id, env.recipient, env.priority, build)


def _dispatcher(tmp_path: Path, port: int, connections: int = 1) -> Dispatcher:
    return Dispatcher(SqliteLedger(tmp_path / "ledger.sqlite3"),
                      SmtpTransport("127.0.0.1", port, security="none", timeout=10),
                      lambda: NOW, DispatchPolicy(connections=connections, rate_per_minute=10**6,
                                                  daily_limit=1000, retries=1))


class _HoldingServer:
    """A bare SMTP responder (no PIPELINING) that holds its answer to the first MAIL FROM
    until ``released`` is set, at most 5 s, and notes whether it came in time."""

    def __init__(self, messages: int) -> None:
        self.released = threading.Event()
        self.in_time: bool | None = None
        self.data: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, args=(messages,), daemon=True)
        self.thread.start()

    def _serve(self, messages: int) -> None:
        conn, _ = self.listener.accept()
        conn.settimeout(10)
        reader = conn.makefile("rb")
        with conn, reader:
            conn.sendall(b"220 mail.example.test ESMTP\r\n")
            reader.readline()
            conn.sendall(b"250-mail.example.test\r\n250 SIZE 1000000\r\n")
            for n in range(messages):
                assert reader.readline().startswith(b"MAIL FROM:")
                if n == 0:
                    self.in_time = self.released.wait(5)
                conn.sendall(b"250 2.1.0 ok\r\n")
                assert reader.readline().startswith(b"RCPT TO:")
                conn.sendall(b"250 2.1.5 ok\r\n")
                assert reader.readline() == b"DATA\r\n"
                conn.sendall(b"354 go ahead\r\n")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    data += reader.readline()
                self.data.append(data)
                conn.sendall(b"250 2.0.0 queued\r\n")
            reader.readline()
            conn.sendall(b"221 bye\r\n")


def test_the_next_message_is_built_while_the_provider_answers(tmp_path: Path) -> None:
    server = _HoldingServer(messages=2)
    built: list[int] = []

    def build(n: int) -> Callable[[], Envelope]:
        def make() -> Envelope:
            built.append(n)
            if n == 2:
                server.released.set()  # the provider still holds its answer to message 1
            return _envelope(n)
        return make

    result = _dispatcher(tmp_path, server.port).send([_outgoing(1, build(1)),
                                                      _outgoing(2, build(2))])
    server.thread.join(timeout=10)
    assert server.in_time is True, "message 2 was built only after message 1 was answered"
    assert built == [1, 2] and result.sent == 2
    assert len(server.data) == 2
    assert b"Message-ID: <n1@" in server.data[0] and b"Message-ID: <n2@" in server.data[1]


@pytest.mark.parametrize("connections", [1, 3])
def test_a_message_that_cannot_be_built_holds_only_itself_and_what_follows(
    tmp_path: Path, connections: int,
) -> None:
    broken = {4}

    def build(n: int) -> Callable[[], Envelope]:
        def make() -> Envelope:
            if n in broken:
                raise RuntimeError(f"template cannot render message {n}")
            return _envelope(n)
        return make

    plans = [_outgoing(n, build(n)) for n in range(1, 9)]
    with SmtpServer(pipelining=False) as server:
        dispatcher = _dispatcher(tmp_path, server.port, connections)
        with pytest.raises(RuntimeError, match="message 4"):
            dispatcher.send(plans)
        first = sorted(m.rcpt_tos[0] for m in server.messages)
        assert "school4@school.example.test" not in first
        if connections == 1:  # one session: strictly in order, nothing after the broken one
            assert first == [f"school{n}@school.example.test" for n in (1, 2, 3)]
        broken.clear()  # the officer fixes the template; the next run sends the rest
        again = dispatcher.send(plans)
        server.wait_for(8)
        got = sorted(m.rcpt_tos[0] for m in server.messages)
    assert got == sorted(f"school{n}@school.example.test" for n in range(1, 9))
    assert again.skipped == len(first) and again.sent == 8 - len(first)
