"""The public network directory: members who consented (เผยแพร่ในทำเนียบ), configured fields
only. A member without consent does not appear at all (PDPA: the office's purpose only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from automation.model import Registry


@dataclass(frozen=True)
class Entry:
    name: str
    group: str
    network: str
    cluster: str
    coordinator: str
    position: str
    phone: str
    emails: tuple[str, ...]


def entries(registry: Registry, fields: Sequence[str]) -> list[Entry]:
    """Active, consenting members; every field not listed in ``fields`` left empty."""
    shown = set(fields)

    def keep(field: str, value: str) -> str:
        return value if field in shown else ""

    result = [
        Entry(
            name=keep("name", m.name), group=keep("group", m.group),
            network=keep("network", m.network), cluster=keep("cluster", m.cluster),
            coordinator=keep("coordinator", m.coordinator),
            position=keep("position", m.position), phone=keep("phone", m.phone),
            emails=m.emails if "email" in shown else (),
        )
        for m in registry.members
        if m.public and m.active and m.name
    ]
    result.sort(key=lambda e: (e.group, e.cluster, e.name))
    return result


def groups(items: Sequence[Entry]) -> list[tuple[str, list[Entry]]]:
    """Entries under their group heading, in order."""
    out: dict[str, list[Entry]] = {}
    for entry in items:
        out.setdefault(entry.group or "อื่น ๆ", []).append(entry)
    return list(out.items())
