"""File names that every file system accepts and cells that a spreadsheet will not run."""

from __future__ import annotations

import re

from automation.text.lines import cluster_cut
from automation.text.thai import normalize_thai

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
    return stem[: cluster_cut(stem, cut)]


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
