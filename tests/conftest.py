"""Shared fixtures: real mail servers on 127.0.0.1 (see tests/servers/)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.servers.dovecot import Dovecot
from tests.servers.smtp import SmtpServer


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server: no TLS, no AUTH, no delay."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def smtp_server_factory() -> Iterator[Callable[..., SmtpServer]]:
    """``make(**SmtpServer options) -> started server``; all are stopped after the test."""
    started: list[SmtpServer] = []

    def make(**options: Any) -> SmtpServer:
        server = SmtpServer(**options).start()
        started.append(server)
        return server

    yield make
    for server in reversed(started):
        server.stop()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the whole run; use ``mailbox`` for a clean state per test."""
    with Dovecot() as server:
        yield server


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Dovecot:
    """The session's Dovecot with both accounts emptied to INBOX, Sent and Trash."""
    if not dovecot.running:  # a previous test stopped it
        dovecot.stop()
        dovecot.start()
    dovecot.reset()
    return dovecot


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The reliability suites' one-line summaries, in CI output with or without ``-s``."""
    from tests.reliability import LINES, SUMMARIES

    lines = LINES + [line for line in (make() for make in SUMMARIES) if line]
    if lines:
        terminalreporter.section("reliability summary")
        for line in lines:
            terminalreporter.write_line(line)
