"""The reference provider sink (``shared/reference/smtp-sink``), with a stopwatch at the sink.

Like the reference, every reply *line* waits one round trip (a multi-line EHLO costs one
per line), STARTTLS and AUTH are required (any login is accepted) and PIPELINING is not
offered, so every client pays the same round trips the issue's figures were taken with.

The sink also times what it sees, so every sender is measured over the same span from
the server's side: ``first_connect`` (the first client connection after ``reset()``),
``last_accept`` (the last message taken, when its 250 is being sent), the messages and
their size on the wire. ``keep=True`` keeps the messages themselves, to compare contents.

    with LineDelaySink(rtt_ms=20) as sink:
        sink.reset(); ...a sender runs...; sink.send_seconds, sink.accepted, sink.mean_kb
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, AnyStr

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from tests.servers import self_signed_cert


class _Record:
    """What the sink saw since the last reset; shared with the server thread."""

    def __init__(self, keep: bool) -> None:
        self.lock = threading.Lock()
        self.keep = keep
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.first_connect: float | None = None
            self.last_accept: float | None = None
            self.accepted = 0
            self.bytes = 0
            self.messages: list[bytes] = []

    def connected(self) -> None:
        with self.lock:
            if self.first_connect is None:
                self.first_connect = time.perf_counter()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        with self.lock:
            self.accepted += 1
            self.bytes += len(data)
            self.last_accept = time.perf_counter()
            if self.keep:
                self.messages.append(data)
        return "250 2.0.0 OK"


class _Session(Session):
    # A plain attribute: aiosmtpd's property logs a deprecation warning on each AUTH.
    login_data: Any = None


class _EveryLine(SMTP):
    delay = 0.0
    record: _Record | None = None

    def _create_session(self) -> Session:
        return _Session(self.loop)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Called again with the TLS transport after STARTTLS; the first call is the connect.
        if self.transport is None and self.record is not None:
            self.record.connected()
        super().connection_made(transport)

    async def push(self, status: AnyStr) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        await super().push(status)


class LineDelaySink:
    host = "127.0.0.1"

    def __init__(self, rtt_ms: float = 20.0, keep: bool = False) -> None:
        self.delay = rtt_ms / 1000
        self._record = _Record(keep)
        self._folder = Path(tempfile.mkdtemp(prefix="line-sink-"))
        cert, key = self_signed_cert(self._folder)
        self.cafile = str(cert)
        self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._tls.load_cert_chain(cert, key)
        with socket.socket() as probe:
            probe.bind((self.host, 0))
            self.port = int(probe.getsockname()[1])
        self._controller: Controller | None = None

    def reset(self) -> None:
        """Forget what was seen: the next connection starts the next measurement."""
        self._record.reset()

    @property
    def accepted(self) -> int:
        with self._record.lock:
            return self._record.accepted

    @property
    def send_seconds(self) -> float:
        """First connection to last message accepted (0 when nothing arrived)."""
        with self._record.lock:
            first, last = self._record.first_connect, self._record.last_accept
        return 0.0 if first is None or last is None else last - first

    @property
    def mean_kb(self) -> float:
        """Mean size of the accepted messages on the wire, in KB (1,000 bytes)."""
        with self._record.lock:
            return self._record.bytes / self._record.accepted / 1000 if self._record.accepted \
                else 0.0

    @property
    def messages(self) -> list[bytes]:
        with self._record.lock:
            return list(self._record.messages)

    def _smtp(self) -> SMTP:
        server = _EveryLine(
            self._record, tls_context=self._tls, require_starttls=True, auth_require_tls=True,
            authenticator=lambda *_args: AuthResult(success=True), hostname="sink.example.test",
        )
        server.delay = self.delay
        server.record = self._record
        return server

    def __enter__(self) -> LineDelaySink:
        sink = self

        class _Controller(Controller):
            def factory(self) -> SMTP:
                return sink._smtp()

        self._controller = _Controller(self._record, hostname=self.host, port=self.port)
        self._controller.start()
        self.reset()  # the controller's own start-up probe is not a client
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._controller is not None:
            self._controller.stop()
        shutil.rmtree(self._folder, ignore_errors=True)
