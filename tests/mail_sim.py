"""A simulated office for the mail tests: the real worker, ledger and SMTP transport against
an aiosmtpd server on loopback, with a settable clock and an in-memory spreadsheet.

The spreadsheet is a plain implementation of the ``SheetBackend`` port holding the tabs as
lists, so a week of hourly cycles runs in seconds; the workbook and Google backends have
their own end-to-end suites. The clock is ``Services.clock`` and its ``advance`` is
``Services.sleep``, so backing off after a provider reply moves simulated time, not real.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from automation import config as config_mod
from automation.core.cycle import Worker
from automation.core.render import Renderer
from automation.core.services import Services
from automation.core.table import Sheet
from automation.errors import SheetError
from automation.ledger.sqlite import SqliteLedger
from automation.model import Cell, CellWrite, CycleReport, Tab
from automation.ports import Publisher
from automation.survey.invite import digest_addon
from automation.thaidate import BANGKOK
from automation.wiring import mail_transport
from tests.servers.smtp import ReceivedMessage, SmtpServer

FORM = "การตอบแบบฟอร์ม 1"
REGISTRY = "ทะเบียนเครือข่าย"
SUPPRESSION = "งดรับข่าว"
FORM_HEADERS = ["ประทับเวลา", "ที่อยู่อีเมล", "ชื่อโรงเรียน/หน่วยงาน", "ผู้ส่งข่าว", "หัวข้อข่าว",
                "เนื้อหาข่าว", "วันที่จัดกิจกรรม", "อนุมัติ", "กลุ่มเป้าหมาย", "ด่วน",
                # The form's other questions, unanswered here (a form without them is told
                # to the officer, which would take a message from the quotas under test).
                "เบอร์โทรศัพท์", "ภาพประกอบ", "ลิงก์เพิ่มเติม", "ประเภทข่าว"]
REGISTRY_HEADERS = ["รหัสสมาชิก", "ประเภทเครือข่าย", "กลุ่ม", "ชื่อหน่วยงาน",
                    "กลุ่มเครือข่ายสถานศึกษา", "ผู้ประสานงาน", "อีเมล", "รับข่าวทางอีเมล", "สถานะ"]
CLUSTERS = ("เครือข่ายดอยคำ", "เครือข่ายริมน้ำ")
DIRECTOR = "director@office.example.test"
OFFICER = "officer@office.example.test"
# Monday 2 March 2026, 07:00 in Bangkok.
MONDAY = datetime(2026, 3, 2, 7, 0, tzinfo=BANGKOK)


class SimClock:
    def __init__(self, start: datetime) -> None:
        self.now = start
        self.slept = 0.0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.slept += seconds
        self.now += timedelta(seconds=seconds)


class MemorySheet:
    """The spreadsheet port over lists in memory (safe to edit from the SMTP thread)."""

    def __init__(self, tabs: dict[str, list[list[Cell]]]) -> None:
        self.tabs = tabs
        self.lock = threading.Lock()
        self._requests = 0

    @property
    def requests(self) -> int:
        return self._requests

    def read(self, tabs: Sequence[str]) -> dict[str, Tab]:
        self._requests += 1
        with self.lock:
            for name in tabs:
                if name not in self.tabs:
                    raise SheetError(f"tab '{name}' not found")
            return {n: Tab(n, [list(r) for r in self.tabs[n]]) for n in tabs}

    def write(self, writes: Sequence[CellWrite]) -> None:
        self._requests += 1
        with self.lock:
            for w in writes:
                rows = self.tabs[w.tab]
                while len(rows) < w.row:
                    rows.append([])
                row = rows[w.row - 1]
                while len(row) < w.col:
                    row.append(None)
                row[w.col - 1] = w.value

    def append(self, tab: str, rows: Sequence[Sequence[Cell]]) -> None:
        self._requests += 1
        with self.lock:
            self.tabs.setdefault(tab, []).extend(list(r) for r in rows)

    def replace(self, tab: str, rows: Sequence[Sequence[Cell]]) -> None:
        self._requests += 1
        with self.lock:
            self.tabs[tab] = [list(r) for r in rows]


def member_email(n: int) -> str:
    return f"m{n:02d}@school.example.test"


def member_row(n: int) -> list[Cell]:
    """Members 1–20 are schools in two clusters; 21 on are external agencies."""
    if n <= 20:
        return [f"M{n:02d}", "ภายใน", "สถานศึกษา", f"โรงเรียนบ้านทดสอบที่ {n}",
                CLUSTERS[(n - 1) // 10], f"ครูประสานงาน {n}", member_email(n), True, "ใช้งาน"]
    return [f"M{n:02d}", "ภายนอก", "หน่วยงานภาครัฐ", f"หน่วยงานภาคีที่ {n}", "",
            f"เจ้าหน้าที่ {n}", member_email(n), True, "ใช้งาน"]


@dataclass
class Received:
    at: datetime
    rcpt: str
    kind: str
    items: tuple[str, ...]  # the item of a bulletin, the items a digest carries
    run: str  # X-PR-Item: the item, or the digest run
    message_id: str


@dataclass
class Office:
    config: config_mod.Config
    sheet: MemorySheet
    clock: SimClock
    ledger: SqliteLedger
    worker: Worker
    server: SmtpServer
    received: list[Received] = field(default_factory=list)
    # Called in the SMTP server's thread as each message arrives (the client is waiting).
    on_receive: list[Callable[[Received], None]] = field(default_factory=list)

    def cycle(self) -> CycleReport:
        return self.worker.cycle()

    def at(self, when: datetime) -> CycleReport:
        self.clock.now = when
        return self.cycle()

    # -- people editing the sheet ----------------------------------------------------

    def submit(self, title: str, school: str = "โรงเรียนบ้านทดสอบที่ 1",
               email: str = member_email(1)) -> str:
        local = self.clock.now.astimezone(BANGKOK).replace(tzinfo=None)
        row: list[Cell] = [local, email, school, "ครูผู้ส่งข่าว", title,
                           f"เนื้อหาข่าว {title}\n\nย่อหน้าที่สอง", local.date(), None, "", None]
        with self.sheet.lock:
            self.sheet.tabs[FORM].append(row)
        return title

    def decide(self, title: str, approval: Cell = True, audience: str | None = None,
               urgent: Cell = None) -> None:
        with self.sheet.lock:
            rows = self.sheet.tabs[FORM]
            head = [str(h) for h in rows[0]]
            for row in rows[1:]:
                if row[head.index("หัวข้อข่าว")] == title:
                    row[head.index("อนุมัติ")] = approval
                    if audience is not None:
                        row[head.index("กลุ่มเป้าหมาย")] = audience
                    if urgent is not None:
                        row[head.index("ด่วน")] = urgent
                    return
        raise KeyError(title)

    def add_member(self, n: int) -> None:
        with self.sheet.lock:
            self.sheet.tabs[REGISTRY].append(member_row(n))

    def unsubscribe(self, email: str) -> None:
        with self.sheet.lock:
            self.sheet.tabs[SUPPRESSION].append([email, "ขอยกเลิก", None, ""])

    def item_ids(self) -> dict[str, str]:
        """Title → news ID, once the worker has written its IDs."""
        rows = self.sheet.tabs[FORM]
        head = [str(h) for h in rows[0]]
        return {str(r[head.index("หัวข้อข่าว")]): str(r[head.index("รหัสข่าว")])
                for r in rows[1:] if len(r) > head.index("รหัสข่าว")}

    def column(self, title: str, header: str) -> Cell:
        rows = self.sheet.tabs[FORM]
        head = [str(h) for h in rows[0]]
        for r in rows[1:]:
            if r[head.index("หัวข้อข่าว")] == title:
                return r[head.index(header)] if len(r) > head.index(header) else None
        raise KeyError(title)

    def of_kind(self, *kinds: str) -> list[Received]:
        return [r for r in self.received if r.kind in kinds]


def make_office(
    folder: Path, make_server: Callable[..., SmtpServer], *, members: int = 30,
    toml: str = "", start: datetime = MONDAY, mail: str = "",
    publishers: Sequence[Publisher] = (), **server_options: Any,
) -> Office:
    """An office of ``members`` on a fresh SMTP server made with ``server_options``."""
    hooks: list[Callable[[ReceivedMessage], None]] = []
    server = make_server(on_message=lambda m: [hook(m) for hook in hooks], **server_options)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "schedule.toml"
    path.write_text(
        "[office]\n"
        'name = "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาทดสอบ เขต 1"\n'
        'website = "https://pr.office.example.test"\n'
        f'director_email = "{DIRECTOR}"\nofficer_email = "{OFFICER}"\n'
        '[sheets]\nworkbook = "unused.xlsx"\n'
        "[mail]\n"
        f'transport = "smtp"\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\n'
        'sender = "pr@office.example.test"\nrate_per_minute = 1000000000\nretries = 2\n'
        + mail + toml,
        encoding="utf-8",
    )
    config = config_mod.load(path)
    clock = SimClock(start)
    sheet = MemorySheet({
        FORM: [list(FORM_HEADERS)],
        REGISTRY: [list(REGISTRY_HEADERS)] + [member_row(n) for n in range(1, members + 1)],
        SUPPRESSION: [["อีเมล", "เหตุผล", "วันที่", "รายละเอียด"]],
    })
    ledger = SqliteLedger(config.ledger_path)
    services = Services(
        config=config, sheet=Sheet(sheet), ledger=ledger, transport=mail_transport(config),
        renderer=Renderer(config.templates), clock=clock, sleep=clock.advance,
        publishers=publishers,
    )
    services.digest_extras = digest_addon(config, ledger, services.sheet, clock)
    office = Office(config, sheet, clock, ledger, Worker(services), server)

    def record(message: ReceivedMessage) -> None:
        msg = message.message
        kind = str(msg["X-PR-Kind"])
        run = str(msg["X-PR-Item"])
        carried = str(msg["X-PR-Items"] or "") if kind == "digest" else run
        got = Received(clock.now, message.rcpt_tos[0], kind,
                       tuple(i for i in carried.split(",") if i), run, str(message.message_id))
        office.received.append(got)
        for hook in office.on_receive:
            hook(got)

    hooks.append(record)
    return office
