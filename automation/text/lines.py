"""One-line and multi-line cell text: control characters out, long text cut at a Thai
character cluster, never inside one."""

from __future__ import annotations

import re
import unicodedata

from automation.text.thai import SPACES

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ELLIPSIS = "…"

_THAI_LEADING_VOWELS = "เแโใไ"


def cluster_cut(t: str, cut: int) -> int:
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
    return t[: cluster_cut(t, limit - 1)].rstrip() + _ELLIPSIS


def single_line(s: str, limit: int | None = None) -> str:
    """One clean line for an e-mail header or a status cell.

    Line breaks and other control characters become spaces (a newline in a Subject header
    would let a form field inject headers), whitespace runs collapse, and text longer than
    ``limit`` characters ends in "…" within the limit.
    """
    t = _CONTROL.sub(" ", unicodedata.normalize("NFC", s))
    return _truncate(SPACES.sub(" ", t).strip(), limit)


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
