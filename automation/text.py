"""Tolerant cleaning of what officers and schools type into the sheet and the form.

Thai digits, invisible spaces, display names around e-mail addresses, phone numbers that a
spreadsheet turned into integers and cells that Excel would run as formulas are all normal
input here; every function in this module takes them in its stride. Standard library only.
"""

from __future__ import annotations

import contextlib
import re
import string
import unicodedata

__all__ = [
    "clean_text",
    "csv_safe",
    "email_problem",
    "fuzzy_key",
    "is_formula_like",
    "loose_header",
    "normalize_email",
    "normalize_header",
    "normalize_phone",
    "normalize_phones",
    "normalize_thai",
    "parse_addresses",
    "phone_problem",
    "safe_filename",
    "single_line",
    "split_addresses",
    "suggest_email",
    "to_arabic_digits",
]

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")

# Zero-width space, word joiner and BOM are invisible but split what looks like one word;
# copy-paste from web pages and Word documents brings them in.
_WS = re.compile(r"[\s\u200b\u2060\ufeff]+")
# Inside a word they are removed when matching headers: "อีเ\u200bมล" is the e-mail column.
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ELLIPSIS = "…"


# The words staff type for "yes" / "no" in a checkbox-like cell (consent to e-mail, listing
# in the directory, urgent): one list, read the same way everywhere.
YES_WORDS = frozenset({"true", "ใช่", "yes", "y", "1", "✓", "✔", "☑", "x", "รับ", "ยินยอม",
                       "ตกลง", "มี", "ok"})
NO_WORDS = frozenset({"false", "ไม่", "ไม่ใช่", "no", "n", "0", "☐", "ไม่รับ", "ไม่ยินยอม",
                      "ไม่มี", "ยกเลิก"})


def yes_no(value: object) -> bool | None:
    """A checkbox-like cell: True / False, or None when empty or not a yes/no word."""
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    if isinstance(value, int | float):
        return True if value == 1 else False if value == 0 else None
    text = _WS.sub("", str(value)).casefold()
    if text in YES_WORDS:
        return True
    if text in NO_WORDS:
        return False
    return None


def to_arabic_digits(s: str) -> str:
    """Replace Thai digits (๐-๙) with 0-9, leaving everything else alone."""
    return s.translate(_THAI_DIGITS)


# Sara am typed as nikhahit + sara aa (optionally with a tone mark in between) looks the
# same on screen as U+0E33 but compares unequal; NFC does not fix it.
_SARA_AM_SPLIT = re.compile("\u0e4d([\u0e48-\u0e4b]?)\u0e32")
_SARA_AM_TONE_FIRST = re.compile("([\u0e48-\u0e4b])\u0e4d\u0e32")
# A tone mark typed before an upper vowel renders identically to the correct order.
_TONE_BEFORE_VOWEL = re.compile("([\u0e48-\u0e4b])([\u0e31\u0e34-\u0e37\u0e47])")


def normalize_thai(s: str) -> str:
    """NFC plus the Thai spellings that look identical but differ in code points."""
    t = unicodedata.normalize("NFC", s)
    if "\u0e4d" in t:
        t = _SARA_AM_TONE_FIRST.sub("\\1\u0e33", t)
        t = _SARA_AM_SPLIT.sub("\\1\u0e33", t)
    return _TONE_BEFORE_VOWEL.sub(r"\2\1", t)


def normalize_header(s: object) -> str:
    """Key for matching a column header against aliases, whatever spacing or case was typed."""
    if s is None:
        return ""
    t = to_arabic_digits(normalize_thai(str(s)))
    return _WS.sub(" ", t).strip().casefold()


def header_keys(s: object) -> tuple[str, str]:
    """Keys to match a header by: as typed (a zero-width character read as a space between
    words), and with zero-width characters removed (one pasted inside a word)."""
    return normalize_header(s), normalize_header(_ZERO_WIDTH.sub("", str(s or "")))


