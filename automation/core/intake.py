"""Read the form-responses tab into Submissions: stable IDs, decisions, located problems."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime

from automation.core.resubmit import split_marker
from automation.core.rowmemo import Earlier, Memo
from automation.core.table import Columns, Row, find_columns, rows
from automation.model import Cell, Decision, Problem, Registry, Submission, Tab
from automation.text.addresses import email_problem, normalize_email
from automation.text.lines import clean_text, single_line
from automation.text.phones import normalize_phone
from automation.text.thai import fuzzy_key, yes_no
from automation.thaidate import (
    DateParseError,
    ambiguous,
    format_date,
    format_date_short,
    parse_date,
    parse_datetime,
)

_APPROVED = {"true", "อนุมัติ", "approved", "approve", "yes", "y", "ใช่", "ผ่าน", "✓", "✔", "☑"}
_REJECTED = {"ไม่อนุมัติ", "ไม่ผ่าน", "reject", "rejected", "no", "ไม่"}
_RETURNED = {"ส่งกลับแก้ไข", "ส่งกลับ", "แก้ไข", "ให้แก้ไข", "return", "returned", "revise"}
_PENDING = {"", "false", "รอ", "รอพิจารณา", "pending", "☐"}
_URGENT_WORDS = ("ด่วนที่สุด", "ด่วนมาก", "ด่วน", "urgent")


def derive_id(timestamp: Cell, email: str, title: str) -> str:
    """Deterministic ID from what the form wrote, so a crash before writing it changes nothing."""
    try:
        when = parse_datetime(timestamp)
        stamp = when.isoformat() if when else ""
    except DateParseError:
        stamp = str(timestamp).strip()
    basis = "\x1f".join((stamp, email.strip().casefold(), " ".join(title.split())))
    return "N-" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:8].upper()


def read_decision(value: Cell) -> tuple[Decision, bool]:
    """The director's approval cell: a checkbox or a dropdown word; also says 'urgent'."""
    if isinstance(value, bool):
        return (Decision.APPROVED if value else Decision.PENDING), False
    if value is None:
        return Decision.PENDING, False
    text = re.sub(r"[\s\-–_/.,()]+", "", str(value)).casefold()
    urgent = False
    for word in _URGENT_WORDS:
        if word in text and text not in _REJECTED:
            urgent = True
            text = text.replace(word, "")
            break
    if text in _REJECTED:
        return Decision.REJECTED, False
    if text in _RETURNED:
        return Decision.RETURNED, False
    if text in _APPROVED or (urgent and text == ""):
        return Decision.APPROVED, urgent
    if text in _PENDING:
        return Decision.PENDING, False
    return Decision.UNREADABLE, False


def truthy(value: Cell) -> bool:
    """A yes in a checkbox-like cell (consent, directory listing), by the one word list."""
    return yes_no(value) is True


def urgent_cell(value: Cell) -> bool:
    """The ด่วน column: a yes word, or an urgency word (ด่วน, ด่วนมาก, ...)."""
    if truthy(value):
        return True
    text = str(value or "").strip().casefold()
    return any(word in text for word in _URGENT_WORDS) and not text.startswith("ไม่")


# The product's own IDs: N- and letters or digits (8 hex digits today). Anything else in
# the ID cell (a formula's result, a number typed by hand, a pasted word) is not an ID: the
# row gets its own.
ID_FORMAT = re.compile(r"N-[0-9A-Za-z][0-9A-Za-z_-]{3,39}")


def stored_id(row: Row) -> str:
    """The ID cell when it holds an ID in the product's format, else ""."""
    text = row.text("id")
    return text if ID_FORMAT.fullmatch(text) else ""


def junk_id(row: Row) -> str:
    """The ID cell's text when it is filled but not an ID of this product."""
    text = row.text("id")
    return text if text and not ID_FORMAT.fullmatch(text) else ""


def key_of(row: Row) -> str:
    """The row's stable ID: the written one, or the one it will get."""
    return stored_id(row) or derive_id(
        row.get("timestamp"), row.text("email"), row.text("title"))


def fingerprint(row: Row) -> str:
    """What the form wrote and nobody edits: the submission time and the submitter's address."""
    value = row.get("timestamp")
    try:
        when = parse_datetime(value)
        stamp = when.isoformat() if when else ""
    except DateParseError:
        stamp = str(value).strip()
    basis = f"{stamp}\x1f{row.text('email').casefold()}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]


