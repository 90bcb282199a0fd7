"""Synthetic offices for the reliability suites and the benchmarks.

A workload is a workspace folder with ``schedule.toml`` and ``workbook.xlsx``: a registry of
``members`` schools (one address each, in clusters of ``cluster_size``), ``approved`` items
ticked for everyone, a few pending / rejected / returned items that must never go out, and
optionally thousands of older, already decided rows for scale runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from automation.demo import FORM_HEADERS, REGISTRY_HEADERS, SUPPRESSION_HEADERS
from automation.sources.local import LocalWorkbook
from automation.thaidate import BANGKOK

FORM = "การตอบแบบฟอร์ม 1"
REGISTRY = "ทะเบียนเครือข่าย"
SUPPRESSION = "งดรับข่าว"
DOMAIN = "school.example.test"

_FIRST = ("สมศรี", "ประเสริฐ", "วิภาวดี", "ณัฐพล", "กาญจนา", "อนุชา", "พิมพ์ชนก", "ธนากร")
_LAST = ("ใจดี", "คำแสน", "อินทร์แก้ว", "ปัญญาวงค์", "สุขเกษม", "ธรรมชัย", "แก้วมูล")
_TOPICS = ("กีฬาสีภายใน", "ค่ายลูกเสือ-เนตรนารี", "ติวเข้ม O-NET", "โครงการอาหารกลางวัน",
           "ปลูกป่าต้นน้ำ", "ค่ายภาษาอังกฤษ", "ตรวจสุขภาพฟันนักเรียน", "จิตอาสาพัฒนาชุมชน")


@dataclass(frozen=True)
class Workload:
    config: Path
    workbook: Path
    recipients: tuple[str, ...]
    approved_titles: tuple[str, ...]
    other_titles: tuple[str, ...]
    submitters: dict[str, str] = field(default_factory=dict)  # title → submitter's address

    @property
    def folder(self) -> Path:
        return self.config.parent

    @property
    def ledger(self) -> Path:
        return self.folder / "ledger.sqlite3"


def quiet(acknowledge: bool = False) -> str:
    """A [publish] table that sends bulletins only (and receipts, if ``acknowledge``)."""
    return (f"[publish]\nacknowledge = {str(acknowledge).lower()}\nnotify_submitters = false\n"
            "director_digest = false\nofficer_report = false\n")


def member_email(n: int) -> str:
    return f"school{n:05d}@{DOMAIN}"


def sender_email(n: int) -> str:
    return f"sender{n:05d}@{DOMAIN}"


def cluster_name(n: int) -> str:
    return f"เครือข่ายที่ {n}"


def registry_rows(members: int, cluster_size: int, today: dt.date) -> list[list[object]]:
    rows: list[list[object]] = [list(REGISTRY_HEADERS)]
    for n in range(1, members + 1):
        person = f"นาย{_FIRST[n % len(_FIRST)]} {_LAST[n % len(_LAST)]}"
        rows.append([
            f"M{n:05d}", "ภายใน", "สถานศึกษา", f"โรงเรียนบ้านทดสอบที่ {n}",
            cluster_name((n - 1) // cluster_size + 1), person, "ครู", f"08{n % 10**8:08d}",
            member_email(n), True, "ใช้งาน", today - dt.timedelta(days=n % 300), True, None,
        ])  # fmt: skip
    return rows


def titles(approved: int) -> tuple[str, ...]:
    """The titles of a workload's approved items, in sheet order."""
    return tuple(f"{_TOPICS[i % len(_TOPICS)]} รุ่นที่ {i + 1}" for i in range(approved))


def form_row(
    n: int, stamp: dt.datetime, title: str, approval: object, target: str | None = None,
    note: str | None = None, member: int | None = None,
) -> list[object]:
    """A submission; with ``member``, sent by that registry school from its own address
    (an address the office trusts with notices that repeat the news)."""
    school = member or n
    body = (
        f"โรงเรียนบ้านทดสอบที่ {school} จัดกิจกรรม{title} นักเรียนและผู้ปกครองร่วมงานอย่างอบอุ่น"
        "\n\nขอขอบคุณทุกภาคส่วนที่ให้การสนับสนุน ภาพกิจกรรมดูได้จากลิงก์ด้านล่าง"
    )
    return [
        stamp, member_email(member) if member else sender_email(n),
        f"โรงเรียนบ้านทดสอบที่ {school}",
        f"นาง{_FIRST[n % len(_FIRST)]} {_LAST[n % len(_LAST)]}", f"08{n % 10**8:08d}",
        title, body, stamp.date(), f"https://drive.google.com/open?id=img{n:06d}", None,
        "ข่าวกิจกรรม", approval, note, target, None, None,
    ]  # fmt: skip


