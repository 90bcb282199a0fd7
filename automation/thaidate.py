"""Thai calendar dates: Buddhist-era formatting and tolerant reading of hand-typed dates.

Reading rules, in the order an officer would expect them:

* Day first, always: ``5/11/2569`` is 5 November (the Thai convention), never May 11.
* A year of 2400 or more is Buddhist era (B.E. = C.E. + 543); a smaller four-digit year is
  common era. ``พ.ศ.``/``B.E.`` or ``ค.ศ.``/``A.D.``/``C.E.`` before the year settles it.
* A two-digit year is Buddhist era: ``69`` means 2569 B.E., i.e. 2026. People here write
  ``24/11/69`` and ``24 พ.ย. 69`` far more often than a two-digit common-era year. Two
  exceptions mean 20xx instead: an explicit ``ค.ศ.``/``A.D.``, and an English month name
  (``24-Nov-26`` is how an English-formatted spreadsheet cell shows 2026, never 1983).
* Spreadsheet numbers are serial days since 1899-12-30 with the fraction as time of day,
  in the spreadsheet's own time zone (Bangkok unless told otherwise).
* A date or time without an offset is Bangkok wall-clock time.
* A cell is a date between 1900 and 2399 C.E.; anything outside (a stray ``0`` or ``5``
  in a date column, a year typed as 2659) is reported rather than guessed.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from automation.text.lines import single_line
from automation.text.thai import normalize_thai, to_arabic_digits

__all__ = [
    "BANGKOK",
    "SERIAL_EPOCH",
    "THAI_MONTHS",
    "THAI_MONTHS_ABBR",
    "DateParseError",
    "ambiguous",
    "buddhist_year",
    "format_date",
    "format_date_short",
    "format_datetime",
    "format_month",
    "from_serial",
    "parse_date",
    "parse_datetime",
    "to_serial",
]

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543
SERIAL_EPOCH = date(1899, 12, 30)

THAI_MONTHS: tuple[str, ...] = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)
THAI_MONTHS_ABBR: tuple[str, ...] = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)

_EXAMPLE = "24/11/2569 หรือ 24 พ.ย. 2569"


class DateParseError(ValueError):
    """A non-empty value that is not a date this module can read."""

    def __init__(self, value: object) -> None:
        self.value = value
        shown = single_line(value if isinstance(value, str) else repr(value), 40)
        super().__init__(f'ไม่เข้าใจวันที่ "{shown}" (ตัวอย่างที่ใช้ได้: {_EXAMPLE})')


# ---------------------------------------------------------------- formatting

def _local(d: date | datetime) -> date | datetime:
    if isinstance(d, datetime) and d.utcoffset() is not None:
        return d.astimezone(BANGKOK)
    return d


def buddhist_year(d: date | datetime) -> int:
    """The Buddhist-era year of the day (in Bangkok, for an aware datetime)."""
    return _local(d).year + BE_OFFSET


def format_date(d: date | datetime) -> str:
    """``24 พฤศจิกายน 2569``."""
    d = _local(d)
    return f"{d.day} {THAI_MONTHS[d.month - 1]} {d.year + BE_OFFSET}"


def format_date_short(d: date | datetime) -> str:
    """``24 พ.ย. 2569``."""
    d = _local(d)
    return f"{d.day} {THAI_MONTHS_ABBR[d.month - 1]} {d.year + BE_OFFSET}"


def format_datetime(dt: datetime) -> str:
    """``24 พฤศจิกายน 2569 เวลา 14:05 น.``; a naive datetime is taken as Bangkok time."""
    local = _local(dt)
    assert isinstance(local, datetime)
    return f"{format_date(local)} เวลา {local:%H:%M} น."


def format_month(year: int, month: int) -> str:
    """``พฤศจิกายน 2569`` for (2026, 11); the year is common era."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    return f"{THAI_MONTHS[month - 1]} {year + BE_OFFSET}"


# ---------------------------------------------------------------- spreadsheet serials

_MICROS_PER_DAY = 86_400_000_000
_SERIAL_EPOCH_DT = datetime.combine(SERIAL_EPOCH, time())


