"""Cleaning of what schools and officers type: headers, bodies, addresses, phones, files."""

from __future__ import annotations

import time
import unicodedata

import pytest

from automation.text.addresses import (
    email_problem,
    normalize_email,
    parse_addresses,
    split_addresses,
    suggest_email,
)
from automation.text.files import csv_safe, is_formula_like, safe_filename
from automation.text.headers import normalize_header
from automation.text.lines import clean_text, single_line
from automation.text.phones import normalize_phone, normalize_phones, phone_problem
from automation.text.thai import fuzzy_key, normalize_thai, to_arabic_digits

HUGE = "x" * 50_000
LONGEST_ADDRESS = "x@" + "a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * 56 + ".com"

# ---------------------------------------------------------------- digits and Thai spelling


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("๐๑๒๓๔๕๖๗๘๙", "0123456789"),
        ("พ.ศ. ๒๕๖๙", "พ.ศ. 2569"),
        ("2๔/1๑/25๖9", "24/11/2569"),
        ("no digits", "no digits"),
        ("", ""),
        ("โทร ๐๘๑-๒๓๔-๕๖๗๘", "โทร 081-234-5678"),
    ],
)
def test_to_arabic_digits(value: str, expected: str) -> None:
    assert to_arabic_digits(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("น\u0e49\u0e33", "น\u0e49\u0e33"),  # น้ำ, already canonical
        ("น\u0e49\u0e4d\u0e32", "น\u0e49\u0e33"),  # sara am typed as nikhahit + sara aa
        ("น\u0e4d\u0e49\u0e32", "น\u0e49\u0e33"),
        ("ท\u0e4d\u0e32", "ท\u0e33"),  # ทำ
        ("ท\u0e35\u0e48", "ท\u0e35\u0e48"),  # ที่, already canonical
        ("ท\u0e48\u0e35", "ท\u0e35\u0e48"),  # tone mark typed before the vowel
        ("e\u0301", "\u00e9"),  # plain NFC
    ],
)
def test_normalize_thai(value: str, expected: str) -> None:
    assert normalize_thai(value) == expected


# ---------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("อีเมล", "อีเมล"),
        ("  ชื่อ\u00a0 โรงเรียน\u200b(ภาษาไทย) ", "ชื่อ โรงเรียน (ภาษาไทย)"),
        ("E-Mail  Address", "e-mail address"),
        ("EMAIL\tADDRESS\n", "email address"),
        ("เบอร์โทร ๑", "เบอร์โทร 1"),
        ("\ufeffTimestamp", "timestamp"),
        ("Straße", "strasse"),
        ("ที\u0e48\u0e35อยู่", "ที\u0e35\u0e48อยู่"),  # same look, same key
        ("e\u0301", "\u00e9"),
        (None, ""),
        (12, "12"),
        ("", ""),
        ("\u200b \u00a0", ""),
    ],
)
def test_normalize_header(value: object, expected: str) -> None:
    assert normalize_header(value) == expected


def test_normalize_header_matches_aliases_typed_differently() -> None:
    variants = ["วันที่ส่ง", " วันที่ส่ง ", "วันที่ส่ง\u200b", "\u00a0วันที่ส่ง"]
    assert {normalize_header(v) for v in variants} == {"วันที่ส่ง"}


# ---------------------------------------------------------------- single_line / clean_text


@pytest.mark.parametrize(
    ("value", "limit", "expected"),
    [
        ("ข่าวประชาสัมพันธ์", None, "ข่าวประชาสัมพันธ์"),
        ("  a  b  ", None, "a b"),
        ("Subject\r\nBcc: victim@example.com", None, "Subject Bcc: victim@example.com"),
        ("a\nb\rc\td", None, "a b c d"),
        ("a\x00b\x1bc\x7fd\x85e", None, "a b c d e"),
        ("a\u2028b\u2029c", None, "a b c"),
        ("a\u00a0\u200bb", None, "a b"),
        ("", None, ""),
        ("abcdef", 6, "abcdef"),
        ("abcdef", 5, "abcd…"),
        ("abcdef", 1, "…"),
        ("ab   cdef", 4, "ab…"),  # no space before the ellipsis
        ("สวัสดีครับ", 5, "สวัส…"),
        ("สวัสดีครับ", 6, "สวัส…"),  # ด without its ี would be a different word
        ("สวัสดีครับ", 7, "สวัสดี…"),
        ("นำเสนอข่าว", 4, "นำ…"),  # not "นำเ…"
        ("ทำข่าว", 2, "…"),  # sara am stays with its letter
        # never leave a vowel or tone mark behind without its letter, nor split them
        ("ที่นี่", 2, "…"),
        ("ที่นี่", 4, "ที่…"),
        ("น้ำท่วม", 3, "…"),
        ("ข่าว\nใหม่", 100, "ข่าว ใหม่"),
    ],
)
def test_single_line(value: str, limit: int | None, expected: str) -> None:
    got = single_line(value, limit)
    assert got == expected
    if limit is not None:
        assert len(got) <= limit
    assert "\n" not in got and "\r" not in got


