"""registry check | find | confirm: keep the network registry healthy and current."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.table import Table as RichTable

from automation import config as config_mod
from automation import wiring
from automation.cli_util import console, subcommand
from automation.errors import ConfigError


def register(sub: Any) -> dict[str, Any]:
    p = subcommand(sub, "registry", "ตรวจ ค้นหา และปรับปรุงทะเบียนเครือข่าย")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    c = subcommand(actions, "check", "ตรวจทุกแถวในทะเบียนและแสดงปัญหา")
    c.add_argument("--send", action="store_true",
                   help="ส่งรายการถึงเจ้าหน้าที่ถ้าเปลี่ยนจากครั้งก่อน")
    f = subcommand(actions, "find", "ค้นหาสมาชิกจากชื่อ โรงเรียน กลุ่มเครือข่าย ผู้ประสานงาน หรือเบอร์โทร")
    f.add_argument("text", nargs="+", help="what to look for (Thai or English)")
    f.add_argument("--limit", type=int, default=20)
    k = subcommand(actions, "confirm",
                   "ขอให้สมาชิกยืนยันข้อมูลพร้อมลิงก์แบบฟอร์มที่กรอกไว้แล้ว (ทดลองเท่านั้น เว้นแต่ใส่ --send)")
    k.add_argument("--send", action="store_true", help="ส่งคำขอยืนยันรอบนี้")
    k.add_argument("--limit", type=int, help="ส่งไม่เกินจำนวนนี้ในครั้งนี้")
    k.add_argument("--preview", type=Path, metavar="OUT.html",
                   help="เขียนข้อความของสมาชิกหนึ่งคนเป็น HTML")
    k.add_argument("--member", help="รหัสสมาชิกที่จะดูตัวอย่าง")
    return {"registry": cmd_registry}


def cmd_registry(args: argparse.Namespace) -> int:
    config = config_mod.load(args.config)
    services = wiring.services(config)
    action = {"check": _check, "find": _find, "confirm": _confirm}[args.action]
    if not getattr(args, "send", False):
        return action(services, args)
    from automation.scheduler.lock import single_instance

    # Sending writes the ledger (and the sheet): one writer per office at a time.
    with single_instance(config.ledger_path, f"registry {args.action} --send"):
        return action(services, args)


def _check(services: Any, args: argparse.Namespace) -> int:
    from automation.upkeep import jobs

    run = jobs.check_job(services, send=args.send)
    out = console()
    table = RichTable(title=f"ผลตรวจทะเบียนเครือข่าย: {len(run.findings)} รายการ",
                      title_justify="left")
    for name in ("รหัสสมาชิก", "แถว", "คอลัมน์", "ปัญหา", "วิธีแก้"):
        table.add_column(name, overflow="fold")
    for f in run.findings:
        style = "red" if f.severity == "error" else "yellow"
        table.add_row(f.member_id, str(f.row), f.column, f.problem, f.suggestion, style=style)
    if run.findings:
        out.print(table)
    errors = sum(1 for f in run.findings if f.severity == "error")
    out.print(f"ข้อผิดพลาด {errors} รายการ, คำเตือน {len(run.findings) - errors} รายการ"
              f"{' (เปลี่ยนจากครั้งก่อน)' if run.changed else ''}", markup=False)
    if args.send:
        out.print(f"ส่งถึงเจ้าหน้าที่ {run.sent} ฉบับ" if run.sent else
                  f"ไม่ได้ส่ง: {run.note or 'ผลตรวจไม่เปลี่ยนจากครั้งก่อน'}", markup=False)
    return 1 if errors else 0


def _find(services: Any, args: argparse.Namespace) -> int:
    from automation.upkeep import jobs
    from automation.upkeep.check import show_phone
    from automation.upkeep.find import FIELD_NAMES, find

    _tab, registry = jobs.load(services)
    matches = find(registry.members, " ".join(args.text), args.limit)
    out = console()
    if not matches:
        out.print(f"ไม่พบ '{' '.join(args.text)}' ในทะเบียนเครือข่าย", markup=False)
        return 1
    table = RichTable(title=f"พบ {len(matches)} รายการ", title_justify="left")
    for name in ("รหัส", "ชื่อหน่วยงาน", "กลุ่มเครือข่าย", "ผู้ประสานงาน", "โทรศัพท์", "อีเมล",
                 "ตรงกับ"):
        table.add_column(name, overflow="fold")
    for m in matches:
        member = m.member
        table.add_row(member.member_id + ("" if member.active else " (ระงับ)"), member.name,
                      member.cluster, member.coordinator,
                      show_phone(member.phone) if member.phone else "",
                      ", ".join(member.emails), ", ".join(FIELD_NAMES[f] for f in m.fields))
    out.print(table)
    return 0


def _confirm(services: Any, args: argparse.Namespace) -> int:
    from automation.upkeep import jobs
    from automation.upkeep.confirm import KeepCurrent, preview

    out = console()
    if not services.config.keep_current.form_id:
        raise ConfigError("set [keep_current] form_id and [keep_current.entries] in "
                          "schedule.toml first")
    _tab, registry = jobs.load(services)
    keep = KeepCurrent(services)
    if args.preview:
        env = preview(keep, registry, services.clock(), args.member)
        if env is None:
            out.print("ไม่มีข้อความที่จะส่ง (ส่งครบแล้วในรอบนี้ หรือไม่พบรหัสสมาชิก)", markup=False)
        else:
            html = next(p for p in env.message.walk() if p.get_content_type() == "text/html")
            payload = html.get_payload(decode=True)
            assert isinstance(payload, bytes)
            args.preview.write_bytes(payload)
            out.print(f"ตัวอย่างถึง {env.recipient}: {args.preview}", markup=False)
    result = keep.run(registry, args.limit, send=args.send)
    out.print(
        f"รอบ {result.round_name} ({result.round}): สมาชิกที่ส่งได้ {result.eligible}, "
        f"ส่งแล้วก่อนหน้า {result.already} ที่อยู่, รอบนี้ {result.planned} ข้อความ, "
        f"ส่งสำเร็จ {result.sent}, ล้มเหลว {result.failed}, ยกไปครั้งหน้า {result.deferred}, "
        f"บันทึกว่าปรับปรุงแล้ว {result.marked} ราย", markup=False)
    if result.no_address:
        out.print(f"ไม่มีอีเมลที่ส่งได้: {', '.join(result.no_address)}", markup=False)
    if not args.send:
        out.print("ยังไม่ได้ส่ง: ใช้ --send เพื่อส่ง", markup=False)
    if result.stopped:
        out.print(f"หมายเหตุ: {result.stopped}", markup=False)
    return 1 if result.failed else 0
