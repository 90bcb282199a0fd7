"""Every table of a report, built once: the e-mail, the attachment and the summary tab all
show these rows, so their numbers cannot disagree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from automation.model import Cell, Member
from automation.reports.figures import Activity, PeriodFigures, Timing
from automation.reports.summary import Report
from automation.thaidate import format_date, format_datetime

CHANNEL_NAMES = {
    "email": "อีเมล", "site": "เว็บไซต์ข่าว", "board": "เว็บไซต์ข่าว", "line": "LINE",
    "telegram": "Telegram", "facebook": "Facebook", "gchat": "Google Chat",
    "google_chat": "Google Chat", "webhook": "Webhook",
}
KIND_NAMES = {
    "bulletin": "ข่าวถึงเครือข่าย", "digest": "สรุปข่าวถึงเครือข่าย", "ack": "แจ้งรับข่าว",
    "approved": "แจ้งเผยแพร่ข่าว", "rejected": "แจ้งไม่อนุมัติ", "returned": "แจ้งส่งกลับแก้ไข",
    "director_digest": "สรุปข่าวรอพิจารณาถึงผู้บริหาร", "officer_report": "รายงานปัญหาถึงเจ้าหน้าที่",
    "report": "รายงานประเมินผล", "keep_current": "ขอให้ยืนยันข้อมูลทะเบียน",
    "registry_check": "ผลตรวจทะเบียนถึงเจ้าหน้าที่",
}
ACTIVITY_HEADERS = ("ส่งเข้ามา", "อนุมัติ", "ไม่อนุมัติ", "ส่งกลับแก้ไข", "เผยแพร่")
NO_CLUSTER = "(ไม่ระบุกลุ่มเครือข่าย)"


@dataclass(frozen=True)
class Table:
    name: str  # worksheet / file name part (at most 31 characters)
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def _activity(a: Activity) -> tuple[int, ...]:
    return (a.submitted, a.approved, a.rejected, a.returned, a.published)


def _blank(value: float | None) -> Cell:
    return "" if value is None else value


def summary_table(report: Report) -> Table:
    return Table(
        "สรุป", "ตัวชี้วัดหลัก เทียบกับช่วงก่อน",
        ("ตัวชี้วัด", "ช่วงนี้", "ช่วงก่อน", "เปลี่ยนแปลง"),
        tuple((m.label, _blank(m.value), _blank(m.previous), _blank(m.change))
              for m in report.metrics),
    )


def cluster_table(f: PeriodFigures) -> Table:
    rows: list[tuple[Cell, ...]] = [
        (c.cluster or NO_CLUSTER, c.schools, c.active_schools, *_activity(c.activity))
        for c in f.clusters
    ]
    total = sum((c.activity for c in f.clusters), Activity())
    rows.append(("รวม", sum(c.schools for c in f.clusters),
                 sum(c.active_schools for c in f.clusters), *_activity(total)))
    return Table("รายกลุ่มเครือข่าย", "ผลงานรายกลุ่มเครือข่ายสถานศึกษา",
                 ("กลุ่มเครือข่าย", "จำนวนโรงเรียน", "โรงเรียนที่ส่งข่าว", *ACTIVITY_HEADERS),
                 tuple(rows))


def member_table(f: PeriodFigures) -> Table:
    rows: list[tuple[Cell, ...]] = [
        (m.member_id or "(ไม่อยู่ในทะเบียน)", m.name, m.cluster or NO_CLUSTER,
         *_activity(m.activity))
        for m in f.members
    ]
    rows.append(("รวม", "", "", *_activity(f.activity)))
    return Table("รายโรงเรียน", "ผลงานรายโรงเรียน/หน่วยงาน",
                 ("รหัสสมาชิก", "โรงเรียน/หน่วยงาน", "กลุ่มเครือข่าย", *ACTIVITY_HEADERS),
                 tuple(rows))


def quiet_table(f: PeriodFigures) -> Table:
    rows: list[tuple[Cell, ...]] = [("กลุ่มเครือข่าย", "", c) for c in f.quiet_clusters]
    rows += [("โรงเรียน", m.member_id, m.name) for m in f.quiet_schools]
    return Table("ไม่ได้ส่งข่าว", "โรงเรียนและกลุ่มเครือข่ายที่ไม่ได้ส่งข่าวในช่วงนี้",
                 ("ประเภท", "รหัสสมาชิก", "ชื่อ"), tuple(rows))


def timing_table(f: PeriodFigures) -> Table:
    def row(label: str, t: Timing) -> tuple[Cell, ...]:
        return (label, t.count, _blank(_hours(t.median_hours)), _blank(_hours(t.p90_hours)))

    return Table("ระยะเวลา", "ระยะเวลาดำเนินการ (ชั่วโมง)",
                 ("ขั้นตอน", "จำนวนข่าว", "มัธยฐาน", "P90"),
                 (row("ส่งเข้ามา → ผู้บริหารพิจารณา", f.decision),
                  row("ส่งเข้ามา → เผยแพร่", f.publication),
                  ("ข่าวที่ยังไม่ได้พิจารณา ณ สิ้นช่วง", f.waiting, "", ""),
                  ("ข่าวที่รอนานที่สุด (วัน)", _blank(f.oldest_waiting_days), "", "")))


def _hours(value: float | None) -> float | None:
    if value is None:
        return None
    rounded = round(value, 1)
    return int(rounded) if rounded.is_integer() else rounded


def delivery_table(f: PeriodFigures) -> Table:
    d = f.delivery
    rows: list[tuple[Cell, ...]] = [
        (CHANNEL_NAMES.get(c.channel, c.channel), "รวม", c.sent, c.failed, c.pending)
        for c in d.channels
    ]
    rows += [("อีเมล", KIND_NAMES.get(k.kind, k.kind), k.sent, k.failed, "")
             for k in d.email_kinds]
    rows.append(("รวมทุกช่องทาง", "", d.sent, d.failed, d.pending))
    return Table("การส่ง", "การส่งข่าวและข้อความแยกตามช่องทาง",
                 ("ช่องทาง", "ประเภท", "ส่งสำเร็จ", "ล้มเหลว", "รอส่ง"), tuple(rows))


def reach_table(f: PeriodFigures) -> Table:
    d = f.delivery
    return Table("การเข้าถึง", "การเข้าถึงสมาชิกเครือข่าย", ("รายการ", "จำนวน"), (
        ("สมาชิกที่ได้รับข่าว", d.reached_members),
        ("สมาชิกที่รับข่าวทางอีเมลได้", d.reachable_members),
        ("ที่อยู่อีเมลที่ได้รับข่าว", d.reached_addresses),
        ("อีเมลตีกลับ", d.bounced),
        ("เพิ่มในรายชื่องดรับข่าว", d.suppressed),
        ("ขอยกเลิกรับข่าว", d.unsubscribed),
    ))


def timeline_table(f: PeriodFigures) -> Table:
    return Table("ลำดับเวลา", "ข่าวที่ส่งเข้ามาและเผยแพร่ตามช่วงเวลา",
                 ("เริ่มวันที่", "ส่งเข้ามา", "เผยแพร่"),
                 tuple((format_date(b.start), b.submitted, b.published) for b in f.timeline))


def registry_table(report: Report) -> Table:
    h = report.health
    rows: list[tuple[Cell, ...]] = [
        ("สมาชิกทั้งหมด", "", "", h.members),
        ("สมาชิกที่ใช้งาน", "", "", h.active),
        ("ข้อผิดพลาดในทะเบียน", "", "", h.errors),
        ("คำเตือนในทะเบียน", "", "", h.warnings),
    ]

    def listed(topic: str, members: Sequence[Member]) -> None:
        rows.append((topic, "", "", len(members)))
        rows.extend(("", m.member_id, m.name, "") for m in members)

    listed("ไม่มีอีเมลที่ใช้ได้", h.no_email)
    listed("ไม่มีผู้ประสานงาน", h.no_coordinator)
    listed("ไม่ได้ปรับปรุงข้อมูลนานเกินกำหนด", h.stale)
    rows.append(("ข้อมูลซ้ำ", "", "", len(h.duplicates)))
    rows.extend(("", d.member_id, d.problem, "") for d in h.duplicates)
    if h.confirm is not None:
        rows.append((f"ส่งแบบยืนยันข้อมูล รอบ {h.confirm.round}", "", "", len(h.confirm.asked)))
        rows.append(("ปรับปรุงข้อมูลแล้ว", "", "", len(h.confirm.updated)))
        listed("ยังไม่ยืนยัน/ปรับปรุงข้อมูล", h.confirm.waiting)
    return Table("ทะเบียนเครือข่าย", "สุขภาพทะเบียนเครือข่าย (ข้อมูล ณ วันที่จัดทำ)",
                 ("หัวข้อ", "รหัสสมาชิก", "ชื่อ/รายละเอียด", "จำนวน"), tuple(rows))


def all_tables(report: Report) -> list[Table]:
    f = report.current
    return [summary_table(report), cluster_table(f), member_table(f), quiet_table(f),
            timing_table(f), delivery_table(f), reach_table(f), timeline_table(f),
            registry_table(report)]


def summary_tab(report: Report) -> list[list[Cell]]:
    """The worker-owned summary tab: a heading, then every table one after another."""
    f = report.current
    rows: list[list[Cell]] = [
        [f"สรุปผลการประชาสัมพันธ์ {report.office}"],
        ["ช่วงเวลา", f.period.label],
        ["เทียบกับ", report.previous.period.label],
        ["จัดทำเมื่อ", format_datetime(report.generated)],
        [],
    ]
    for table in all_tables(report):
        rows.append([table.title])
        rows.append(list(table.headers))
        rows.extend(list(r) for r in table.rows)
        rows.append([])
    return rows
