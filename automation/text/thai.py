"""Thai text as people type it: digits, invisible characters, vowel order, yes/no words and
school names. Standard library only."""

from __future__ import annotations

import re
import unicodedata

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")

# Zero-width space, word joiner and BOM are invisible but split what looks like one word;
# copy-paste from web pages and Word documents brings them in.
SPACES = re.compile(r"[\s\u200b\u2060\ufeff]+")
# Inside a word they are removed when matching headers: "อีเ\u200bมล" is the e-mail column.
ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")


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
    text = SPACES.sub("", str(value)).casefold()
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




_SCHOOL_PREFIX = re.compile(r"^(?:โรงเรียน|ร\s*\.\s*ร\s*\.?|รร\s*\.|รร(?=\s))\s*")


def fuzzy_key(s: str) -> str:
    """Key for matching a school (or group) name typed in the form to the registry.

    Drops a leading โรงเรียน / ร.ร. / รร., Thai digit forms, case, and all spacing:
    Thai is written without word spaces, so "บ้าน หนองบัว" and "บ้านหนองบัว" are the same
    school and must get the same key.
    """
    t = SPACES.sub(" ", to_arabic_digits(normalize_thai(s))).strip()
    # A name that is nothing but the prefix keeps it, so it never collapses to "".
    t = _SCHOOL_PREFIX.sub("", t, count=1) or t
    return SPACES.sub("", t).casefold()
