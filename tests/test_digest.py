"""Digest bulletins: the schedule, exactly once per (item, recipient) over a simulated week,
urgent items at once, a crash in the middle of a digest run, and the preview command."""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.triggers.cron import CronTrigger

from automation.cli import main
from automation.core import digest, timetable
from automation.core.cron import Cron
from automation.core.quota import LOW_MIN
from automation.errors import ConfigError, DeliveryError
from automation.ledger.sqlite import SqliteLedger
from automation.model import Registry, Submission
from automation.thaidate import BANGKOK
from tests.mail_sim import (
    DIRECTOR,
    MONDAY,
    OFFICER,
    Office,
    Received,
    make_office,
    member_email,
)
from tests.servers.smtp import SmtpServer
from tests.workload import FORM, REGISTRY, Workload, make_workload, quiet
from tests.workspace import (
    column_of,
    edit_sheet,
    find_row,
    kill_then_rerun,
    make_workspace,
    smtp_mail,
)

Factory = Callable[..., SmtpServer]
DIGEST_MODE = '[bulletin]\nmode = "digest"\ndigest_cron = "0 15 * * 1-5"\n'

# -- the schedule -------------------------------------------------------------------------


def test_cron_weekdays_are_crontab_ones_not_apschedulers() -> None:
    weekdays = Cron.parse("0 15 * * 1-5")
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=BANGKOK)
    assert weekdays.latest(saturday, BANGKOK) == datetime(2026, 3, 6, 15, 0, tzinfo=BANGKOK)
    assert weekdays.next_after(saturday, BANGKOK) == datetime(2026, 3, 9, 15, 0, tzinfo=BANGKOK)
    # APScheduler 3 reads "1-5" as Tuesday–Saturday: the reason for a crontab of our own.
    theirs = CronTrigger.from_crontab("0 15 * * 1-5", timezone=BANGKOK)
    assert theirs.get_next_fire_time(None, saturday - timedelta(hours=1)).weekday() == 5
    sunday_names = Cron.parse("30 7 * * sun,7")
    assert sunday_names.weekdays == frozenset({0})
    both = Cron.parse("0 9 1 * mon")  # day 1 OR a Monday, as in Vixie cron
    assert both.matches_day(datetime(2026, 3, 2).date())  # a Monday
    assert both.matches_day(datetime(2026, 4, 1).date())  # the 1st (a Wednesday)
    assert not both.matches_day(datetime(2026, 3, 3).date())
    every = Cron.parse("*/20 8-9 * * *")
    assert every.minutes == (0, 20, 40) and every.hours == (8, 9)


@pytest.mark.parametrize(("expr", "says"), [
    ("0 15 * *", "five fields"),
    ("60 15 * * *", "outside 0–59"),
    ("0 15 * * 1-8", "outside 0–7"),
    ("0 15 * * fri-mon", "backwards"),
    ("0 15 * * 1-5/0", "step"),
    ("0 บ่าย * * *", "not a number"),
])
def test_bad_cron_is_a_config_error_naming_the_key(tmp_path: Path, expr: str, says: str) -> None:
    path = tmp_path / "schedule.toml"
    path.write_text(f'[sheets]\nworkbook = "w.xlsx"\n[mail]\noutbox = "o"\n'
                    f'[bulletin]\ndigest_cron = "{expr}"\n', encoding="utf-8")
    from automation import config as config_mod

    with pytest.raises(ConfigError) as err:
        config_mod.load(path)
    assert "bulletin.digest_cron" in str(err.value) and says in str(err.value)


