"""`automation registry check`: every registry row validated, each problem located.

A finding names the member ID, the column as headed in the sheet, what is wrong and what to
type instead, so the officer can fix the cell without guessing. Nothing here touches the
network: e-mail addresses are checked for shape and common typos only.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from automation.core.table import Columns, Row, find_columns, rows
from automation.model import Problem, Tab
from automation.text.addresses import email_problem, normalize_email, split_addresses, suggest_email
from automation.text.lines import single_line
from automation.text.phones import normalize_phone, phone_problem
from automation.text.thai import fuzzy_key, normalize_thai, yes_no
from automation.thaidate import DateParseError, format_date, parse_date
from automation.upkeep.settings import RegistryRules

_NO_REPLY = re.compile(r"^(?:no-?reply|do-?not-?reply|mailer-daemon|postmaster)\b")
_PHONE_EXAMPLE = "081-234-5678 หรือ 053-123-456"
_EMAIL_HINT = "แก้ให้อยู่ในรูปแบบ ชื่อ@โดเมน เช่น school@obec.go.th"
_ID = re.compile(r"^([A-Za-z]*)(\d+)$")


@dataclass(frozen=True)
class Finding:
    """One problem in one cell (or row) of the registry, with what to do about it."""

    member_id: str
    row: int
    column: str
    problem: str
    suggestion: str = ""
    severity: str = "error"  # error | warning
    code: str = ""

    def as_problem(self, tab: str) -> Problem:
        message = f"{self.problem} — {self.suggestion}" if self.suggestion else self.problem
        return Problem(tab, message, self.member_id, self.row, self.column, self.severity)


def findings_hash(findings: Sequence[Finding]) -> str:
    """Stable digest of a list of findings, so the officer is told only when it changes."""
    lines = sorted(f"{f.member_id}\x1f{f.column}\x1f{f.problem}" for f in findings)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]


def _norm(value: str) -> str:
    return " ".join(normalize_thai(value).split()).casefold()


def _closest(value: str, allowed: Sequence[str]) -> str | None:
    keys = {fuzzy_key(a): a for a in allowed}
    hit = keys.get(fuzzy_key(value))
    if hit:
        return hit
    close = difflib.get_close_matches(fuzzy_key(value), list(keys), n=1, cutoff=0.6)
    return keys[close[0]] if close else None


class _Checker:
    def __init__(self, tab: Tab, aliases: Mapping[str, Sequence[str]], rules: RegistryRules,
                 today: date, suppressed: frozenset[str]) -> None:
        self.tab, self.aliases, self.rules = tab, aliases, rules
        self.today, self.suppressed = today, suppressed
        self.columns: Columns = find_columns(tab, aliases)
        self.findings: list[Finding] = []

    def header(self, field: str) -> str:
        if field in self.columns.by_field:
            return self.columns.header(field)
        return self.aliases[field][0]

    def add(self, member_id: str, row: int, field: str, problem: str, suggestion: str = "",
            severity: str = "error", code: str = "") -> None:
        self.findings.append(Finding(member_id, row, self.header(field), problem, suggestion,
                                     severity, code or field))

    # -- the whole tab ---------------------------------------------------------------

    def run(self) -> list[Finding]:
        for p in self.columns.problems:
            self.findings.append(Finding("-", 1, p.column or "", p.message, "ลบหรือเปลี่ยนชื่อคอลัมน์ที่ซ้ำ",
                                         "warning", "duplicate_header"))
        for field in sorted(set(self.rules.required) | {"member_id", "name"}):
            if field not in self.columns.by_field:
                self.add("-", 1, field, f"ไม่พบคอลัมน์ '{self.aliases[field][0]}'",
                         f"เพิ่มหัวคอลัมน์ชื่อ '{self.aliases[field][0]}' ในแถวแรก", "error",
                         "missing_column")
        data = list(rows(self.tab, self.columns))
        ids = self._ids(data)
        for row, member_id in zip(data, ids, strict=True):
            self._row(row, member_id)
        self._duplicates(data, ids)
        self._cluster_spellings(data, ids)
        order = {c: i for i, c in enumerate(self.columns.headers)}
        self.findings.sort(key=lambda f: (f.row, order.get(f.column, 999)))
        return self.findings

    def _ids(self, data: list[Row]) -> list[str]:
        """Each row's member ID; a missing or repeated one gets the next free ID suggested."""
        matches = [m for r in data if (m := _ID.match(r.text("member_id")))]
        prefix = matches[0].group(1) if matches else "M"
        width = len(matches[0].group(2)) if matches else 4
        next_number = max((int(m.group(2)) for m in matches), default=0) + 1
        seen: dict[str, int] = {}
        ids: list[str] = []
        for r in data:
            member_id = r.text("member_id")
            if not member_id:
                self.add(f"แถว{r.number}", r.number, "member_id", "ไม่มีรหัสสมาชิก",
                         f"ใส่รหัสที่ไม่ซ้ำ เช่น {prefix}{next_number:0{width}d}", code="id_missing")
                next_number += 1
                member_id = f"แถว{r.number}"
            elif member_id in seen:
                self.add(member_id, r.number, "member_id",
                         f"รหัสสมาชิกซ้ำกับแถว {seen[member_id]}",
                         f"เปลี่ยนเป็นรหัสใหม่ เช่น {prefix}{next_number:0{width}d}",
                         code="id_duplicate")
                next_number += 1
            else:
                seen[member_id] = r.number
            ids.append(member_id)
        return ids

    # -- one row ---------------------------------------------------------------------

    def _row(self, row: Row, member_id: str) -> None:
        accepts = self._flag(row, member_id, "accepts_email")
        self._flag(row, member_id, "public")
        for field in self.rules.required:
            if field in ("member_id", "email") or field not in self.columns.by_field:
                continue
            if not row.text(field) and row.get(field) is not False:
                self.add(member_id, row.number, field, "ยังไม่ได้กรอก",
                         f"กรอก{self.header(field)}", code=f"{field}_missing")
        self._choice(row, member_id, "network", self.rules.networks)
        self._choice(row, member_id, "group", self.rules.groups)
        self._choice(row, member_id, "status", self.rules.statuses)
        self._cluster(row, member_id)
        self._emails(row, member_id, accepts)
        self._phone(row, member_id)
        self._updated(row, member_id)

    def _flag(self, row: Row, member_id: str, field: str) -> bool | None:
        value = row.get(field)
        if field not in self.columns.by_field or value in (None, ""):
            return None
        flag = yes_no(value)
        if flag is not None:
            return flag
        self.add(member_id, row.number, field, f"ไม่เข้าใจค่า '{single_line(str(value), 30)}'",
                 "ใช้ช่องติ๊ก (TRUE/FALSE) หรือคำว่า ใช่ / ไม่", "warning", f"{field}_value")
        return None

    def _choice(self, row: Row, member_id: str, field: str, allowed: Sequence[str]) -> None:
        value = row.text(field)
        if not value or not allowed or field not in self.columns.by_field:
            return
        if _norm(value) in {_norm(a) for a in allowed}:
            return
        close = _closest(value, allowed)
        suggestion = (f"หมายถึง '{close}' ใช่หรือไม่" if close
                      else f"ใช้ค่าใดค่าหนึ่ง: {' / '.join(allowed)}")
        self.add(member_id, row.number, field, f"ค่า '{single_line(value, 40)}' ไม่อยู่ในรายการที่กำหนด",
                 suggestion, code=f"{field}_value")

    def _cluster(self, row: Row, member_id: str) -> None:
        cluster = row.text("cluster")
        in_cluster_group = _norm(row.text("group")) in {_norm(g) for g in self.rules.cluster_groups}
        if not cluster:
            if in_cluster_group and "cluster" in self.columns.by_field:
                self.add(member_id, row.number, "cluster", "ยังไม่ได้ระบุกลุ่มเครือข่ายสถานศึกษา",
                         "เลือกกลุ่มเครือข่ายที่โรงเรียนสังกัด", code="cluster_missing")
            return
        if self.rules.clusters and _norm(cluster) not in {_norm(c) for c in self.rules.clusters}:
            close = _closest(cluster, self.rules.clusters)
            self.add(member_id, row.number, "cluster",
                     f"ไม่มีกลุ่มเครือข่าย '{single_line(cluster, 40)}' ในรายการที่กำหนด",
                     f"หมายถึง '{close}' ใช่หรือไม่" if close
                     else f"ใช้ชื่อกลุ่มใดกลุ่มหนึ่ง: {' / '.join(self.rules.clusters)}",
                     code="cluster_value")

    def _emails(self, row: Row, member_id: str, accepts: bool | None) -> None:
        if "email" not in self.columns.by_field:
            return
        tokens = split_addresses(row.get("email"))
        if not tokens:
            if "email" in self.rules.required and accepts is not False:
                self.add(member_id, row.number, "email", "ไม่มีอีเมล",
                         "กรอกอีเมลของหน่วยงาน หรือเอาเครื่องหมายรับข่าวทางอีเมลออก",
                         code="email_missing")
            return
        seen: set[str] = set()
        for token in tokens:
            shown = single_line(token, 60)
            why = email_problem(token)
            if why:
                fixed = suggest_email(token)
                self.add(member_id, row.number, "email", f"อีเมล '{shown}' ใช้ไม่ได้: {why}",
                         f"แก้เป็น {fixed}" if fixed else _EMAIL_HINT, code="email_invalid")
                continue
            address = normalize_email(token)
            if address in seen:
                self.add(member_id, row.number, "email", f"อีเมล '{address}' ซ้ำในช่องเดียวกัน",
                         "ลบที่อยู่ที่ซ้ำออก", "warning", "email_repeated")
            seen.add(address)
            if _NO_REPLY.match(address.split("@")[0]):
                self.add(member_id, row.number, "email", f"'{address}' เป็นที่อยู่ที่ไม่รับอีเมล",
                         "ขออีเมลที่มีผู้อ่านจริงจากผู้ประสานงาน", "warning", "email_noreply")
            if address in self.suppressed:
                self.add(member_id, row.number, "email", f"'{address}' อยู่ในแท็บงดรับข่าว",
                         "ตรวจสอบกับสมาชิก หากต้องการรับข่าวอีกครั้งให้ลบออกจากแท็บงดรับข่าว",
                         "warning", "email_suppressed")

    def _phone(self, row: Row, member_id: str) -> None:
        value = row.get("phone")
        if "phone" not in self.columns.by_field or value in (None, ""):
            return
        why = phone_problem(value)
        if why:
            shown = single_line(str(value), 40)
            self.add(member_id, row.number, "phone", f"เบอร์โทรศัพท์ '{shown}': {why}",
                     f"พิมพ์เป็น เช่น {_PHONE_EXAMPLE}", code="phone_invalid")
            return
        lost_zero = isinstance(value, int | float) and not isinstance(value, bool)
        if not lost_zero and isinstance(value, str):
            digits = re.sub(r"\D", "", value)
            lost_zero = bool(digits) and not digits.startswith(("0", "66"))
        if lost_zero:
            self.add(member_id, row.number, "phone", "เลข 0 นำหน้าหายไป (ช่องถูกจัดรูปแบบเป็นตัวเลข)",
                     f"จัดรูปแบบช่องเป็นข้อความ แล้วพิมพ์ {show_phone(normalize_phone(value) or '')}",
                     "warning", "phone_zero")

    def _updated(self, row: Row, member_id: str) -> None:
        if "updated" not in self.columns.by_field:
            return
        try:
            day = parse_date(row.get("updated"))
        except DateParseError as exc:
            self.add(member_id, row.number, "updated", str(exc), "พิมพ์วันที่ เช่น 24/11/2569",
                     code="updated_invalid")
            return
        if day is None:
            self.add(member_id, row.number, "updated", "ไม่มีวันที่ปรับปรุงล่าสุด",
                     "ใส่วันที่ที่ตรวจสอบข้อมูลครั้งล่าสุด", "warning", "stale")
        elif day > self.today:
            self.add(member_id, row.number, "updated", f"วันที่ {format_date(day)} อยู่ในอนาคต",
                     "ตรวจปี พ.ศ./ค.ศ. ของวันที่", "warning", "updated_future")
        elif (self.today - day).days > self.rules.stale_days:
            self.add(member_id, row.number, "updated",
                     f"ไม่ได้ปรับปรุงมา {(self.today - day).days} วัน (ล่าสุด {format_date(day)})",
                     "ส่งแบบยืนยันข้อมูล (automation registry confirm) หรือโทรสอบถาม",
                     "warning", "stale")

    # -- across rows -----------------------------------------------------------------

    def _duplicates(self, data: list[Row], ids: list[str]) -> None:
        by_name: dict[str, tuple[str, Row]] = {}
        by_email: dict[str, str] = {}
        for row, member_id in zip(data, ids, strict=True):
            name = row.text("name")
            if name:
                key = fuzzy_key(name)
                if key in by_name:
                    self._same_name(row, member_id, *by_name[key])
                else:
                    by_name[key] = (member_id, row)
            for token in split_addresses(row.get("email")):
                if email_problem(token):
                    continue
                address = normalize_email(token)
                first = by_email.setdefault(address, member_id)
                if first != member_id:
                    self.add(member_id, row.number, "email",
                             f"อีเมล '{address}' ซ้ำกับสมาชิก {first}",
                             "ตรวจว่าเป็นหน่วยงานเดียวกันหรือไม่ ถ้าใช่ให้รวมเป็นแถวเดียว",
                             "warning", "duplicate_email")

    def _same_name(self, row: Row, member_id: str, first_id: str, first: Row) -> None:
        cluster, first_cluster = row.text("cluster"), first.text("cluster")
        if cluster and first_cluster and fuzzy_key(cluster) != fuzzy_key(first_cluster):
            self.add(member_id, row.number, "cluster",
                     f"โรงเรียนเดียวกันอยู่สองกลุ่มเครือข่าย: '{cluster}' และ '{first_cluster}' "
                     f"(สมาชิก {first_id})",
                     "เลือกกลุ่มที่ถูกต้องแล้วลบแถวที่ซ้ำ", code="two_clusters")
            return
        self.add(member_id, row.number, "name",
                 f"ชื่อหน่วยงานซ้ำกับสมาชิก {first_id} (แถว {first.number})",
                 f"รวมข้อมูลไว้ที่ {first_id} แล้วลบแถวนี้", code="duplicate_name")

    def _cluster_spellings(self, data: list[Row], ids: list[str]) -> None:
        spellings: dict[str, Counter[str]] = {}
        for row in data:
            cluster = row.text("cluster")
            if cluster:
                spellings.setdefault(fuzzy_key(cluster), Counter())[" ".join(cluster.split())] += 1
        for row, member_id in zip(data, ids, strict=True):
            cluster = " ".join(row.text("cluster").split())
            counts = spellings.get(fuzzy_key(cluster)) if cluster else None
            if not counts or len(counts) < 2:
                continue
            usual = counts.most_common(1)[0][0]
            if cluster != usual:
                self.add(member_id, row.number, "cluster",
                         f"ชื่อกลุ่มเครือข่าย '{cluster}' สะกดต่างจากแถวอื่น",
                         f"ใช้ '{usual}' ให้เหมือนกันทุกแถว", "warning", "cluster_spelling")


def show_phone(number: str) -> str:
    """``0812345678`` → ``081-234-5678``; ``021234567`` → ``02-123-4567``; others as given."""
    digits, _, ext = number.partition(" ต่อ ")
    if len(digits) == 10:
        shown = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    elif len(digits) == 9 and digits.startswith("02"):
        shown = f"{digits[:2]}-{digits[2:5]}-{digits[5:]}"
    elif len(digits) == 9:
        shown = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    else:
        shown = digits
    return f"{shown} ต่อ {ext}" if ext else shown


def check(
    tab: Tab,
    aliases: Mapping[str, Sequence[str]],
    rules: RegistryRules,
    today: date,
    suppressed: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Every problem in the registry tab, in sheet order."""
    return _Checker(tab, aliases, rules, today, suppressed).run()

