"""report: evaluation summaries for a month, a semester, a fiscal year or a date range."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.table import Table as RichTable

from automation import config as config_mod
from automation import wiring
from automation.cli_util import console, subcommand
from automation.reports import period
from automation.reports.period import PeriodError

EXAMPLES = "2569-11 | fy2569 | term1-2569 | 2026-01-01..2026-03-31"


def register(sub: Any) -> dict[str, Any]:
    p = subcommand(sub, "report", "รายงานสรุปผลของช่วงเวลา (ทดลองเท่านั้น เว้นแต่ใส่ --send)")
    p.add_argument("--period", help=f"{EXAMPLES} (ค่าเริ่มต้น: เดือนที่แล้ว)")
    p.add_argument("--preview", type=Path, metavar="OUT.html",
                   help="เขียนอีเมลเป็น HTML พร้อมกราฟและไฟล์แนบไว้ข้างกัน")
    p.add_argument("--send", action="store_true",
                   help="ส่งอีเมลถึงผู้บริหารและเจ้าหน้าที่ และเขียนแท็บสรุปใหม่")
    p.add_argument("--again", action="store_true",
                   help="ใช้กับ --send: ส่งแม้เคยส่งรายงานของช่วงนี้แล้ว")
    return {"report": cmd_report}


def cmd_report(args: argparse.Namespace) -> int:
    from automation.reports.job import Reports  # charts and workbooks: only when asked

    config = config_mod.load(args.config)
    services = wiring.services(config)
    calendar = config.report.calendar()
    today = services.clock().date()
    try:
        target = (period.parse(args.period, calendar) if args.period
                  else period.last_complete("month", today, calendar))
    except PeriodError as exc:
        print(f"automation: {exc}", file=sys.stderr)
        return 2
    reports = Reports(services)
    output = reports.build(target)
    out = console()
    table = RichTable(title=f"สรุปผล {target.label}", title_justify="left")
    for name, justify in (("ตัวชี้วัด", "left"), ("ช่วงนี้", "right"), ("ช่วงก่อน", "right"),
                          ("เปลี่ยนแปลง", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for m in output.report.metrics:
        table.add_row(m.label, m.value_text, m.previous_text, m.change_text)
    out.print(table)
    out.print(f"เทียบกับ {output.report.previous.period.label}", markup=False)
    if args.preview:
        written = reports.preview(output, args.preview)
        out.print(f"ตัวอย่าง: {written[0]} (และไฟล์ประกอบ {len(written) - 1} ไฟล์)", markup=False)
    if not args.send:
        out.print("ยังไม่ได้ส่ง: ใช้ --send เพื่อส่งอีเมลและบันทึกแท็บสรุปผล", markup=False)
        return 0
    from automation.scheduler.lock import single_instance

    with single_instance(config.ledger_path, "report --send"):
        result = reports.send(output, again=args.again)
        reports.write_summary(output)
    out.print(f"ส่งรายงาน {result.sent} ฉบับ, ส่งแล้วก่อนหน้า {result.skipped}, "
              f"ล้มเหลว {result.failed}, รอส่ง {result.deferred}; "
              f"บันทึกแท็บ '{config.sheets.tabs.summary}' แล้ว", markup=False)
    if result.skipped and not result.sent:
        out.print("รายงานช่วงนี้เคยส่งแล้ว: ใช้ --again เพื่อส่งซ้ำ", markup=False)
    if result.stopped:
        out.print(f"หมายเหตุ: {result.stopped}", markup=False)
    return 1 if result.failed else 0