def test_digest_due_after_the_slot_once_and_missed_slots_caught_up_once() -> None:
    cron = Cron.parse("0 15 * * 1-5")
    monday_14 = MONDAY.replace(hour=14)
    assert timetable.due(cron, BANGKOK, None, monday_14) is None, "a new ledger starts the schedule"
    assert timetable.due(cron, BANGKOK, MONDAY, monday_14) is None
    slot = MONDAY.replace(hour=15)
    assert timetable.due(cron, BANGKOK, MONDAY, slot) == slot
    assert timetable.due(cron, BANGKOK, slot, slot + timedelta(hours=3)) is None
    # off from Monday 16:00 until Thursday 09:00: one digest for Wednesday's slot
    thursday = MONDAY + timedelta(days=3, hours=2)
    assert timetable.due(cron, BANGKOK, slot, thursday) == slot + timedelta(days=2)
    assert timetable.run_id(slot) == "D-20260302-1500"


# -- a week of simulated time --------------------------------------------------------------

QUOTA = 90
RESERVE = 20  # the notices' own share: a day's acks, decisions, warnings and the director's digest


def within(when: datetime, cycle: datetime) -> bool:
    """Sent during the cycle that started at ``cycle`` (which takes well under a minute)."""
    return cycle <= when < cycle + timedelta(minutes=1)


def audience_members(audience: str, present: set[int]) -> set[str]:
    if audience == "ภายนอก":
        chosen = {n for n in present if n > 20}
    elif audience == "เครือข่ายดอยคำ":
        chosen = {n for n in present if n <= 10}
    else:
        chosen = set(present)
    return {member_email(n) for n in chosen}


class Week:
    """The office's week: what people do, and when; the oracle of who should get what."""

    def __init__(self, office: Office) -> None:
        self.office = office
        self.events: list[tuple[datetime, Callable[[], None]]] = []
        self.audience: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
        self.approved: dict[str, datetime] = {}
        self.urgent: set[str] = set()
        self.joined: dict[int, datetime] = {n: MONDAY for n in range(1, 31)}
        self.left: dict[int, datetime] = {}
        self.acks: dict[str, datetime] = {}

    def at(self, day: int, hh: int, mm: int, action: Callable[[], None]) -> None:
        self.events.append((MONDAY.replace(hour=hh, minute=mm) + timedelta(days=day), action))

    def submit(self, day: int, hh: int, mm: int, title: str) -> None:
        def act() -> None:
            n = len(self.acks) % 20 + 1  # each school's own registry address: a full ack
            self.office.submit(title, school=f"โรงเรียนบ้านทดสอบที่ {n}", email=member_email(n))
            self.acks[title] = self.office.clock.now

        self.at(day, hh, mm, act)

    def approve(self, day: int, hh: int, mm: int, title: str, approval: object = True,
                audience: str = "", urgent: object = None) -> None:
        def act() -> None:
            self.office.decide(title, approval, audience, urgent)  # type: ignore[arg-type]
            now = self.office.clock.now
            if approval in (True, "อนุมัติด่วน", "อนุมัติ ด่วน"):
                self.approved.setdefault(title, now)
            if urgent or "ด่วน" in str(approval):
                self.urgent.add(title)
            self.audience[title].append((now, audience))

        self.at(day, hh, mm, act)

    def reaudience(self, day: int, hh: int, mm: int, title: str, audience: str) -> None:
        def act() -> None:
            self.office.decide(title, True, audience)
            self.audience[title].append((self.office.clock.now, audience))

        self.at(day, hh, mm, act)

    def expected(self, published: dict[str, datetime], ids: dict[str, str]) -> set[tuple[str, str]]:
        pairs = set()
        for title in self.approved:
            when = published[ids[title]]
            audience = [a for t, a in self.audience[title] if t <= when][-1]
            present = {n for n, t in self.joined.items() if t <= when
                       and not (n in self.left and self.left[n] <= when)}
            pairs |= {(ids[title], r) for r in audience_members(audience, present)}
        return pairs


