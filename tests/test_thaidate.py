"""Buddhist-era formatting and tolerant date reading, as officers type dates in the sheet."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from automation.thaidate import (
    BANGKOK,
    SERIAL_EPOCH,
    THAI_MONTHS,
    THAI_MONTHS_ABBR,
    DateParseError,
    buddhist_year,
    format_date,
    format_date_short,
    format_datetime,
    format_month,
    from_serial,
    parse_date,
    parse_datetime,
    to_serial,
)

NOV24 = date(2026, 11, 24)


def bkk(*args: int) -> datetime:
    return datetime(*args, tzinfo=BANGKOK)  # type: ignore[misc]


# ---------------------------------------------------------------- constants


def test_month_tables() -> None:
    assert len(THAI_MONTHS) == len(THAI_MONTHS_ABBR) == 12
    assert THAI_MONTHS[0] == "มกราคม"
    assert THAI_MONTHS[10] == "พฤศจิกายน"
    assert THAI_MONTHS[11] == "ธันวาคม"
    assert THAI_MONTHS_ABBR[0] == "ม.ค."
    assert THAI_MONTHS_ABBR[10] == "พ.ย."
    assert THAI_MONTHS_ABBR[11] == "ธ.ค."
    assert str(BANGKOK) == "Asia/Bangkok"
    assert date(1899, 12, 30) == SERIAL_EPOCH


# ---------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("value", "long", "short"),
    [
        (NOV24, "24 พฤศจิกายน 2569", "24 พ.ย. 2569"),
        (date(2026, 1, 1), "1 มกราคม 2569", "1 ม.ค. 2569"),
        (date(2024, 2, 29), "29 กุมภาพันธ์ 2567", "29 ก.พ. 2567"),
        (date(2026, 12, 31), "31 ธันวาคม 2569", "31 ธ.ค. 2569"),
        (date(2026, 3, 5), "5 มีนาคม 2569", "5 มี.ค. 2569"),
        (date(2026, 4, 13), "13 เมษายน 2569", "13 เม.ย. 2569"),
        (date(2026, 6, 9), "9 มิถุนายน 2569", "9 มิ.ย. 2569"),
        (date(2026, 7, 28), "28 กรกฎาคม 2569", "28 ก.ค. 2569"),
        # naive datetime: taken as Bangkok wall-clock time
        (datetime(2026, 11, 24, 23, 30), "24 พฤศจิกายน 2569", "24 พ.ย. 2569"),
        # aware datetime: converted to Bangkok first (17:30 UTC is 00:30 next day)
        (datetime(2026, 11, 24, 17, 30, tzinfo=UTC), "25 พฤศจิกายน 2569", "25 พ.ย. 2569"),
        (datetime(2026, 12, 31, 17, 0, tzinfo=UTC), "1 มกราคม 2570", "1 ม.ค. 2570"),
    ],
)
def test_format_date(value: date, long: str, short: str) -> None:
    assert format_date(value) == long
    assert format_date_short(value) == short


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 11, 24, 14, 5), "24 พฤศจิกายน 2569 เวลา 14:05 น."),
        (bkk(2026, 11, 24, 14, 5, 59), "24 พฤศจิกายน 2569 เวลา 14:05 น."),
        (datetime(2026, 11, 24, 7, 5, tzinfo=UTC), "24 พฤศจิกายน 2569 เวลา 14:05 น."),
        (datetime(2026, 11, 24, 9, 0), "24 พฤศจิกายน 2569 เวลา 09:00 น."),
        (datetime(2026, 11, 24, 0, 0), "24 พฤศจิกายน 2569 เวลา 00:00 น."),
        (datetime(2026, 11, 24, 20, 0, tzinfo=UTC), "25 พฤศจิกายน 2569 เวลา 03:00 น."),
        (
            datetime(2026, 11, 24, 14, 5, tzinfo=ZoneInfo("America/New_York")),
            "25 พฤศจิกายน 2569 เวลา 02:05 น.",
        ),
    ],
)
def test_format_datetime(value: datetime, expected: str) -> None:
    assert format_datetime(value) == expected


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [(2026, 11, "พฤศจิกายน 2569"), (2026, 1, "มกราคม 2569"), (2027, 12, "ธันวาคม 2570")],
)
def test_format_month(year: int, month: int, expected: str) -> None:
    assert format_month(year, month) == expected


@pytest.mark.parametrize("month", [0, 13, -1])
def test_format_month_rejects_bad_month(month: int) -> None:
    with pytest.raises(ValueError):
        format_month(2026, month)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (NOV24, 2569),
        (date(1957, 1, 1), 2500),
        (datetime(2026, 12, 31, 23, 0), 2569),
        (datetime(2026, 12, 31, 18, 0, tzinfo=UTC), 2570),
    ],
)
def test_buddhist_year(value: date, expected: int) -> None:
    assert buddhist_year(value) == expected


# ---------------------------------------------------------------- serials


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (0, bkk(1899, 12, 30)),
        (1, bkk(1899, 12, 31)),
        (60, bkk(1900, 2, 28)),  # Google Sheets; Excel calls this the fictitious 1900-02-29
        (61, bkk(1900, 3, 1)),  # from here on both agree
        (45658, bkk(2025, 1, 1)),
        (46350, bkk(2026, 11, 24)),
        (46350.0, bkk(2026, 11, 24)),
        (46350.5, bkk(2026, 11, 24, 12)),
        (46350.25, bkk(2026, 11, 24, 6)),
        (46350 + (14 * 3600 + 5 * 60 + 33) / 86400, bkk(2026, 11, 24, 14, 5, 33)),
        (46350.999999, bkk(2026, 11, 24, 23, 59, 59, 913600)),
        (46350.9999999999999, bkk(2026, 11, 25)),  # rounds to the next midnight, no 24:00
        (-1, bkk(1899, 12, 29)),
        (-0.5, bkk(1899, 12, 29, 12)),
    ],
)
def test_from_serial(serial: float, expected: datetime) -> None:
    got = from_serial(serial)
    assert got == expected
    assert got.tzinfo is BANGKOK
    assert got.replace(tzinfo=None) == expected.replace(tzinfo=None)


def test_from_serial_fraction_is_wall_clock_of_the_given_zone() -> None:
    utc = from_serial(46350.5, tz=UTC)
    assert utc == datetime(2026, 11, 24, 12, tzinfo=UTC)
    assert utc.tzinfo is UTC


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf"), 1e12, -1e12])
def test_from_serial_rejects_non_dates(bad: float) -> None:
    with pytest.raises(DateParseError):
        from_serial(bad)


@pytest.mark.parametrize("bad", [True, False, "46350", None])
def test_from_serial_rejects_non_numbers(bad: object) -> None:
    with pytest.raises(TypeError):
        from_serial(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(1899, 12, 30), 0.0),
        (date(1900, 3, 1), 61.0),
        (NOV24, 46350.0),
        (datetime(2026, 11, 24, 12), 46350.5),
        (bkk(2026, 11, 24, 6), 46350.25),
        (datetime(2026, 11, 24, 5, 0, tzinfo=UTC), 46350.5),  # 12:00 in Bangkok
        (datetime(1899, 12, 29, 18), -0.25),
    ],
)
def test_to_serial(value: date, expected: float) -> None:
    assert to_serial(value) == expected


def test_to_serial_in_another_zone() -> None:
    assert to_serial(bkk(2026, 11, 24, 12), tz=UTC) == 46350 + 5 / 24


def _random_datetimes(count: int, start: date, end: date, micro: bool) -> list[datetime]:
    rng = random.Random(2569)
    span = (end - start).days
    out = []
    for _ in range(count):
        day = start + timedelta(days=rng.randrange(span))
        clock = time(
            rng.randrange(24), rng.randrange(60), rng.randrange(60),
            rng.randrange(1_000_000) if micro else rng.randrange(1000) * 1000,
        )
        out.append(datetime.combine(day, clock, BANGKOK))
    return out


@pytest.mark.parametrize(
    "dt",
    [
        bkk(1900, 3, 1),
        bkk(1900, 3, 1, 0, 0, 1),
        bkk(2026, 11, 24, 14, 5, 33),
        bkk(2026, 11, 24, 23, 59, 59, 999000),
        bkk(2026, 11, 24, 0, 0, 0, 1000),
        bkk(2400, 1, 1, 12),
        # present-day serials keep microseconds exactly
        *_random_datetimes(300, date(1990, 1, 1), date(2079, 1, 1), micro=True),
        # further out the float only holds milliseconds, which is all a sheet stores
        *_random_datetimes(300, date(1900, 3, 1), date(2400, 1, 1), micro=False),
    ],
)
def test_serial_round_trip(dt: datetime) -> None:
    serial = to_serial(dt)
    assert from_serial(serial) == dt
    assert to_serial(from_serial(serial)) == serial


def test_serial_round_trip_of_dates() -> None:
    day = date(1900, 3, 1)
    while day < date(2101, 1, 1):
        assert from_serial(to_serial(day)).date() == day
        day += timedelta(days=97)


# ---------------------------------------------------------------- parsing: accepted forms


ACCEPTED_DATES: list[tuple[object, date]] = [
    # objects
    (NOV24, NOV24),
    (datetime(2026, 11, 24, 23, 59), NOV24),
    (bkk(2026, 11, 24, 23, 59), NOV24),
    (datetime(2026, 11, 24, 17, 0, tzinfo=UTC), date(2026, 11, 25)),  # midnight in Bangkok
    # spreadsheet serials
    (46350, NOV24),
    (46350.0, NOV24),
    (46350.99, NOV24),
    (61, date(1900, 3, 1)),
    (182622.5, date(2399, 12, 31)),
    ("1/3/1900", date(1900, 3, 1)),
    ("1/1/1900", date(1900, 1, 1)),
    ("31/12/2399", date(2399, 12, 31)),
    ("31/12/2942", date(2399, 12, 31)),
    # ISO
    ("2026-11-24", NOV24),
    ("2026-11-24T14:05:00", NOV24),
    ("2026-11-24 14:05:33", NOV24),
    ("2026-11-24T14:05:00.123456", NOV24),
    ("2026-11-24T20:00:00Z", date(2026, 11, 25)),  # 03:00 next day in Bangkok
    ("2026-11-24T20:00:00+00:00", date(2026, 11, 25)),
    ("2026-11-24T23:00:00+07:00", NOV24),
    ("2026-11-24t14:05", NOV24),
    ("2569-11-24", NOV24),  # Buddhist-era year in ISO order
    ("2026/11/24", NOV24),
    ("2026-1-5", date(2026, 1, 5)),
    # day first, always
    ("24/11/2569", NOV24),
    ("24/11/2026", NOV24),
    ("24-11-2569", NOV24),
    ("24.11.2569", NOV24),
    ("24 / 11 / 2569", NOV24),
    ("5/11/2569", date(2026, 11, 5)),
    ("05/11/2569", date(2026, 11, 5)),
    ("1/2/2026", date(2026, 2, 1)),
    ("12/01/2026", date(2026, 1, 12)),
    ("29/02/2567", date(2024, 2, 29)),
    # two-digit years are Buddhist era
    ("24/11/69", NOV24),
    ("24-11-69", NOV24),
    ("1/1/70", date(2027, 1, 1)),
    ("24/11/99", date(2056, 11, 24)),
    ("24/11/00", date(1957, 11, 24)),
    ("24/11/ค.ศ. 26", NOV24),
    # Google Forms timestamps and typed times
    ("24/11/2026, 14:05:33", NOV24),
    ("24/11/2026 14:05:33", NOV24),
    ("24/11/2569 14:05", NOV24),
    ("24/11/2569 23:59:59", NOV24),
    # Thai month names
    ("24 พ.ย. 2569", NOV24),
    ("24 พฤศจิกายน 2569", NOV24),
    ("24 พย 69", NOV24),
    ("24 พย. 2569", NOV24),
    ("24 พ. ย. 2569", NOV24),
    ("24พ.ย.2569", NOV24),
    ("24 พ.ย.69", NOV24),
    ("วันที่ 24 พฤศจิกายน พ.ศ. 2569", NOV24),
    ("วันที่ 24 พฤศจิกายน พ.ศ.2569", NOV24),
    ("24 พฤศจิกายน พศ 2569", NOV24),
    ("24 พฤศจิกายน ค.ศ. 2026", NOV24),
    ("24 พฤศจิกายน 2026", NOV24),
    ("วันอังคารที่ 24 พฤศจิกายน 2569", NOV24),
    ("วันพฤหัสบดีที่ 26 พฤศจิกายน 2569", date(2026, 11, 26)),
    ("24 เดือนพฤศจิกายน 2569", NOV24),
    ("24 พฤศจิกา 2569", NOV24),
    ("24 พฤศจิกายน 2569 เวลา 14:05 น.", NOV24),
    ("24 พ.ย. 2569 เวลา 14.05 น.", NOV24),
    ("1 ม.ค. 2570", date(2027, 1, 1)),
    ("1 มค 70", date(2027, 1, 1)),
    ("14 ก.พ. 2569", date(2026, 2, 14)),
    ("14 กพ 69", date(2026, 2, 14)),
    ("14 กุมภาพันธ์ 2569", date(2026, 2, 14)),
    ("14 กุมภาพันธ 2569", date(2026, 2, 14)),
    ("14 กุมภา 2569", date(2026, 2, 14)),
    ("1 มี.ค. 2569", date(2026, 3, 1)),
    ("1 มีค 2569", date(2026, 3, 1)),
    ("1 มีนาคม 2569", date(2026, 3, 1)),
    ("13 เม.ย. 2569", date(2026, 4, 13)),
    ("13 เมย 2569", date(2026, 4, 13)),
    ("13 เมษายน 2569", date(2026, 4, 13)),
    ("13 เมษา 69", date(2026, 4, 13)),
    ("5 พ.ค. 2569", date(2026, 5, 5)),
    ("5 พฤษภาคม 2569", date(2026, 5, 5)),
    ("9 มิ.ย. 2569", date(2026, 6, 9)),
    ("9 มิถุนายน 2569", date(2026, 6, 9)),
    ("28 ก.ค. 2569", date(2026, 7, 28)),
    ("28 กรกฎาคม 2569", date(2026, 7, 28)),
    ("28 กรกฏาคม 2569", date(2026, 7, 28)),  # ฏ typed for ฎ
    ("12 ส.ค. 2569", date(2026, 8, 12)),
    ("12 สิงหาคม 2569", date(2026, 8, 12)),
    ("30 ก.ย. 2569", date(2026, 9, 30)),
    ("30 กันยายน 2569", date(2026, 9, 30)),
    ("23 ต.ค. 2569", date(2026, 10, 23)),
    ("23 ตุลาคม 2569", date(2026, 10, 23)),
    ("5 ธ.ค. 2569", date(2026, 12, 5)),
    ("5 ธันวาคม 2569", date(2026, 12, 5)),
    # English month names
    ("24 Nov 2026", NOV24),
    ("24 nov 2026", NOV24),
    ("24 NOV. 2026", NOV24),
    ("24 November 2026", NOV24),
    ("24th November 2026", NOV24),
    ("24-Nov-2026", NOV24),
    ("24-Nov-26", NOV24),  # English month: a two-digit year is 20xx, as Excel writes it
    ("24 Nov 2569", NOV24),
    ("Nov 24, 2026", NOV24),
    ("November 24, 2026", NOV24),
    ("Tue, 24 Nov 2026", NOV24),
    ("Tuesday 24 November 2026", NOV24),
    ("1 Sept 2026", date(2026, 9, 1)),
    ("1 Sep 2026", date(2026, 9, 1)),
    ("3 May 2026", date(2026, 5, 3)),
    # Thai digits, also mixed with arabic ones
    ("๒๔/๑๑/๒๕๖๙", NOV24),
    ("๒๔ พ.ย. ๒๕๖๙", NOV24),
    ("2๔/1๑/25๖9", NOV24),
    ("๒๔ พฤศจิกายน ๖๙", NOV24),
    # whitespace people paste in
    ("  24/11/2569  ", NOV24),
    ("24\u00a0พ.ย.\u00a02569", NOV24),
    ("24\u200bพฤศจิกายน\u200b2569", NOV24),
    ("\ufeff24/11/2569\n", NOV24),
    ("24  พฤศจิกายน   2569", NOV24),
]


@pytest.mark.parametrize(("value", "expected"), ACCEPTED_DATES)
def test_parse_date_accepts(value: object, expected: date) -> None:
    got = parse_date(value)
    assert got == expected
    assert type(got) is date


ACCEPTED_DATETIMES: list[tuple[object, datetime]] = [
    (NOV24, bkk(2026, 11, 24)),
    (datetime(2026, 11, 24, 14, 5), bkk(2026, 11, 24, 14, 5)),
    (datetime(2026, 11, 24, 7, 5, tzinfo=UTC), bkk(2026, 11, 24, 14, 5)),
    (46350.5, bkk(2026, 11, 24, 12)),
    (46350 + (14 * 3600 + 5 * 60 + 33) / 86400, bkk(2026, 11, 24, 14, 5, 33)),
    (46350, bkk(2026, 11, 24)),
    ("2026-11-24", bkk(2026, 11, 24)),
    ("2026-11-24T14:05:00", bkk(2026, 11, 24, 14, 5)),
    ("2026-11-24 14:05:33", bkk(2026, 11, 24, 14, 5, 33)),
    ("2026-11-24T14:05:33.25", bkk(2026, 11, 24, 14, 5, 33, 250000)),
    ("2026-11-24T07:05:00Z", bkk(2026, 11, 24, 14, 5)),
    ("2026-11-24T07:05:00+0000", bkk(2026, 11, 24, 14, 5)),
    ("2026-11-24T14:05:00+07:00", bkk(2026, 11, 24, 14, 5)),
    ("2026-11-24T02:05:00-05:00", bkk(2026, 11, 24, 14, 5)),
    ("24/11/2026, 14:05:33", bkk(2026, 11, 24, 14, 5, 33)),
    ("24/11/2026 14:05:33", bkk(2026, 11, 24, 14, 5, 33)),
    ("24/11/2569 14:05", bkk(2026, 11, 24, 14, 5)),
    ("24/11/2569 9:05", bkk(2026, 11, 24, 9, 5)),
    ("24-11-2569 14:05", bkk(2026, 11, 24, 14, 5)),
    ("24.11.2569 14.05", bkk(2026, 11, 24, 14, 5)),
    ("24/11/69 14:05", bkk(2026, 11, 24, 14, 5)),
    ("24/11/2569 0:00", bkk(2026, 11, 24)),
    ("24 พฤศจิกายน 2569 เวลา 14:05 น.", bkk(2026, 11, 24, 14, 5)),
    ("24 พ.ย. 2569 เวลา 14.05 น.", bkk(2026, 11, 24, 14, 5)),
    ("24 พ.ย. 2569, 14:05 นาฬิกา", bkk(2026, 11, 24, 14, 5)),
    ("24 พ.ย. 2569 14:05น.", bkk(2026, 11, 24, 14, 5)),
    ("24 พ.ย. 2569 เวลา๑๔.๐๕ น.", bkk(2026, 11, 24, 14, 5)),
    ("24 Nov 2026 2:05 PM", bkk(2026, 11, 24, 14, 5)),
    ("24 Nov 2026 2:05 p.m.", bkk(2026, 11, 24, 14, 5)),
    ("24 Nov 2026 12:05 AM", bkk(2026, 11, 24, 0, 5)),
    ("24 Nov 2026 12:05 PM", bkk(2026, 11, 24, 12, 5)),
    ("November 24, 2026, 2:05:33 pm", bkk(2026, 11, 24, 14, 5, 33)),
    ("๒๔/๑๑/๒๕๖๙ ๑๔:๐๕:๓๓", bkk(2026, 11, 24, 14, 5, 33)),
]


@pytest.mark.parametrize(("value", "expected"), ACCEPTED_DATETIMES)
def test_parse_datetime_accepts(value: object, expected: datetime) -> None:
    got = parse_datetime(value)
    assert got == expected
    assert got is not None
    assert got.utcoffset() == timedelta(hours=7)
    assert got.replace(tzinfo=None) == expected.replace(tzinfo=None)


@pytest.mark.parametrize(("value", "expected"), ACCEPTED_DATES)
def test_parse_datetime_agrees_with_parse_date(value: object, expected: date) -> None:
    got = parse_datetime(value)
    assert got is not None
    assert got.date() == expected


def test_parse_datetime_in_another_zone() -> None:
    utc = ZoneInfo("UTC")
    assert parse_datetime("24/11/2569 14:05", tz=utc) == datetime(2026, 11, 24, 14, 5, tzinfo=utc)
    assert parse_datetime(46350.5, tz=utc) == datetime(2026, 11, 24, 12, tzinfo=utc)
    got = parse_datetime(bkk(2026, 11, 24, 14, 5), tz=utc)
    assert got is not None
    assert got.tzinfo is utc
    assert got.hour == 7


def test_parse_date_in_another_zone() -> None:
    # 20:00 UTC is still the 24th in UTC but the 25th in Bangkok.
    assert parse_date("2026-11-24T20:00:00Z", tz=UTC) == NOV24
    assert parse_date(datetime(2026, 11, 24, 20, tzinfo=UTC), tz=UTC) == NOV24


def test_formatted_output_reads_back() -> None:
    moment = bkk(2026, 11, 24, 14, 5)
    assert parse_datetime(format_datetime(moment)) == moment
    for day in (date(2026, m, d) for m in range(1, 13) for d in (1, 15, 28)):
        assert parse_date(format_date(day)) == day
        assert parse_date(format_date_short(day)) == day


@pytest.mark.parametrize("blank", [None, "", " ", "  \t\n", "\u00a0", "\u200b"])
def test_blank_is_none(blank: object) -> None:
    assert parse_date(blank) is None
    assert parse_datetime(blank) is None


# ---------------------------------------------------------------- parsing: rejected

REJECTED: list[object] = [
    "31/02/2569",
    "30/02/2569",
    "29/02/2569",  # 2026 is not a leap year
    "13/13/2026",
    "0/11/2569",
    "24/0/2569",
    "32/01/2026",
    "31/04/2026",
    "2026-02-30",
    "2026-13-01",
    "พรุ่งนี้",
    "วันนี้",
    "tomorrow",
    "x" * 50_000,
    "24/11/2569" * 5_000,
    "24/11/2569 " + "1" * 50_000,
    "=1+1",
    "=TODAY()",
    "24/11",
    "11/2569",
    "พฤศจิกายน 2569",
    "24 2569",
    "2569",
    "46350",  # digits alone are not a date in a text cell
    "24112569",
    "24/11/256",
    "24/11/25690",
    "24/11/2569 25:00",
    "24/11/2569 14:60",
    "24/11/2569 14:05:61",
    "24/11/2569 13:05 pm",
    "24/11/2569 14:05 +15:00",
    "24/11/2569 ต่อ 3",
    "24/11/1700",  # 1700 is far outside anything the office keeps
    "24/11/3000",
    "พ.ศ. 2025 24/11",
    "24 ไม่มีเดือนนี้ 2569",
    "24 Novembre 2026",
    "24 ย.พ. 2569",
    "2/30/2026",  # month-first is never guessed
    "11/24/2026",
    "24/11-2569",
    True,
    False,
    [2026, 11, 24],
    {"date": "24/11/2569"},
    b"24/11/2569",
    float("nan"),
    float("inf"),
    1e12,
    0,  # a stray number in a date column, not 30 December 1899
    5,
    60,
    60.99,
    -1,
    182623,  # 2400-01-01
    "24/11/1899",
    "1/1/2400",
    time(14, 5),
]


@pytest.mark.parametrize("value", REJECTED, ids=lambda v: repr(v)[:40])
def test_rejected(value: object) -> None:
    with pytest.raises(DateParseError) as info:
        parse_date(value)
    assert isinstance(info.value, ValueError)
    assert info.value.value is value
    with pytest.raises(DateParseError):
        parse_datetime(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("31/02/2569", 'ไม่เข้าใจวันที่ "31/02/2569" (ตัวอย่างที่ใช้ได้: 24/11/2569 หรือ 24 พ.ย. 2569)'),
        ("พรุ่งนี้", 'ไม่เข้าใจวันที่ "พรุ่งนี้" (ตัวอย่างที่ใช้ได้: 24/11/2569 หรือ 24 พ.ย. 2569)'),
        ("  13/13/2026 ", 'ไม่เข้าใจวันที่ "13/13/2026" (ตัวอย่างที่ใช้ได้: 24/11/2569 หรือ 24 พ.ย. 2569)'),
        ("a\nb", 'ไม่เข้าใจวันที่ "a b" (ตัวอย่างที่ใช้ได้: 24/11/2569 หรือ 24 พ.ย. 2569)'),
        (True, 'ไม่เข้าใจวันที่ "True" (ตัวอย่างที่ใช้ได้: 24/11/2569 หรือ 24 พ.ย. 2569)'),
        ("x" * 50_000, f'ไม่เข้าใจวันที่ "{"x" * 39}…" (ตัวอย่างที่ใช้ได้: 24/11/2569 หรือ 24 พ.ย. 2569)'),
    ],
)
def test_error_message_quotes_value_and_shows_example(value: object, message: str) -> None:
    with pytest.raises(DateParseError) as info:
        parse_date(value)
    assert str(info.value) == message


def test_huge_input_is_rejected_quickly() -> None:
    import time as clock

    start = clock.perf_counter()
    for text in ("1" * 50_000, " " * 49_999 + "x", "24/11/2569 " * 4_000, "พ." * 25_000):
        with pytest.raises(DateParseError):
            parse_datetime(text)
    assert clock.perf_counter() - start < 1.0


def test_naive_datetime_object_gets_the_zone_not_a_shift() -> None:
    got = parse_datetime(datetime(2026, 11, 24, 14, 5))
    assert got == bkk(2026, 11, 24, 14, 5)
    assert got is not None
    assert got.tzinfo is BANGKOK


def test_fixed_offset_input_is_converted() -> None:
    plus9 = timezone(timedelta(hours=9))
    assert parse_datetime(datetime(2026, 11, 24, 16, 5, tzinfo=plus9)) == bkk(2026, 11, 24, 14, 5)
