"""An aiosmtpd server on 127.0.0.1 standing in for the office's SMTP provider.

    with SmtpServer(tls=True, auth=True, delay=0.02) as server:
        with smtplib.SMTP(server.host, server.port) as smtp:
            smtp.starttls(context=ssl.create_default_context(cafile=server.cafile))
            smtp.login(server.username, server.password)
            smtp.send_message(msg)
        server.wait_for(1)
        assert server.messages[0].message["Subject"] == "ข่าวประชาสัมพันธ์"

Behaviour a provider shows and the worker must cope with can be switched on:

* ``tls`` — STARTTLS offered and required before any mail command; AUTH only after it.
* ``auth`` — AUTH LOGIN/PLAIN required before MAIL, checked against ``username`` and
  ``password`` (``username=None`` accepts any credentials). Without ``tls`` AUTH is
  allowed in clear text, as a plain test server needs.
* ``delay`` — seconds waited before every reply (one per reply, not per line of a
  multi-line reply), to model a distant provider's round trip.
* ``script`` — ``{n: reply}``: the n-th attempt, counted server-wide from 1 across all
  sessions, gets ``reply`` instead of the normal one. ``script_stage="data"`` (default)
  counts completed DATA transfers and replies after the message text was received (where
  a provider reports a quota); ``script_stage="rcpt"`` counts RCPT TO commands, whatever
  their outcome. A reply is a single SMTP line such as ``"550 5.4.5 Daily user sending
  quota exceeded"``; a ``421`` reply is followed by closing the connection, as RFC 5321
  requires, and the special reply ``"drop"`` closes the connection with no reply at all.
  A non-2xx scripted DATA reply means the message is not recorded.
* ``pipelining`` — PIPELINING (RFC 2920) advertised in the EHLO reply, as Gmail and
  Microsoft 365 do (default on); aiosmtpd reads commands line by line, so a client may
  send MAIL, RCPT and DATA together.
* ``fail_rcpt`` — ``{address: reply}``: RCPT TO for that address (case-insensitive)
  always gets ``reply`` (``"drop"`` and ``421`` behave as in ``script``); a scripted
  RCPT reply wins over it.
"""

from __future__ import annotations

import asyncio
import email.policy
import functools
import re
import shutil
import ssl
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path
from typing import Any, AnyStr, Literal, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.servers import self_signed_cert

DROP = "drop"
ScriptStage = Literal["rcpt", "data"]
_REPLY_LINE = re.compile(r"[2-5]\d\d( [^\r\n]*)?")


@dataclass(frozen=True)
class ReceivedMessage:
    """One message the server accepted, as the provider would have queued it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    message_id: str | None
    session: int  # 1-based number of the connection that delivered it
    username: str | None  # the AUTH login used, if any
    tls: bool  # whether it arrived over STARTTLS

    @functools.cached_property
    def message(self) -> EmailMessage:
        # Parsed on first use so a benchmark sink does not pay for parsing.
        parsed = BytesParser(policy=email.policy.default).parsebytes(self.data)
        assert isinstance(parsed, EmailMessage)
        return parsed


class _Stats:
    """Counters shared between the server thread and the test thread."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.messages: list[ReceivedMessage] = []
        self.sessions = 0
        self.active = 0
        self.peak = 0
        self.rcpt_attempts = 0
        self.data_attempts = 0

    def opened(self) -> int:
        with self.changed:
            self.sessions += 1
            self.active += 1
            self.peak = max(self.peak, self.active)
            return self.sessions

    def closed(self) -> None:
        with self.changed:
            self.active -= 1
            self.changed.notify_all()

    def next_attempt(self, stage: ScriptStage) -> int:
        with self.changed:
            if stage == "rcpt":
                self.rcpt_attempts += 1
                return self.rcpt_attempts
            self.data_attempts += 1
            return self.data_attempts

    def add(self, record: ReceivedMessage) -> int:
        with self.changed:
            self.messages.append(record)
            self.changed.notify_all()
            return len(self.messages)


class _Session(Session):
    # A plain attribute: aiosmtpd's property only logs a deprecation warning on each AUTH.
    login_data: Any = None