class Identities:
    """Known items' fingerprints, to tell an ID cell that landed on another submission from
    a row someone corrected.

    People may sort the sheet in the instant between the worker's fresh read and its write;
    an ID written then sits on the wrong row. Trusting it could publish that row's news
    under an ID already published, or hide it. People also correct rows: the submitter's
    address, the title. A stored ID whose fingerprint does not match its row is *moved*
    when its own submission is still in the tab (its fingerprint is on another row) or
    when the row is another known submission; the row then gets back its own ID. Otherwise
    the row was *corrected*: the ID stays with it, and its new fingerprint is recorded.
    """

    def __init__(self, fingerprints: Mapping[str, str]) -> None:
        self.by_id = dict(fingerprints)
        owners: dict[str, list[str]] = {}
        for item_id, fp in self.by_id.items():
            owners.setdefault(fp, []).append(item_id)
        self.by_fp = {fp: ids[0] for fp, ids in owners.items() if len(ids) == 1}
        self.present: set[str] = set()
        # ID → the corrected row's fingerprint, found in this parse
        self.corrected: dict[str, str] = {}

    def observe(self, fingerprints: Iterable[str]) -> None:
        """The fingerprints of every row in the tab being read."""
        self.present = set(fingerprints)

    def key_of(self, row: Row, fp: str | None = None) -> str:
        """The row's ID; ``fp``: its fingerprint, when already worked out."""
        stored = stored_id(row)
        fp = fingerprint(row) if fp is None else fp
        if stored:
            known = self.by_id.get(stored)
            if known is None or known == fp:
                return stored
            if known not in self.present and fp not in self.by_fp:
                self.corrected[stored] = fp
                return stored
        return self.by_fp.get(fp) or derive_id(
            row.get("timestamp"), row.text("email"), row.text("title")
        )

    def moved(self, row: Row, fp: str | None = None) -> bool:
        stored = stored_id(row)
        return bool(stored) and self.key_of(row, fp) != stored


def _urls(value: str) -> tuple[str, ...]:
    return tuple(u for u in re.split(r"[\s,;]+", value) if u)


def parse_submissions(
    tab: Tab,
    aliases: Mapping[str, Sequence[str]],
    registry: Registry | None,
    *,
    max_title: int = 300,
    max_body: int = 20000,
    identities: Identities | None = None,
    earlier: Earlier | None = None,
) -> tuple[list[Submission], list[Problem]]:
    """Every data row as a Submission; problems with the tab itself come back separately.

    ``earlier``: the last parse, with the same registry and settings: a row that reads as
    it did then is taken from it (``automation.core.rowmemo``)."""
    columns = find_columns(tab, aliases)
    tab_problems = list(columns.problems)
    for field in ("title", "body", "approval"):
        if field not in columns.by_field:
            tab_problems.append(
                Problem(
                    tab.title,
                    f"ไม่พบคอลัมน์ '{aliases[field][0]}' (ชื่อที่ยอมรับ: "
                    f"{', '.join(aliases[field])}); เพิ่มหัวคอลัมน์หรือตั้ง "
                    f"[sheets.columns.form] {field} ใน schedule.toml",
                    row=1,
                    column=aliases[field][0],
                )
            )
    if any(p.severity == "error" for p in tab_problems):
        return [], tab_problems
    schools = registry.by_school_key() if registry else {}
    if identities is not None:
        identities.observe(fingerprint(r) for r in rows(tab, columns))
    seen: dict[str, int] = {}
    result: list[Submission] = []
    memo = Memo(earlier, tab, columns) if identities is not None else None
    for row in rows(tab, columns):
        item = _submission(row, columns, schools, max_title, max_body, identities, memo)
        if item.id in seen:
            dup = Problem(tab.title, f"แถวซ้ำกับแถว {seen[item.id]} (รหัสเดียวกัน); ข้ามแถวนี้",
                          row_id=item.id, row=row.number, severity="warning")
            tab_problems.append(dup)
            continue
        seen[item.id] = row.number
        result.append(item)
    return result, tab_problems