def from_serial(value: float, tz: tzinfo = BANGKOK) -> datetime:
    """Google Sheets / Excel serial → aware datetime in ``tz``.

    The integer part counts days from 1899-12-30 and the fraction is the wall-clock time
    in the spreadsheet's zone. Excel's fictitious 29 February 1900 only shifts serials
    below 61 (before 1900-03-01), which never occur in this office's sheets; Google Sheets
    has no such quirk. The time is rounded to the microsecond while the float resolves it
    (serials below 65536, i.e. until 2079) and to the millisecond, all a spreadsheet keeps,
    beyond that.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"a spreadsheet serial must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise DateParseError(value)
    days = math.floor(value)
    # Splitting off the whole days first keeps the fraction exact, so rounding to a grid
    # coarser than the float's spacing recovers what the spreadsheet (or to_serial) stored.
    grid = 1 if math.ulp(value) * _MICROS_PER_DAY < 1 else 1000
    micros = round((value - days) * _MICROS_PER_DAY / grid) * grid
    try:
        naive = _SERIAL_EPOCH_DT + timedelta(days=days, microseconds=micros)
    except OverflowError:
        raise DateParseError(value) from None
    return naive.replace(tzinfo=tz)


def to_serial(dt: date | datetime, tz: tzinfo = BANGKOK) -> float:
    """Date or datetime → spreadsheet serial; aware datetimes are first put in ``tz``."""
    if isinstance(dt, datetime):
        if dt.utcoffset() is not None:
            dt = dt.astimezone(tz)
        delta = dt.replace(tzinfo=None) - _SERIAL_EPOCH_DT
        return delta.days + (delta.seconds * 1_000_000 + delta.microseconds) / _MICROS_PER_DAY
    return float((dt - SERIAL_EPOCH).days)


# ---------------------------------------------------------------- parsing

def _month_names() -> dict[str, int]:
    names: dict[str, int] = {}
    colloquial = ("มกรา", "กุมภา", "มีนา", "เมษา", "พฤษภา", "มิถุนา",
                  "กรกฎา", "สิงหา", "กันยา", "ตุลา", "พฤศจิกา", "ธันวา")
    english = ("january", "february", "march", "april", "may", "june",
               "july", "august", "september", "october", "november", "december")
    for i in range(12):
        names[THAI_MONTHS[i]] = i + 1
        names[THAI_MONTHS_ABBR[i].replace(".", "")] = i + 1
        names[colloquial[i]] = i + 1
        names[english[i]] = i + 1
        names[english[i][:3]] = i + 1
    # Misspellings seen in real sheets: ฏ for ฎ, and a dropped thanthakhat.
    names.update({"กรกฏาคม": 7, "กรกฏา": 7, "กุมภาพันธ": 2, "sept": 9})
    return names


_MONTHS = _month_names()


def _month_pattern(key: str) -> str:
    if key.isascii():
        return re.escape(key) + r"\.?"
    # Thai abbreviations take optional dots and spaces between their letters: พ.ย. พย พ. ย.
    if len(key) <= 3:
        return r"\.?\s*".join(re.escape(c) for c in _abbr_pieces(key)) + r"\.?"
    return re.escape(key)


def _abbr_pieces(key: str) -> list[str]:
    """Split an abbreviation into the pieces the dots separate (มีค → มี, ค)."""
    for abbr in THAI_MONTHS_ABBR:
        if abbr.replace(".", "") == key:
            return [p for p in abbr.split(".") if p]
    return [key]


_MONTH_ALT = "|".join(_month_pattern(k) for k in sorted(_MONTHS, key=len, reverse=True))
_BE_ERA = r"พ\.?\s*ศ\.?|b\.?\s*e\.?"
_CE_ERA = r"ค\.?\s*ศ\.?|a\.?\s*d\.?|c\.?\s*e\.?"
_ERA = rf"(?:(?P<be>{_BE_ERA})|(?P<ce>{_CE_ERA}))\s*"
_YEAR = r"(?P<year>[0-9]{4}|[0-9]{2})"
_TIME = r"""
(?:
  (?:\s*,\s*|\s+|t)
  (?:เวลา\s*)?
  (?P<hour>[0-9]{1,2})[:.](?P<minute>[0-9]{2})
  (?:[:.](?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]{1,6}))?)?
  (?:\s*(?P<ampm>[ap])\.?\s*m\.?)?
  (?:\s*(?:นาฬิกา|น\.?))?
  (?:\s*(?P<offset>z|utc|gmt|[+-][0-9]{2}:?[0-9]{2}))?
)?
"""
_FORMS = [
    re.compile(p + _TIME, re.VERBOSE)
    for p in (
        # 2026-11-24, 2569/11/24
        r"(?P<year>[0-9]{4})\s*(?P<sep>[-/.])\s*(?P<month>[0-9]{1,2})\s*(?P=sep)\s*(?P<day>[0-9]{1,2})",
        # 24/11/2569, 24-11-69, 24.11.2026
        rf"(?P<day>[0-9]{{1,2}})\s*(?P<sep>[-/.])\s*(?P<month>[0-9]{{1,2}})\s*(?P=sep)\s*(?:{_ERA})?{_YEAR}",
        # 24 พ.ย. 2569, 24 พฤศจิกายน พ.ศ. 2569, 24 Nov 2026, 24-Nov-26
        rf"(?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)?\s*[-/.]?\s*(?:เดือน\s*)?"
        rf"(?P<mname>{_MONTH_ALT})\s*[-/.,]?\s*(?:{_ERA})?{_YEAR}",
        # November 24, 2026
        rf"(?P<mname>{_MONTH_ALT})\s*(?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)?(?:\s*,\s*|\s+)"
        rf"(?:{_ERA})?{_YEAR}",
    )
]
_WEEKDAY_PREFIX = re.compile(
    r"^(?:วัน(?:อาทิตย์|จันทร์|อังคาร|พุธ|พฤหัสบดี|พฤหัส|ศุกร์|เสาร์)?\s*(?:ที่)?"
    r"|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s*,?)\s*"
)
_SPACES = re.compile(r"[\s\u200b\u2060\ufeff]+")
_MAX_INPUT = 120  # far above the longest real date; keeps junk cells cheap to reject
# What a cell may mean: nothing in this office's sheets predates 1900 or follows 2399, and
# a year outside that is a typo (2659 for 2569, or a B.E. year marked ค.ศ.).
_MIN_YEAR, _MAX_YEAR = 1900, 2399
_MIN_SERIAL = 61  # 1900-03-01
_END_SERIAL = (date(_MAX_YEAR + 1, 1, 1) - SERIAL_EPOCH).days


def _year(raw: str, be: bool, ce: bool, english: bool) -> int:
    y = int(raw)
    if len(raw) == 2:
        return 2000 + y if ce or (english and not be) else 2500 + y - BE_OFFSET
    if be or (not ce and y >= 2400):
        return y - BE_OFFSET
    return y


def _offset(raw: str) -> tzinfo:
    if raw in ("z", "utc", "gmt"):
        return UTC
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 14 or minutes > 59:
        raise ValueError(raw)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _parse_text(original: str) -> tuple[date, time | None, tzinfo | None]:
    """Date, optional time and optional explicit offset of a non-empty string."""
    if len(original) > _MAX_INPUT:
        raise DateParseError(original)
    text = _SPACES.sub(" ", to_arabic_digits(normalize_thai(original))).strip().casefold()
    text = _WEEKDAY_PREFIX.sub("", text, count=1)
    for form in _FORMS:
        m = form.fullmatch(text)
        if m:
            break
    else:
        raise DateParseError(original)
    g = m.groupdict()
    month = _MONTHS[re.sub(r"[\s.]", "", g["mname"])] if g.get("mname") else int(g["month"])
    try:
        english = bool(g.get("mname")) and g["mname"].isascii()
        year = _year(g["year"], bool(g.get("be")), bool(g.get("ce")), english)
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            raise ValueError(year)
        day = date(year, month, int(g["day"]))
        if g["hour"] is None:
            return day, None, None
        hour = int(g["hour"])
        if g["ampm"]:
            if not 1 <= hour <= 12:
                raise ValueError(hour)
            hour = hour % 12 + (12 if g["ampm"] == "p" else 0)
        fraction = (g["fraction"] or "").ljust(6, "0")
        clock = time(hour, int(g["minute"]), int(g["second"] or 0), int(fraction))
        offset = _offset(g["offset"]) if g["offset"] else None
    except ValueError:
        raise DateParseError(original) from None
    return day, clock, offset


def ambiguous(value: object) -> tuple[date, date] | None:
    """Both readings of a typed numeric date whose day and month could swap (``12/3/2026``:
    12 March as read, or 3 December), day-first first; None when only one reading exists."""
    if not isinstance(value, str) or _is_blank(value) or len(value) > _MAX_INPUT:
        return None
    text = _SPACES.sub(" ", to_arabic_digits(normalize_thai(value))).strip().casefold()
    m = _FORMS[1].fullmatch(_WEEKDAY_PREFIX.sub("", text, count=1))
    if m is None:
        return None
    day, month = int(m["day"]), int(m["month"])
    if day == month or day > 12 or month > 12:
        return None
    try:
        read, _clock, _tz = _parse_text(value)
        return read, read.replace(month=day, day=month)
    except (DateParseError, ValueError):
        return None


def _cell_serial(value: float, tz: tzinfo) -> datetime:
    # Serials below 61 are where Excel and Sheets disagree, and in a date column they are
    # a stray number ("5", "0") rather than a day in 1900.
    if not _MIN_SERIAL <= value < _END_SERIAL:
        raise DateParseError(value)
    return from_serial(value, tz)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not _SPACES.sub("", value))


def parse_date(value: object, tz: tzinfo = BANGKOK) -> date | None:
    """The calendar day a cell means, or None for an empty cell.

    Accepts date/datetime objects, spreadsheet serials and the text forms described in
    the module docstring. An aware datetime or a text with an offset is read as the day in
    ``tz``. Raises DateParseError for anything else that is not empty.
    """
    if _is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.astimezone(tz).date() if value.utcoffset() is not None else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _cell_serial(value, tz).date()
    if not isinstance(value, str):
        raise DateParseError(value)
    day, clock, offset = _parse_text(value)
    if clock is not None and offset is not None:
        return datetime.combine(day, clock, offset).astimezone(tz).date()
    return day


def parse_datetime(value: object, tz: tzinfo = BANGKOK) -> datetime | None:
    """The moment a cell means, as an aware datetime in ``tz``, or None for an empty cell.

    A value without a time is midnight; one without an offset is wall-clock time in ``tz``
    (Google Forms timestamps such as ``24/11/2026, 14:05:33`` are in the form's zone).
    Raises DateParseError for anything else that is not empty.
    """
    if _is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.astimezone(tz) if value.utcoffset() is not None else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(), tz)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _cell_serial(value, tz)
    if not isinstance(value, str):
        raise DateParseError(value)
    day, clock, offset = _parse_text(value)
    if offset is not None:
        return datetime.combine(day, clock or time(), offset).astimezone(tz)
    return datetime.combine(day, clock or time(), tz)
