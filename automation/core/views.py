"""Template context objects and the worker-owned cells, derived from sheet + ledger."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from automation.model import Cell, Decision, Status, Submission
from automation.thaidate import format_date, format_datetime


@dataclass(frozen=True)
class OfficeView:
    name: str
    website: str | None
    sender: str
    form_url: str | None = None


def item_url(website: str | None, item_id: str) -> str | None:
    """Stable page address of an item on the office's news board (by ID, never by title)."""
    if not website:
        return None
    return f"{website.rstrip('/')}/news/{item_id}.html"


def delivery_summary(counts: dict[str, int]) -> str:
    """e.g. ``ส่ง 412/415, ล้มเหลว 3`` from a status → count map."""
    total = sum(counts.values())
    sent, failed = counts.get("sent", 0), counts.get("failed", 0)
    text = f"ส่ง {sent}/{total}"
    if failed:
        text += f", ล้มเหลว {failed}"
    waiting = total - sent - failed
    if waiting:
        text += f", รอส่ง {waiting}"
    return text


def worker_cells(
    item: Submission,
    bulletins: dict[str, int],
    published_at: datetime | None,
    today_note: str = "",
) -> dict[str, str]:
    """Values for สถานะ / เผยแพร่เมื่อ / ผลการส่ง / ลิงก์ข่าว, all derived, never stored."""
    cells = {"id": item.id}
    if published_at is not None:
        cells["status"] = Status.PUBLISHED.value
        cells["published_at"] = format_datetime(published_at)
        summary = delivery_summary(bulletins) if bulletins else "ไม่มีผู้รับทางอีเมล"
        if item.decision is not Decision.APPROVED:
            summary += " (ถอนการอนุมัติหลังเผยแพร่)"
        cells["delivery"] = summary
        cells["link"] = item.url or ""
        return cells
    cells["published_at"] = ""
    cells["link"] = ""
    if not item.valid:
        cells["status"] = Status.ERROR.value
        cells["delivery"] = "; ".join(
            f"{p.column}: {p.message}" if p.column else p.message
            for p in item.problems
            if p.severity == "error"
        )[:500]
        return cells
    if item.decision is Decision.REJECTED:
        cells["status"], cells["delivery"] = Status.REJECTED.value, ""
    elif item.decision is Decision.RETURNED:
        cells["status"], cells["delivery"] = Status.RETURNED.value, ""
    elif item.decision is Decision.APPROVED:
        cells["status"] = Status.APPROVED.value
        if bulletins:
            cells["delivery"] = delivery_summary(bulletins)
        elif item.publish_after is not None and today_note:
            cells["delivery"] = f"รอเผยแพร่วันที่ {format_date(item.publish_after)}"
        else:
            cells["delivery"] = today_note
    else:
        cells["status"], cells["delivery"] = Status.WAITING.value, ""
    return cells


def desired_cells(
    items: Sequence[Submission], counts: Mapping[str, dict[str, int]],
    published: Mapping[str, datetime], withdrawn: Mapping[str, datetime],
    waiting: Callable[[Submission], str],
) -> dict[str, dict[str, Cell]]:
    """Every item's worker-owned cells as they should read now, by news ID."""
    desired: dict[str, dict[str, Cell]] = {}
    for item in items:
        desired[item.id] = dict(worker_cells(
            item, counts.get(item.id, {}), published.get(item.id), waiting(item)
        ))
        if item.id in withdrawn and item.id in published:
            desired[item.id]["status"] = Status.WITHDRAWN.value
    return desired