def a_week(week: Week, office: Office) -> None:
    for day in range(5):
        week.submit(day, 8, 10, f"ข่าวเช้าวันที่ {day + 1}")
        week.submit(day, 9, 20, f"ข่าวสายวันที่ {day + 1}")
        week.submit(day, 13, 40, f"ข่าวบ่ายวันที่ {day + 1}")
        week.approve(day, 11, 30, f"ข่าวเช้าวันที่ {day + 1}")
        week.approve(day, 16, 30, f"ข่าวสายวันที่ {day + 1}")
        if day % 2:
            week.approve(day, 16, 40, f"ข่าวบ่ายวันที่ {day + 1}", "ไม่อนุมัติ")
        else:
            week.approve(day, 16, 40, f"ข่าวบ่ายวันที่ {day + 1}", True,
                         "เครือข่ายดอยคำ" if day == 4 else "ภายนอก")
    # urgent: a ด่วน checkbox on Tuesday, the word in the approval cell twice on Thursday
    week.submit(1, 10, 5, "ด่วน: ปิดโรงเรียนเนื่องจากพายุ")
    week.approve(1, 10, 30, "ด่วน: ปิดโรงเรียนเนื่องจากพายุ", True, urgent=True)
    week.submit(3, 9, 0, "ด่วน: เลื่อนการสอบ")
    week.approve(3, 9, 30, "ด่วน: เลื่อนการสอบ", "อนุมัติด่วน")
    week.submit(3, 13, 0, "ด่วน: ประกาศผลการแข่งขัน")
    week.approve(3, 13, 30, "ด่วน: ประกาศผลการแข่งขัน", "อนุมัติ ด่วน")
    # an audience changed before the digest, and again after it went out
    week.submit(2, 8, 30, "ข่าวเปลี่ยนกลุ่ม")
    week.approve(2, 11, 30, "ข่าวเปลี่ยนกลุ่ม", True, "ภายนอก")
    week.reaudience(2, 14, 30, "ข่าวเปลี่ยนกลุ่ม", "")
    week.reaudience(2, 16, 0, "ข่าวเปลี่ยนกลุ่ม", "เครือข่ายดอยคำ")
    # approved while Wednesday's digest is going out (the fifth digest triggers it)
    week.submit(2, 12, 0, "ข่าวอนุมัติระหว่างส่ง")

    def approve_mid_send(got: Received) -> None:
        wednesday = MONDAY.replace(hour=15) + timedelta(days=2)
        fifth = got.kind == "digest" and got.at == wednesday and sum(
            1 for r in office.received if r.kind == "digest" and r.at == wednesday) == 5
        if fifth:
            office.decide("ข่าวอนุมัติระหว่างส่ง", True)
            week.approved["ข่าวอนุมัติระหว่างส่ง"] = got.at
            week.audience["ข่าวอนุมัติระหว่างส่ง"].append((got.at, ""))

    office.on_receive.append(approve_mid_send)
    # a member joins on Thursday morning, another unsubscribes on Sunday evening
    week.at(3, 8, 0, lambda: office.add_member(31))
    week.joined[31] = MONDAY.replace(hour=8) + timedelta(days=3)
    week.at(6, 20, 0, lambda: office.unsubscribe(member_email(5)))
    week.left[5] = MONDAY.replace(hour=20) + timedelta(days=6)
    # weekend news waits for Monday's digest
    week.submit(5, 9, 0, "ข่าววันเสาร์")
    week.approve(5, 18, 0, "ข่าววันเสาร์")


