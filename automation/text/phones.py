"""Thai phone numbers as typed or as a spreadsheet turned them into integers."""

from __future__ import annotations

import re
import unicodedata

from automation.text.lines import single_line
from automation.text.thai import SPACES, to_arabic_digits

# ---------------------------------------------------------------- phone numbers

_PHONE_LABEL = re.compile(
    r"^(?:โทรศัพท์มือถือ|เบอร์โทรศัพท์|เบอร์โทร|โทรศัพท์|โทรสาร|มือถือ|เบอร์|โทร"
    r"|tel|phone|mobile|mob|fax)\s*\.?\s*:?\s*",
    re.IGNORECASE,
)
_PHONE_EXT = re.compile(r"\s*(?:ต่อ|ext|extension|x|#)\s*\.?\s*:?\s*([0-9]{1,6})\s*$", re.IGNORECASE)
_PHONE_SPLIT = re.compile(r"\s*(?:[,;/\n\r]|\s(?:หรือ|และ|or)\s)\s*", re.IGNORECASE)
_PHONE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015.()]")
_PHONE_EXAMPLE = "เช่น 081-234-5678 หรือ 02-123-4567"


def _phone_digits(digits: str) -> str:
    """Country code and a leading zero lost to a number-formatted cell, put right."""
    if digits.startswith("0066"):
        digits = digits[4:]
        return "0" + digits.removeprefix("0")
    if digits.startswith("66") and len(digits) in (10, 11):
        return "0" + digits[2:]
    if (len(digits) == 9 and digits[0] in "689") or (len(digits) == 8 and digits[0] in "234567"):
        return "0" + digits
    return digits


def _phone_one(part: str) -> tuple[str | None, str | None]:
    """(normalised number, None) or (None, reason in Thai) for one number as typed."""
    t = _PHONE_LABEL.sub("", part.strip())
    ext = None
    m = _PHONE_EXT.search(t)
    if m:
        ext = m.group(1)
        t = t[: m.start()]
    t = t.strip()
    international = t.startswith("+")
    digits = _PHONE_SEPARATORS.sub("", t[1:] if international else t)
    if not digits:
        return None, f"ไม่มีหมายเลขโทรศัพท์ ({_PHONE_EXAMPLE})"
    if not (digits.isascii() and digits.isdigit()):
        return None, f"มีตัวอักษรที่ไม่ใช่ตัวเลข ({_PHONE_EXAMPLE})"
    if international:
        if not digits.startswith("66"):
            return None, "รับเฉพาะเบอร์ในประเทศไทย (+66)"
        digits = "0" + digits[2:].removeprefix("0")
    else:
        digits = _phone_digits(digits)
    if not digits.startswith("0") or len(digits) < 2:
        return None, f"เบอร์โทรศัพท์ต้องขึ้นต้นด้วย 0 ({_PHONE_EXAMPLE})"
    if digits[1] in "689":
        if len(digits) != 10:
            return None, f"เบอร์มือถือต้องมี 10 หลัก แต่มี {len(digits)} หลัก (เช่น 081-234-5678)"
    elif digits[1] in "234567":
        if len(digits) != 9:
            return None, f"เบอร์โทรศัพท์พื้นฐานต้องมี 9 หลัก แต่มี {len(digits)} หลัก (เช่น 02-123-4567)"
    else:
        return None, f"ไม่ใช่รูปแบบเบอร์โทรศัพท์ในประเทศไทย ({_PHONE_EXAMPLE})"
    return (f"{digits} ต่อ {ext}" if ext else digits), None


def _phone_parts(value: object) -> list[tuple[str, str | None, str | None]]:
    """Each number in a cell as (as typed, normalised or None, problem or None)."""
    if value is None:
        return []
    if isinstance(value, bool):
        return [(str(value), None, "ไม่ใช่เบอร์โทรศัพท์")]
    if isinstance(value, float):
        if not value.is_integer():
            return [(str(value), None, "ไม่ใช่เบอร์โทรศัพท์")]
        value = int(value)
    if isinstance(value, int):
        if value <= 0:
            return [(str(value), None, "ไม่ใช่เบอร์โทรศัพท์")]
        text = str(value)
    else:
        text = to_arabic_digits(unicodedata.normalize("NFC", str(value)))
    text = SPACES.sub(lambda m: "\n" if "\n" in m.group() else " ", text).strip()
    out: list[tuple[str, str | None, str | None]] = []
    previous: str | None = None
    for raw in _PHONE_SPLIT.split(text):
        part = raw.strip()
        if not part:
            continue
        # "02-123-4567/8" is the usual shorthand for a second line that differs in the
        # last digit or two.
        if previous and part.isascii() and part.isdigit() and len(part) <= 2:
            number: str | None = previous[: -len(part)] + part
            problem = None
        else:
            number, problem = _phone_one(part)
        out.append((part, number, problem))
        previous = number if number and " " not in number else None
    return out


def normalize_phones(value: object) -> list[str]:
    """Every valid Thai number in a cell, normalised to digits only (e.g. "0812345678",
    "021234567 ต่อ 123"), de-duplicated in order; invalid parts are left out."""
    numbers: list[str] = []
    for _, number, _ in _phone_parts(value):
        if number and number not in numbers:
            numbers.append(number)
    return numbers


def normalize_phone(value: object) -> str | None:
    """The first valid number in the cell, normalised, or None."""
    numbers = normalize_phones(value)
    return numbers[0] if numbers else None


def phone_problem(value: object) -> str | None:
    """None when every number in the cell is a valid Thai number, else the first reason."""
    parts = _phone_parts(value)
    if not parts:
        return "ไม่ได้กรอกเบอร์โทรศัพท์"
    for raw, _, problem in parts:
        if problem:
            return problem if len(parts) == 1 else f'"{single_line(raw, 40)}": {problem}'
    return None
