"""A sink that delays every reply *line* by one round trip, for comparing with the figures
of the reference sink in the issue (``shared/reference/smtp-sink``), which does the same.

``benchmarks/provider_sink.py`` delays each reply once, as a network would (a multi-line
EHLO reply arrives in one packet). Delaying every line instead makes each EHLO cost seven
round trips, which weighs on a client that reconnects for every message (mailmerge says
EHLO twice per message) and hardly at all on one that keeps its connection.

    with LineDelaySink(rtt_ms=20) as sink: ... sink.port, sink.cafile, sink.accepted ...
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import tempfile
import threading
from pathlib import Path
from typing import Any, AnyStr

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from tests.servers import self_signed_cert


class _Count:
    def __init__(self) -> None:
        self.accepted = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.accepted += 1
        return "250 2.0.0 OK"


class _Session(Session):
    # A plain attribute: aiosmtpd's property logs a deprecation warning on each AUTH.
    login_data: Any = None


class _EveryLine(SMTP):
    delay = 0.0

    def _create_session(self) -> Session:
        return _Session(self.loop)

    async def push(self, status: AnyStr) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        await super().push(status)


class LineDelaySink:
    host = "127.0.0.1"

    def __init__(self, rtt_ms: float = 20.0) -> None:
        self.delay = rtt_ms / 1000
        self._count = _Count()
        self._folder = Path(tempfile.mkdtemp(prefix="line-sink-"))
        cert, key = self_signed_cert(self._folder)
        self.cafile = str(cert)
        self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._tls.load_cert_chain(cert, key)
        with socket.socket() as probe:
            probe.bind((self.host, 0))
            self.port = int(probe.getsockname()[1])
        self._controller: Controller | None = None

    @property
    def accepted(self) -> int:
        with self._count.lock:
            return self._count.accepted

    def _smtp(self) -> SMTP:
        server = _EveryLine(
            self._count, tls_context=self._tls, require_starttls=True, auth_require_tls=True,
            authenticator=lambda *_args: AuthResult(success=True), hostname="sink.example.test",
        )
        server.delay = self.delay
        return server

    def __enter__(self) -> LineDelaySink:
        sink = self

        class _Controller(Controller):
            def factory(self) -> SMTP:
                return sink._smtp()

        self._controller = _Controller(self._count, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._controller is not None:
            self._controller.stop()
        shutil.rmtree(self._folder, ignore_errors=True)
