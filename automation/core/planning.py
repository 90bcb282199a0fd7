"""Which items each recipient's digest carries (pure), and counting what a cycle holds back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from automation.core.registry import audience_of
from automation.model import CycleReport, Registry, Submission


@dataclass(frozen=True)
class Planned:
    """One recipient's share of a digest run: the items it carries, newest first."""

    email: str
    member_id: str
    name: str
    coordinator: str
    items: tuple[str, ...]


def plan(
    items: Sequence[Submission],
    registry: Registry,
    taken: set[tuple[str, str]],
    order: dict[str, datetime],
) -> tuple[list[Planned], dict[str, str]]:
    """Each recipient's new items, and the items whose audience selects nobody (why)."""
    shares: dict[str, tuple[Any, list[Submission]]] = {}
    problems: dict[str, str] = {}
    for item in items:
        recipients, problem = audience_of(registry, item)
        if problem:
            problems[item.id] = problem
            continue
        for r in recipients:
            if (item.id, r.email) not in taken:
                shares.setdefault(r.email, (r, []))[1].append(item)
    planned = []
    for email, (r, carried) in shares.items():
        carried.sort(key=lambda i: _newest_first(i, order))
        planned.append(Planned(email, r.member_id, r.name, r.coordinator,
                               tuple(i.id for i in carried)))
    return planned, problems


def _newest_first(item: Submission, order: dict[str, datetime]) -> tuple[float, int]:
    when = order.get(item.id) or item.submitted_at
    return (-when.timestamp() if when else 0.0, -item.row)


def hold(report: CycleReport, count: int, why: str) -> None:
    """Count mail the window holds back, noting the reason once a cycle."""
    report.deferred += count
    note = f"หยุดส่งชั่วคราว: {why}"
    if note not in report.notes:
        report.notes.append(note)


def merge_counts(*tables: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Per-item status counts of several delivery kinds added together."""
    result: dict[str, dict[str, int]] = {}
    for table in tables:
        for item_id, counts in table.items():
            mine = result.setdefault(item_id, {})
            for status, n in counts.items():
                mine[status] = mine.get(status, 0) + n
    return result


def covered(item: Submission, registry: Registry, taken: set[tuple[str, str]]) -> bool:
    """Planned (or sent at once) for every recipient its audience selects now."""
    recipients, problem = audience_of(registry, item)
    return problem is None and all((item.id, r.email) in taken for r in recipients)