def test_a_week_of_digests_urgent_items_and_a_short_quota(
    tmp_path: Path, smtp_server_factory: Factory
) -> None:
    office = make_office(
        tmp_path / "office", smtp_server_factory,
        toml=DIGEST_MODE + f"[mail.quota]\nmessages_per_day = {QUOTA}\nreserve = {RESERVE}\n",
    )
    week = Week(office)
    a_week(week, office)
    events = sorted(week.events, key=lambda e: e[0])
    quota = office.worker.dispatcher.quota
    cycles: list[datetime] = []
    backlog_seen = 0
    t = MONDAY
    end = MONDAY + timedelta(days=8, hours=11)
    while t <= end:
        while events and events[0][0] <= t:
            when, action = events.pop(0)
            office.clock.now = when
            action()
        report = office.at(t)
        cycles.append(t)
        assert report.failed == 0, report.notes
        # nothing waits while the window had room for it when the cycle began
        window = quota.window(t)
        backlog = quota.backlog()
        backlog_seen = max(backlog_seen, backlog)
        assert backlog == 0 or window.left(5) == 0 or window.blocked_until, (t, backlog)
        t += timedelta(hours=1)
    assert backlog_seen > 0, "the week must make mail wait for the window"
    assert quota.backlog() == 0, "what waited went out"

    ids = office.item_ids()
    published = office.ledger.event_times("published")
    assert {ids[t] for t in week.approved} <= set(published)
    # each recipient receives each item exactly once, by digest or as an urgent bulletin
    news = office.of_kind("digest", "bulletin")
    pairs = Counter((item, r.rcpt) for r in news for item in r.items)
    assert max(pairs.values()) == 1
    assert set(pairs) == week.expected(published, ids)
    assert not [d for d in office.ledger.deliveries() if d.status != "sent"
                and not d.error.startswith("ไม่ได้ส่ง")]

    # digests only on schedule: planned at the weekday 15:00 cycle, never sent before it
    digests = office.of_kind("digest")
    for got in digests:
        slot = datetime.strptime(got.run, "D-%Y%m%d-%H%M").replace(tzinfo=BANGKOK)
        assert slot.weekday() < 5 and (slot.hour, slot.minute) == (15, 0)
        assert got.at >= slot
    for row in office.ledger.deliveries(kind="digest"):
        slot = datetime.strptime(row.item_id, "D-%Y%m%d-%H%M").replace(tzinfo=BANGKOK)
        assert row.created_at is not None and within(row.created_at, slot)
    runs = {got.run for got in digests}
    assert runs == {f"D-202603{d:02d}-1500" for d in (2, 3, 4, 5, 6, 9)}
    per_run = Counter((got.run, got.rcpt) for got in digests)
    assert max(per_run.values()) == 1, "one digest per recipient per run"
    assert len({got.message_id for got in digests}) == len(digests)
    # newest first inside a digest
    approved_at = office.ledger.event_times("decided:approved")
    for got in digests:
        times = [approved_at[i] for i in got.items]
        assert times == sorted(times, reverse=True)

    # urgent items go at once and are left out of digests
    by_title = {v: k for k, v in ids.items()}
    for title in week.urgent:
        assert not [g for g in digests if ids[title] in g.items]
        first_cycle = min(c for c in cycles if c >= week.approved[title])
        times = sorted(g.at for g in news if ids[title] in g.items)
        assert within(times[0], first_cycle), by_title[ids[title]]
    tuesday = ids["ด่วน: ปิดโรงเรียนเนื่องจากพายุ"]
    assert all(within(g.at, MONDAY.replace(hour=11) + timedelta(days=1))
               for g in news if tuesday in g.items)

    # the rolling 24-hour window never exceeded the quota, notices included
    times = sorted(r.at for r in office.received)
    worst = max(sum(1 for u in times if t - timedelta(hours=24) < u <= t) for t in times)
    assert worst <= QUOTA
    # notices first: every acknowledgement went at the first cycle after the submission
    acks = {r.items[0]: r.at for r in office.of_kind("ack")}
    for title, submitted in week.acks.items():
        assert within(acks[ids[title]], min(c for c in cycles if c >= submitted)), title
    # one warning a day to the officer and the director when the day's mail does not fit
    warnings = office.of_kind("quota_warning")
    assert warnings and {w.rcpt for w in warnings} == {OFFICER, DIRECTOR}
    assert max(Counter((w.rcpt, w.at.date()) for w in warnings).values()) == 1

    # the item approved while Wednesday's digest went out is in Thursday's, for everyone
    late = ids["ข่าวอนุมัติระหว่างส่ง"]
    carrying = {g.run for g in digests if late in g.items}
    assert carrying == {"D-20260305-1500"}
    # the audience changed before the digest counts; the change after it sends nothing
    moved = ids["ข่าวเปลี่ยนกลุ่ม"]
    assert {r for i, r in pairs if i == moved} == {member_email(n) for n in range(1, 31)}
    # the member who joined on Thursday gets only what was planned after joining
    joined = [g for g in news if g.rcpt == member_email(31)]
    assert joined and all(g.at >= week.joined[31] for g in joined)
    assert not [g for g in news if g.rcpt == member_email(5) and g.at >= week.left[5]]

    # the sheet says published, with the delivery count, for every approved item
    for title in week.approved:
        assert office.column(title, "สถานะ") == "เผยแพร่แล้ว", title
        sent = sum(1 for i, _r in pairs if i == ids[title])
        assert office.column(title, "ผลการส่ง") == f"ส่ง {sent}/{sent}", title


