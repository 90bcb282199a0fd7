"""Evaluation reports: periods, every figure against an independent computation on generated
data, charts in a Thai font, and the e-mail, attachment and summary tab agreeing."""

from __future__ import annotations

import csv
import email
import io
import math
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import numpy
import openpyxl
import pytest
from fontTools.ttLib import TTFont
from matplotlib.image import imread

from automation import config as config_mod
from automation import wiring
from automation.cli import main
from automation.core.services import Services
from automation.ledger.sqlite import SqliteLedger
from automation.ports import DeliveryRecord
from automation.reports import period as P
from automation.reports.charts import FontError, thai_font
from automation.reports.job import Output, Reports
from automation.reports.period import PeriodError, SchoolCalendar
from automation.sources.local import LocalWorkbook
from automation.thaidate import BANGKOK
from tests.servers.smtp import SmtpServer

FORM, REGISTRY, SUPPRESSION, SUMMARY = "การตอบแบบฟอร์ม 1", "ทะเบียนเครือข่าย", "งดรับข่าว", "สรุปผล"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=BANGKOK)
REGISTRY_HEADERS = ["รหัสสมาชิก", "ประเภทเครือข่าย", "กลุ่ม", "ชื่อหน่วยงาน", "กลุ่มเครือข่ายสถานศึกษา",
                    "ผู้ประสานงาน", "ตำแหน่ง", "โทรศัพท์", "อีเมล", "รับข่าวทางอีเมล", "สถานะ",
                    "ปรับปรุงล่าสุด", "เผยแพร่ในทำเนียบ"]
FORM_HEADERS = ["ประทับเวลา", "ที่อยู่อีเมล", "ชื่อโรงเรียน/หน่วยงาน", "หัวข้อข่าว", "เนื้อหาข่าว",
                "อนุมัติ", "รหัสข่าว"]
CLUSTERS = ["เครือข่ายดอยเต่า", "เครือข่ายฮอด", "เครือข่ายจอมทอง 1", "เครือข่ายจอมทอง 2"]
VILLAGES = ["บ้านหนองบัว", "บ้านแม่ตื่น", "บ้านห้วยทราย", "บ้านท่าข้าม", "บ้านโป่งกว๋าว",
            "บ้านบ่อหลวง", "บ้านนาฟ่อน", "บ้านแม่สอย", "บ้านสบเตี๊ยะ", "บ้านดงดำ",
            "บ้านหัวริน", "บ้านแม่กลาง", "บ้านยางครก", "บ้านหนองอาบช้าง", "บ้านแม่ซา",
            "บ้านวังลุง", "บ้านขุนแตะ", "บ้านแม่แอบ", "บ้านห้วยส้ม", "บ้านแม่หอย"]
SUPPRESSION_HEADERS = ["อีเมล", "เหตุผล", "วันที่", "รายละเอียด"]


def bkk(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=BANGKOK)


# ---------------------------------------------------------------- period arithmetic