# A hint after the question ("(ไม่เกิน 5 ภาพ)", "[ถ้ามี]") and a required-mark asterisk or
# colon are not part of the name; neither are spaces, hyphens or underscores between words.
_HINT = re.compile(r"\s*(?:\([^()]*\)|\[[^\[\]]*\]|（[^（）]*）|[*:：])\s*$")
_JOINERS = re.compile(r"[\s\-‐‑‒–—_.·]+")


def loose_header(s: object) -> str:
    """``normalize_header`` without trailing hints, required marks, spaces and hyphens:
    'ชื่อ-สกุล ผู้ส่งข่าว', 'ชื่อ - สกุลผู้ส่งข่าว *' and 'ชื่อสกุลผู้ส่งข่าว' are one key."""
    t = normalize_header(s)
    while True:
        cut = _HINT.sub("", t)
        if cut == t or not cut:
            break
        t = cut
    return _JOINERS.sub("", t)


_THAI_LEADING_VOWELS = "เแโใไ"


def _cluster_cut(t: str, cut: int) -> int:
    """Move a cut point back so it does not split a Thai syllable's letter from its marks.

    Cutting before a vowel or tone mark (or sara am, a spacing mark) would change the word;
    cutting right after a leading vowel would leave it dangling.
    """
    while 0 < cut < len(t) and (
        unicodedata.category(t[cut]).startswith("M")
        or t[cut] == "\u0e33"
        or t[cut - 1] in _THAI_LEADING_VOWELS
    ):
        cut -= 1
    return cut


def _truncate(t: str, limit: int | None) -> str:
    if limit is None or len(t) <= limit:
        return t
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    return t[: _cluster_cut(t, limit - 1)].rstrip() + _ELLIPSIS


def single_line(s: str, limit: int | None = None) -> str:
    """One clean line for an e-mail header or a status cell.

    Line breaks and other control characters become spaces (a newline in a Subject header
    would let a form field inject headers), whitespace runs collapse, and text longer than
    ``limit`` characters ends in "…" within the limit.
    """
    t = _CONTROL.sub(" ", unicodedata.normalize("NFC", s))
    return _truncate(_WS.sub(" ", t).strip(), limit)


_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROL_EXCEPT_NL_TAB = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff]")
# Tried only where a run of spaces starts, and the run is never given back: "a" followed
# by a million spaces and "b" is one try, not a million (the plain pattern is quadratic).
_TRAILING_SPACE = re.compile(r"(?<![^\S\n])[^\S\n]++(?=\n|$)")
_MANY_BLANK_LINES = re.compile(r"\n{4,}")


def clean_text(s: object, limit: int | None = None) -> str:
    """Multi-line body text: \\n newlines, no stray control characters, at most two blank
    lines in a row, no trailing spaces, no leading blank lines; NFC."""
    if s is None:
        return ""
    t = unicodedata.normalize("NFC", str(s))
    t = _LINE_BREAKS.sub("\n", t)
    t = _CONTROL_EXCEPT_NL_TAB.sub("", t)
    t = _TRAILING_SPACE.sub("", t)
    t = _MANY_BLANK_LINES.sub("\n\n\n", t)
    return _truncate(t.lstrip("\n").rstrip(), limit)


# ---------------------------------------------------------------- e-mail addresses

_THAI_AND = re.compile(r"\s+และ\s+")
_QUOTED_NAME = re.compile(r'"[^"]*"(?=\s*<)')
_ADDRESS_SEGMENTS = re.compile(r"[,;/\n\r，；]")
_ANGLE = re.compile(r"<([^<>]*)>")