class _ProviderSMTP(SMTP):
    """aiosmtpd's SMTP with per-reply delay, connection counting and scripted drops."""

    def __init__(
        self, handler: _Handler, *, counted: bool, delay: float, auth_required: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(handler, **kwargs)
        # Set after construction: passing auth_required without auth_require_tls makes
        # aiosmtpd warn on every connection, and clear-text AUTH is wanted without tls.
        self._auth_required = auth_required
        self.number = 0
        self.drop_pending = False
        self.close_after_reply = False
        self._stats = handler.stats
        self._counted = counted
        self._delay = delay
        self._open = False

    def _create_session(self) -> Session:
        return _Session(self.loop)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Called again with the TLS transport after STARTTLS; count the connection once.
        first = self.transport is None
        super().connection_made(transport)
        if first and self._counted:
            self._open = True
            self.number = self._stats.opened()

    def connection_lost(self, error: Exception | None) -> None:
        if self._open:
            self._open = False
            self._stats.closed()
        super().connection_lost(error)

    async def push(self, status: AnyStr) -> None:
        if self.drop_pending:
            self.drop_pending = False
            self._close()
            return
        line = status.decode("utf-8", "replace") if isinstance(status, bytes) else status
        if self._delay and line[3:4] != "-":
            await asyncio.sleep(self._delay)
        await super().push(status)
        if self.close_after_reply:
            self.close_after_reply = False
            self._close()

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class _Handler:
    """aiosmtpd hooks: scripted replies, refused recipients, recording."""

    def __init__(
        self, *, script: Mapping[int, str], script_stage: ScriptStage,
        fail_rcpt: Mapping[str, str], username: str | None, password: str | None,
        on_message: Callable[[ReceivedMessage], None] | None, pipelining: bool = True,
    ) -> None:
        self.stats = _Stats()
        self.pipelining = pipelining
        self.script = dict(script)
        self.script_stage = script_stage
        self.fail_rcpt = {address.lower(): reply for address, reply in fail_rcpt.items()}
        self.username = username
        self.password = password
        self.on_message = on_message

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        if self.pipelining:
            responses.insert(len(responses) - 1, "250-PIPELINING")
        return responses

    async def handle_RCPT(
        self, server: _ProviderSMTP, session: Session, envelope: Envelope,
        address: str, rcpt_options: list[str],
    ) -> str:
        reply = None
        if self.script_stage == "rcpt":
            reply = self.script.get(self.stats.next_attempt("rcpt"))
        if reply is None:
            reply = self.fail_rcpt.get(address.lower())
        if reply is None or reply.startswith("2"):
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(rcpt_options)
            return reply or "250 2.1.5 OK"
        return _refuse(server, reply)

    async def handle_DATA(
        self, server: _ProviderSMTP, session: Session, envelope: Envelope,
    ) -> str:
        reply = None
        if self.script_stage == "data":
            reply = self.script.get(self.stats.next_attempt("data"))
        if reply is not None and not reply.startswith("2"):
            return _refuse(server, reply)
        data = envelope.original_content or b""
        message_id = BytesHeaderParser(policy=email.policy.default).parsebytes(data)["Message-ID"]
        record = ReceivedMessage(
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=data,
            message_id=None if message_id is None else str(message_id),
            session=server.number,
            username=session.auth_data if isinstance(session.auth_data, str) else None,
            tls=session.ssl is not None,
        )
        count = self.stats.add(record)
        if self.on_message is not None:
            self.on_message(record)
        return reply or f"250 2.0.0 OK queued as {count}"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any,
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        ok = self.username is None or (login == self.username and password == self.password)
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)


def _refuse(server: _ProviderSMTP, reply: str) -> str:
    if reply == DROP:
        server.drop_pending = True
        return "421 4.4.2 connection dropped"  # never sent: push() closes instead
    if reply.startswith("421"):
        server.close_after_reply = True
    return reply