def test_waiting_item_says_when_its_digest_goes(
    tmp_path: Path, smtp_server_factory: Factory
) -> None:
    office = make_office(tmp_path / "office", smtp_server_factory, toml=DIGEST_MODE)
    office.cycle()
    office.submit("ข่าวรอสรุป")
    office.at(MONDAY + timedelta(hours=1))
    office.decide("ข่าวรอสรุป", True)
    report = office.at(MONDAY + timedelta(hours=2))
    assert report.sent == 0 and report.published == 0 and report.approved == 1
    assert office.column("ข่าวรอสรุป", "สถานะ") == "อนุมัติ-รอเผยแพร่"
    assert office.column("ข่าวรอสรุป", "ผลการส่ง") == "รอส่งรวมในสรุปข่าว 2 มีนาคม 2569 เวลา 15:00 น."
    assert not office.of_kind("approved"), "the submitter hears when the digest is planned"
    report = office.at(MONDAY.replace(hour=15))
    assert report.sent == 30 and report.published == 1
    assert len(office.of_kind("approved")) == 1
    msg = next(r for r in office.server.messages if r.message["X-PR-Kind"] == "digest").message
    text = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "ข่าวรอสรุป" in text and "2 มีนาคม 2569" in text
    assert "https://pr.office.example.test/news/" in text
    assert str(msg["Subject"]).startswith("[สรุปข่าวประชาสัมพันธ์] 2 มีนาคม 2569")
    assert msg["Message-ID"] == office.ledger.get(
        f"digest:D-20260302-1500:{msg['To'].addresses[0].addr_spec}").message_id  # type: ignore[union-attr]
    assert office.at(MONDAY.replace(hour=16)).sent == 0


def test_a_plan_is_kept_when_people_change_their_minds_before_it_is_sent(
    tmp_path: Path, smtp_server_factory: Factory
) -> None:
    """Unsubscribed or un-approved after the plan: nothing goes; urgent later: no repeat."""
    office = make_office(
        tmp_path / "office", smtp_server_factory, members=12,
        toml=DIGEST_MODE + "[mail.quota]\nmessages_per_day = 10\nreserve = 0\n",
    )
    office.cycle()
    for title in ("ข่าวหนึ่ง", "ข่าวสอง"):
        office.submit(title)
    office.at(MONDAY + timedelta(hours=1))
    office.decide("ข่าวหนึ่ง", True)
    office.decide("ข่าวสอง", True, "ภายนอก")  # nobody: members 1–12 are all schools
    office.at(MONDAY + timedelta(hours=2))
    sent_before = len(office.received)  # acknowledgements, the director's digest
    report = office.at(MONDAY.replace(hour=15))
    planned = office.ledger.deliveries(kind="digest")
    assert len(planned) == 12
    assert 0 < report.sent < 12 and len(office.received) == 10 > sent_before
    waiting = {d.recipient for d in office.ledger.unsettled("digest")}
    assert waiting
    gone = sorted(waiting)[0]
    office.unsubscribe(gone)
    office.decide("ข่าวหนึ่ง", True, None, True)  # marked urgent after it was planned
    office.at(MONDAY.replace(hour=16) + timedelta(days=1))
    got = Counter((i, r.rcpt) for r in office.of_kind("digest", "bulletin") for i in r.items)
    assert max(got.values()) == 1
    assert {r for _i, r in got} == {member_email(n) for n in range(1, 13)} - {gone}
    row = office.ledger.get(f"digest:D-20260302-1500:{gone}")
    assert row is not None and row.status == "failed" and row.attempts == 0
    assert "ยกเลิก" in row.error