def test_single_line_huge_input() -> None:
    got = single_line(HUGE + "\n" + HUGE, 80)
    assert got == "x" * 79 + "…"


@pytest.mark.parametrize("limit", [0, -1])
def test_single_line_rejects_non_positive_limit(limit: int) -> None:
    with pytest.raises(ValueError):
        single_line("abc", limit)


@pytest.mark.parametrize(
    ("value", "limit", "expected"),
    [
        ("บรรทัดแรก\r\nบรรทัดสอง\rบรรทัดสาม", None, "บรรทัดแรก\nบรรทัดสอง\nบรรทัดสาม"),
        ("a   \nb\t \n", None, "a\nb"),
        ("a\n\n\n\n\n\nb", None, "a\n\n\nb"),  # five blank lines → two
        ("a\n\n\nb", None, "a\n\n\nb"),  # two blank lines stay
        ("a\n  \n \t\n\n\nb", None, "a\n\n\nb"),  # whitespace-only lines are blank
        ("\n\n\nhead", None, "head"),
        ("  indented", None, "  indented"),
        ("a\tb", None, "a\tb"),
        ("a\x00b\x07c\x1bd\x7fe", None, "abcde"),
        ("a\x0bb\x0cc\u2028d\x85e", None, "a\nb\nc\nd\ne"),
        ("\ufeffข่าว", None, "ข่าว"),
        ("e\u0301", None, "\u00e9"),
        (None, None, ""),
        (123, None, "123"),
        ("abcdef", 4, "abc…"),
        ("บรรทัดแรก\n\nบรรทัดสอง", 12, "บรรทัดแรก…"),
        ("=1+1", None, "=1+1"),
    ],
)
def test_clean_text(value: object, limit: int | None, expected: str) -> None:
    assert clean_text(value, limit) == expected


def test_clean_text_huge_input_is_fast() -> None:
    start = time.perf_counter()
    body = ("ข่าว \r\n" * 10_000) + "\x00" * 10_000 + "\n" * 10_000 + HUGE
    got = clean_text(body, limit=5000)
    assert len(got) == 5000
    assert got.startswith("ข่าว\nข่าว\n")
    assert "\r" not in got and "\x00" not in got
    assert time.perf_counter() - start < 1.0


# ---------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (None, []),
        ("", []),
        ("a@b.com", ["a@b.com"]),
        ("a@b.com, c@d.com", ["a@b.com", "c@d.com"]),
        ("a@b.com;c@d.com", ["a@b.com", "c@d.com"]),
        ("a@b.com c@d.com", ["a@b.com", "c@d.com"]),
        ("a@b.com\nc@d.com\r\ne@f.com", ["a@b.com", "c@d.com", "e@f.com"]),
        ("a@b.com/c@d.com", ["a@b.com", "c@d.com"]),
        ("a@b.com / c@d.com", ["a@b.com", "c@d.com"]),
        ("a@b.com และ c@d.com", ["a@b.com", "c@d.com"]),
        ("a@b.com,,; ,c@d.com", ["a@b.com", "c@d.com"]),
        ("a@b.com\u00a0c@d.com\u200be@f.com", ["a@b.com", "c@d.com", "e@f.com"]),
        ("สมชาย ใจดี <somchai@school.ac.th>", ["somchai@school.ac.th"]),
        ("Somchai Jaidee <A@B.com>, x@y.com", ["A@B.com", "x@y.com"]),
        ('"Jaidee, Somchai" <s@t.com>, x@y.com', ["s@t.com", "x@y.com"]),
        ("ครู ก <a@b.com>; ครู ข <c@d.com>", ["a@b.com", "c@d.com"]),
        ("ครู ก\n<a@b.com>", ["ครู", "ก", "a@b.com"]),  # a name on its own line is reported
        ("x@y.com <z@w.com>", ["x@y.com", "z@w.com"]),
        ("<a@b.com>", ["a@b.com"]),
        ("mailto:a@b.com", ["mailto:a@b.com"]),
        ("bad, a@b.com", ["bad", "a@b.com"]),
        ("  a@b.com.  ", ["a@b.com."]),
    ],
)
def test_split_addresses(cell: object, expected: list[str]) -> None:
    assert split_addresses(cell) == expected