def _submission(
    row: Row,
    columns: Columns,
    schools: Mapping[str, object],
    max_title: int,
    max_body: int,
    identities: Identities | None,
    memo: Memo | None = None,
) -> Submission:
    fp = fingerprint(row)  # worked out once: hashing the row is a good part of parsing it
    item_id = identities.key_of(row, fp) if identities else key_of(row)
    if memo is not None and identities is not None:
        kept = memo.get(row, item_id, fp, identities.by_id, stored_id)
        if kept is not None:
            return kept
    problems: list[Problem] = []
    if identities and identities.moved(row, fp):
        problems.append(Problem(
            columns.tab, f"รหัสข่าว '{row.text('id')}' ในแถวนี้เป็นของข่าวอื่น (ชีตถูกเรียงใหม่ขณะบันทึก); "
            f"แก้เป็น {item_id} ให้แล้ว", item_id, row.number, columns.header("id"), "warning"))
    elif identities and item_id in identities.corrected:
        problems.append(Problem(
            columns.tab, "เวลาส่งหรืออีเมลผู้ส่งในแถวนี้ถูกแก้หลังระบบให้รหัสข่าวแล้ว; "
            f"ยังเป็นข่าวเดิม (รหัส {item_id}) ไม่ได้นับเป็นข่าวใหม่และไม่ส่งซ้ำ",
            item_id, row.number, columns.header("email") if "email" in columns.by_field
            else None, "warning"))
    junk = junk_id(row)
    if junk:
        problems.append(Problem(
            columns.tab, f"ช่องรหัสข่าวมีค่า '{single_line(junk, 40)}' ซึ่งไม่ใช่รหัสของระบบ "
            f"(รูปแบบ N-XXXXXXXX); ไม่ใช้ค่านี้ ให้รหัส {item_id} แทน",
            item_id, row.number, columns.header("id"), "warning"))

    def problem(field: str, message: str, severity: str = "error") -> None:
        header = columns.header(field) if field in columns.by_field else field
        problems.append(Problem(columns.tab, message, item_id, row.number, header, severity))

    title = single_line(row.text("title"))
    body, replaces = split_marker(clean_text(row.get("body")), row.text("replaces"))
    if not title:
        problem("title", "ไม่มีหัวข้อข่าว; ให้ผู้ส่งส่งแบบฟอร์มใหม่พร้อมหัวข้อ")
    elif len(title) > max_title:
        problem("title", f"หัวข้อข่าวยาว {len(title)} ตัวอักษร เกิน {max_title}; ย่อหัวข้อ")
    if not body:
        problem("body", "ไม่มีเนื้อหาข่าว")
    elif len(body) > max_body:
        problem("body", f"เนื้อหาข่าวยาว {len(body)} ตัวอักษร เกิน {max_body}")
    raw_email = row.text("email")
    email = normalize_email(raw_email) if raw_email else ""
    if raw_email:
        why = email_problem(raw_email)
        if why:
            problem("email", f"อีเมลผู้ส่ง '{single_line(raw_email, 80)}' ใช้ไม่ได้: {why}")
            email = ""
    school = single_line(row.text("school"))
    member = schools.get(fuzzy_key(school)) if school else None
    if school and schools and member is None:
        problem("school", f"ไม่พบ '{school}' ในทะเบียนเครือข่าย", severity="warning")
    # "รร.บ้านป่าแดด", "ร.ร. บ้านป่าแดด" and "บ้านป่าแดด" are shown, and get their school
    # page, under the registry's own name.
    school = str(getattr(member, "name", "") or school)
    decision, urgent = read_decision(row.get("approval"))
    if decision is Decision.UNREADABLE:
        problem("approval", f"ไม่เข้าใจค่าการอนุมัติ '{row.text('approval')}'; ใช้ช่องติ๊ก "
                "หรือคำว่า อนุมัติ / ไม่อนุมัติ / ส่งกลับแก้ไข")
    submitted_at = _when(row, "timestamp", problem)
    activity = _day(row, "activity_date", problem, "warning")
    publish_after = _day(row, "publish_after", problem, "error")
    return Submission(
        id=item_id,
        row=row.number,
        submitted_at=submitted_at,
        email=email,
        school=school,
        sender_name=single_line(row.text("sender"), 200),
        phone=normalize_phone(row.get("phone")) or row.text("phone"),
        title=title,
        body=body,
        activity_date=activity,
        images=_urls(row.text("images")),
        links=_urls(row.text("links")),
        category=single_line(row.text("category"), 100),
        source=row.text("source") or "form",
        decision=decision,
        note=clean_text(row.get("note"), limit=2000),
        audience=single_line(row.text("audience"), 300),
        channels=single_line(row.text("channels"), 300),
        publish_after=publish_after,
        urgent=urgent or urgent_cell(row.get("urgent")),
        cluster=getattr(member, "cluster", None) or None,
        problems=tuple(problems),
        fingerprint=fp,
        replaces=replaces,
    )


Report = Callable[[str, str, str], None]


def _when(row: Row, field: str, problem: Report) -> datetime | None:
    try:
        return parse_datetime(row.get(field))
    except DateParseError as exc:
        problem(field, str(exc), "warning")
        return None


def _day(row: Row, field: str, problem: Report, severity: str) -> date | None:
    value = row.get(field)
    try:
        day = parse_date(value)
    except DateParseError as exc:
        problem(field, str(exc), severity)
        return None
    both = ambiguous(value)
    if both:
        read, other = both
        problem(field, f"วันที่ '{single_line(str(value), 40)}' อ่านได้สองแบบ: "
                f"{format_date(read)} (วัน/เดือน ตามที่ระบบอ่าน) หรือ {format_date(other)}; "
                f"ตรวจแล้วแก้เป็นชื่อเดือน เช่น '{format_date_short(read)}'", "warning")
    return day