class Board:
    """A news board that is down until ``up`` is set (a Publisher, as the site is)."""

    name = "board"

    def __init__(self) -> None:
        self.up = False
        self.pages: list[str] = []

    def publish(self, item: Submission, now: datetime) -> None:
        if not self.up:
            raise DeliveryError("news board unreachable", permanent=False)
        self.pages.append(item.id)

    def finish(self, published: Sequence[Submission], registry: Registry, now: datetime) -> None:
        pass


def test_an_item_the_board_has_not_taken_stays_due_and_reaches_newcomers_once(
    tmp_path: Path, smtp_server_factory: Factory
) -> None:
    board = Board()
    office = make_office(tmp_path / "office", smtp_server_factory, members=10,
                         toml=DIGEST_MODE, publishers=[board])
    office.cycle()
    office.submit("ข่าวกระดานล่ม")
    office.decide("ข่าวกระดานล่ม", True)
    report = office.at(MONDAY.replace(hour=15))
    assert report.sent == 10 and report.published == 0
    assert any("news board unreachable" in n for n in report.notes)
    assert office.column("ข่าวกระดานล่ม", "สถานะ") == "อนุมัติ-รอเผยแพร่"
    office.add_member(11)  # joins while the item is not yet published
    board.up = True
    tuesday = office.at(MONDAY.replace(hour=15) + timedelta(days=1))
    assert tuesday.published == 1 and board.pages == [office.item_ids()["ข่าวกระดานล่ม"]]
    got = Counter((i, r.rcpt, r.run) for r in office.of_kind("digest") for i in r.items)
    assert max(Counter((i, rcpt) for i, rcpt, _run in got).values()) == 1
    assert {rcpt for _i, rcpt, run in got if run == "D-20260303-1500"} == {member_email(11)}
    assert office.column("ข่าวกระดานล่ม", "ผลการส่ง") == "ส่ง 11/11"


def test_preview_digest_shows_the_next_digest_for_one_recipient(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_workspace(tmp_path / "office", bulletin="digest")
    # an office starting on its sheet: the first digest waits for the schedule
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('first_digest = "at-once"', 'first_digest = "next-slot"'),
                      encoding="utf-8")
    assert main(["--config", str(config), "run", "--once"]) == 0
    capsys.readouterr()
    html = tmp_path / "digest.html"
    who = "banpadad@school.example.test"
    assert main(["--config", str(config), "preview", "--digest", "--recipient", who,
                 "--html", str(html)]) == 0
    out = capsys.readouterr().out
    assert f"ถึง: {who}" in out and "[สรุปข่าวประชาสัมพันธ์]" in out
    assert "วันที่จัดกิจกรรม:" in out and "/news/N-" in out
    assert "ข่าว" in html.read_text(encoding="utf-8") and "<html" in html.read_text("utf-8")
    assert main(["--config", str(config), "preview", "--digest", "--recipient",
                 "nobody@example.test"]) == 0
    assert "ยังไม่มีข่าวใหม่" in capsys.readouterr().out
    assert main(["--config", str(config), "preview"]) == 2
    assert main(["--config", str(config), "status"]) == 0
    status = capsys.readouterr().out
    assert "โควตาการส่ง (workspace): ใช้ไป" in status and "/2,000 ฉบับ" in status
    assert "สรุปข่าว (cron \"0 15 * * 1-5\"): ครั้งถัดไป" in status