@pytest.mark.parametrize(
    ("addr", "expected"),
    [
        ("a@b.com", "a@b.com"),
        ("  Somchai@School.AC.TH  ", "somchai@school.ac.th"),
        ("<a@b.com>", "a@b.com"),
        ("< a@b.com >", "a@b.com"),
        ("mailto:a@b.com", "a@b.com"),
        ("MAILTO:A@B.COM", "a@b.com"),
        ("mailto:a@b.com?subject=ข่าว", "a@b.com"),
        ("<mailto:a@b.com>", "a@b.com"),
        ("a@b.com.", "a@b.com"),
        ("a@b.com...", "a@b.com"),
        ("a@b.com;", "a@b.com"),
        ("a@ไทย.ไทย", "a@xn--o3cw4h.xn--o3cw4h"),
        ("a@โรงเรียน.ไทย", "a@xn--72c0b0acb2i5cn.xn--o3cw4h"),
        ("A@Bücher.DE", "a@xn--bcher-kva.de"),
        ("no-at-sign", "no-at-sign"),
        ("", ""),
        ("a@b@c.com", "a@b@c.com"),
    ],
)
def test_normalize_email(addr: str, expected: str) -> None:
    assert normalize_email(addr) == expected


VALID_ADDRESSES = [
    "somchai@gmail.com",
    "Somchai.Jaidee@School.ac.th",
    "pr.office@obec.go.th",
    "a+news@example.co.th",
    "first_last-1@sub.domain.example.org",
    "o'brien@example.com",
    "x@mail.com",
    "x@ymail.com",
    "x@email.com",
    "x@cloud.com",
    "x@live.com",
    "x@hotmail.co.th",
    "x@yahoo.co.th",
    "x@outlook.co.th",
    "x@gmail.com",
    "x@hotmail.com",
    "x@a-b.co",
    "x@xn--o3cw4h.xn--o3cw4h",
    "x@ไทย.ไทย",
    "<x@gmail.com>",
    "mailto:x@gmail.com",
    "x@gmail.com.",
    "x@" + "a" * 63 + ".com",
    "l" * 64 + "@example.com",
    LONGEST_ADDRESS,
]


@pytest.mark.parametrize("addr", VALID_ADDRESSES)
def test_email_problem_accepts(addr: str) -> None:
    assert email_problem(addr) is None


def test_length_limits_are_exact() -> None:
    assert len(LONGEST_ADDRESS) == 254
    assert email_problem(LONGEST_ADDRESS) is None
    assert email_problem("d" + LONGEST_ADDRESS) is not None


