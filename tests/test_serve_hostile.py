"""``automation serve`` facing hostile clients, over a real socket: bodies are judged by
their Content-Length before a byte is read, threads and time per request are bounded, and
no client ever makes it print a traceback."""

from __future__ import annotations

import logging
import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from automation import config as config_mod
from automation.core.message import office_secret, one_click_url
from automation.inbox.serve import UnsubscribeServer
from automation.ledger.sqlite import SqliteLedger
from automation.logs import LOGGER
from automation.wiring import services
from tests.workspace import make_workspace, table

BASE = "https://pr.office.example.test/u"
MEMBER = "bandonkaew@school.example.test"


@pytest.fixture(autouse=True)
def _own_stderr() -> Iterator[None]:
    """Log handlers an earlier command-line test left on a closed capture stream would
    print the logging module's own tracebacks here; this module's stderr is its own."""
    logger = logging.getLogger(LOGGER)
    kept = list(logger.handlers)
    for handler in kept:
        logger.removeHandler(handler)
    yield
    for handler in kept:
        logger.addHandler(handler)


@pytest.fixture
def office(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "office", f'[unsubscribe]\nbase_url = "{BASE}"\n')


def _start(office: Path, **limits: float) -> tuple[UnsubscribeServer, threading.Thread]:
    server = UnsubscribeServer(services(config_mod.load(office)), "127.0.0.1", 0,
                               **limits)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def server(office: Path) -> Iterator[UnsubscribeServer]:
    running, thread = _start(office)
    yield running
    running.shutdown()
    thread.join(5)


def _link(office: Path) -> str:
    config = config_mod.load(office)
    secret = office_secret(SqliteLedger(config.ledger_path))
    return "/" + one_click_url(BASE, secret, MEMBER).split("/", 3)[3].split("/", 1)[1]


def _connect(server: UnsubscribeServer) -> socket.socket:
    return socket.create_connection(server.address, timeout=5)


def _status(sock: socket.socket) -> int:
    head = b""
    while b"\r\n" not in head:
        chunk = sock.recv(1024)
        if not chunk:
            break
        head += chunk
    return int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0


def _post(server: UnsubscribeServer, path: str, length_headers: str, body: bytes = b"") -> int:
    with _connect(server) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\n{length_headers}"
                     "Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode() + body)
        return _status(sock)


@pytest.mark.parametrize(("headers", "status"), [
    ("", 411),
    ("Transfer-Encoding: chunked\r\n", 411),
    ("Content-Length: -1\r\n", 400),
    ("Content-Length: abc\r\n", 400),
    ("Content-Length: 1e3\r\n", 400),
    ("Content-Length: 5\r\nContent-Length: 7\r\n", 400),
    ("Content-Length: 209715200\r\n", 413),
    ("Content-Length: 99999999999999999999999999\r\n", 413),
])
def test_unusable_lengths_are_refused_before_the_body_is_read(
    office: Path, server: UnsubscribeServer, capsys: pytest.CaptureFixture[str],
    headers: str, status: int,
) -> None:
    # No body is sent at all: an answer proves none was waited for.
    assert _post(server, _link(office), headers) == status
    assert MEMBER not in {str(r["อีเมล"]) for r in table(office.parent / "workbook.xlsx",
                                                           "งดรับข่าว")}
    assert "Traceback" not in capsys.readouterr().err


def test_a_proper_one_click_still_works(office: Path, server: UnsubscribeServer) -> None:
    body = b"List-Unsubscribe=One-Click"
    assert _post(server, _link(office), f"Content-Length: {len(body)}\r\n", body) == 200
    assert MEMBER in {str(r["อีเมล"]) for r in table(office.parent / "workbook.xlsx",
                                                       "งดรับข่าว")}


def test_threads_and_time_per_request_are_bounded(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server, thread = _start(office, threads=2, seconds=1.0)
    try:
        idle = [_connect(server) for _ in range(2)]
        time.sleep(0.2)
        with _connect(server) as third:  # every slot is held by a silent client
            third.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
            assert _status(third) == 503
        # Clients trickling their request are cut when their time is up, not kept for ever.
        for sock in idle:
            assert _cut_after(sock) < 2.5
            sock.close()
        time.sleep(0.3)
        with _connect(server) as again:
            again.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
            assert _status(again) == 200, "the slots are free again"
    finally:
        server.shutdown()
        thread.join(5)
    assert "Traceback" not in capsys.readouterr().err


def _cut_after(sock: socket.socket) -> float:
    """Seconds until the server closes a connection that sends a byte every 0.2 s."""
    started = time.monotonic()
    while time.monotonic() - started < 10:
        readable, _w, _x = select.select([sock], [], [], 0.2)
        if readable:
            try:
                if sock.recv(1024) == b"":
                    break
            except OSError:
                break
        try:
            sock.sendall(b"G")
        except OSError:
            break
    return time.monotonic() - started

