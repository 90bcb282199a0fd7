"""The provider's quota as a budget over the ledger's rolling 24-hour window: presets and
overrides, priorities when the budget is short, when the window frees, one warning a day."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import Message
from pathlib import Path

import pytest

from automation import config as config_mod
from automation.core.quota import Budget, Limits, Quota
from automation.errors import ConfigError
from automation.ledger.sqlite import SqliteLedger
from automation.ports import DeliveryRecord, Envelope
from tests.mail_sim import DIRECTOR, MONDAY, OFFICER, make_office, member_email
from tests.servers.smtp import SmtpServer

Factory = Callable[..., SmtpServer]
BASE = '[sheets]\nworkbook = "w.xlsx"\n[mail]\noutbox = "o"\nsender = "pr@office.example.test"\n'


def load(tmp_path: Path, text: str) -> config_mod.Config:
    path = tmp_path / "schedule.toml"
    path.write_text(BASE + text, encoding="utf-8")
    return config_mod.load(path)


def test_without_a_quota_table_the_mail_keys_apply(tmp_path: Path) -> None:
    got = load(tmp_path, "rate_per_minute = 40\ndaily_limit = 900\nconnections = 2\n").mail.limits()
    assert (got.preset, got.messages_per_day, got.messages_per_minute, got.connections) == (
        "custom", 900, 40, 2)
    assert got.recipients_per_day is None and got.external_recipients_per_day is None
    assert got.reserve == 45  # 5 % of the day: the notices' share
    assert got.internal_domains == frozenset({"office.example.test"})


@pytest.mark.parametrize(("preset", "day", "external", "per_minute", "connections"), [
    ("workspace", 2000, 3000, 60, 3),
    ("workspace-trial", 500, 500, 60, 3),
    ("gmail", 500, 500, 60, 3),
    ("microsoft365", 10000, None, 30, 3),
])
def test_presets_give_the_providers_limits(
    tmp_path: Path, preset: str, day: int, external: int | None, per_minute: int,
    connections: int,
) -> None:
    got = load(tmp_path, f'[mail.quota]\npreset = "{preset}"\n').mail.limits()
    assert got.messages_per_day == day and got.per_day == day
    assert got.external_recipients_per_day == external
    assert (got.messages_per_minute, got.connections) == (per_minute, connections)


def test_explicit_keys_override_the_preset_which_overrides_the_mail_keys(tmp_path: Path) -> None:
    got = load(tmp_path, (
        "daily_limit = 1500\nconnections = 8\n"
        '[mail.quota]\npreset = "microsoft365"\nrecipients_per_day = 4000\n'
        'messages_per_minute = 20\nreserve = 0\ninternal_domains = ["@School.Example.Test", ""]\n'
    )).mail.limits()
    assert got.messages_per_day == 10000, "the preset's figure, not daily_limit"
    assert got.per_day == 4000, "one recipient per message: the lower limit counts"
    assert (got.messages_per_minute, got.connections, got.reserve) == (20, 3, 0)
    assert got.internal_domains == frozenset({"school.example.test"})
    assert not got.is_external("kru@SCHOOL.example.test")
    assert got.is_external("pr@office.example.test")


@pytest.mark.parametrize(("text", "says"), [
    ('[mail.quota]\npreset = "hotmail"\n', "'mail.quota.preset' = \"hotmail\" ใช้ไม่ได้"),
    ("[mail.quota]\nmessages_per_day = 0\n", "'mail.quota.messages_per_day' must be at least 1"),
    ("[mail.quota]\nconnections = -1\n", "'mail.quota.connections' = -1 ใช้ไม่ได้"),
    ("[mail.quota]\nreserve = -5\n", "'mail.quota.reserve' = -5 ใช้ไม่ได้"),
    ('[mail.quota]\nmessages_per_day = "2000"\n', "ต้องเป็น จำนวนเต็ม"),
    ("[mail.quota]\nper_day = 5\n", "ไม่รู้จักคีย์ 'mail.quota.per_day'"),
])
def test_quota_mistakes_name_the_key(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(ConfigError) as err:
        load(tmp_path, text)
    assert says in str(err.value)


# -- the window -----------------------------------------------------------------------------


def small(day: int = 10, reserve: int = 2, external: int | None = None) -> Limits:
    return Limits("custom", day, None, external, None, 60, 1, reserve,
                  frozenset({"office.example.test"}))


def sent(ledger: SqliteLedger, at: datetime, n: int, kind: str = "digest",
         rcpt: str = "x{}@school.example.test") -> None:
    for i in range(n):
        key = f"{kind}:{at.isoformat()}:{i}"
        ledger.begin(DeliveryRecord(key, kind, "item", rcpt.format(i), "email", "<id>",
                                    "pending"), at)
        ledger.finish(key, "sent", at)


def envelope(priority: int, rcpt: str = "kru@school.example.test") -> Envelope:
    return Envelope("k", "kind", "item", rcpt, "<id>", "pr@office.example.test", Message(),
                    priority)


def test_the_window_rolls_and_says_when_it_frees(tmp_path: Path) -> None:
    ledger = SqliteLedger(tmp_path / "ledger.sqlite3")
    quota = Quota(small(), ledger)
    sent(ledger, MONDAY, 3)
    sent(ledger, MONDAY + timedelta(hours=2), 4)
    sent(ledger, MONDAY - timedelta(hours=25), 9)  # outside the window
    now = MONDAY + timedelta(hours=3)
    window = quota.window(now)
    assert window.used == 7
    assert window.left(1) == 2 and window.left(5) == 1  # notices: their share only
    assert window.frees_at(5, 1) == now
    assert window.frees_at(5, 2) == MONDAY + timedelta(hours=24)
    assert window.frees_at(5, 5) == MONDAY + timedelta(hours=26)
    assert window.frees_at(5, 9) == now + timedelta(hours=24), "more than a window holds"
    assert window.capacity(MONDAY + timedelta(hours=23), 5) == 1
    assert window.capacity(MONDAY + timedelta(hours=25), 5) == 4
    assert quota.window(MONDAY + timedelta(hours=24, seconds=1)).used == 4


def test_priorities_when_short(tmp_path: Path) -> None:
    ledger = SqliteLedger(tmp_path / "ledger.sqlite3")
    sent(ledger, MONDAY, 6)
    # two digests still wait: reports must leave room for them as well as for notices
    ledger.plan_digests([(DeliveryRecord(f"digest:D:{i}", "digest", "D", f"d{i}@x.test",
                                         "email", "<d>", "pending"), ["N-1"]) for i in (1, 2)],
                        MONDAY)
    budget = Quota(small(), ledger).budget(MONDAY)
    assert budget.backlog == 2
    assert not budget.take(envelope(8)), "a report waits while digests wait"
    assert budget.take(envelope(5)) and budget.take(envelope(3))
    assert not budget.take(envelope(5)), "the reserve is for notices"
    assert budget.take(envelope(1)) and budget.take(envelope(2))
    assert not budget.take(envelope(1)), "nothing goes past the limit"
    budget.give_back(envelope(1))
    assert budget.take(envelope(1))


def test_external_recipients_have_their_own_limit(tmp_path: Path) -> None:
    ledger = SqliteLedger(tmp_path / "ledger.sqlite3")
    sent(ledger, MONDAY, 2, rcpt="x{}@elsewhere.example.test")
    budget = Budget(Quota(small(day=100, external=3), ledger).window(MONDAY))
    assert budget.take(envelope(5, "a@elsewhere.example.test"))
    assert not budget.take(envelope(5, "b@elsewhere.example.test"))
    assert budget.take(envelope(5, "c@office.example.test")), "internal mail still goes"


def test_attempts_the_provider_may_have_taken_count_too(tmp_path: Path) -> None:
    ledger = SqliteLedger(tmp_path / "ledger.sqlite3")
    record = DeliveryRecord("bulletin:N-1:a@x.test", "bulletin", "N-1", "a@x.test", "email",
                            "<a>", "pending")
    ledger.begin(record, MONDAY)  # a crash after the send began: maybe delivered
    ledger.plan_digests([(DeliveryRecord("digest:D:b", "digest", "D", "b@x.test", "email",
                                         "<b>", "pending"), ["N-1"])], MONDAY)
    assert Quota(small(), ledger).window(MONDAY + timedelta(hours=1)).used == 1, (
        "an attempted message counts; a planned one does not")


# -- a short day in a running office ---------------------------------------------------------


def test_notices_go_first_the_rest_waits_and_one_warning_a_day(
    tmp_path: Path, smtp_server_factory: Factory
) -> None:
    office = make_office(
        tmp_path / "office", smtp_server_factory, members=30,
        toml='[bulletin]\nmode = "per-item"\n[mail.quota]\nmessages_per_day = 40\nreserve = 8\n',
    )
    office.cycle()
    for n in range(3):
        office.submit(f"ข่าวที่ {n}", email=f"kru{n}@school.example.test")
    first = office.at(MONDAY + timedelta(minutes=30))
    assert first.notices == 4  # three receipts and the director's digest
    for n in range(3):
        office.decide(f"ข่าวที่ {n}", True)
    report = office.at(MONDAY + timedelta(hours=1))
    # The notices' share (8) is theirs whether used or not; bulletins have the rest, and
    # the notices already sent took nothing from them.
    assert report.sent == 40 - 8 and report.deferred > 0
    assert any("daily limit reached (40 messages per 24 hours)" in n for n in report.notes)
    # the officer and the director are warned, inside the reserve
    warned = office.of_kind("quota_warning")
    assert {w.rcpt for w in warned} == {OFFICER, DIRECTOR}
    text = office.server.messages[-1].message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "รอส่ง" in text and "40 ฉบับต่อ 24 ชั่วโมง" in text
    # new news still gets its acknowledgement while bulletins wait
    office.submit("ข่าวด่วนเช้า", email="kru9@school.example.test")
    later = office.at(MONDAY + timedelta(hours=3))
    assert later.notices == 1 and later.sent == 0
    assert not office.of_kind("quota_warning")[2:], "one warning a day, not one a cycle"
    # the bulletins' room frees 24 hours after the first bulletins: the rest goes then
    waiting = office.at(MONDAY + timedelta(days=1, minutes=59))
    assert waiting.sent == 0
    assert any("the rest waits for the window to free at 2026-03-03 08:00" in n
               for n in waiting.notes), "when the first bulletins are 24 hours old"
    t = MONDAY + timedelta(days=1, hours=1, minutes=1)
    while len(office.of_kind("bulletin")) < 3 * 30 and t < MONDAY + timedelta(days=5):
        office.at(t)
        window = office.worker.dispatcher.quota.window(t)
        assert window.left(5) == 0 or len(office.of_kind("bulletin")) == 3 * 30
        t += timedelta(hours=1)
    got = Counter((r.items[0], r.rcpt) for r in office.of_kind("bulletin"))
    assert max(got.values()) == 1
    assert len(got) == 3 * 30, "everything that waited went out"
    for n in range(3):
        assert office.column(f"ข่าวที่ {n}", "สถานะ") == "เผยแพร่แล้ว"
    times = sorted(r.at for r in office.received)
    assert max(sum(1 for u in times if t - timedelta(hours=24) < u <= t) for t in times) <= 40
    assert {member_email(1)} <= {r.rcpt for r in office.of_kind("bulletin")}
