"""init, run, preview, status."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from automation import config as config_mod
from automation import wiring
from automation.cli_util import console, progress_callback, subcommand
from automation.core import adopt, columns, sendstatus
from automation.core.registry import audience_of
from automation.errors import AutomationError, ConfigError
from automation.model import CycleReport, Decision
from automation.thaidate import format_datetime


def register(sub: Any) -> dict[str, Any]:
    p = subcommand(sub, "init", "สร้างพื้นที่ทดลอง (ไฟล์ตั้งค่า + สมุดงานในเครื่อง)")
    p.add_argument("folder", nargs="?", type=Path, default=Path("demo"))
    p.add_argument("--force", action="store_true", help="เขียนทับพื้นที่ทดลองที่มีอยู่")
    from automation.commands.google import add_init_options

    add_init_options(p)
    p = subcommand(sub, "run", "เริ่มตัวทำงานต่อเนื่อง (หนึ่งรอบเมื่อใส่ --once)")
    p.add_argument("--once", action="store_true", help="ทำงานหนึ่งรอบแล้วจบ")
    p = subcommand(sub, "preview", "แสดงข่าวหนึ่งรายการ (หรือสรุปข่าวฉบับถัดไป) อย่างที่ผู้รับเห็น")
    p.add_argument("item_id", nargs="?", help="รหัสข่าว (คอลัมน์ รหัสข่าว)")
    p.add_argument("--digest", action="store_true", help="แสดงสรุปข่าวฉบับถัดไปของผู้รับหนึ่งคน")
    p.add_argument("--recipient", help="ใช้กับ --digest: สรุปข่าวของใคร (ค่าเริ่มต้น: คนแรก)")
    p.add_argument("--html", type=Path, help="เขียนเนื้อหา HTML ไว้ที่นี่ (ค่าเริ่มต้น preview-ID.html)")
    subcommand(sub, "status", "แสดงสถานะ คิวงาน และสิ่งที่บันทึกไว้ใน ledger")
    return {"init": cmd_init, "run": cmd_run, "preview": cmd_preview, "status": cmd_status}


def load(args: argparse.Namespace) -> config_mod.Config:
    return config_mod.load(args.config)


def cmd_init(args: argparse.Namespace) -> int:
    if args.google is not None:
        from automation.commands.google import init_google

        return init_google(args)
    from automation.workspace import init

    path = init(args.folder, wiring.now().date(), force=args.force)
    print(f"สร้างพื้นที่ทดลองแล้ว: {path}")
    print(f"ต่อไป: automation run --once --config {path}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    config = load(args)
    if not args.once:
        from automation.scheduler.service import serve

        return serve(config)
    from automation.scheduler import jobs
    from automation.scheduler.lock import single_instance
    from automation.scheduler.signals import graceful_stop

    # A cron-started --once must not overlap a running worker (or another --once).
    with single_instance(config.ledger_path, "run --once"), graceful_stop() as stop:
        services = wiring.services(config, stop)
        with progress_callback() as on_sent:
            services.on_sent = on_sent
            ctx = jobs.JobContext.build(services)
            jobs.run_job(jobs.CYCLE, ctx, reraise=True)
    report = ctx.last_report
    assert report is not None  # run_job raised otherwise
    print_report(report)
    return 0 if report.ok or stop.is_set() else 1


def print_report(report: CycleReport) -> None:
    out = console()
    seconds = ((report.finished or report.started) - report.started).total_seconds()
    out.print(
        f"รอบการทำงานเสร็จใน {seconds:.1f} วินาที: ข่าว {report.submissions} รายการ "
        f"(ใหม่ {report.new_items}), อนุมัติรอส่ง {report.approved}, เผยแพร่ {report.published}, "
        f"ส่งอีเมล {report.sent}, แจ้งผู้ส่ง/ผู้บริหาร {report.notices}, ล้มเหลว {report.failed}, "
        f"ยกไปรอบหน้า {report.deferred}, เขียนชีต {report.sheet_writes} ช่อง "
        f"({report.sheet_requests} คำขอ)",
        markup=False,
    )
    for failure in report.failures:
        held = f"ค้างส่ง {report.deferred} ฉบับ — " if failure.startswith("ส่งอีเมล") else ""
        out.print(f"  ล้มเหลว: {held}{failure}", markup=False)
    errors = [p for p in report.problems if p.severity == "error"]
    warnings = [p for p in report.problems if p.severity != "error"]
    for p in errors:
        out.print(f"  ผิดพลาด: {p}", markup=False)
    for p in warnings:
        out.print(f"  คำเตือน: {p}", markup=False)
    for note in report.notes:
        out.print(f"  หมายเหตุ: {note}", markup=False)


def cmd_preview(args: argparse.Namespace) -> int:
    config = load(args)
    worker = wiring.worker(config)
    snap = worker.load()
    if args.digest:
        return _preview_digest(args, worker, snap)
    if not args.item_id:
        raise ConfigError("give a news ID (column รหัสข่าว) to preview, or --digest")
    item = next((i for i in snap.items if i.id == args.item_id.strip()), None)
    if item is None:
        known = ", ".join(i.id for i in snap.items[:10])
        raise ConfigError(f"news ID {args.item_id} not found in tab '{config.sheets.tabs.form}'"
                          f" (first IDs: {known})")
    recipients, problem = audience_of(snap.registry, item)
    if problem:
        print(f"คำเตือน: {problem}", file=sys.stderr)
    rendered, recipient = worker.preview(item, recipients[0] if recipients else None)
    out = args.html or Path(f"preview-{item.id}.html")
    out.write_text(rendered.html, encoding="utf-8")
    print(f"ถึง: {recipient}  (ผู้รับทั้งหมด {len(recipients)} ที่อยู่)")
    print(f"เรื่อง: {rendered.subject}\n")
    print(rendered.text)
    print(f"\nHTML: {out}")
    return 0


def _preview_digest(args: argparse.Namespace, worker: Any, snap: Any) -> int:
    """The next digest as it stands now, for one recipient."""
    if not worker.digests.on:
        print('หมายเหตุ: bulletin.mode = "per-item" — ข่าวส่งทีละข่าว ไม่มีสรุปข่าว; '
              "ต่อไปนี้คือหน้าตาสรุปข่าวหากเปิดใช้")
    items = [i for i in worker.due(snap) if not i.urgent]
    shown = worker.digests.preview(items, snap.registry, args.recipient)
    print(f"สรุปข่าวรอบ {format_datetime(shown.slot)}: ผู้รับที่มีข่าวใหม่ {shown.recipients} ที่อยู่")
    if shown.rendered is None:
        who = f" สำหรับ {args.recipient}" if args.recipient else ""
        print(f"ยังไม่มีข่าวใหม่{who}: รอบนี้จะไม่ส่งสรุปข่าวให้")
        return 0
    out = args.html or Path("preview-digest.html")
    out.write_text(shown.rendered.html, encoding="utf-8")
    print(f"ถึง: {shown.email}  ({len(shown.items)} ข่าว)")
    print(f"เรื่อง: {shown.rendered.subject}\n")
    print(shown.rendered.text)
    print(f"\nHTML: {out}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from automation.scheduler import status

    config = load(args)
    worker = wiring.worker(config)
    ledger = worker.s.ledger
    now = worker.s.clock()
    out = console()
    out.print(f"สถานะ ณ {format_datetime(now)}", markup=False)
    try:
        snap = worker.load()
    except AutomationError as exc:  # the ledger side is still worth showing
        out.print(f"  อ่านชีตไม่ได้: {exc}", markup=False)
    else:
        waiting = [i for i in snap.items if i.valid and i.decision is Decision.PENDING]
        out.print(f"  รอผู้บริหารพิจารณา: {len(waiting)} ข่าว", markup=False)
        out.print(f"  อนุมัติแล้วรอเผยแพร่: {len(worker.due(snap))} ข่าว", markup=False)
        for line in _held_lines(worker, snap, now):
            out.print(line, markup=False)
        invalid = [i for i in snap.items if not i.valid]
        out.print(f"  แถวที่ผิดพลาด: {len(invalid)}", markup=False)
        found = columns.findings(snap.form, worker.aliases["form"])
        if found:
            out.print(f"  คอลัมน์แบบฟอร์มที่ระบบอ่านไม่ได้หรือไม่มี: {len(found)}", markup=False)
        for problem in found:
            out.print(f"    - {problem.message}", markup=False)
    adopted = adopt.status_line(ledger.get_state(adopt.STATE))
    if adopted:
        out.print(adopted, markup=False)
    for line in status.lines(status.collect(config, ledger, now)):
        out.print(line, markup=False)
    for line in sendstatus.status_lines(config, ledger, worker.dispatcher.quota, now):
        out.print(line, markup=False)
    totals = _ledger_totals(ledger)
    carried = sum(counts.get("pending", 0) for counts in totals.values())
    out.print(f"  ข้อความค้างส่ง (ยกไปรอบหน้า): {carried}", markup=False)
    for kind, counts in sorted(totals.items()):
        parts = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        out.print(f"  บัญชีส่ง {kind}: {parts}", markup=False)
    return 0


def _held_lines(worker: Any, snap: Any, now: Any) -> list[str]:
    """Approved items waiting for their date, edited after approval, or held by a broken
    registry; and a ledger that does not know items the sheet shows the worker handled."""
    from automation.core import approval
    from automation.thaidate import BANGKOK

    ledger = worker.s.ledger
    today = now.astimezone(BANGKOK).date()
    published = ledger.event_times("published")
    later = [i for i in snap.items if i.valid and i.decision is Decision.APPROVED
             and i.id not in published and i.publish_after is not None
             and i.publish_after > today]
    lines = [f"  อนุมัติแล้วรอถึงวันเผยแพร่ (เผยแพร่วันที่): {len(later)} ข่าว"]
    edited = [i for i, flag in ledger.event_details(approval.EDITED).items() if flag == "1"]
    if edited:
        lines.append(f"  แก้ไขหลังอนุมัติ รออนุมัติใหม่: {len(edited)} ข่าว")
    if snap.registry.unreadable:
        lines.append(f"  พักการเผยแพร่ทางอีเมล: {snap.registry.unreadable}")
    lost = adopt.adopt(snap.form, worker.aliases["form"], snap.items,
                       ledger.event_times("submitted"), now)
    if lost.items:
        lines.append(f"  คำเตือน: บันทึกการส่ง (ledger) ไม่รู้จักข่าว {lost.items} รายการที่ชีต"
                     f"บันทึกสถานะไว้แล้ว (เผยแพร่แล้ว {lost.published}); รอบถัดไปจะถือตามชีต "
                     "ไม่ส่งซ้ำ — ตรวจว่าใช้ไฟล์ ledger.sqlite3 ที่ถูกต้อง")
    return lines


def _ledger_totals(ledger: Any) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = {}
    for kind in ("bulletin", "digest", "ack", "approved", "rejected", "returned",
                 "director_digest", "officer_report", "quota_warning"):
        for counts in ledger.counts(kind).values():
            for status, n in counts.items():
                totals.setdefault(kind, {}).setdefault(status, 0)
                totals[kind][status] += n
    return totals