def make_workload(
    folder: Path,
    *,
    members: int = 250,
    approved: int = 4,
    cluster_size: int = 20,
    target: str | None = None,
    old_items: int = 0,
    mail: str | None = None,
    extra_config: str = "",
    today: dt.date | None = None,
    bulletin: str = '[bulletin]\nmode = "per-item"\n',
) -> Workload:
    """Write a workspace; ``mail`` replaces the default outbox [mail] table, ``bulletin``
    the per-item [bulletin] table."""
    today = today or dt.datetime.now(BANGKOK).date()  # the office's day, as the worker sees it
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.combine(today, dt.time(9, 0))
    form: list[list[object]] = [list(FORM_HEADERS)]
    for n in range(old_items):
        # Older rows already decided long ago: they only make the tab big.
        stamp = now - dt.timedelta(days=30 + n % 700, minutes=n)
        form.append(form_row(n + 10_000, stamp, f"{_TOPICS[n % len(_TOPICS)]} ครั้งที่ {n}",
                             "ไม่อนุมัติ" if n % 3 else "ส่งกลับแก้ไข", note="ข่าวเก่า"))
    approved_titles = titles(approved)
    for i, title in enumerate(approved_titles):
        form.append(form_row(i + 1, now - dt.timedelta(hours=i + 2), title, True, target,
                             member=i % members + 1))
    others = (("ข่าวรอพิจารณา", None), ("ข่าวที่ไม่อนุมัติ", "ไม่อนุมัติ"),
              ("ข่าวส่งกลับแก้ไข", "ส่งกลับแก้ไข"), ("ข่าวยังไม่ติ๊ก", False))
    for j, (title, approval) in enumerate(others):
        form.append(form_row(900 + j, now - dt.timedelta(hours=1, minutes=j), title, approval,
                             note="เหตุผลของผู้บริหาร" if approval else None,
                             member=(j + 1) % members + 1))
    registry = registry_rows(members, cluster_size, today)
    workbook = folder / "workbook.xlsx"
    LocalWorkbook.create(workbook, {
        FORM: form, REGISTRY: registry, SUPPRESSION: [list(SUPPRESSION_HEADERS)],
    })
    config = folder / "schedule.toml"
    config.write_text(
        "[office]\n"
        'name = "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาทดสอบ เขต 1"\n'
        'website = "https://pr.office.example.test"\n'
        'director_email = "director@office.example.test"\n'
        'officer_email = "officer@office.example.test"\n\n'
        "[sheets]\nbackend = \"local\"\nworkbook = \"workbook.xlsx\"\n\n"
        + (mail or '[mail]\ntransport = "outbox"\noutbox = "outbox"\n'
           "rate_per_minute = 100000\ndaily_limit = 100000\n")
        # By default one bulletin per (item, recipient) as soon as approved: the unit the
        # guarantees are stated in (digests have their own suite).
        + "\n" + bulletin
        + ("\n" + extra_config if extra_config else ""),
        encoding="utf-8",
    )
    submitters = {t: member_email(i % members + 1) for i, t in enumerate(approved_titles)}
    submitters.update({t: member_email((j + 1) % members + 1) for j, (t, _a) in enumerate(others)})
    return Workload(
        config, workbook, tuple(member_email(n) for n in range(1, members + 1)),
        approved_titles, tuple(t for t, _a in others), submitters,
    )


def smtp_table(port: int, *, connections: int = 1, retries: int = 1, timeout: float = 10.0,
               security: str = "none", extra: str = "") -> str:
    return (
        "[mail]\n"
        'transport = "smtp"\nhost = "127.0.0.1"\n'
        f'port = {port}\nsecurity = "{security}"\n'
        'sender = "pr@office.example.test"\n'
        "rate_per_minute = 1000000\ndaily_limit = 1000000\n"
        f"connections = {connections}\nretries = {retries}\ntimeout = {timeout}\n" + extra
    )
