"""What one mailbox pass found and did, as the officer reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from automation.model import Problem


@dataclass
class MailboxReport:
    """What one mailbox pass found and did."""

    started: datetime
    finished: datetime | None = None
    enabled: bool = True
    fetched: int = 0
    news: int = 0
    duplicates: int = 0
    bounces: int = 0
    suppressed: int = 0
    unsubscribed: int = 0
    skipped: int = 0
    left: int = 0
    waiting: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    def summary(self) -> str:
        if not self.enabled:
            return "ไม่ได้ตั้งค่ากล่องจดหมาย ([imap] host)"
        text = (
            f"อีเมลใหม่ {self.fetched} ฉบับ: ข่าว {self.news} (ซ้ำ {self.duplicates}), "
            f"ตีกลับ {self.bounces}, ขอยกเลิกรับข่าว {self.unsubscribed}, "
            f"ข้าม (ตอบกลับอัตโนมัติ/รายชื่อส่งเมล) {self.skipped}, "
            f"รอเจ้าหน้าที่อ่าน {self.left}, เพิ่มในงดรับข่าว {self.suppressed}"
        )
        if self.waiting:
            text += f", รอรอบหน้า {self.waiting}"
        if self.error:
            text += f" — หยุด: {self.error}"
        return text