def split_addresses(cell: object) -> list[str]:
    """Split a cell holding several addresses into raw tokens, in order.

    Separators: comma, semicolon, whitespace, newline, "/" and Thai " และ ". In a
    ``Name <addr>`` segment only the bracketed address (and any other word with an @) is
    kept, so a display name never shows up as a bogus address. Tokens are not validated.
    """
    if cell is None:
        return []
    text = _WS.sub(lambda m: "\n" if "\n" in m.group() else " ", str(cell))
    text = _QUOTED_NAME.sub(" ", _THAI_AND.sub(",", text))
    tokens: list[str] = []
    for segment in _ADDRESS_SEGMENTS.split(text):
        if _ANGLE.search(segment):
            for i, part in enumerate(_ANGLE.split(segment)):
                if i % 2:
                    tokens.append(part.strip())
                else:
                    tokens.extend(word for word in part.split() if "@" in word)
        else:
            tokens.extend(segment.split())
    return [t for t in tokens if t]


def normalize_email(addr: str) -> str:
    """Canonical form of one address: wrappers removed, lower case, IDN domain as punycode.

    The local part is lowercased as well: every provider the office deals with (Gmail,
    Microsoft, Thai government mail) treats it case-insensitively, and one spelling per
    person is what de-duplication and the suppression list need.
    """
    t = _WS.sub(" ", unicodedata.normalize("NFC", addr)).strip()
    for _ in range(2):
        if t.startswith("<") and t.endswith(">"):
            t = t[1:-1].strip()
        if t[:7].casefold() == "mailto:":
            t = t[7:].split("?", 1)[0].strip()
    t = t.rstrip(".,;").strip()
    if "@" not in t:
        return t.lower()
    local, _, domain = t.rpartition("@")
    domain = domain.lower().rstrip(".")
    if domain and not domain.isascii():
        # Left as typed when it cannot be encoded; email_problem reports it.
        with contextlib.suppress(UnicodeError):
            domain = domain.encode("idna").decode("ascii")
    return f"{local.lower()}@{domain}"


