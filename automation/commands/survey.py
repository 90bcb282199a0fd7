"""survey: the network's satisfaction survey per semester or fiscal year."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rich.table import Table as RichTable

from automation import config as config_mod
from automation import wiring
from automation.cli_util import console, subcommand
from automation.reports import period
from automation.reports.period import Period, PeriodError
from automation.survey.settings import AREAS

EXAMPLES = "term1-2569 | term2-2569 | fy2570"


def register(sub: Any) -> dict[str, Any]:
    p = subcommand(sub, "survey", "satisfaction survey: create, send (invite), report "
                                  "(dry run unless --send)")
    p.add_argument("action", choices=("create", "send", "report"))
    p.add_argument("period", nargs="?", help=f"{EXAMPLES} (default: the current period for "
                                            "create/send, the last complete one for report)")
    p.add_argument("--send", action="store_true",
                   help="send / write for real (report: e-mail and the summary tab)")
    return {"survey": cmd_survey}


def _period(config: config_mod.Config, text: str | None, now: Any, done: bool) -> Period:
    calendar = config.report.calendar()
    kind = config.survey.kind
    if text:
        return period.parse(text, calendar)
    today = now.date()
    if done:
        return period.last_complete(kind, today, calendar)
    return period.containing(kind, today, calendar)


def cmd_survey(args: argparse.Namespace) -> int:
    config = config_mod.load(args.config)
    services = wiring.services(config)
    try:
        target = _period(config, args.period, services.clock(), args.action == "report")
    except PeriodError as exc:
        print(f"automation: {exc}", file=sys.stderr)
        return 2
    if args.action == "create":
        return _create(config, target)
    if not config.survey.on:
        print("automation: ยังไม่ได้ตั้ง [survey] form_url (ลิงก์แบบประเมินใน Google Forms)",
              file=sys.stderr)
        return 2
    if args.action == "send":
        return _send(services, target, args.send)
    return _report(services, target, args.send)


def _create(config: config_mod.Config, target: Period) -> int:
    out = console()
    out.print(f"แบบประเมินความพึงพอใจเครือข่ายประชาสัมพันธ์ {target.label}", markup=False)
    out.print("การสร้างแบบฟอร์มผ่าน Google Forms API ยังไม่รองรับ: สร้างแบบฟอร์มเอง "
              "แล้วตั้ง [survey] form_url และเชื่อมคำตอบไปยังแท็บ "
              f"'{config.survey.tab}' ในสเปรดชีตเดียวกัน", markup=False)
    out.print("คำถาม (ตัวเลือก 5 ระดับ: 5 มากที่สุด … 1 น้อยที่สุด):", markup=False)
    for area, name in AREAS.items():
        inside = [q for q in config.survey.questions if q.area == area]
        if inside:
            out.print(f"  {name}", markup=False)
            for q in inside:
                out.print(f"    - {q.text}", markup=False)
    out.print("  กลุ่มผู้ตอบ (ภายใน / ภายนอก / สื่อมวลชน / กลุ่มเครือข่ายสถานศึกษา)", markup=False)
    out.print("  ข้อเสนอแนะ (คำตอบยาว)", markup=False)
    if not config.survey.anonymous:
        out.print("  เปิด 'เก็บรวบรวมอีเมล' ในการตั้งค่าแบบฟอร์ม ([survey] anonymous = false)",
                  markup=False)
    return 0


def _send(services: Any, target: Period, really: bool) -> int:
    from automation.survey import send

    out = console()
    found = send.plan(services)
    if found.period is None or found.period.key != target.key:
        out.print(f"ส่งแบบประเมินได้เฉพาะช่วงที่กำลังดำเนินอยู่; {target.label} ไม่ใช่ช่วงปัจจุบัน",
                  markup=False)
        return 2
    out.print(f"แบบประเมิน {target.label}: ผู้รับ {len(found.audience)} ที่อยู่, เชิญแล้ว "
              f"{found.invited}, เตือนแล้ว {found.reminded}", markup=False)
    if services.config.survey.invite == "digest":
        out.print("ส่งคำเชิญรวมไปในสรุปข่าวประจำ (invite = \"digest\"): ไม่มีข้อความเพิ่ม "
                  "คำเชิญไปกับสรุปข่าวฉบับถัดไปของแต่ละสมาชิกโดยอัตโนมัติ", markup=False)
        return 0
    if not really:
        out.print("ยังไม่ได้ส่ง: ใช้ --send เพื่อส่งคำเชิญ (หรือข้อความเตือนเมื่อถึงกำหนด)",
                  markup=False)
        return 0
    result = send.send(services, found)
    out.print(f"ส่ง {result.sent} ฉบับ, ล้มเหลว {result.failed}, รอส่ง {result.deferred}"
              + (f"; {result.stopped}" if result.stopped else ""), markup=False)
    return 1 if result.failed else 0


def _report(services: Any, target: Period, really: bool) -> int:
    from automation.survey.report import SurveyReports

    reports = SurveyReports(services)
    output = reports.build(target)
    r = output.report
    out = console()
    table = RichTable(title=f"ผลการประเมินความพึงพอใจ {target.label}", title_justify="left")
    for name, justify in (("รายการ", "left"), ("n", "right"), ("x̄", "right"),
                          ("S.D.", "right"), ("ระดับ", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for area in r.current.areas:
        table.add_row(area.name, str(area.stat.n), area.stat.mean_text, area.stat.sd_text,
                      area.stat.level)
        for q in area.questions:
            table.add_row(f"  {q.number}. {q.question.text}", str(q.stat.n), q.stat.mean_text,
                          q.stat.sd_text, q.stat.level)
    o = r.current.overall
    table.add_row("ภาพรวม", str(o.n), o.mean_text, o.sd_text, o.level)
    out.print(table)
    out.print(f"ผู้ตอบ {r.current.responses} คน จากสมาชิกที่ใช้งาน {r.members} "
              f"(อัตราการตอบกลับ {r.rate_text})", markup=False)
    for problem in r.problems[:20]:
        out.print(f"  {problem}", markup=False)
    if not really:
        out.print("ยังไม่ได้ส่ง: ใช้ --send เพื่อส่งอีเมลและบันทึกแท็บสรุปผลแบบประเมิน", markup=False)
        return 0
    result = reports.send(output)
    reports.write_summary(output)
    out.print(f"ส่งรายงาน {result.sent} ฉบับ, ส่งแล้วก่อนหน้า {result.skipped}, "
              f"ล้มเหลว {result.failed}, รอส่ง {result.deferred}; บันทึกแท็บ "
              f"'{services.config.survey.summary_tab}' แล้ว", markup=False)
    return 1 if result.failed else 0