@pytest.mark.parametrize(
    ("addr", "expected"),
    [
        ("", "ไม่มีที่อยู่อีเมล (ค่าว่าง)"),
        ("   ", "ไม่มีที่อยู่อีเมล (ค่าว่าง)"),
        ("somchai.gmail.com", "ไม่มีเครื่องหมาย @"),
        ("a@@b.com", "มีเครื่องหมาย @ มากกว่าหนึ่งตัว"),
        ("a@b@c.com", "มีเครื่องหมาย @ มากกว่าหนึ่งตัว"),
        ("som chai@gmail.com", "มีช่องว่างอยู่ในที่อยู่อีเมล"),
        ("somchai@gmail .com", "มีช่องว่างอยู่ในที่อยู่อีเมล"),
        ("@gmail.com", "ไม่มีชื่อผู้ใช้หน้าเครื่องหมาย @"),
        ("ครูสมชาย@gmail.com", "ชื่อผู้ใช้หน้า @ ต้องใช้ตัวอักษรภาษาอังกฤษ"),
        ("somchaï@example.com", "ชื่อผู้ใช้หน้า @ ต้องใช้ตัวอักษรภาษาอังกฤษ"),
        ("a(b)@example.com", 'มีอักขระที่ใช้ในอีเมลไม่ได้: "(" ")"'),
        ("a,b@example.com", 'มีอักขระที่ใช้ในอีเมลไม่ได้: ","'),
        ('"a"@example.com', 'มีอักขระที่ใช้ในอีเมลไม่ได้: """'),
        ("l" * 65 + "@example.com", "ชื่อผู้ใช้หน้า @ ยาว 65 ตัวอักษร เกิน 64"),
        (".a@example.com", "ชื่อผู้ใช้หน้า @ มีจุดอยู่ผิดตำแหน่ง (ขึ้นต้น ลงท้าย หรือจุดติดกัน)"),
        ("a.@example.com", "ชื่อผู้ใช้หน้า @ มีจุดอยู่ผิดตำแหน่ง (ขึ้นต้น ลงท้าย หรือจุดติดกัน)"),
        ("a..b@example.com", "ชื่อผู้ใช้หน้า @ มีจุดอยู่ผิดตำแหน่ง (ขึ้นต้น ลงท้าย หรือจุดติดกัน)"),
        ("a@", "ไม่มีชื่อโดเมนหลังเครื่องหมาย @"),
        ("a@exa_mple.com", 'ชื่อโดเมนมีอักขระที่ใช้ไม่ได้: "_"'),
        ("a@example.com>", 'ชื่อโดเมนมีอักขระที่ใช้ไม่ได้: ">"'),
        ("a@" + "ก" * 64 + ".ไทย", "ชื่อโดเมนไม่ถูกต้อง"),
        ("a@ex..ไทย", "ชื่อโดเมนไม่ถูกต้อง"),
        (LONGEST_ADDRESS[:-4] + "x.com", "ที่อยู่อีเมลยาว 255 ตัวอักษร เกิน 254"),
        ("a@localhost", "ชื่อโดเมนต้องมีจุด เช่น gmail.com"),
        ("a@example..com", "ชื่อโดเมนมีจุดติดกันหรือขึ้นต้นด้วยจุด"),
        ("a@.example.com", "ชื่อโดเมนมีจุดติดกันหรือขึ้นต้นด้วยจุด"),
        ("a@" + "b" * 64 + ".com", "ชื่อโดเมนบางส่วนยาว 64 ตัวอักษร เกิน 63"),
        ("a@-school.ac.th", "ชื่อโดเมนส่วน '-school' ขึ้นต้นหรือลงท้ายด้วย - ไม่ได้"),
        ("a@school-.ac.th", "ชื่อโดเมนส่วน 'school-' ขึ้นต้นหรือลงท้ายด้วย - ไม่ได้"),
        ("a@192.168.1.1", "ส่วนท้ายของโดเมน (.1) ต้องเป็นตัวอักษร ไม่ใช่ตัวเลข"),
        ("a@example.c", "ส่วนท้ายของโดเมน (.c) สั้นเกินไป"),
        ("somchai@gmail.co", "โดเมนน่าจะพิมพ์ผิด หมายถึง somchai@gmail.com ใช่หรือไม่"),
        ("somchai@gmial.com", "โดเมนน่าจะพิมพ์ผิด หมายถึง somchai@gmail.com ใช่หรือไม่"),
        ("somchai@hotmial.com", "โดเมนน่าจะพิมพ์ผิด หมายถึง somchai@hotmail.com ใช่หรือไม่"),
        ("somchai@yaho.com", "โดเมนน่าจะพิมพ์ผิด หมายถึง somchai@yahoo.com ใช่หรือไม่"),
        ("Somchai@GMAIL.CON", "โดเมนน่าจะพิมพ์ผิด หมายถึง somchai@gmail.com ใช่หรือไม่"),
        ("somchai@gmail", "โดเมนน่าจะพิมพ์ผิด หมายถึง somchai@gmail.com ใช่หรือไม่"),
        ("somchai@gmail.c", "โดเมนน่าจะพิมพ์ผิด หมายถึง somchai@gmail.com ใช่หรือไม่"),
    ],
)
def test_email_problem_rejects(addr: str, expected: str) -> None:
    assert email_problem(addr) == expected


