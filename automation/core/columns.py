"""The form's columns checked against the fields the worker knows: what it cannot read.

A question the worker does not recognise is silently lost (no school, no sender, no
pictures), so every cycle compares the header row with the aliases: columns that match no
field and the submitter's optional fields that have no column are told to the officer once,
each with the closest known name as a suggestion and the TOML key that fixes it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping, Sequence

from automation.core.table import find_columns
from automation.model import Problem, Tab
from automation.ports import Ledger
from automation.text.headers import loose_header

# Questions a school answers that the worker can do without (title and body are required and
# reported by parsing; the director's and the worker's own columns are not the form's).
OPTIONAL = ("timestamp", "email", "school", "sender", "phone", "activity_date", "images",
            "links", "category")
# What is lost when an optional field has no column, said to the officer.
LOST = {
    "timestamp": "รหัสข่าวคิดจากหัวข้อและอีเมลเท่านั้น และไม่ทราบเวลาที่ส่ง",
    "email": "ส่งใบตอบรับและผลการพิจารณาให้ผู้ส่งไม่ได้",
    "school": "ข่าวไม่มีชื่อโรงเรียน/หน่วยงาน",
    "sender": "ใบตอบรับขึ้นต้นว่า 'เรียน ผู้ส่งข่าว' โดยไม่มีชื่อ",
    "phone": "ไม่มีเบอร์ติดต่อผู้ส่งในรายงาน",
    "activity_date": "ข่าวไม่มีวันที่จัดกิจกรรม",
    "images": "ข่าวไม่มีภาพประกอบ",
    "links": "ข่าวไม่มีลิงก์เพิ่มเติม",
    "category": "ข่าวไม่มีประเภท",
}
STATE = "column_findings"
_KEY = "[sheets.columns.form]"


def findings(tab: Tab, aliases: Mapping[str, Sequence[str]]) -> list[Problem]:
    """Unrecognised columns and missing optional fields of the form tab, as warnings."""
    columns = find_columns(tab, aliases)
    matched = set(columns.by_field.values())
    unknown = [h for col, h in enumerate(columns.headers, start=1)
               if col not in matched and h.strip()]
    free = [f for f in aliases if f not in columns.by_field]
    result: list[Problem] = []
    for header in unknown:
        field = _closest(header, {f: aliases[f] for f in free})
        taken = None if field else _closest(header, aliases)
        if field:
            hint = (f"หมายถึง '{aliases[field][0]}' ใช่หรือไม่? เพิ่มใน {_KEY} "
                    f'{field} = ["{header}"] ใน schedule.toml')
        elif taken:
            hint = (f"คล้าย '{aliases[taken][0]}' ซึ่งอ่านจากคอลัมน์ "
                    f"'{columns.header(taken)}' อยู่แล้ว; คำถามซ้ำหรือไม่? คอลัมน์นี้จะไม่ถูกอ่าน")
        else:
            hint = ("ไม่ตรงกับข้อมูลใดที่ระบบรู้จัก จึงไม่ถูกอ่าน; ถ้าเป็นคำถามของแบบฟอร์ม "
                    f"ให้เพิ่มชื่อนี้ใต้ชื่อข้อมูลนั้นใน {_KEY} ถ้าเป็นคอลัมน์ของเจ้าหน้าที่เอง "
                    f'เพิ่มใน {_KEY} officer_note = ["{header}"] ใน schedule.toml')
        result.append(Problem(tab.title, f"'{header}' — {hint}", row=1, column=header,
                              severity="warning"))
    for field in OPTIONAL:
        if field in columns.by_field or field not in aliases:
            continue
        near = _closest_header(aliases[field], unknown)
        maybe = (f"คอลัมน์ '{near}' ใช่หรือไม่? เพิ่มใน {_KEY} {field} = [\"{near}\"]"
                 if near else f"ถ้าแบบฟอร์มมีคำถามนี้ในชื่ออื่น เพิ่มชื่อนั้นใน {_KEY} {field}")
        result.append(Problem(
            tab.title,
            f"ไม่มีคอลัมน์ '{aliases[field][0]}' (ไม่บังคับ): {LOST[field]}; {maybe}",
            row=1, severity="warning",
        ))
    return result


def _closest(header: str, aliases: Mapping[str, Sequence[str]]) -> str | None:
    """The field whose alias looks most like ``header`` (difflib), if any is close."""
    keys = {loose_header(name): field for field, names in aliases.items() for name in names}
    best = _best(loose_header(header), list(keys))
    return keys[best] if best else None


def _closest_header(names: Sequence[str], headers: Sequence[str]) -> str | None:
    keys = {loose_header(h): h for h in headers}
    scored = [(_score(loose_header(n), k), k) for n in names for k in keys]
    scored = [s for s in scored if s[0] >= _CUTOFF]
    return keys[max(scored)[1]] if scored else None


_CUTOFF = 0.6


def _score(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _best(key: str, candidates: Sequence[str]) -> str | None:
    found = difflib.get_close_matches(key, candidates, n=1, cutoff=_CUTOFF)
    return found[0] if found else None


def problem_key(problem: Problem) -> str:
    """Stable across cycles: the tab, the column and the message (no row, no time)."""
    basis = f"{problem.tab}\x1f{problem.column}\x1f{problem.message}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]


def untold(ledger: Ledger, problems: Sequence[Problem]) -> list[Problem]:
    """``problems`` without the column findings the officer was already told of."""
    told = _told(ledger)
    return [p for p in problems if problem_key(p) not in told]


def remember(ledger: Ledger, found: Sequence[Problem]) -> None:
    """The current findings are told. Only the current ones are kept, so a column fixed and
    broken again is told again."""
    current = sorted({problem_key(p) for p in found})
    if set(current) != _told(ledger):
        ledger.set_state(STATE, json.dumps(current))


def _told(ledger: Ledger) -> set[str]:
    try:
        return set(json.loads(ledger.get_state(STATE) or "[]"))
    except ValueError:
        return set()