@pytest.mark.parametrize(("text", "key", "start", "end"), [
    ("2569-11", "2569-11", date(2026, 11, 1), date(2026, 11, 30)),
    ("2026-02", "2569-02", date(2026, 2, 1), date(2026, 2, 28)),
    ("2567-02", "2567-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("2569-12", "2569-12", date(2026, 12, 1), date(2026, 12, 31)),
    ("fy2569", "fy2569", date(2025, 10, 1), date(2026, 9, 30)),
    ("FY2026", "fy2569", date(2025, 10, 1), date(2026, 9, 30)),
    ("ปีงบประมาณ 2570", "fy2570", date(2026, 10, 1), date(2027, 9, 30)),
    ("term1-2569", "term1-2569", date(2026, 5, 16), date(2026, 10, 11)),
    ("term2-2569", "term2-2569", date(2026, 11, 1), date(2027, 3, 31)),
    ("ภาคเรียนที่ 2/2568", "term2-2568", date(2025, 11, 1), date(2026, 3, 31)),
    ("2026-01-01..2026-03-31", "2026-01-01..2026-03-31", date(2026, 1, 1), date(2026, 3, 31)),
    ("1/1/2569..31/3/2569", "2026-01-01..2026-03-31", date(2026, 1, 1), date(2026, 3, 31)),
])
def test_periods_parse(text: str, key: str, start: date, end: date) -> None:
    found = P.parse(text)
    assert (found.key, found.start, found.end) == (key, start, end)
    assert found.days == (end - start).days + 1


@pytest.mark.parametrize(("key", "before"), [
    ("2569-01", "2568-12"),
    ("2569-03", "2569-02"),
    ("fy2569", "fy2568"),
    ("term1-2569", "term2-2568"),
    ("term2-2569", "term1-2569"),
    ("2026-01-01..2026-03-31", "2025-10-03..2025-12-31"),  # 90 days before
])
def test_previous_period_of_the_same_kind(key: str, before: str) -> None:
    current, previous = P.parse(key), P.previous(P.parse(key))
    assert previous.key == before
    assert previous.kind == current.kind
    assert previous.end < current.start
    if current.kind == "range":
        assert previous.days == current.days
        assert previous.end == current.start - timedelta(days=1)


def test_period_bounds_are_bangkok_midnights() -> None:
    start, end = P.parse("fy2569").bounds()
    assert start == datetime(2025, 10, 1, tzinfo=BANGKOK)
    assert end == datetime(2026, 10, 1, tzinfo=BANGKOK)
    assert end.astimezone(BANGKOK).utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize(("kind", "day", "containing", "complete"), [
    ("month", date(2026, 11, 1), "2569-11", "2569-10"),
    ("month", date(2026, 1, 15), "2569-01", "2568-12"),
    ("fiscal", date(2026, 9, 30), "fy2569", "fy2568"),
    ("fiscal", date(2026, 10, 1), "fy2570", "fy2569"),
    ("term", date(2026, 6, 1), "term1-2569", "term2-2568"),
    ("term", date(2026, 10, 20), "term2-2569", "term1-2569"),  # October break: next term
    ("term", date(2026, 4, 20), "term1-2569", "term2-2568"),   # summer break
    ("term", date(2027, 3, 31), "term2-2569", "term1-2569"),
])
def test_containing_and_last_complete(kind: P.Kind, day: date, containing: str,
                                      complete: str) -> None:
    assert P.containing(kind, day).key == containing
    assert P.last_complete(kind, day).key == complete


def test_semester_dates_come_from_config() -> None:
    calendar = SchoolCalendar.checked((5, 1), (9, 30), (10, 15), (3, 15))
    term = P.parse("term2-2569", calendar)
    assert (term.start, term.end) == (date(2026, 10, 15), date(2027, 3, 15))
    with pytest.raises(config_mod.ConfigError):
        SchoolCalendar.checked((5, 16), (11, 5), (11, 1), (3, 31))


@pytest.mark.parametrize("text", ["2569-13", "fy", "term3-2569", "สิงหา", "2026-03-31..2026-01-01",
                                  "..2026-01-01"])
def test_bad_periods_say_what_is_accepted(text: str) -> None:
    with pytest.raises(PeriodError) as err:
        P.parse(text)
    message = str(err.value)
    assert "2569-11" in message or "กลับด้าน" in message


# ---------------------------------------------------------------- generated data set

@dataclass
class GenMember:
    member_id: str
    network: str
    group: str
    name: str
    cluster: str
    coordinator: str
    emails: list[str]
    active: bool = True
    updated: date = date(2026, 6, 1)
    accepts: bool = True

    @property
    def school(self) -> bool:
        return self.group == "สถานศึกษา" and self.active

    def row(self) -> list[Any]:
        return [self.member_id, self.network, self.group, self.name, self.cluster or None,
                self.coordinator or None, "ครู", "0812345678", ", ".join(self.emails) or None,
                self.accepts, "ใช้งาน" if self.active else "ระงับ", self.updated, True]


@dataclass
class GenItem:
    id: str
    member: GenMember | None
    typed: str
    submitted: datetime
    decisions: list[tuple[str, datetime]] = field(default_factory=list)
    published: datetime | None = None
    in_sheet: bool = True

    @property
    def owner(self) -> str:
        return self.member.member_id if self.member else "?" + self.typed


@dataclass
class GenDelivery:
    key: str
    kind: str
    item_id: str
    recipient: str
    channel: str
    status: str
    at: datetime


@dataclass
class Dataset:
    members: list[GenMember]
    items: list[GenItem]
    deliveries: list[GenDelivery]
    bounces: list[tuple[str, str, datetime]]  # (address, severity, at)
    suppressions: list[tuple[str, str, date]]
    asked: dict[str, datetime]  # keep-current round term2-2569: member → sent

    def member(self, member_id: str) -> GenMember:
        return next(m for m in self.members if m.member_id == member_id)


def generate(seed: int = 7) -> Dataset:
    rng = random.Random(seed)
    members: list[GenMember] = []
    n = 0
    for c, cluster in enumerate(CLUSTERS):
        for s in range(5):
            n += 1
            village = VILLAGES[c * 5 + s]
            emails = [f"s{n:02d}@school.example.test"]
            if n % 7 == 0:
                emails.append(f"kru{n:02d}@example.com")
            members.append(GenMember(f"M{n:04d}", "ภายใน", "สถานศึกษา", f"โรงเรียน{village}",
                                     cluster, f"ครูคนที่ {n}", emails,
                                     updated=date(2026, 6, 1) - timedelta(days=40 * n)))
    members[3].emails = []            # M0004: no e-mail at all
    members[5].coordinator = ""       # M0006: no coordinator
    members.append(GenMember("M0021", "ภายใน", "สถานศึกษา", "โรงเรียนบ้านร้าง", CLUSTERS[0],
                             "ครูเก่า", ["old@school.example.test"], active=False))
    for c, cluster in enumerate(CLUSTERS):
        members.append(GenMember(f"M{22 + c:04d}", "ภายใน", "กลุ่มเครือข่ายสถานศึกษา",
                                 f"กลุ่มโรงเรียน{cluster}", cluster, "ประธานกลุ่ม",
                                 [f"cluster{c}@school.example.test"]))
    agencies = [("หน่วยงานภาครัฐ", "สำนักงานสาธารณสุขอำเภอฮอด", "health@gov.example.test"),
                ("สื่อมวลชน", "สถานีวิทยุชุมชนฮอด", "radio@example.org"),
                ("เอกชน", "ร้านค้าสหกรณ์จอมทอง", "coop@example.com")]
    for a, (group, name, address) in enumerate(agencies):
        members.append(GenMember(f"M{26 + a:04d}", "ภายนอก", group, name, "", "ผู้ประสานงาน",
                                 [address], accepts=a != 2))

    schools = [m for m in members if m.school]
    # The last cluster's schools start sending only in June 2026: a quiet cluster before.
    late = {m.member_id for m in schools if m.cluster == CLUSTERS[3]}
    senders = [m for m in schools if m.member_id != "M0004"] + members[-3:-1]
    start = bkk(2025, 8, 1)
    span = (NOW - start).total_seconds()
    items: list[GenItem] = []

    def typed(m: GenMember | None, i: int) -> str:
        if m is None:
            return "โรงเรียนนอกทะเบียนวิทยา"
        if m.group == "สถานศึกษา" and i % 5 == 1:
            return m.name.replace("โรงเรียน", "รร.")
        if m.group == "สถานศึกษา" and i % 5 == 2:
            return m.name.replace("โรงเรียน", "โรงเรียน ")
        return m.name

    for i in range(170):
        at = start + timedelta(seconds=rng.uniform(0, span - 3600))
        pool = [m for m in senders if at >= bkk(2026, 6, 1) or m.member_id not in late]
        member = None if i % 23 == 5 else rng.choice(pool)
        items.append(GenItem(f"N-{i:08X}", member, typed(member, i), at))
    # Straddling the fiscal-year boundary in Bangkok time (UTC would put both on 30 Sep).
    first = schools[0]
    items.append(GenItem("N-BOUNDAR1", first, first.name, bkk(2026, 9, 30, 23, 30)))
    items.append(GenItem("N-BOUNDAR2", first, first.name, bkk(2026, 10, 1, 0, 10)))
    for item in items:
        roll = rng.random()
        decided = item.submitted + timedelta(hours=rng.uniform(0.5, 240))
        if roll < 0.25 or decided > NOW:
            item.in_sheet = rng.random() > 0.2  # some never-decided rows were deleted
            continue
        outcome = "approved" if roll < 0.8 else ("rejected" if roll < 0.9 else "returned")
        item.decisions.append((outcome, decided))
        if outcome == "approved":
            published = decided + timedelta(hours=rng.uniform(0.1, 48))
            item.published = published if published <= NOW else None
    # Returned, then approved after revision: one of each, timed from the first decision.
    twice = items[0]
    twice.decisions = [("returned", twice.submitted + timedelta(hours=5)),
                       ("approved", twice.submitted + timedelta(hours=30))]
    twice.published = twice.submitted + timedelta(hours=31)

    addresses = [a for m in members for a in m.emails]
    deliveries: list[GenDelivery] = []
    bounces: list[tuple[str, str, datetime]] = []
    for item in items:
        if item.member is not None and item.member.emails:
            deliveries.append(GenDelivery(f"ack:{item.id}:{item.member.emails[0]}", "ack",
                                          item.id, item.member.emails[0], "email", "sent",
                                          item.submitted + timedelta(minutes=5)))
        if item.published is None:
            continue
        deliveries.append(GenDelivery(f"line:{item.id}", "post", item.id, "line", "line",
                                      "sent", item.published + timedelta(minutes=1)))
        for address in rng.sample(addresses, 6) + ["gone@example.org"] * (rng.random() < 0.1):
            roll = rng.random()
            status = "sent" if roll < 0.9 else ("failed" if roll < 0.97 else "pending")
            at = item.published + timedelta(minutes=rng.uniform(1, 600))
            kind = "bulletin" if rng.random() < 0.8 else "digest"
            deliveries.append(GenDelivery(f"{kind}:{item.id}:{address}", kind, item.id,
                                          address, "email", status, at))
            if status == "failed":
                bounces.append((address, "hard" if rng.random() < 0.6 else "soft",
                                at + timedelta(hours=1)))
            elif rng.random() < 0.02:
                bounces.append((address, "delayed", at + timedelta(hours=2)))
    suppressions = [
        (addresses[1], "ยกเลิกรับข่าว", date(2026, 10, 3)),
        (addresses[2], "อีเมลตีกลับถาวร", date(2026, 10, 9)),
        (addresses[5], "ยกเลิกรับข่าว", date(2026, 9, 30)),
        (addresses[7], "ยกเลิกรับข่าว", date(2025, 12, 1)),
    ]
    asked = {"M0001": bkk(2026, 11, 2, 10), "M0002": bkk(2026, 11, 2, 10),
             "M0003": bkk(2026, 11, 2, 10)}
    members[0].updated = date(2026, 11, 5)  # M0001 corrected its row after being asked
    return Dataset(members, items, deliveries, bounces, suppressions, asked)


def write_workspace(folder: Path, data: Dataset, mail: str, report: str = "") -> Path:
    registry = [REGISTRY_HEADERS] + [m.row() for m in data.members]
    form = [FORM_HEADERS] + [
        [i.submitted.replace(tzinfo=None), f"{i.id.lower()}@school.example.test", i.typed,
         f"ข่าวที่ {i.id}", "เนื้อหาข่าว", "", i.id]
        for i in data.items if i.in_sheet
    ]
    suppression = [SUPPRESSION_HEADERS] + [[e, r, d, ""] for e, r, d in data.suppressions]
    LocalWorkbook.create(folder / "workbook.xlsx",
                         {FORM: form, REGISTRY: registry, SUPPRESSION: suppression})
    config = folder / "schedule.toml"
    config.write_text(
        'ledger = "ledger.sqlite3"\n[office]\nname = "สำนักงานเขตพื้นที่การศึกษาทดสอบ"\n'
        'director_email = "director@office.example.test"\n'
        'officer_email = "officer@office.example.test"\n'
        '[sheets]\nbackend = "local"\nworkbook = "workbook.xlsx"\n'
        f"{mail}\n[report]\n{report}\n", encoding="utf-8")
    ledger = SqliteLedger(folder / "ledger.sqlite3")
    events: list[tuple[str, str, datetime, str]] = []
    for item in data.items:
        events.append((item.id, "submitted", item.submitted, item.typed))
        events.extend((item.id, f"decided:{o}", at, "") for o, at in item.decisions)
        if item.published:
            events.append((item.id, "published", item.published, ""))
    events.extend((f"bounce:{a}", f"{s}:report-{n}", at, "550 5.1.1")
                  for n, (a, s, at) in enumerate(data.bounces))
    ledger.add_events(events)
    for d in data.deliveries:
        ledger.begin(DeliveryRecord(d.key, d.kind, d.item_id, d.recipient, d.channel,
                                    f"<{d.key}>", "pending"), d.at - timedelta(seconds=1))
        if d.status != "pending":
            ledger.finish(d.key, d.status, d.at)
        else:
            ledger.finish(d.key, "pending", d.at, "451 try again")
    for member_id, at in data.asked.items():
        address = data.member(member_id).emails[0]
        key = f"keep_current:term2-2569/{member_id}:{address}"
        ledger.begin(DeliveryRecord(key, "keep_current", f"term2-2569/{member_id}", address,
                                    "email", f"<{key}>", "pending"), at)
        ledger.finish(key, "sent", at)
    ledger.close()
    return config


def services_for(config: Path, now: datetime = NOW) -> Services:
    services = wiring.services(config_mod.load(config))
    services.clock = lambda: now
    return services


OUTBOX = '[mail]\ntransport = "outbox"\noutbox = "outbox"\nsender = "pr@office.example.test"\n'


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate()


@pytest.fixture(scope="module")
def workspace(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_workspace(tmp_path_factory.mktemp("report"), dataset, OUTBOX)


@pytest.fixture(scope="module")
def reports(workspace: Path) -> Reports:
    return Reports(services_for(workspace))


# ---------------------------------------------------------------- independent expectations

@dataclass
class Expected:
    activity: dict[str, int]
    per_owner: dict[str, Counter[str]]
    per_cluster: dict[str, Counter[str]]
    quiet_schools: set[str]
    quiet_clusters: set[str]
    active_schools: int
    decision: list[float]
    publication: list[float]
    waiting: int
    oldest: int | None
    channels: dict[str, Counter[str]]
    reached: set[str]
    reached_members: set[str]
    bounced: int
    suppressed: int
    unsubscribed: int


def expect(data: Dataset, start: date, end: date) -> Expected:
    lo = datetime.combine(start, time(), BANGKOK)
    hi = datetime.combine(end + timedelta(days=1), time(), BANGKOK)
    asof = min(hi, NOW)

    def inside(at: datetime) -> bool:
        return lo <= at < hi

    per_owner: dict[str, Counter[str]] = defaultdict(Counter)
    decision: list[float] = []
    publication: list[float] = []
    for item in data.items:
        if inside(item.submitted):
            per_owner[item.owner]["submitted"] += 1
        for outcome, at in item.decisions:
            if inside(at):
                per_owner[item.owner][outcome] += 1
        if item.decisions:
            first = min(at for _o, at in item.decisions)
            if inside(first):
                decision.append((first - item.submitted).total_seconds() / 3600)
        if item.published and inside(item.published):
            per_owner[item.owner]["published"] += 1
            publication.append((item.published - item.submitted).total_seconds() / 3600)
    activity = Counter[str]()
    for counts in per_owner.values():
        activity.update(counts)
    by_id = {m.member_id: m for m in data.members}
    per_cluster: dict[str, Counter[str]] = defaultdict(Counter)
    for owner, counts in per_owner.items():
        cluster = by_id[owner].cluster if owner in by_id else ""
        per_cluster[cluster].update(counts)
    schools = [m for m in data.members if m.school]
    quiet = {m.member_id for m in schools if not per_owner.get(m.member_id, {}).get("submitted")}
    quiet_clusters = {c for c in CLUSTERS if not per_cluster[c]["submitted"]}
    waiting = [
        i.submitted for i in data.items
        if i.submitted < asof
        and not any(at < asof for _o, at in i.decisions)
        and not (i.published and i.published < asof)
        and (i.decisions or i.in_sheet)
    ]
    channels: dict[str, Counter[str]] = defaultdict(Counter)
    reached: set[str] = set()
    for d in data.deliveries:
        if inside(d.at):
            channels[d.channel][d.status] += 1
            if d.status == "sent" and d.kind in ("bulletin", "digest"):
                reached.add(d.recipient)
    channels["email"]["sent"] += sum(1 for at in data.asked.values() if inside(at))
    channels = {ch: c for ch, c in channels.items() if sum(c.values())}
    reached_members = {m.member_id for m in data.members if reached & set(m.emails)}
    suppressed = [s for s in data.suppressions if start <= s[2] <= end]
    return Expected(
        activity=dict(activity), per_owner=per_owner, per_cluster=per_cluster,
        quiet_schools=quiet, quiet_clusters=quiet_clusters,
        active_schools=len(schools) - len(quiet),
        decision=decision, publication=publication, waiting=len(waiting),
        oldest=math.floor((asof - min(waiting)).total_seconds() / 86400) if waiting else None,
        channels=channels, reached=reached, reached_members=reached_members,
        bounced=sum(1 for _a, s, at in data.bounces if s != "delayed" and inside(at)),
        suppressed=len(suppressed),
        unsubscribed=sum(1 for s in suppressed if s[1] == "ยกเลิกรับข่าว"),
    )


def near(value: float | None, wanted: list[float], q: float) -> bool:
    if not wanted:
        return value is None
    return value is not None and abs(value - float(numpy.percentile(wanted, q))) < 1e-6


def check_figures(figures: Any, wanted: Expected) -> None:
    a = figures.activity
    for name in ("submitted", "approved", "rejected", "returned", "published"):
        assert getattr(a, name) == wanted.activity.get(name, 0), name
    owners = {m.member_id or "?" + m.name: m.activity for m in figures.members if m.activity.any}
    assert set(owners) == {o for o, c in wanted.per_owner.items() if sum(c.values())}
    for owner, act in owners.items():
        counts = wanted.per_owner[owner]
        assert (act.submitted, act.approved, act.rejected, act.returned, act.published) == (
            counts["submitted"], counts["approved"], counts["rejected"], counts["returned"],
            counts["published"]), owner
    clusters = {c.cluster: c for c in figures.clusters}
    for cluster in CLUSTERS:
        act = clusters[cluster].activity
        counts = wanted.per_cluster[cluster]
        assert (act.submitted, act.published) == (counts["submitted"], counts["published"])
        assert clusters[cluster].schools == 5  # the suspended school is not counted
    assert {m.member_id for m in figures.quiet_schools} == wanted.quiet_schools
    assert set(figures.quiet_clusters) == wanted.quiet_clusters
    assert figures.active_schools == wanted.active_schools
    assert figures.decision.count == len(wanted.decision)
    assert near(figures.decision.median_hours, wanted.decision, 50)
    assert near(figures.decision.p90_hours, wanted.decision, 90)
    assert figures.publication.count == len(wanted.publication)
    assert near(figures.publication.median_hours, wanted.publication, 50)
    assert near(figures.publication.p90_hours, wanted.publication, 90)
    assert figures.waiting == wanted.waiting
    assert figures.oldest_waiting_days == wanted.oldest
    d = figures.delivery
    got = {c.channel: (c.sent, c.failed, c.pending) for c in d.channels}
    assert got == {ch: (c["sent"], c["failed"], c["pending"])
                   for ch, c in wanted.channels.items()}
    assert d.reached_addresses == len(wanted.reached)
    assert d.reached_members == len(wanted.reached_members)
    assert (d.bounced, d.suppressed, d.unsubscribed) == (
        wanted.bounced, wanted.suppressed, wanted.unsubscribed)


PERIODS = ["2569-10", "2569-09", "fy2569", "fy2570", "term1-2569", "term2-2568",
           "2026-09-25..2026-10-05", "2568-05"]


@pytest.mark.parametrize("key", PERIODS)
def test_every_figure_matches_an_independent_count(key: str, dataset: Dataset,
                                                   reports: Reports) -> None:
    target = P.parse(key)
    report = reports.report(target)
    check_figures(report.current, expect(dataset, target.start, target.end))
    before = P.previous(target)
    assert report.previous.period == before
    check_figures(report.previous, expect(dataset, before.start, before.end))
    for metric in report.metrics:
        if metric.value is not None and metric.previous is not None:
            assert metric.change == pytest.approx(metric.value - metric.previous, abs=0.051)
    assert report.metric("submitted").value == report.current.activity.submitted
    assert report.metric("submitted").previous == report.previous.activity.submitted


def test_fiscal_year_boundary_is_bangkok_midnight(dataset: Dataset, reports: Reports) -> None:
    september = reports.report(P.parse("2569-09")).current
    october = reports.report(P.parse("2569-10")).current
    crossing = reports.report(P.parse("2026-09-01..2026-10-31")).current
    assert (september.activity + october.activity) == crossing.activity
    fy69 = reports.report(P.parse("fy2569")).current
    fy70 = reports.report(P.parse("fy2570")).current
    assert fy69.period.end == date(2026, 9, 30) and fy70.period.start == date(2026, 10, 1)
    boundary = [i for i in dataset.items if i.id.startswith("N-BOUNDAR")]
    assert [i.submitted.astimezone(BANGKOK).date() for i in boundary] == [
        date(2026, 9, 30), date(2026, 10, 1)]
    # Both on 30 September in UTC, yet one belongs to each fiscal year.
    assert {i.submitted.astimezone(UTC).date() for i in boundary} == {date(2026, 9, 30)}
    owner = boundary[0].owner
    fy69_row = next(m for m in fy69.members if m.member_id == owner)
    fy70_row = next(m for m in fy70.members if m.member_id == owner)
    expected69 = expect(dataset, fy69.period.start, fy69.period.end).per_owner[owner]
    expected70 = expect(dataset, fy70.period.start, fy70.period.end).per_owner[owner]
    assert fy69_row.activity.submitted == expected69["submitted"]
    assert fy70_row.activity.submitted == expected70["submitted"]
    # term1-2569 runs across 1 October: its figures include both sides.
    term = reports.report(P.parse("term1-2569")).current
    assert term.period.start < date(2026, 10, 1) <= term.period.end


def test_empty_period_has_zeros_and_no_times(dataset: Dataset, reports: Reports) -> None:
    output = reports.build(P.parse("2567-01"))
    f = output.report.current
    assert f.activity.submitted == f.activity.published == 0
    assert f.decision.count == 0 and f.decision.median_hours is None
    assert f.publication.p90_hours is None
    assert f.waiting == 0 and f.oldest_waiting_days is None
    assert f.delivery.sent == f.delivery.failed == f.delivery.reached_members == 0
    assert {m.member_id for m in f.quiet_schools} == {m.member_id for m in dataset.members
                                                      if m.school}
    assert set(f.quiet_clusters) == set(CLUSTERS)
    assert output.report.metric("decision_median").value_text == "–"
    assert len(output.charts) == 3 and all(blank_fraction(c.png) < 0.995 for c in output.charts)


def test_registry_health_and_keep_current_round(dataset: Dataset, reports: Reports) -> None:
    health = reports.report(P.parse("2569-10")).health
    active = [m for m in dataset.members if m.active]
    assert health.members == len(dataset.members) and health.active == len(active)
    assert [m.member_id for m in health.no_email] == ["M0004"]
    assert [m.member_id for m in health.no_coordinator] == ["M0006"]
    today = NOW.date()
    assert {m.member_id for m in health.stale} == {
        m.member_id for m in active if (today - m.updated).days > 365}
    assert health.confirm is not None and health.confirm.round == "term2-2569"
    assert [m.member_id for m in health.confirm.updated] == ["M0001"]
    assert [m.member_id for m in health.confirm.waiting] == ["M0002", "M0003"]


# ---------------------------------------------------------------- charts

def blank_fraction(png: bytes) -> float:
    pixels = imread(io.BytesIO(png), format="png")
    white = (pixels[:, :, :3] > 0.98).all(axis=2)
    return float(white.mean())


def test_charts_use_a_thai_font_and_are_not_blank(reports: Reports) -> None:
    output = reports.build(P.parse("fy2569"))
    assert [c.name for c in output.charts] == ["compare", "clusters", "timeline"]
    labels = "".join(CLUSTERS) + "".join(m.label for m in output.report.metrics[:5])
    labels += "ข่าวรายกลุ่มเครือข่ายตามช่วงเวลาเทียบกับช่วงก่อนปีงบประมาณส่งเข้ามาเผยแพร่อนุมัติ"
    for chart in output.charts:
        cmap = TTFont(str(chart.font), fontNumber=0).getBestCmap()
        thai = {c for c in labels if "\u0e00" <= c <= "\u0e7f"}
        assert thai and all(ord(c) in cmap for c in thai), chart.font
        assert chart.png.startswith(b"\x89PNG")
        pixels = imread(io.BytesIO(chart.png), format="png")
        assert pixels.shape[0] > 200 and pixels.shape[1] > 600
        assert blank_fraction(chart.png) < 0.97
        # The title band holds dark Thai glyphs (a missing font would draw nothing or boxes).
        title = pixels[: pixels.shape[0] // 10, :, :3]
        assert (title < 0.3).all(axis=2).sum() > 150


def test_a_font_without_thai_is_refused_clearly() -> None:
    with pytest.raises(FontError) as err:
        thai_font("DejaVu Sans")
    assert "Thai" in str(err.value)
    with pytest.raises(FontError):
        thai_font("/nonexistent/font.ttf")
    assert thai_font().suffix.lower() in (".ttf", ".otf")


# ---------------------------------------------------------------- e-mail, tab, attachment

def parts(msg: EmailMessage) -> list[EmailMessage]:
    return [p for p in msg.walk() if isinstance(p, EmailMessage)]


def text_metrics(text: str) -> dict[str, tuple[str, str, str]]:
    found = {}
    for line in text.splitlines():
        m = re.match(r"^- (.+?): (\S+) \(ช่วงก่อน (\S+), เปลี่ยนแปลง (\S+)\)$", line)
        if m:
            found[m.group(1)] = (m.group(2), m.group(3), m.group(4))
    return found


def number(text: Any) -> float | None:
    if text in ("–", "", None):
        return None
    return float(str(text).replace(",", "").replace("+", ""))


def sheet_rows(book: Any, name: str) -> list[tuple[Any, ...]]:
    return [r for r in book[name].iter_rows(values_only=True)]


def test_email_attachment_and_summary_tab_hold_the_same_numbers(
    dataset: Dataset, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    mail = ('[mail]\ntransport = "smtp"\nhost = "127.0.0.1"\n'
            f'port = {smtp_server.port}\nsecurity = "none"\nsender = "pr@office.example.test"\n'
            "rate_per_minute = 100000\n")
    config = write_workspace(tmp_path, dataset, mail)
    reports = Reports(services_for(config))
    output = reports.build(P.parse("fy2569"))
    result = reports.send(output)
    reports.write_summary(output)
    assert result.sent == 2 and result.failed == 0
    smtp_server.wait_for(2)
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [
        "director@office.example.test", "officer@office.example.test"]
    msg = smtp_server.messages[0].message
    assert "ปีงบประมาณ 2569" in str(msg["Subject"])
    assert msg.get_content_type() == "multipart/mixed"
    all_parts = parts(msg)
    html = next(p for p in all_parts if p.get_content_type() == "text/html").get_content()
    text = next(p for p in all_parts if p.get_content_type() == "text/plain").get_content()
    images = [p for p in all_parts if p.get_content_type() == "image/png"]
    assert len(images) == 3
    for image in images:
        cid = str(image["Content-ID"]).strip("<>")
        assert f'src="cid:{cid}"' in html
        assert blank_fraction(image.get_content()) < 0.97
    xlsx = next(p for p in all_parts if p.get_filename() and p.get_filename().endswith(".xlsx"))
    assert xlsx.get_filename() == "สรุปผล-fy2569.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(xlsx.get_content()), read_only=True)

    wanted = expect(dataset, date(2025, 10, 1), date(2026, 9, 30))
    in_text = text_metrics(text)
    summary = {r[0]: r[1:] for r in sheet_rows(book, "สรุป")[3:]}
    tab = LocalWorkbook(tmp_path / "workbook.xlsx").read([SUMMARY])[SUMMARY].rows
    tab_metrics: dict[Any, list[Any]] = {}
    for r in tab:
        if len(r) >= 4 and r[0] in in_text:
            tab_metrics.setdefault(r[0], r[1:4])  # the headline table comes first
    assert len(in_text) == len(output.report.metrics) == len(tab_metrics)
    for metric in output.report.metrics:
        shown = in_text[metric.label]
        assert number(shown[0]) == metric.value == number(summary[metric.label][0])
        assert number(shown[1]) == metric.previous == number(summary[metric.label][1])
        assert number(shown[2]) == metric.change == number(summary[metric.label][2])
        assert tuple(number(v) for v in tab_metrics[metric.label]) == (
            metric.value, metric.previous, metric.change)
    assert number(in_text["ข่าวที่ส่งเข้ามา"][0]) == wanted.activity["submitted"]
    assert number(in_text["เผยแพร่แล้ว"][0]) == wanted.activity["published"]
    assert number(in_text["อีเมลตีกลับ"][0]) == wanted.bounced
    assert number(in_text["สมาชิกที่ได้รับข่าว"][0]) == len(wanted.reached_members)

    clusters = {r[0]: r for r in sheet_rows(book, "รายกลุ่มเครือข่าย")[3:]}
    for cluster in CLUSTERS:
        counts = wanted.per_cluster[cluster]
        assert clusters[cluster][3] == counts["submitted"]
        assert clusters[cluster][7] == counts["published"]
        line = next(x for x in text.splitlines() if x.startswith(f"- {cluster}:"))
        assert line.split(": ", 1)[1].startswith(
            f"{counts['submitted']} / {counts['approved']} / {counts['rejected']} / "
            f"{counts['returned']} / {counts['published']}")
        assert next(r for r in tab if r and r[0] == cluster)[3] == counts["submitted"]
    assert clusters["รวม"][3] == wanted.activity["submitted"]
    schools = sheet_rows(book, "รายโรงเรียน")[3:]
    assert schools[-1][3] == wanted.activity["submitted"]
    quiet = {r[1] for r in sheet_rows(book, "ไม่ได้ส่งข่าว")[3:] if r[0] == "โรงเรียน"}
    assert quiet == wanted.quiet_schools
    assert tab[0][0] == "สรุปผลการประชาสัมพันธ์ สำนักงานเขตพื้นที่การศึกษาทดสอบ"


def test_csv_attachments_have_a_bom_and_the_same_numbers(dataset: Dataset,
                                                         tmp_path: Path) -> None:
    config = write_workspace(tmp_path, dataset, OUTBOX, 'attachment = "csv"\ncharts = false')
    reports = Reports(services_for(config))
    output = reports.build(P.parse("term1-2569"))
    assert output.charts == []
    reports.send(output)
    msgs = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted((tmp_path / "outbox").glob("*.eml"))]
    assert len(msgs) == 2
    msg = msgs[0]
    assert isinstance(msg, EmailMessage)
    files = {p.get_filename(): p.get_payload(decode=True) for p in parts(msg) if p.get_filename()}
    assert "สรุปผล-term1-2569-สรุป.csv" in files
    raw = files["สรุปผล-term1-2569-สรุป.csv"]
    assert isinstance(raw, bytes) and raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["ตัวชี้วัด", "ช่วงนี้", "ช่วงก่อน", "เปลี่ยนแปลง"]
    by_label = {r[0]: r for r in rows[1:]}
    for metric in output.report.metrics:
        assert number(by_label[metric.label][1]) == metric.value
    wanted = expect(dataset, date(2026, 5, 16), date(2026, 10, 11))
    assert number(by_label["ข่าวที่ส่งเข้ามา"][1]) == wanted.activity["submitted"]
    schools = list(csv.reader(io.StringIO(
        files["สรุปผล-term1-2569-รายโรงเรียน.csv"].decode("utf-8-sig"))))
    assert any(r[1] == "โรงเรียนบ้านหนองบัว" for r in schools)


def test_formula_like_text_is_neutralised_in_csv() -> None:
    from automation.reports.export import csv_bytes
    from automation.reports.tables import Table

    data = csv_bytes(Table("x", "x", ("ชื่อ", "n"), (("=HYPERLINK(\"http://e\")", 1),
                                                      ("+66 81", 2), ("ปกติ", 3))))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][0].startswith("'=") and rows[2][0].startswith("'+") and rows[3][0] == "ปกติ"


def test_report_goes_once_per_period_unless_asked_again(dataset: Dataset,
                                                         tmp_path: Path) -> None:
    config = write_workspace(tmp_path, dataset, OUTBOX, "charts = false")
    reports = Reports(services_for(config))
    output = reports.build(P.parse("2569-10"))
    assert reports.send(output).sent == 2
    again = reports.send(output)
    assert (again.sent, again.skipped) == (0, 2)
    assert reports.send(output, again=True).sent == 2
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 4


def test_scheduled_job_sends_each_finished_period_once(dataset: Dataset,
                                                       tmp_path: Path) -> None:
    config = write_workspace(tmp_path, dataset, OUTBOX,
                             'periods = ["month", "fiscal"]\ncharts = false')
    run = Reports(services_for(config, bkk(2026, 10, 2, 8))).scheduled()
    notes = run.notes
    assert len(notes) == 2 and "กันยายน 2569" in notes[0] and "ปีงบประมาณ 2569" in notes[1]
    assert run.ok and "ปีงบประมาณ 2569" in run.summary()
    assert Reports(services_for(config, bkk(2026, 10, 3, 8))).scheduled().notes == []
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 4
    tab = LocalWorkbook(tmp_path / "workbook.xlsx").read([SUMMARY])[SUMMARY].rows
    assert "ปีงบประมาณ 2569" in str(tab[1][1])
    later = Reports(services_for(config, bkk(2026, 11, 1, 8))).scheduled().notes
    assert len(later) == 1 and "ตุลาคม 2569" in later[0]


def test_scheduled_job_skips_periods_before_the_worker_ran(tmp_path: Path) -> None:
    config = write_workspace(tmp_path, Dataset([], [], [], [], [], {}), OUTBOX)
    assert Reports(services_for(config)).scheduled().notes == []
    assert not list((tmp_path / "outbox").glob("*.eml"))


def test_the_scheduler_runs_the_report_job(dataset: Dataset, tmp_path: Path) -> None:
    from automation.scheduler import jobs as scheduler_jobs

    config = write_workspace(tmp_path, dataset, OUTBOX, 'periods = ["month"]\ncharts = false')
    services = services_for(config, bkk(2026, 11, 1, 7))
    run = scheduler_jobs.run_job("reports", scheduler_jobs.JobContext.build(services))
    assert run.ok and "ตุลาคม 2569" in run.summary
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 2


def test_cli_preview_and_errors(dataset: Dataset, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    config = write_workspace(tmp_path, dataset, OUTBOX)
    out = tmp_path / "preview" / "report.html"
    assert main(["report", "--period", "fy2569", "--preview", str(out),
                 "--config", str(config)]) == 0
    html = out.read_text(encoding="utf-8")
    for src in re.findall(r'<img src="([^"]+)"', html):
        assert (out.parent / src).is_file()
    assert (out.parent / "สรุปผล-fy2569.xlsx").is_file()
    assert not list((tmp_path / "outbox").glob("*.eml"))  # dry run
    printed = capsys.readouterr().out
    assert "ข่าวที่ส่งเข้ามา" in printed and "--send" in printed
    assert main(["report", "--period", "2569-13", "--config", str(config)]) == 2
    assert "2569-11" in capsys.readouterr().err


def test_report_output_holds_every_table(reports: Reports) -> None:
    output = reports.build(P.parse("2569-10"))
    assert isinstance(output, Output)
    assert output.period.key == "2569-10"
    assert [t.name for t in output.tables] == [
        "สรุป", "รายกลุ่มเครือข่าย", "รายโรงเรียน", "ไม่ได้ส่งข่าว", "ระยะเวลา", "การส่ง",
        "การเข้าถึง", "ลำดับเวลา", "ทะเบียนเครือข่าย"]
    book = openpyxl.load_workbook(io.BytesIO(output.attachments[0].data))
    assert book.sheetnames == [t.name for t in output.tables]


def test_summary_tab_on_google_sheets(tmp_path: Path) -> None:
    """The same report through the real gspread backend against the Sheets v4 fake."""
    from automation.sources.google import GoogleSheet
    from tests.sheet_driver import GoogleDriver, connect

    driver = GoogleDriver(tmp_path / "office")
    driver.run_cycle()
    services = wiring.services(config_mod.load(driver.config))
    assert isinstance(services.sheet.backend, GoogleSheet)
    connect(services.sheet.backend, driver.api, driver.token)
    today = services.clock().date()
    reports = Reports(services)
    # The demo dates its submissions up to ten days back: a span that holds them all
    # whatever day of the month the suite runs on.
    output = reports.build(P.between(today - timedelta(days=30), today))
    assert output.report.current.activity.submitted == 12  # every demo submission
    reports.write_summary(output)
    grid = driver.grid(SUMMARY)
    assert str(grid[0][0]).startswith("สรุปผลการประชาสัมพันธ์ ")
    shown: dict[str, list[Any]] = {}
    for r in grid:
        if r and len(r) >= 4:
            shown.setdefault(str(r[0]), r[1:4])  # the headline table comes first
    for metric in output.report.metrics:
        assert tuple(number(v) for v in shown[metric.label]) == (
            metric.value, metric.previous, metric.change)