# -- kill -9 in the middle of a digest run --------------------------------------------------

MEMBERS = 120
EXTERNAL_EVERY = 4  # every 4th member is an outside partner (ภายนอก)


def crash_office(folder: Path, port: int) -> Workload:
    """Five approved items, one of them for outside partners only, in an hourly digest."""
    work = make_workload(folder, members=MEMBERS, approved=5, mail=smtp_mail(port),
                         extra_config=quiet(),
                         bulletin='[bulletin]\nmode = "digest"\ndigest_cron = "0 * * * *"\n')

    def outsiders(ws: Any) -> None:
        col = column_of(ws, "ประเภทเครือข่าย")
        for row in range(2, ws.max_row + 1):
            if (row - 2) % EXTERNAL_EVERY == 0:
                ws.cell(row=row, column=col).value = "ภายนอก"

    def for_outsiders(ws: Any) -> None:
        row = find_row(ws, "หัวข้อข่าว", work.approved_titles[3])
        ws.cell(row=row, column=column_of(ws, "กลุ่มเป้าหมาย")).value = "ภายนอก"

    edit_sheet(work.workbook, REGISTRY, outsiders)
    edit_sheet(work.workbook, FORM, for_outsiders)
    # The ledger last ran a digest long ago, so this hour's digest is due now.
    ledger = SqliteLedger(work.ledger)
    ledger.set_state(timetable.LAST_RUN, (datetime.now(BANGKOK) - timedelta(days=30)).isoformat())
    ledger.close()
    return work


@pytest.mark.parametrize("kill_after", [1, 90])
def test_kill_9_in_the_middle_of_a_digest_run(
    tmp_path: Path, smtp_server_factory: Factory, kill_after: int
) -> None:
    server = smtp_server_factory(delay=0.002)
    work = crash_office(tmp_path / "office", server.port)
    config = work.config
    at_kill = kill_then_rerun(config, lambda: len(server.messages), kill_after)
    assert at_kill < MEMBERS, "the kill must land mid-run"

    digests = [m for m in server.messages if m.message["X-PR-Kind"] == "digest"]
    ids: dict[str, set[str]] = defaultdict(set)
    carried: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for m in digests:
        ids[m.rcpt_tos[0]].add(str(m.message_id))
        carried[m.rcpt_tos[0]].add(tuple(str(m.message["X-PR-Items"]).split(",")))
    everyone = set(work.recipients)
    external = set(work.recipients[::EXTERNAL_EVERY])
    assert set(ids) == everyone
    assert all(len(v) == 1 for v in ids.values()), "never the same digest under two IDs"
    assert all(len(v) == 1 for v in carried.values()), "a resent digest carries the same items"
    for rcpt, sets in carried.items():
        (items,) = sets
        assert len(items) == len(set(items)), "no item twice"
        assert len(items) == (5 if rcpt in external else 4), "no item lost"
    ledger = SqliteLedger(config.parent / "ledger.sqlite3")
    rows = ledger.deliveries(kind="digest")
    assert len(rows) == MEMBERS and {r.status for r in rows} == {"sent"}
    for row in rows:
        (items,) = carried[row.recipient]
        assert json.loads(row.detail)["items"] == list(items), "the plan is what went out"
    repeats = len(digests) - MEMBERS
    assert repeats <= 3, "only the messages in flight (one a connection) may arrive twice"
    sys.stderr.write(f"\ndigest crash after {at_kill}: raw repeats {repeats}\n")


def test_low_priority_constant_matches_the_cycle() -> None:
    from automation.core import services as cycle

    assert cycle.REPORT >= LOW_MIN and cycle.BULLETIN < LOW_MIN
    assert digest.PRIORITY == cycle.BULLETIN and digest.NOTICE == cycle.NOTICE
