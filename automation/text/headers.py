"""Sheet column headers as typed: spacing, case, zero-width characters and hints in brackets."""

from __future__ import annotations

import re

from automation.text.thai import SPACES, ZERO_WIDTH, normalize_thai, to_arabic_digits


def normalize_header(s: object) -> str:
    """Key for matching a column header against aliases, whatever spacing or case was typed."""
    if s is None:
        return ""
    t = to_arabic_digits(normalize_thai(str(s)))
    return SPACES.sub(" ", t).strip().casefold()


def header_keys(s: object) -> tuple[str, str]:
    """Keys to match a header by: as typed (a zero-width character read as a space between
    words), and with zero-width characters removed (one pasted inside a word)."""
    return normalize_header(s), normalize_header(ZERO_WIDTH.sub("", str(s or "")))


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