class _Controller(Controller):
    def __init__(self, handler: _Handler, make_smtp: Callable[[bool], SMTP], port: int) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=port)
        self._make_smtp = make_smtp
        self.live = False

    def factory(self) -> SMTP:
        # The controller's own start-up probe connection is not a client session.
        return self._make_smtp(self.live)

    def _trigger_server(self) -> None:
        # Bound to port 0 by default: learn the real port before the start-up probe connects.
        server = cast(asyncio.Server, self.server)
        self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class SmtpServer:
    """A real SMTP server on 127.0.0.1 and a free port; see the module docstring."""

    host = "127.0.0.1"

    def __init__(
        self,
        *,
        tls: bool = False,
        auth: bool = False,
        username: str | None = "pr-office@example.test",
        password: str | None = "smtp-secret",
        delay: float = 0.0,
        script: Mapping[int, str] | None = None,
        script_stage: ScriptStage = "data",
        fail_rcpt: Mapping[str, str] | None = None,
        on_message: Callable[[ReceivedMessage], None] | None = None,
        port: int = 0,
        pipelining: bool = True,
    ) -> None:
        """``on_message`` is called in the server thread for each accepted message;
        ``port=0`` picks a free port."""
        if script_stage not in ("rcpt", "data"):
            raise ValueError(f"script_stage must be 'rcpt' or 'data', not {script_stage!r}")
        for reply in [*(script or {}).values(), *(fail_rcpt or {}).values()]:
            if reply != DROP and not _REPLY_LINE.fullmatch(reply):
                raise ValueError(f"not a one-line SMTP reply or {DROP!r}: {reply!r}")
        if any(n < 1 for n in (script or {})):
            raise ValueError("script counts attempts from 1")
        self.tls = tls
        self.auth = auth
        self.username = username
        self.password = password
        self.delay = delay
        self.port = port
        self.cafile: str | None = None
        self._handler = _Handler(
            script=script or {}, script_stage=script_stage, fail_rcpt=fail_rcpt or {},
            username=username, password=password, on_message=on_message,
            pipelining=pipelining,
        )
        self._tls_context: ssl.SSLContext | None = None
        self._tempdir: Path | None = None
        self._controller: _Controller | None = None

    def start(self) -> SmtpServer:
        if self._controller is not None:
            raise RuntimeError("SMTP server already running")
        if self.tls:
            self._tempdir = Path(tempfile.mkdtemp(prefix="smtp-test-tls-"))
            cert, key = self_signed_cert(self._tempdir)
            self._tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._tls_context.load_cert_chain(cert, key)
            self.cafile = str(cert)
        controller = _Controller(self._handler, self._make_smtp, self.port)
        try:
            controller.start()
        except BaseException:
            self._remove_tempdir()
            raise
        controller.live = True
        self._controller = controller
        self.port = controller.port
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()
        self._remove_tempdir()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def messages(self) -> list[ReceivedMessage]:
        """A snapshot of the accepted messages, in order of acceptance."""
        with self._handler.stats.changed:
            return list(self._handler.stats.messages)

    @property
    def sessions(self) -> int:
        """Connections opened by clients so far."""
        with self._handler.stats.changed:
            return self._handler.stats.sessions

    @property
    def active_sessions(self) -> int:
        with self._handler.stats.changed:
            return self._handler.stats.active

    @property
    def max_concurrent_sessions(self) -> int:
        """Most client connections that were open at the same time."""
        with self._handler.stats.changed:
            return self._handler.stats.peak

    def wait_for(self, n: int, timeout: float = 5.0) -> None:
        """Block until at least ``n`` messages were accepted; AssertionError after timeout."""
        stats = self._handler.stats
        with stats.changed:
            if not stats.changed.wait_for(lambda: len(stats.messages) >= n, timeout):
                raise AssertionError(
                    f"SMTP server got {len(stats.messages)} of {n} messages in {timeout} s"
                )

    def _make_smtp(self, counted: bool) -> SMTP:
        return _ProviderSMTP(
            self._handler,
            counted=counted,
            delay=self.delay,
            auth_required=self.auth,
            hostname="smtp.example.test",
            enable_SMTPUTF8=True,
            tls_context=self._tls_context,
            require_starttls=self.tls,
            auth_require_tls=self.tls,
            authenticator=self._handler.authenticate,
            # A test that waits on a hung client should fail quickly, not after 5 min.
            timeout=60,
        )

    def _remove_tempdir(self) -> None:
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None