@pytest.mark.parametrize(
    ("addr", "expected"),
    [
        ("somchai@gmail.co", "somchai@gmail.com"),
        ("somchai@gmial.com", "somchai@gmail.com"),
        ("somchai@gmai.com", "somchai@gmail.com"),
        ("somchai@gmaill.com", "somchai@gmail.com"),
        ("somchai@gamil.com", "somchai@gmail.com"),
        ("somchai@gnail.com", "somchai@gmail.com"),
        ("somchai@gmail.cm", "somchai@gmail.com"),
        ("somchai@gmail.om", "somchai@gmail.com"),
        ("somchai@gmail.comm", "somchai@gmail.com"),
        ("somchai@gmial.con", "somchai@gmail.com"),
        ("somchai@gmail.co.th", "somchai@gmail.com"),
        ("somchai@gmail.com.th", "somchai@gmail.com"),
        ("somchai@hotmial.com", "somchai@hotmail.com"),
        ("somchai@hotmai.com", "somchai@hotmail.com"),
        ("somchai@hotmail.co", "somchai@hotmail.com"),
        ("somchai@yaho.com", "somchai@yahoo.com"),
        ("somchai@yahooo.com", "somchai@yahoo.com"),
        ("somchai@outlok.com", "somchai@outlook.com"),
        ("somchai@icloud.co", "somchai@icloud.com"),
        ("<Somchai@Gmial.com>", "somchai@gmail.com"),
        # not typos
        ("somchai@gmail.com", None),
        ("somchai@mail.com", None),
        ("somchai@ymail.com", None),
        ("somchai@cloud.com", None),
        ("somchai@hotmail.co.th", None),
        ("somchai@yahoo.co.th", None),
        ("somchai@obec.go.th", None),
        ("somchai@school.ac.th", None),
        ("not an address", None),
        ("@gmial.com", None),
        ("a@b@gmial.com", None),
    ],
)
def test_suggest_email(addr: str, expected: str | None) -> None:
    assert suggest_email(addr) == expected


@pytest.mark.parametrize(
    ("cell", "valid", "invalid"),
    [
        (None, [], []),
        ("", [], []),
        ("a@b.com", ["a@b.com"], []),
        (
            "A@Gmail.com, a@gmail.com; <a@gmail.com>",
            ["a@gmail.com"],
            [],
        ),
        (
            "x@school.ac.th, somchai@gmial.com, bad, ครู@x.com, mailto:T@Ex.com., ครู ก <u@ไทย.ไทย>",
            ["x@school.ac.th", "t@ex.com", "u@xn--o3cw4h.xn--o3cw4h"],
            [
                ("somchai@gmial.com", "โดเมนน่าจะพิมพ์ผิด หมายถึง somchai@gmail.com ใช่หรือไม่"),
                ("bad", "ไม่มีเครื่องหมาย @"),
                ("ครู@x.com", "ชื่อผู้ใช้หน้า @ ต้องใช้ตัวอักษรภาษาอังกฤษ"),
            ],
        ),
        (
            "b@x.com a@x.com b@x.com bad bad",
            ["b@x.com", "a@x.com"],
            [("bad", "ไม่มีเครื่องหมาย @")],
        ),
        (
            "somchai @gmail.com",
            [],
            [("somchai", "ไม่มีเครื่องหมาย @"), ("@gmail.com", "ไม่มีชื่อผู้ใช้หน้าเครื่องหมาย @")],
        ),
        ("=HYPERLINK(\"x\")", [], [('=HYPERLINK("x")', "ไม่มีเครื่องหมาย @")]),
    ],
)
def test_parse_addresses(
    cell: object, valid: list[str], invalid: list[tuple[str, str]]
) -> None:
    assert parse_addresses(cell) == (valid, invalid)


def test_parse_addresses_huge_cell() -> None:
    start = time.perf_counter()
    cell = ", ".join(f"user{i}@school{i % 7}.ac.th" for i in range(3000)) + ", " + HUGE
    valid, invalid = parse_addresses(cell)
    assert len(valid) == 3000
    assert valid[0] == "user0@school0.ac.th"
    assert invalid == [(HUGE, "ไม่มีเครื่องหมาย @")]
    assert time.perf_counter() - start < 2.0


