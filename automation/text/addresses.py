"""E-mail addresses as schools type them: display names, Thai separators, typos in domains."""

from __future__ import annotations

import contextlib
import re
import string
import unicodedata

from automation.text.thai import SPACES

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
    text = SPACES.sub(lambda m: "\n" if "\n" in m.group() else " ", str(cell))
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
    t = SPACES.sub(" ", unicodedata.normalize("NFC", addr)).strip()
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
