"""Provider replies: each quota, throttling and refusal reply of Gmail / Google Workspace and
Microsoft 365 is read for what it is, no recipient is blamed for the account's limits, and
sending resumes and completes when the provider allows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from automation import config as config_mod
from automation.core.quota import Quota
from automation.errors import ConfigError
from automation.ledger.sqlite import SqliteLedger
from automation.mail.replies import DEFAULT_RULES, classify, rules
from automation.mail.settings import ReplyConfig
from tests.mail_sim import MONDAY, Office, make_office, member_email
from tests.servers.smtp import SmtpServer
from tests.workload import quiet

Factory = Callable[..., SmtpServer]

GMAIL_QUOTA = "550 5.4.5 Daily user sending quota exceeded. https://support.google.com/a/answer/166852"
GMAIL_RELAY = "550 5.4.5 Daily SMTP relay limit exceeded for customer. For more information..."
GMAIL_LATER = "421 4.7.0 Try again later, closing connection."
GMAIL_RCPTS = "452 4.5.3 Your message has too many recipients."
M365_QUOTA = ("554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; "
              "Failed to process message due to a permanent exception")
M365_SESSIONS = "432 4.3.2 Concurrent connections limit exceeded. Visit https://aka.ms/x"
M365_THROTTLED = [
    "550 5.2.251 Sender throttled due to continuous mailbox full errors.",
    "550 5.2.252 Sender throttled due to continuous send as denied errors.",
    "550 5.2.253 Sender throttled due to continuous invalid license errors.",
    "550 5.2.254 Sender throttled due to continuous too many recipients errors.",
    "550 5.2.255 Sender throttled due to continuous invalid recipients errors.",
]
NO_SUCH_USER = "550 5.1.1 The email account that you tried to reach does not exist."


def _split(reply: str) -> tuple[int, str]:
    code, _, text = reply.partition(" ")
    return int(code), text


@pytest.mark.parametrize(("reply", "verdict"), [
    (GMAIL_QUOTA, "quota"),
    (GMAIL_RELAY, "quota"),
    (GMAIL_LATER, "throttle"),
    (GMAIL_RCPTS, "throttle"),
    (M365_QUOTA, "quota"),
    (M365_SESSIONS, "throttle"),
    *[(reply, "stop") for reply in M365_THROTTLED],
    (NO_SUCH_USER, "recipient"),
    ("535 5.7.8 Username and Password not accepted.", "stop"),
    # a recipient's full mailbox is that recipient's problem, not the account's quota
    ("452 4.2.2 The email account that you tried to reach is over quota.", "retry"),
    ("451 4.3.0 Temporary local problem - please try later", "retry"),
    ("454 Throttling failure: Daily message quota exceeded.", "quota"),
    ("250 2.0.0 OK", "ok"),
])
def test_each_reply_is_classified(reply: str, verdict: str) -> None:
    assert classify(*_split(reply)).verdict == verdict


def test_multi_line_replies_are_read_as_one() -> None:
    assert classify(421, "4.7.0 Try again later,\n4.7.0 closing connection.").verdict == "throttle"


def test_office_rules_come_first_and_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "schedule.toml"
    base = '[sheets]\nworkbook = "w.xlsx"\n[mail]\noutbox = "o"\n'
    path.write_text(base + '[[mail.replies]]\npattern = "4\\\\.7\\\\.28"\nverdict = "quota"\n'
                    '[[mail.replies]]\npattern = "mailbox unavailable"\nverdict = "retry"\n'
                    'note = "the relay says this for a full mailbox"\n', encoding="utf-8")
    config = config_mod.load(path)
    assert config.mail.replies == [
        ReplyConfig(r"4\.7\.28", "quota"),
        ReplyConfig("mailbox unavailable", "retry", "the relay says this for a full mailbox"),
    ]
    table = rules(config.mail.replies)
    assert table[2:] == DEFAULT_RULES
    assert classify(421, "4.7.28 unusual rate of mail", table).verdict == "quota"
    assert classify(421, "4.7.28 unusual rate of mail").verdict == "throttle"
    assert classify(550, "5.2.1 mailbox unavailable", table).verdict == "retry"
    for bad, says in (
        ('pattern = "4.7.(28"\nverdict = "quota"', "not a regular expression"),
        ('pattern = "x"\nverdict = "maybe"', "'mail.replies[0].verdict'"),
        ('pattern = " "\nverdict = "quota"', "empty"),
        ('verdict = "quota"', "ต้องมี 'mail.replies[0].pattern'"),
    ):
        path.write_text(base + "[[mail.replies]]\n" + bad + "\n", encoding="utf-8")
        with pytest.raises(ConfigError) as err:
            config_mod.load(path)
        assert says in str(err.value)


# -- against the SMTP server: the reply at a chosen message ---------------------------------

QUIET = '[bulletin]\nmode = "digest"\n' + quiet()
MEMBERS = 20
AT = 7  # the reply answers the seventh message


def digest_office(tmp_path: Path, factory: Factory, **server: object) -> Office:
    office = make_office(tmp_path / "office", factory, members=MEMBERS, toml=QUIET,
                         mail="connections = 1\n", **server)
    office.cycle()
    office.submit("ข่าวทดสอบคำตอบของผู้ให้บริการ")
    office.decide("ข่าวทดสอบคำตอบของผู้ให้บริการ", True)
    office.at(MONDAY + timedelta(hours=1))
    return office


def assert_complete(office: Office, failed: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    got = Counter(r.rcpt for r in office.of_kind("digest"))
    assert set(got) == {member_email(n) for n in range(1, MEMBERS + 1)} - failed
    ids = Counter((r.rcpt, r.message_id) for r in office.of_kind("digest"))
    assert len(ids) == len(got), "one Message-ID per recipient"
    rows = office.ledger.deliveries(kind="digest")
    assert {r.recipient for r in rows if r.status == "failed"} == failed
    assert {r.status for r in rows} <= {"sent", "failed"}


@pytest.mark.parametrize("reply", [GMAIL_QUOTA, GMAIL_RELAY, M365_QUOTA])
def test_quota_reply_stops_for_the_window_and_resumes_when_it_frees(
    tmp_path: Path, smtp_server_factory: Factory, reply: str
) -> None:
    office = digest_office(tmp_path, smtp_server_factory, script={AT: reply})
    slot = MONDAY.replace(hour=15)
    report = office.at(slot)
    assert len(office.received) == AT - 1
    assert any("quota" in n and reply[:9] in n for n in report.notes), report.notes
    refused = office.ledger.get(f"digest:D-20260302-1500:{member_email(AT)}")
    assert refused is not None and refused.status == "pending" and reply[:9] in refused.error
    assert not [d for d in office.ledger.deliveries() if d.status == "failed"]
    quota = office.worker.dispatcher.quota
    until, why = quota.blocked(office.clock.now)
    # the window frees when the first of today's messages is 24 hours old
    assert until == slot + timedelta(hours=24) and reply[:9] in why
    # a restart keeps the stop; the next cycles send nothing, not even a retry
    fresh = Quota(quota.limits, SqliteLedger(office.config.ledger_path))
    assert fresh.blocked(office.clock.now)[0] == until
    later = office.at(slot + timedelta(hours=5))
    # the digests wait, and so does the warning to the officer and the director
    assert later.sent == later.notices == 0 and later.deferred == MEMBERS - AT + 1 + 2
    assert any("sending paused until 2026-03-03 15:00" in n for n in later.notes)
    from automation.core.sendstatus import status_lines

    lines = status_lines(office.config, office.ledger, quota, office.clock.now)
    assert any(line.startswith("  หยุดส่งอีเมลถึง 3 มีนาคม 2569 เวลา 15:00 น.") for line in lines)
    assert office.at(until + timedelta(minutes=1)).sent == MEMBERS - AT + 1
    assert_complete(office)


@pytest.mark.parametrize("reply", M365_THROTTLED)
def test_throttled_mailbox_stops_and_tells_the_officer(
    tmp_path: Path, smtp_server_factory: Factory, reply: str
) -> None:
    office = digest_office(tmp_path, smtp_server_factory, script={AT: reply})
    report = office.at(MONDAY.replace(hour=15))
    assert len(office.received) == AT - 1
    assert any("a person must fix it" in n and reply[:9] in n for n in report.notes)
    assert not [d for d in office.ledger.deliveries() if d.status == "failed"]
    until, _why = office.worker.dispatcher.quota.blocked(office.clock.now)
    assert until is not None and until - office.clock.now <= timedelta(hours=1)
    assert office.at(until + timedelta(minutes=1)).sent == MEMBERS - AT + 1
    assert_complete(office)


@pytest.mark.parametrize("reply", [GMAIL_LATER, GMAIL_RCPTS, M365_SESSIONS])
def test_throttle_backs_off_and_the_same_cycle_completes(
    tmp_path: Path, smtp_server_factory: Factory, reply: str
) -> None:
    office = digest_office(tmp_path, smtp_server_factory, script={AT: reply})
    slept = office.clock.slept
    report = office.at(MONDAY.replace(hour=15))
    assert report.sent == MEMBERS and report.deferred == 0 and report.failed == 0
    assert office.clock.slept - slept >= 1.0, "it backed off before trying again"
    if reply.startswith("421"):
        assert office.server.sessions >= 2, "the provider closed the connection"
    assert_complete(office)


def test_a_throttle_that_persists_waits_for_a_later_cycle(
    tmp_path: Path, smtp_server_factory: Factory
) -> None:
    office = digest_office(tmp_path, smtp_server_factory,
                           script={n: GMAIL_LATER for n in range(AT, AT + 3)})
    report = office.at(MONDAY.replace(hour=15))
    assert len(office.received) == AT - 1 and report.failed == 0
    assert any("slow down" in n for n in report.notes)
    row = office.ledger.get(f"digest:D-20260302-1500:{member_email(AT)}")
    assert row is not None and row.status == "pending" and row.attempts == 3
    until, _why = office.worker.dispatcher.quota.blocked(office.clock.now)
    assert until is not None
    assert office.at(until + timedelta(minutes=1)).sent == MEMBERS - AT + 1
    assert_complete(office)


def test_no_such_user_fails_that_recipient_only(
    tmp_path: Path, smtp_server_factory: Factory
) -> None:
    gone = member_email(AT)
    office = digest_office(tmp_path, smtp_server_factory, fail_rcpt={gone: NO_SUCH_USER})
    report = office.at(MONDAY.replace(hour=15))
    assert report.sent == MEMBERS - 1 and report.failed == 1 and report.deferred == 0
    assert office.worker.dispatcher.quota.blocked(office.clock.now) == (None, "")
    assert_complete(office, failed={gone})
    assert office.at(MONDAY.replace(hour=16)).sent == 0, "a permanent failure is not retried"


def test_an_office_rule_turns_a_reply_into_a_quota_stop(
    tmp_path: Path, smtp_server_factory: Factory
) -> None:
    reply = "421 4.7.28 Our system has detected an unusual rate of unsolicited mail."
    office = make_office(
        tmp_path / "office", smtp_server_factory, members=MEMBERS,
        toml=QUIET + '[[mail.replies]]\npattern = "4\\\\.7\\\\.28"\nverdict = "quota"\n',
        mail="connections = 1\n", script={AT: reply},
    )
    office.cycle()
    office.submit("ข่าวทดสอบกฎของสำนักงาน")
    office.decide("ข่าวทดสอบกฎของสำนักงาน", True)
    office.at(MONDAY.replace(hour=15))
    until, why = office.worker.dispatcher.quota.blocked(office.clock.now)
    assert until is not None and "4.7.28" in why
    assert office.at(until + timedelta(minutes=1)).sent == MEMBERS - AT + 1
    assert_complete(office)
