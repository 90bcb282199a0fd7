"""`automation registry find`: the officer's searchable directory (manual C 5.2).

Thai is written without spaces between words, people drop or mistype tone marks, write
Thai digits, abbreviate โรงเรียน as รร. and type phone numbers with or without dashes.
Matching therefore compares keys, not raw text: each word of the query must appear in
some field (name, cluster, coordinator, position, group, member ID, e-mail or phone), and
matches are ranked exact > prefix > contained > contained ignoring tone marks > similar.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from automation.model import Member
from automation.text.thai import fuzzy_key, normalize_thai, to_arabic_digits

FIELDS = ("name", "cluster", "coordinator", "position", "group", "member_id", "emails", "phone")
FIELD_NAMES = {
    "name": "ชื่อหน่วยงาน", "cluster": "กลุ่มเครือข่าย", "coordinator": "ผู้ประสานงาน",
    "position": "ตำแหน่ง", "group": "กลุ่ม", "member_id": "รหัสสมาชิก", "emails": "อีเมล",
    "phone": "โทรศัพท์",
}
# Tone marks, mai taikhu, thanthakhat and the like: often missing or misplaced when typed.
_MARKS = re.compile("[\u0e47-\u0e4e]")
_TITLES = re.compile(r"^(?:นางสาว|นาง|นาย|น\.ส\.|ด\.ต\.|ร\.ต\.อ\.|ว่าที่\s*ร\.ต\.|ดร\.)\s*")


@dataclass(frozen=True)
class Match:
    member: Member
    score: float
    fields: tuple[str, ...]


def _loose(text: str) -> str:
    # Sara ae typed as two sara e looks the same on screen.
    return _MARKS.sub("", fuzzy_key(text).replace("เเ", "แ"))


def _values(member: Member, field: str) -> list[str]:
    if field == "emails":
        return list(member.emails)
    value = str(getattr(member, field))
    if field == "coordinator":
        return [value, _TITLES.sub("", value)]
    return [value]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", to_arabic_digits(text))


def _plain(text: str) -> str:
    """Like fuzzy_key but keeping a leading โรงเรียน, so the word itself can be searched."""
    return "".join(to_arabic_digits(normalize_thai(text)).split()).casefold()


def _score_word(word: str, value: str) -> float:
    key, target = fuzzy_key(word), fuzzy_key(value)
    if not key or not target:
        return 0.0
    if key == target:
        return 1.0
    if target.startswith(key):
        return 0.9
    if key in target or _plain(word) in _plain(value):
        return 0.8
    loose_key, loose_target = _loose(word), _loose(value)
    if loose_key and loose_key in loose_target:
        return 0.6
    if len(key) >= 4 and not key.isdigit():
        # The best-matching window of the value, for a typo or a missing letter.
        size = len(key)
        best = max((difflib.SequenceMatcher(None, key, target[i:i + size]).ratio()
                    for i in range(max(1, len(target) - size + 1))), default=0.0)
        if best >= 0.75:
            return 0.5 * best
    return 0.0


def _score_phone(word: str, member: Member) -> float:
    digits = _digits(word)
    if len(digits) < 3 or not member.phone:
        return 0.0
    phone = _digits(member.phone)
    if digits == phone:
        return 1.0
    if phone.startswith(digits):
        return 0.9
    # Also a number typed without its leading zero, as a spreadsheet shows it.
    return 0.8 if digits in phone else 0.0


def find(members: Sequence[Member], text: str, limit: int = 20) -> list[Match]:
    words = unicodedata.normalize("NFC", text).split()
    if not words:
        return []
    if len(words) > 1:
        # Thai has no word spaces: "บ้าน ป่าแดด" is usually one name typed with a space.
        whole = find(members, "".join(words), limit)
        if whole and whole[0].score >= 0.8:
            return whole
    matches: list[Match] = []
    for member in members:
        total = 0.0
        hit_fields: list[str] = []
        for word in words:
            best, where = _score_phone(word, member), "phone"
            for field in FIELDS:
                if field == "phone":
                    continue
                score = max((_score_word(word, v) for v in _values(member, field)), default=0.0)
                if score > best:
                    best, where = score, field
            if best == 0.0:
                break
            total += best
            if where not in hit_fields:
                hit_fields.append(where)
        else:
            matches.append(Match(member, total / len(words), tuple(hit_fields)))
    matches.sort(key=lambda m: (-m.score, not m.member.active, m.member.member_id))
    return matches[:limit]
