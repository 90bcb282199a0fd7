"""Crash: kill -9 at random points of a 1,000-bulletin send, restart, and check the ledger's
promise — every (item, recipient) delivered, none under two Message-IDs.

One send of 4 approved items × 250 members (plus notices) is interrupted 20 times: each
trial starts `automation run --once` in a subprocess, kills it with SIGKILL once the SMTP
server has seen a randomly drawn number of messages (plus a random few milliseconds, so the
kill lands anywhere between ledger begin, SMTP DATA and ledger finish, or during start-up
and status write-back), and the next trial is the restart. A last run finishes the send.
The same with three SMTP connections. Raw repeats (a message the server got twice with the
same Message-ID, because the kill came after the server accepted it and before the ledger
said so) are reported, not failed: they are the documented at-least-once side.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.reliability import check_deliveries, delivered, kill_when, record, summary
from tests.servers.smtp import ReceivedMessage, SmtpServer
from tests.workload import make_workload, smtp_table

TRIALS = 20
MEMBERS, APPROVED = 250, 4  # 1,000 bulletins


def _run(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "automation.cli", "run", "--once", "--config", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


@pytest.mark.parametrize("connections", [1, 3])
def test_kill_9_during_a_thousand_message_send(tmp_path: Path, connections: int) -> None:
    rng = random.Random(9000 + connections)
    with SmtpServer() as server:
        work = make_workload(tmp_path / "office", members=MEMBERS, approved=APPROVED,
                             mail=smtp_table(server.port, connections=connections, retries=0))
        targets = sorted(rng.sample(range(MEMBERS * APPROVED), TRIALS))
        killed = 0
        for target in targets:
            proc = _run(work.config)
            killed += kill_when(proc, lambda: len(server.messages) >= target,  # noqa: B023
                                rng.uniform(0, 0.03))
        final = _run(work.config)
        _out, err = final.communicate(timeout=180)
        got = delivered(server.messages)
        sessions = server.max_concurrent_sessions
    problems = check_deliveries(got, work, notices=True)
    if final.returncode != 0:
        problems.append(f"final run exit {final.returncode}: {err.decode()[-300:]}")
    if sessions > connections:
        problems.append(f"{sessions} concurrent SMTP sessions, configured {connections}")
    bulletins = len(got.pairs("bulletin"))
    kinds = Counter(kind for kind, _item, _to in got.ids if kind != "bulletin")
    print(record(summary(
        f"crash (kill -9, connections={connections})", TRIALS, len(problems),
        f"{killed} kills landed; {bulletins}/{MEMBERS * APPROVED} bulletins delivered "
        f"(+ notices {dict(sorted(kinds.items()))}), {got.doubled} pairs under two "
        f"Message-IDs, raw repeats {got.repeats}",
    )))
    assert not problems, problems
    assert killed >= TRIALS - 2  # nearly every trial really interrupted a send


def test_kill_9_between_publishing_and_telling_the_submitter(tmp_path: Path) -> None:
    """The worker dies while the "published" notice is on the wire, after the item was
    recorded as published: the restart must still tell the submitter, under the same
    Message-ID."""
    victim: list[subprocess.Popen[bytes]] = []

    def kill_on_notice(message: ReceivedMessage) -> None:
        if b"X-PR-Kind: approved" in message.data and victim:
            victim[0].send_signal(signal.SIGKILL)

    with SmtpServer(on_message=kill_on_notice) as server:
        work = make_workload(tmp_path / "office", members=5, approved=1,
                             mail=smtp_table(server.port, retries=0))
        victim.append(_run(work.config))
        victim[0].wait(timeout=60)
        killed = victim[0].returncode == -signal.SIGKILL
        victim.clear()
        final = _run(work.config)
        final.communicate(timeout=60)
        got = delivered(server.messages)
    problems = check_deliveries(got, work, notices=True)
    print(record(summary("crash (kill -9 between publishing and the submitter's notice)", 1,
                  len(problems) + (not killed), f"raw repeats {got.repeats}")))
    assert killed
    assert not problems, problems
