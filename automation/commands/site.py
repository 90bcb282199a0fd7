"""site build, site withdraw: the news board by hand."""

from __future__ import annotations

import argparse
from typing import Any

from automation import config as config_mod
from automation import wiring
from automation.cli_util import console, subcommand
from automation.errors import ConfigError
from automation.text.lines import single_line


def register(sub: Any) -> dict[str, Any]:
    p = subcommand(sub, "site", "กระดานข่าว: สร้าง หรือนำข่าวออก")
    actions = p.add_subparsers(dest="site_action", metavar="ACTION")
    subcommand(actions, "build",
               "สร้างกระดานข่าวใหม่ทั้งหมดจากข่าวที่เผยแพร่แล้ว (และที่แก้ในชีต)")
    w = subcommand(actions, "withdraw",
                   "นำข่าวออกจากกระดานข่าว โดยเหลือประกาศว่าถอนข่าวแล้ว")
    w.add_argument("item_id", help="รหัสข่าว (คอลัมน์ รหัสข่าว)")
    w.add_argument("--reason", default="", help="why (kept in the ledger)")
    return {"site": cmd_site}


def cmd_site(args: argparse.Namespace) -> int:
    config = config_mod.load(args.config)
    if config.site.folder is None:
        raise ConfigError("no news board configured: add [site] folder = \"site\" to "
                          f"{args.config}")
    from automation.scheduler.lock import single_instance

    if args.site_action == "build":
        with single_instance(config.ledger_path, "site build"):
            return _build(config)
    if args.site_action == "withdraw":
        with single_instance(config.ledger_path, "site withdraw"):
            return _withdraw(config, args.item_id.strip(), single_line(args.reason, 300))
    raise ConfigError("use 'automation site build' or 'automation site withdraw ID'")


def _site(config: config_mod.Config, ledger: Any) -> Any:
    from automation.site.factory import site_publisher  # pages and feeds: only when asked

    return site_publisher(config, ledger, wiring.now)


def _build(config: config_mod.Config) -> int:
    worker = wiring.worker(config)
    snap = worker.load()
    site = _site(config, worker.s.ledger)
    report = site.rebuild(snap.items, snap.registry, wiring.now())
    out = console()
    out.print(f"สร้างเว็บข่าวแล้วที่ {config.site.folder}: เพิ่ม {report.added} ข่าว, "
              f"ปรับปรุง {report.updated} ข่าว, เขียน {report.written} ไฟล์, "
              f"ลบหน้าที่ไม่ใช้ {report.removed} ไฟล์", markup=False)
    for note in report.notes:
        out.print(f"  หมายเหตุ: {note}", markup=False)
    return 0


def _withdraw(config: config_mod.Config, item_id: str, reason: str) -> int:
    from automation.channels.publisher import KIND, ChannelPublisher
    from automation.ledger.sqlite import SqliteLedger

    ledger = SqliteLedger(config.ledger_path)
    site = _site(config, ledger)
    _article, fresh = site.withdraw(item_id, reason, wiring.now())
    # Posts not yet made are cancelled; posts already made must be removed by hand.
    cancelled = ChannelPublisher([], {}, ledger, wiring.now).cancel(item_id)
    posted = sorted({r.channel for r in ledger.deliveries(item_id=item_id, kind=KIND)
                     if r.status == "sent" and r.channel != "site"})
    out = console()
    if fresh:
        out.print(f"นำข่าว {item_id} ลงจากเว็บแล้ว; หน้าเดิมแสดงประกาศการถอนข่าว", markup=False)
    else:
        out.print(f"ข่าว {item_id} ถูกนำลงไปแล้วก่อนหน้านี้", markup=False)
    if cancelled:
        out.print(f"  ยกเลิกโพสต์ที่ยังไม่ได้ส่ง {cancelled} รายการ", markup=False)
    if posted:
        out.print(f"  ข่าวนี้โพสต์ไปแล้วใน: {', '.join(posted)} — ลบโพสต์ในช่องทางเหล่านั้นเอง",
                  markup=False)
    return 0
