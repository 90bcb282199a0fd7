"""The network registry and the suppression list, and who receives which bulletin."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from automation.core.intake import truthy
from automation.core.table import find_columns, rows
from automation.model import Member, Problem, Recipient, Registry, Submission, Tab
from automation.text.addresses import parse_addresses
from automation.text.lines import single_line
from automation.text.phones import normalize_phone
from automation.text.thai import fuzzy_key
from automation.thaidate import DateParseError, parse_date

_INACTIVE = {"ระงับ", "ยกเลิก", "ไม่ใช้งาน", "inactive", "suspended"}
_ALL = {"", "ทั้งหมด", "ทุกกลุ่ม", "all", "everyone"}
_INTERNAL = {"ภายใน", "เครือข่ายภายใน", "internal"}
_EXTERNAL = {"ภายนอก", "เครือข่ายภายนอก", "external"}
_MEDIA = {"สื่อมวลชน", "สื่อ", "media", "press"}


def parse_registry(
    tab: Tab,
    aliases: Mapping[str, Sequence[str]],
    suppression: Tab | None = None,
    suppression_aliases: Mapping[str, Sequence[str]] | None = None,
) -> Registry:
    columns = find_columns(tab, aliases)
    problems = list(columns.problems)
    unreadable = ""
    if "email" not in columns.by_field:
        unreadable = (f"ไม่พบคอลัมน์อีเมลในแท็บ '{tab.title}' (ชื่อที่ยอมรับ: "
                      f"{', '.join(aliases['email'])})")
        problems.append(Problem(tab.title, f"ไม่พบคอลัมน์ '{aliases['email'][0]}' (ชื่อที่ยอมรับ: "
                                f"{', '.join(aliases['email'])}); แก้หัวคอลัมน์ให้ตรง",
                                row=1))
    members: list[Member] = []
    for row in rows(tab, columns):
        member_id = row.text("member_id") or f"แถว{row.number}"
        emails, bad = parse_addresses(row.get("email"))
        member_problems = [
            Problem(tab.title, f"อีเมล '{single_line(token, 80)}' ใช้ไม่ได้: {why}",
                    member_id, row.number, columns.header("email"), "warning")
            for token, why in bad
        ]
        try:
            updated = parse_date(row.get("updated"))
        except DateParseError as exc:
            updated = None
            member_problems.append(Problem(tab.title, str(exc), member_id, row.number,
                                           columns.header("updated"), "warning"))
        accepts = row.get("accepts_email")
        members.append(
            Member(
                member_id=member_id,
                row=row.number,
                network=single_line(row.text("network")),
                group=single_line(row.text("group")),
                name=single_line(row.text("name")),
                cluster=single_line(row.text("cluster")),
                coordinator=single_line(row.text("coordinator")),
                position=single_line(row.text("position")),
                phone=normalize_phone(row.get("phone")) or row.text("phone"),
                emails=tuple(emails),
                accepts_email=True if "accepts_email" not in columns.by_field else truthy(accepts),
                active=row.text("status").casefold() not in _INACTIVE,
                updated=updated,
                public=truthy(row.get("public")),
                note=row.text("note"),
                problems=tuple(member_problems),
            )
        )
        problems.extend(member_problems)
    suppressed: set[str] = set()
    if suppression is not None and suppression_aliases is not None:
        cols = find_columns(suppression, suppression_aliases)
        for row in rows(suppression, cols):
            found, _bad = parse_addresses(row.get("email"))
            suppressed.update(found)
    if not members and not unreadable:
        unreadable = f"แท็บ '{tab.title}' ไม่มีรายชื่อสมาชิกเครือข่าย"
        problems.append(Problem(tab.title, "ไม่มีรายชื่อสมาชิกเครือข่ายในแท็บนี้", row=2))
    return Registry(tuple(members), frozenset(suppressed), tuple(problems), unreadable)


def audience_filter(registry: Registry, audience: str) -> tuple[list[Member], str | None]:
    """Members an audience cell selects, or an explanation of why it selects nobody."""
    wanted = [w.strip() for w in audience.replace(";", ",").split(",")]
    chosen: dict[str, Member] = {}
    for word in wanted:
        key = word.casefold()
        if key in _ALL:
            picked = list(registry.members)
        elif key in _INTERNAL:
            picked = [m for m in registry.members if m.network.casefold() in _INTERNAL]
        elif key in _EXTERNAL:
            picked = [m for m in registry.members if m.network.casefold() in _EXTERNAL]
        elif key in _MEDIA:
            picked = [m for m in registry.members if m.group.casefold() in _MEDIA]
        else:
            picked = list(registry.by_audience_key.get(fuzzy_key(word), ()))
            if not picked:
                return [], (f"ไม่รู้จักกลุ่มเป้าหมาย '{word}'; ใช้ ทั้งหมด / ภายใน / ภายนอก / "
                            "สื่อมวลชน หรือชื่อกลุ่มเครือข่าย/กลุ่มในทะเบียน")
        for m in picked:
            chosen.setdefault(m.member_id + f"#{m.row}", m)
    return list(chosen.values()), None


def recipients(registry: Registry, members: Sequence[Member]) -> list[Recipient]:
    """Active members who accept e-mail: every address once, suppressed ones left out."""
    seen: set[str] = set()
    result: list[Recipient] = []
    for m in members:
        if not (m.active and m.accepts_email):
            continue
        for email in m.emails:
            if email in seen or email in registry.suppressed:
                continue
            seen.add(email)
            result.append(Recipient(email, m.member_id, m.name, m.coordinator))
    return result


def audience_of(registry: Registry, item: Submission) -> tuple[list[Recipient], str | None]:
    members, problem = audience_filter(registry, item.audience)
    return recipients(registry, members), problem
