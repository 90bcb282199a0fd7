"""Five-level answers as people and forms write them, and the level a mean falls in."""

from __future__ import annotations

import re
from collections.abc import Sequence

from automation.survey.settings import LEVELS
from automation.text.thai import normalize_thai, to_arabic_digits

WORDS: dict[str, int] = {"มากที่สุด": 5, "มาก": 4, "ปานกลาง": 3, "น้อย": 2, "น้อยที่สุด": 1}
_DIGIT = re.compile(r"^\s*([1-5])(?:\.0+)?\s*(?:[-–—:.)]|$)")
_NOISE = re.compile(r"[\s()\-–—:.]")


class ScaleError(ValueError):
    """An answer that is not one of the five levels."""


def score(value: object) -> int | None:
    """1–5 from ``5``, ``๕``, ``มากที่สุด`` or ``5 - มากที่สุด``; None for no answer."""
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise ScaleError(str(value))
    if isinstance(value, int | float):
        if float(value).is_integer() and 1 <= int(value) <= 5:
            return int(value)
        raise ScaleError(str(value))
    text = normalize_thai(to_arabic_digits(str(value))).strip()
    if not text or text in ("-", "–"):
        return None
    if m := _DIGIT.match(text):
        return int(m.group(1))
    # "มากที่สุด", "ระดับมาก", "มาก (4)"; never a longer phrase such as "ดีมาก"
    points = WORDS.get(_NOISE.sub("", text).removeprefix("ระดับ").rstrip("12345"))
    if points is None:
        raise ScaleError(str(value))
    return points


def level(mean: float | None, bands: Sequence[float]) -> str:
    """The interpretation of a mean: ``bands`` are the lowest means of levels 5, 4, 3, 2."""
    if mean is None:
        return "–"
    shown = round(mean, 2)  # the mean as printed decides, as in a hand-made report
    for floor, name in zip(bands, reversed(LEVELS), strict=False):
        if shown >= floor:
            return name
    return LEVELS[0]


def band_text(bands: Sequence[float]) -> list[tuple[str, str]]:
    """(range, level) rows for the report's legend, highest first."""
    ceilings = [5.0, *(round(b - 0.01, 2) for b in bands)]
    floors = [*bands, 1.0]
    return [(f"{lo:.2f}–{hi:.2f}", name)
            for lo, hi, name in zip(floors, ceilings, reversed(LEVELS), strict=True)]