_LOCAL_OK = frozenset(string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-.")
_DOMAIN_OK = frozenset(string.ascii_lowercase + string.digits + "-.")
_POPULAR_DOMAINS = ("gmail.com", "hotmail.com", "outlook.com", "yahoo.com", "icloud.com")
_POPULAR_LABELS = {d.split(".")[0]: d for d in _POPULAR_DOMAINS}
# Real mail domains within one keystroke of a popular one; never "corrected".
_REAL_DOMAINS = frozenset({
    "mail.com", "email.com", "ymail.com", "gmx.com", "cloud.com", "live.com", "msn.com",
    "googlemail.com", "hotmail.co.th", "hotmail.co.uk", "yahoo.co.th", "yahoo.co.uk",
    "outlook.co.th", "rocketmail.com", "me.com", "mac.com", "aol.com",
})
_TLD_TYPOS = frozenset({
    "c", "co", "cm", "om", "con", "cpm", "vom", "xom", "cim", "coom", "comm", "cmo", "ocm",
    "com.th", "co.th", "com.com",
})
_KNOWN_TYPOS = {"gmail.co.th": "gmail.com", "gmail.com.th": "gmail.com"}


def _one_edit_apart(a: str, b: str) -> bool:
    """True when b is a with one letter changed, added, removed or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]


def _suggest_domain(domain: str) -> str | None:
    if domain in _REAL_DOMAINS or domain in _POPULAR_DOMAINS:
        return None
    if domain in _KNOWN_TYPOS:
        return _KNOWN_TYPOS[domain]
    if domain in _POPULAR_LABELS:  # "gmail" with the .com forgotten
        return _POPULAR_LABELS[domain]
    for popular in _POPULAR_DOMAINS:
        if _one_edit_apart(domain, popular):
            return popular
    label, _, tld = domain.partition(".")
    if tld in _TLD_TYPOS:
        for known, popular in _POPULAR_LABELS.items():
            if label == known or _one_edit_apart(label, known):
                return popular
    return None


def suggest_email(addr: str) -> str | None:
    """The address with an obvious typo in a popular domain fixed, e.g. gmial.com → gmail.com."""
    a = normalize_email(addr)
    if a.count("@") != 1:
        return None
    local, domain = a.split("@")
    fixed = _suggest_domain(domain) if local else None
    return f"{local}@{fixed}" if fixed else None


def _quoted_chars(chars: set[str]) -> str:
    return " ".join(f'"{c}"' for c in sorted(chars))


def email_problem(addr: str) -> str | None:
    """None when the address is shaped like a deliverable one, else a short reason in Thai.

    Checked without the network. Internationalised local parts are refused because
    SMTPUTF8 support cannot be assumed on the receiving side; internationalised domains are
    fine (they travel as punycode).
    """
    a = normalize_email(addr)
    if not a:
        return "ไม่มีที่อยู่อีเมล (ค่าว่าง)"
    if any(c.isspace() for c in a):
        return "มีช่องว่างอยู่ในที่อยู่อีเมล"
    if "@" not in a:
        return "ไม่มีเครื่องหมาย @"
    if a.count("@") > 1:
        return "มีเครื่องหมาย @ มากกว่าหนึ่งตัว"
    local, domain = a.split("@")
    if not local:
        return "ไม่มีชื่อผู้ใช้หน้าเครื่องหมาย @"
    if not local.isascii():
        return "ชื่อผู้ใช้หน้า @ ต้องใช้ตัวอักษรภาษาอังกฤษ"
    bad = set(local) - _LOCAL_OK
    if bad:
        return f"มีอักขระที่ใช้ในอีเมลไม่ได้: {_quoted_chars(bad)}"
    if len(local) > 64:
        return f"ชื่อผู้ใช้หน้า @ ยาว {len(local)} ตัวอักษร เกิน 64"
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return "ชื่อผู้ใช้หน้า @ มีจุดอยู่ผิดตำแหน่ง (ขึ้นต้น ลงท้าย หรือจุดติดกัน)"
    if not domain:
        return "ไม่มีชื่อโดเมนหลังเครื่องหมาย @"
    if not domain.isascii():
        return "ชื่อโดเมนไม่ถูกต้อง"
    bad = set(domain) - _DOMAIN_OK
    if bad:
        return f"ชื่อโดเมนมีอักขระที่ใช้ไม่ได้: {_quoted_chars(bad)}"
    if len(a) > 254:
        return f"ที่อยู่อีเมลยาว {len(a)} ตัวอักษร เกิน 254"
    fixed = _suggest_domain(domain)
    if fixed:
        return f"โดเมนน่าจะพิมพ์ผิด หมายถึง {local}@{fixed} ใช่หรือไม่"
    if "." not in domain:
        return "ชื่อโดเมนต้องมีจุด เช่น gmail.com"
    labels = domain.split(".")
    if any(not label for label in labels):
        return "ชื่อโดเมนมีจุดติดกันหรือขึ้นต้นด้วยจุด"
    for label in labels:
        if len(label) > 63:
            return f"ชื่อโดเมนบางส่วนยาว {len(label)} ตัวอักษร เกิน 63"
        if label.startswith("-") or label.endswith("-"):
            return f"ชื่อโดเมนส่วน '{label}' ขึ้นต้นหรือลงท้ายด้วย - ไม่ได้"
    tld = labels[-1]
    if tld.isdigit():
        return f"ส่วนท้ายของโดเมน (.{tld}) ต้องเป็นตัวอักษร ไม่ใช่ตัวเลข"
    if len(tld) < 2:
        return f"ส่วนท้ายของโดเมน (.{tld}) สั้นเกินไป"
    return None


def parse_addresses(cell: object) -> tuple[list[str], list[tuple[str, str]]]:
    """Split, normalise and check a cell of addresses.

    Returns the usable addresses (normalised, first occurrence kept, in order) and the
    rejected tokens as typed, each with its reason.
    """
    valid: list[str] = []
    invalid: list[tuple[str, str]] = []
    seen: set[str] = set()
    seen_bad: set[str] = set()
    for token in split_addresses(cell):
        problem = email_problem(token)
        if problem is not None:
            if token not in seen_bad:
                seen_bad.add(token)
                invalid.append((token, problem))
            continue
        address = normalize_email(token)
        if address not in seen:
            seen.add(address)
            valid.append(address)
    return valid, invalid


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
    text = _WS.sub(lambda m: "\n" if "\n" in m.group() else " ", text).strip()
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


# ---------------------------------------------------------------- files and exports

_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)
_NAME_MAX_BYTES = 255  # NAME_MAX of ext4 and most other file systems, in UTF-8 bytes


def _filename_char_ok(c: str) -> bool:
    if c.isascii():
        return c.isalnum() or c in "-_."
    return "\u0e01" <= c <= "\u0e3a" or "\u0e3f" <= c <= "\u0e5b"


def _fit(stem: str, max_chars: int, max_bytes: int) -> str:
    cut = min(len(stem), max(max_chars, 0))
    while cut > 0 and len(stem[:cut].encode("utf-8")) > max_bytes:
        cut -= 1
    return stem[: _cluster_cut(stem, cut)]


def safe_filename(name: str, max_len: int = 100) -> str:
    """A file name that is safe on Linux, macOS and Windows and still readable in Thai.

    Keeps Thai letters, ASCII letters and digits and ``-_.``; anything else becomes "_".
    The extension survives truncation. The result is at most ``max_len`` characters and
    also at most 255 UTF-8 bytes, since each Thai letter takes three bytes on disk.
    """
    if max_len < 1:
        raise ValueError(f"max_len must be at least 1, got {max_len}")
    t = "".join(c if _filename_char_ok(c) else "_" for c in normalize_thai(name))
    t = re.sub(r"_{2,}", "_", t)
    t = re.sub(r"\.{2,}", ".", t)
    stem, dot, ext = t.rpartition(".")
    if dot and stem and 1 <= len(ext) <= 10 and ext.isascii() and ext.isalnum():
        ext = "." + ext
    else:
        stem, ext = t, ""
    stem = stem.strip("._") or "file"
    if stem.split(".")[0].casefold() in _WINDOWS_RESERVED:
        stem = "_" + stem
    if len(ext) >= max_len:
        ext = ""
    budget = max_len - len(ext), _NAME_MAX_BYTES - len(ext)
    stem = _fit(stem, *budget).rstrip("._") or _fit("file", *budget)
    return stem + ext


_FORMULA_START = ("=", "+", "-", "@")


def is_formula_like(s: str) -> bool:
    """True when Excel or LibreOffice would treat the cell as a formula (CSV injection)."""
    if not s:
        return False
    if s[0] in "\t\r\n":
        return True
    return s.lstrip().startswith(_FORMULA_START)


def csv_safe(s: str) -> str:
    """The text with a leading apostrophe when a spreadsheet would otherwise run it."""
    return "'" + s if is_formula_like(s) else s


_SCHOOL_PREFIX = re.compile(r"^(?:โรงเรียน|ร\s*\.\s*ร\s*\.?|รร\s*\.|รร(?=\s))\s*")


def fuzzy_key(s: str) -> str:
    """Key for matching a school (or group) name typed in the form to the registry.

    Drops a leading โรงเรียน / ร.ร. / รร., Thai digit forms, case, and all spacing:
    Thai is written without word spaces, so "บ้าน หนองบัว" and "บ้านหนองบัว" are the same
    school and must get the same key.
    """
    t = _WS.sub(" ", to_arabic_digits(normalize_thai(s))).strip()
    # A name that is nothing but the prefix keeps it, so it never collapses to "".
    t = _SCHOOL_PREFIX.sub("", t, count=1) or t
    return _WS.sub("", t).casefold()
