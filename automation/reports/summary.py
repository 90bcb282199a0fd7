"""One evaluation report: this period, the previous one, the registry's health now."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from automation.model import Member, Registry
from automation.reports.figures import PeriodFigures
from automation.upkeep.check import Finding
from automation.upkeep.confirm import RoundStatus

DUPLICATE_CODES = ("id_duplicate", "duplicate_name", "duplicate_email", "two_clusters")


@dataclass(frozen=True)
class Metric:
    """A headline figure with the same figure for the previous period."""

    key: str
    label: str
    value: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return _round(self.value - self.previous)

    @property
    def change_text(self) -> str:
        change = self.change
        if change is None:
            return "–"
        return f"{'+' if change > 0 else ''}{_show(change)}"

    @property
    def value_text(self) -> str:
        return "–" if self.value is None else _show(self.value)

    @property
    def previous_text(self) -> str:
        return "–" if self.previous is None else _show(self.previous)


def _round(value: float) -> float:
    rounded = round(value, 1)
    return int(rounded) if float(rounded).is_integer() else rounded


def _show(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


@dataclass(frozen=True)
class RegistryHealth:
    members: int
    active: int
    no_email: tuple[Member, ...]
    no_coordinator: tuple[Member, ...]
    stale: tuple[Member, ...]
    duplicates: tuple[Finding, ...]
    errors: int
    warnings: int
    confirm: RoundStatus | None


def health(registry: Registry, findings: Sequence[Finding], confirm: RoundStatus | None,
           today: date, stale_days: int) -> RegistryHealth:
    active = [m for m in registry.members if m.active]
    return RegistryHealth(
        members=len(registry.members),
        active=len(active),
        no_email=tuple(m for m in active if not m.emails),
        no_coordinator=tuple(m for m in active if not m.coordinator),
        stale=tuple(m for m in active
                    if m.updated is None or (today - m.updated).days > stale_days),
        duplicates=tuple(f for f in findings if f.code in DUPLICATE_CODES),
        errors=sum(1 for f in findings if f.severity == "error"),
        warnings=sum(1 for f in findings if f.severity != "error"),
        confirm=confirm,
    )


Getter = Callable[[PeriodFigures], float | None]

_HOURS = " (ชั่วโมง)"
METRICS: tuple[tuple[str, str, Getter], ...] = (
    ("submitted", "ข่าวที่ส่งเข้ามา", lambda f: f.activity.submitted),
    ("approved", "อนุมัติ", lambda f: f.activity.approved),
    ("rejected", "ไม่อนุมัติ", lambda f: f.activity.rejected),
    ("returned", "ส่งกลับแก้ไข", lambda f: f.activity.returned),
    ("published", "เผยแพร่แล้ว", lambda f: f.activity.published),
    ("waiting", "รอพิจารณา ณ สิ้นช่วง", lambda f: f.waiting),
    ("active_schools", "โรงเรียนที่ส่งข่าว", lambda f: f.active_schools),
    ("quiet_schools", "โรงเรียนที่ไม่ได้ส่งข่าว", lambda f: len(f.quiet_schools)),
    ("decision_median", "เวลาถึงการพิจารณา มัธยฐาน" + _HOURS, lambda f: f.decision.median_hours),
    ("decision_p90", "เวลาถึงการพิจารณา P90" + _HOURS, lambda f: f.decision.p90_hours),
    ("publication_median", "เวลาถึงการเผยแพร่ มัธยฐาน" + _HOURS,
     lambda f: f.publication.median_hours),
    ("publication_p90", "เวลาถึงการเผยแพร่ P90" + _HOURS, lambda f: f.publication.p90_hours),
    ("sent", "ส่งสำเร็จ (ทุกช่องทาง)", lambda f: f.delivery.sent),
    ("failed", "ส่งไม่สำเร็จ", lambda f: f.delivery.failed),
    ("bounced", "อีเมลตีกลับ", lambda f: f.delivery.bounced),
    ("suppressed", "เพิ่มในรายชื่องดรับข่าว", lambda f: f.delivery.suppressed),
    ("unsubscribed", "ขอยกเลิกรับข่าว", lambda f: f.delivery.unsubscribed),
    ("reached_members", "สมาชิกที่ได้รับข่าว", lambda f: f.delivery.reached_members),
    ("reached_addresses", "ที่อยู่อีเมลที่ได้รับข่าว", lambda f: f.delivery.reached_addresses),
)


def metrics(current: PeriodFigures, previous: PeriodFigures) -> tuple[Metric, ...]:
    def value(getter: Getter, figures: PeriodFigures) -> float | None:
        raw = getter(figures)
        return None if raw is None else _round(raw)

    return tuple(Metric(key, label, value(get, current), value(get, previous))
                 for key, label, get in METRICS)


@dataclass(frozen=True)
class Report:
    office: str
    generated: datetime
    current: PeriodFigures
    previous: PeriodFigures
    health: RegistryHealth
    metrics: tuple[Metric, ...]

    def metric(self, key: str) -> Metric:
        return next(m for m in self.metrics if m.key == key)