# ---------------------------------------------------------------- phones


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # leading zero lost to a number-formatted cell
        (812345678, ["0812345678"]),
        (812345678.0, ["0812345678"]),
        (612345678, ["0612345678"]),
        (912345678, ["0912345678"]),
        (21234567, ["021234567"]),
        (53123456, ["053123456"]),
        ("812345678", ["0812345678"]),
        # country code
        ("+66 81 234 5678", ["0812345678"]),
        ("+66812345678", ["0812345678"]),
        ("66812345678", ["0812345678"]),
        (66812345678, ["0812345678"]),
        ("+66 (0) 81-234-5678", ["0812345678"]),
        ("0066 81 234 5678", ["0812345678"]),
        ("+66 2 123 4567", ["021234567"]),
        ("6621234567", ["021234567"]),
        # separators
        ("081-234-5678", ["0812345678"]),
        ("081 234 5678", ["0812345678"]),
        ("081.234.5678", ["0812345678"]),
        ("(081) 234-5678", ["0812345678"]),
        ("081\u2013234\u20135678", ["0812345678"]),
        ("0812345678", ["0812345678"]),
        ("02-123-4567", ["021234567"]),
        ("(02) 123 4567", ["021234567"]),
        ("053-123456", ["053123456"]),
        ("053 123 456", ["053123456"]),
        # Thai digits, also mixed
        ("๐๘๑-๒๓๔-๕๖๗๘", ["0812345678"]),
        ("๐8๑-2๓4-๕6๗8", ["0812345678"]),
        # labels and extensions
        ("โทร. 081-234-5678", ["0812345678"]),
        ("โทรศัพท์: 02-123-4567", ["021234567"]),
        ("มือถือ 0812345678", ["0812345678"]),
        ("Tel: 02-123-4567", ["021234567"]),
        ("02-123-4567 ต่อ 123", ["021234567 ต่อ 123"]),
        ("02-123-4567ต่อ123", ["021234567 ต่อ 123"]),
        ("02-123-4567 ต่อ ๑๒๓", ["021234567 ต่อ 123"]),
        ("02-123-4567 ext. 12", ["021234567 ต่อ 12"]),
        ("02-123-4567 x12", ["021234567 ต่อ 12"]),
        # several numbers
        ("081-234-5678, 02-123-4567", ["0812345678", "021234567"]),
        ("081-234-5678; 02-123-4567", ["0812345678", "021234567"]),
        ("081-234-5678\n02-123-4567", ["0812345678", "021234567"]),
        ("081-234-5678 / 02-123-4567", ["0812345678", "021234567"]),
        ("0812345678 หรือ 0898765432", ["0812345678", "0898765432"]),
        ("0812345678 และ 0898765432", ["0812345678", "0898765432"]),
        ("0812345678, 081-234-5678", ["0812345678"]),  # de-duplicated
        ("abc, 0812345678", ["0812345678"]),  # the invalid part is left out
        ("02-123-4567/8", ["021234567", "021234568"]),  # Thai shorthand for a second line
        ("02-123-4567/68", ["021234567", "021234568"]),
        ("02-123-4567 ต่อ 12/3", ["021234567 ต่อ 12"]),  # no shorthand after an extension
        # nothing usable
        (None, []),
        ("", []),
        ("   ", []),
        (True, []),
        (False, []),
        ("abc", []),
        ("12345", []),
        ("0812345", []),
        ("08123456789", []),
        ("0212345678", []),
        ("0112345678", []),
        ("+1 555 123 4567", []),
        (-812345678, []),
        (8123456.5, []),
        (float("nan"), []),
        ("=1+1", []),
        (HUGE, []),
        ("0" * 50_000, []),
    ],
)
def test_normalize_phones(value: object, expected: list[str]) -> None:
    assert normalize_phones(value) == expected
    assert normalize_phone(value) == (expected[0] if expected else None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (812345678, None),
        ("081-234-5678", None),
        ("02-123-4567 ต่อ 123", None),
        ("081-234-5678, 02-123-4567", None),
        ("02-123-4567/8", None),
        (None, "ไม่ได้กรอกเบอร์โทรศัพท์"),
        ("", "ไม่ได้กรอกเบอร์โทรศัพท์"),
        (True, "ไม่ใช่เบอร์โทรศัพท์"),
        (8123456.5, "ไม่ใช่เบอร์โทรศัพท์"),
        (0, "ไม่ใช่เบอร์โทรศัพท์"),
        ("abc", "มีตัวอักษรที่ไม่ใช่ตัวเลข (เช่น 081-234-5678 หรือ 02-123-4567)"),
        ("=1+1", "มีตัวอักษรที่ไม่ใช่ตัวเลข (เช่น 081-234-5678 หรือ 02-123-4567)"),
        ("โทร.", "ไม่มีหมายเลขโทรศัพท์ (เช่น 081-234-5678 หรือ 02-123-4567)"),
        ("12345", "เบอร์โทรศัพท์ต้องขึ้นต้นด้วย 0 (เช่น 081-234-5678 หรือ 02-123-4567)"),
        ("081-234-567", "เบอร์มือถือต้องมี 10 หลัก แต่มี 9 หลัก (เช่น 081-234-5678)"),
        ("08123456789", "เบอร์มือถือต้องมี 10 หลัก แต่มี 11 หลัก (เช่น 081-234-5678)"),
        ("02-123-45678", "เบอร์โทรศัพท์พื้นฐานต้องมี 9 หลัก แต่มี 10 หลัก (เช่น 02-123-4567)"),
        ("0112345678", "ไม่ใช่รูปแบบเบอร์โทรศัพท์ในประเทศไทย (เช่น 081-234-5678 หรือ 02-123-4567)"),
        ("+1 555 123 4567", "รับเฉพาะเบอร์ในประเทศไทย (+66)"),
        (
            "0812345678, abc",
            '"abc": มีตัวอักษรที่ไม่ใช่ตัวเลข (เช่น 081-234-5678 หรือ 02-123-4567)',
        ),
    ],
)
def test_phone_problem(value: object, expected: str | None) -> None:
    assert phone_problem(value) == expected


