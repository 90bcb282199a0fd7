"""What ``automation status`` says about sending: the 24-hour window, when mail can go next,
the backlog and the next digest."""

from __future__ import annotations

from datetime import datetime

from automation.config import Config
from automation.core.quota import Quota
from automation.core.services import BULLETIN, NOTICE
from automation.core.timetable import next_digest
from automation.ports import Ledger
from automation.thaidate import format_datetime

PRIORITY = BULLETIN


def status_lines(config: Config, ledger: Ledger, quota: Quota, now: datetime) -> list[str]:
    """``automation status``: the sending window, when mail can go, the next digest."""
    window = quota.window(now)
    limits = window.limits
    backlog = quota.backlog()
    lines = [
        f"  โควตาการส่ง ({limits.preset}): ใช้ไป {window.used:,}/{limits.per_day:,} ฉบับ "
        f"ใน 24 ชั่วโมงที่ผ่านมา (ภายนอก {len(window.external):,}"
        + (f"/{limits.external_recipients_per_day:,}" if limits.external_recipients_per_day
           else "") + f"), เก็บไว้สำหรับแจ้งผู้ส่งและผู้บริหาร {limits.reserve:,} ฉบับ",
    ]
    if window.blocked_until is not None:
        lines.append(f"  หยุดส่งอีเมลถึง {format_datetime(window.blocked_until)}: "
                     f"{window.blocked_reason}")
    for label, priority in (("แจ้งผู้ส่ง/ผู้บริหาร", NOTICE), ("ข่าวและสรุปข่าว", PRIORITY)):
        when = window.frees_at(priority)
        lines.append(f"  ส่ง{label}ฉบับถัดไปได้: "
                     + ("ทันที" if when <= now else format_datetime(when)))
    if backlog:
        lines.append(f"  ข่าวและสรุปข่าวรอส่ง {backlog:,} ฉบับ ส่งครบได้ประมาณ "
                     f"{format_datetime(window.frees_at(PRIORITY, min(backlog, limits.per_day)))}")
    if config.bulletin.mode == "digest":
        slot = next_digest(config, ledger, now)
        lines.append(f"  สรุปข่าว (cron \"{config.bulletin.digest_cron}\"): ครั้งถัดไป "
                     + (format_datetime(slot) if slot else "ไม่มีกำหนด"))
    else:
        lines.append("  ส่งข่าวทีละข่าวทันทีที่อนุมัติ (bulletin.mode = \"per-item\")")
    return lines