def test_phone_problem_agrees_with_normalize() -> None:
    for value in ("081-234-5678", "02-123-4567", 812345678, "+66812345678"):
        assert phone_problem(value) is None
        assert normalize_phone(value) is not None
    for value in ("abc", "12345", True, "0112345678"):
        assert phone_problem(value) is not None
        assert normalize_phone(value) is None


# ---------------------------------------------------------------- file names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("รายงาน ประจำปี 2569.pdf", "รายงาน_ประจำปี_2569.pdf"),
        ("ภาพ กิจกรรม (1).JPG", "ภาพ_กิจกรรม_1.JPG"),
        ("news-2026_11.docx", "news-2026_11.docx"),
        ("../../etc/passwd", "etc_passwd"),
        ("..\\..\\Windows\\win.ini", "Windows_win.ini"),
        ("/absolute/path.txt", "absolute_path.txt"),
        (".htaccess", "htaccess"),
        ("...hidden.txt", "hidden.txt"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("Nul.tar.gz", "_Nul.tar.gz"),
        ("LPT1", "_LPT1"),
        ("COM9.log", "_COM9.log"),
        ("console.txt", "console.txt"),
        ('a/b\\c:d*e?f"g<h>i|j.docx', "a_b_c_d_e_f_g_h_i_j.docx"),
        ("", "file"),
        ("...", "file"),
        ("___", "file"),
        ("***.pdf", "file.pdf"),
        (".pdf", "pdf"),
        ("name.", "name"),
        ("name..pdf", "name.pdf"),
        ("file.tar.gz", "file.tar.gz"),
        ("รูป.ภาพ", "รูป.ภาพ"),
        ("ข่าว\u200b.png", "ข่าว.png"),
        ("ข่าว\n\r\t.png", "ข่าว.png"),
        ("๒๕๖๙.pdf", "๒๕๖๙.pdf"),
        ("emoji 😀 news.txt", "emoji_news.txt"),
        ("n\u0e4d\u0e32.txt", "n\u0e33.txt"),
        ("=1+1.csv", "1_1.csv"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    got = safe_filename(name)
    assert got == expected
    assert "/" not in got and "\\" not in got
    assert not got.startswith(".")


@pytest.mark.parametrize(
    ("name", "max_len", "expected"),
    [
        ("x" * 300 + ".pdf", 100, "x" * 96 + ".pdf"),
        ("abcdef.pdf", 8, "abcd.pdf"),
        ("abcdef.pdf", 4, "abcd"),  # the extension cannot fit, the name can
        ("abcdef", 3, "abc"),
        ("", 2, "fi"),
        ("ab_cd_ef.pdf", 7, "ab.pdf"),  # no trailing "_" left by the cut
        ("น้ำท่วม.pdf", 7, "น้ำ.pdf"),
        ("น้ำท่วม.pdf", 6, "fi.pdf"),  # "น้" without its sara am would be another word
        ("ที่ประชุม.pdf", 7, "ที่.pdf"),
        ("ที่ประชุม.pdf", 6, "fi.pdf"),  # never cut between a letter and its marks
        ("ที่ประชุม.pdf", 5, "f.pdf"),
        ("เรื่องเล่า.txt", 11, "เรื่อง.txt"),  # no dangling leading vowel
    ],
)
def test_safe_filename_truncates(name: str, max_len: int, expected: str) -> None:
    got = safe_filename(name, max_len)
    assert got == expected
    assert len(got) <= max_len


def test_safe_filename_fits_the_file_system_in_bytes() -> None:
    got = safe_filename("ก" * 120 + ".pdf")  # 120 Thai letters would be 360 bytes
    assert got == "ก" * 83 + ".pdf"
    assert len(got.encode("utf-8")) <= 255
    name = "ข่าว" * 200
    got = safe_filename(name + ".jpeg", max_len=255)
    stem = got.removesuffix(".jpeg")
    assert len(got.encode("utf-8")) <= 255
    assert name.startswith(stem)
    # the cut never strands a tone mark: the first character left out is not a mark
    assert not unicodedata.category(name[len(stem)]).startswith("M")
    assert len(got.encode("utf-8")) > 255 - 3 * 3


def test_safe_filename_huge_input() -> None:
    got = safe_filename(HUGE + ".txt")
    assert got == "x" * 96 + ".txt"


@pytest.mark.parametrize("max_len", [0, -5])
def test_safe_filename_rejects_non_positive_max_len(max_len: int) -> None:
    with pytest.raises(ValueError):
        safe_filename("a.txt", max_len)


# ---------------------------------------------------------------- spreadsheet injection


@pytest.mark.parametrize(
    ("value", "formula"),
    [
        ("=1+1", True),
        ("=HYPERLINK(\"http://x\",\"คลิก\")", True),
        ("+66812345678", True),
        ("-5", True),
        ("@SUM(A1)", True),
        ("  =1+1", True),
        ("\u00a0=1+1", True),
        ("\t=1+1", True),
        ("\tplain", True),
        ("\rplain", True),
        ("\nplain", True),
        ("ข่าว = ดี", False),
        ("a=b", False),
        ("1+1", False),
        ("", False),
        ("   ", False),
        ("'=1+1", False),
        ("ข่าวประชาสัมพันธ์", False),
    ],
)
def test_is_formula_like_and_csv_safe(value: str, formula: bool) -> None:
    assert is_formula_like(value) is formula
    assert csv_safe(value) == ("'" + value if formula else value)


def test_csv_safe_is_idempotent() -> None:
    once = csv_safe("=1+1")
    assert once == "'=1+1"
    assert csv_safe(once) == once


# ---------------------------------------------------------------- fuzzy keys


@pytest.mark.parametrize(
    "variants",
    [
        [
            "โรงเรียนบ้านหนองบัว",
            "ร.ร.บ้านหนองบัว",
            "ร.ร. บ้านหนองบัว",
            "ร. ร. บ้านหนองบัว",
            "รร.บ้านหนองบัว",
            "รร. บ้านหนองบัว",
            "รร บ้านหนองบัว",
            "  บ้าน หนองบัว ",
            "บ้าน\u00a0หนองบัว\u200b",
            "โรงเรียน  บ้านหนองบัว",
        ],
        ["โรงเรียนอนุบาล๑", "อนุบาล 1", "ร.ร.อนุบาล1"],
        ["Anuban School", "anuban school", "ANUBAN  SCHOOL", "AnubanSchool"],
        ["โรงเรียนบ้านน\u0e49\u0e33ใส", "บ้านน\u0e49\u0e4d\u0e32ใส"],  # sara am typed two ways
        ["บ้านท\u0e35\u0e48ราบ", "บ้านท\u0e48\u0e35ราบ"],  # tone mark typed before the vowel
    ],
)
def test_fuzzy_key_matches_variants(variants: list[str]) -> None:
    keys = {fuzzy_key(v) for v in variants}
    assert len(keys) == 1, keys


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("โรงเรียนบ้านหนองบัว", "บ้านหนองบัว"),
        ("Anuban School", "anubanschool"),
        ("อนุบาล๑", "อนุบาล1"),
        ("โรงเรียน", "โรงเรียน"),  # only the prefix: kept, never an empty key
        ("ร.ร.", "ร.ร."),
        ("", ""),
        ("รรบ้านหนองบัว", "รรบ้านหนองบัว"),  # no dot, no space: not the prefix
        ("บ้านโรงเรียน", "บ้านโรงเรียน"),  # the prefix only counts at the start
    ],
)
def test_fuzzy_key(value: str, expected: str) -> None:
    assert fuzzy_key(value) == expected


def test_fuzzy_key_keeps_different_schools_apart() -> None:
    assert fuzzy_key("บ้านหนองบัว") != fuzzy_key("บ้านหนองบัวใหญ่")
    assert fuzzy_key("อนุบาล 1") != fuzzy_key("อนุบาล 2")
