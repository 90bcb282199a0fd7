"""The demo workbook's Thai sample data: layout, mix of cases, safety of addresses."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from automation import config as config_mod
from automation.core import columns
from automation.core.table import find_columns
from automation.demo import (
    DEMO_OFFICE,
    FORM_TAB,
    REGISTRY_TAB,
    SUPPRESSION_TAB,
    demo_tabs,
)
from automation.model import Tab

TODAY = dt.date(2026, 11, 24)
RESERVED = re.compile(r"(^|\.)example\.test$|^example\.(org|com)$")
BROKEN = "somchai@gmail"
MONTHS_SHORT = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.",
                "พ.ย.", "ธ.ค.")

def tab_of(tabs: dict[str, list[list[object]]], name: str) -> Tab:
    return Tab(name, tabs[name])  # type: ignore[arg-type]


def records(tab: str, today: dt.date = TODAY) -> list[dict[str, object]]:
    rows = demo_tabs(today)[tab]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def addresses(cell: object) -> list[str]:
    return [a for a in re.split(r"[,\s;]+", str(cell or "")) if a]


def is_approved(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip() == "อนุมัติ")


def thai_short(day: dt.date) -> str:
    return f"{day.day} {MONTHS_SHORT[day.month - 1]} {day.year + 543}"


def test_tabs_and_headers_are_exact() -> None:
    tabs = demo_tabs(TODAY)
    assert list(tabs) == [FORM_TAB, REGISTRY_TAB, SUPPRESSION_TAB]
    assert (FORM_TAB, REGISTRY_TAB, SUPPRESSION_TAB) == (
        "การตอบแบบฟอร์ม 1",
        "ทะเบียนเครือข่าย",
        "งดรับข่าว",
    )
    # Every column the demo's form has is one the worker reads (nothing reported as unknown,
    # no optional field missing), and the registry has every field the worker uses.
    aliases = config_mod.SheetsConfig().columns.aliases
    assert columns.findings(tab_of(tabs, FORM_TAB), aliases("form")) == []
    found = find_columns(tab_of(tabs, REGISTRY_TAB), aliases("registry")).by_field
    assert set(aliases("registry")) <= set(found)
    assert tabs[SUPPRESSION_TAB][0] == ["อีเมล", "เหตุผล", "วันที่", "รายละเอียด"]
    for name, rows in tabs.items():
        assert all(len(r) == len(rows[0]) for r in rows), name
        assert not any(h in rows[0] for h in ("รหัสข่าว", "สถานะข่าว", "ลิงก์ข่าว", "ผลการส่ง"))


def test_cells_have_the_allowed_types() -> None:
    allowed = (str, bool, int, dt.datetime, dt.date, type(None))
    for rows in demo_tabs(TODAY).values():
        for row in rows:
            assert all(isinstance(c, allowed) for c in row), row
            assert not any(isinstance(c, dt.datetime) and c.tzinfo for c in row)


def test_approval_mix() -> None:
    form = records(FORM_TAB)
    assert 10 <= len(form) <= 14
    approvals = Counter(repr(r["อนุมัติ"]) for r in form)
    assert approvals[repr(True)] == 4  # three plain ticks + the one targeted ภายนอก
    assert approvals[repr("อนุมัติ")] == 1
    assert approvals[repr(" อนุมัติ ")] == 1
    assert approvals[repr("ไม่อนุมัติ")] == 1
    assert approvals[repr("ส่งกลับแก้ไข")] == 1
    assert approvals[repr(False)] == 1
    assert sum(is_approved(r["อนุมัติ"]) for r in form) == 6

    spaced = next(r for r in form if r["อนุมัติ"] == " อนุมัติ ")
    clusters = {r["กลุ่มเครือข่ายสถานศึกษา"] for r in records(REGISTRY_TAB)}
    assert spaced["กลุ่มเป้าหมาย"] in clusters
    outside = [r for r in form if r["กลุ่มเป้าหมาย"] == "ภายนอก"]
    assert len(outside) == 1 and outside[0]["อนุมัติ"] is True
    for word in ("ไม่อนุมัติ", "ส่งกลับแก้ไข"):
        row = next(r for r in form if r["อนุมัติ"] == word)
        assert isinstance(row["หมายเหตุผู้อนุมัติ"], str) and row["หมายเหตุผู้อนุมัติ"].strip()
    returned = next(r for r in form if r["อนุมัติ"] == "ส่งกลับแก้ไข")
    assert "แบบฟอร์ม" in str(returned["หมายเหตุผู้อนุมัติ"])


def test_invalid_rows_are_not_approved() -> None:
    form = records(FORM_TAB)
    untitled = [r for r in form if not str(r["หัวข้อข่าว"] or "").strip()]
    broken = [r for r in form if r["ที่อยู่อีเมล"] == BROKEN]
    assert len(untitled) == 1 and len(broken) == 1
    assert not is_approved(untitled[0]["อนุมัติ"]) and not is_approved(broken[0]["อนุมัติ"])
    # The two truly pending rows are valid: a title and a well-formed address.
    pending = [r for r in form if r["อนุมัติ"] in (None, False, "")]
    valid_pending = [r for r in pending if r not in untitled and r not in broken]
    assert len(valid_pending) == 2
    assert {repr(r["อนุมัติ"]) for r in valid_pending} == {"None", "False"}


def test_hostile_item_is_approved_and_carries_every_trick() -> None:
    hostile = [r for r in records(FORM_TAB) if "<script>" in str(r["เนื้อหาข่าว"])]
    assert len(hostile) == 1
    row = hostile[0]
    body = str(row["เนื้อหาข่าว"])
    assert row["อนุมัติ"] is True
    assert "javascript:" in body
    assert any(line.startswith("=HYPERLINK(") for line in body.splitlines())
    assert not body.startswith(("=", "+", "-", "@"))  # the cell itself is not a formula
    assert "javascript:" in str(row["ลิงก์เพิ่มเติม"])


def test_content_looks_like_real_submissions() -> None:
    form = records(FORM_TAB)
    titled = [r for r in form if r["หัวข้อข่าว"]]
    assert sum("\n\n" in str(r["เนื้อหาข่าว"]) for r in titled) >= 8
    for r in form:
        assert re.fullmatch(r"0\d{8,9}", str(r["เบอร์โทรศัพท์"])), r["เบอร์โทรศัพท์"]
        assert re.search(r"[\u0e00-\u0e7f]", str(r["เนื้อหาข่าว"]))
        for url in addresses(r["ภาพประกอบ"]):
            assert url.startswith("https://drive.google.com/open?id=")
    assert any(len(addresses(r["ภาพประกอบ"])) >= 3 for r in form)
    kinds = {type(r["วันที่จัดกิจกรรม"]) for r in form}
    assert dt.date in kinds and str in kinds


def test_dates_follow_today() -> None:
    for today in (TODAY, dt.date(2027, 1, 3), dt.date(2025, 6, 30)):
        form = records(FORM_TAB, today)
        start = dt.datetime.combine(today - dt.timedelta(days=10), dt.time())
        end = dt.datetime.combine(today, dt.time())
        stamps = [r["ประทับเวลา"] for r in form]
        assert all(isinstance(s, dt.datetime) and start <= s < end for s in stamps)
        assert stamps == sorted(stamps), "Google Forms appends in time order"
        waiting = [r for r in form if r["เผยแพร่วันที่"] == today + dt.timedelta(days=3)]
        assert len(waiting) == 1 and waiting[0]["อนุมัติ"] is True
        typed = [r["วันที่จัดกิจกรรม"] for r in form if isinstance(r["วันที่จัดกิจกรรม"], str)]
        recent = {thai_short(today + dt.timedelta(days=d)) for d in range(-30, 31)}
        assert typed and all(t in recent for t in typed)
        assert all(str(today.year + 543) in t or str(today.year + 542) in t for t in typed)
        updated = [r["ปรับปรุงล่าสุด"] for r in records(REGISTRY_TAB, today)]
        assert all(isinstance(u, dt.date) and u <= today for u in updated)
        assert any(today - u > dt.timedelta(days=365) for u in updated)  # type: ignore[operator]
        suppressed = records(SUPPRESSION_TAB, today)
        assert all(isinstance(r["วันที่"], dt.date) and r["วันที่"] <= today for r in suppressed)  # type: ignore[operator]


def test_registry_composition() -> None:
    reg = records(REGISTRY_TAB)
    groups = Counter(str(r["กลุ่ม"]) for r in reg)
    assert groups["สถานศึกษา"] >= 40
    assert groups["กลุ่มเครือข่ายสถานศึกษา"] == 5
    assert groups["หน่วยงานภาครัฐ"] == 2
    assert groups["เอกชน"] == 1
    assert groups["องค์กรปกครองส่วนท้องถิ่น"] == 2
    assert groups["องค์กรชุมชน"] == 1
    assert groups["สถานประกอบการ"] == 1
    assert groups["สื่อมวลชน"] == 3
    staff = [
        r
        for r in reg
        if r["ประเภทเครือข่าย"] == "ภายใน" and r["กลุ่ม"] not in ("สถานศึกษา", "กลุ่มเครือข่ายสถานศึกษา")
    ]
    assert len(staff) == 2
    schools = [r for r in reg if r["กลุ่ม"] == "สถานศึกษา"]
    assert all(r["ประเภทเครือข่าย"] == "ภายใน" for r in schools)
    per_cluster = Counter(r["กลุ่มเครือข่ายสถานศึกษา"] for r in schools)
    assert len(per_cluster) == 5 and min(per_cluster.values()) >= 5
    cluster_rows = {r["กลุ่มเครือข่ายสถานศึกษา"] for r in reg if r["กลุ่ม"] == "กลุ่มเครือข่ายสถานศึกษา"}
    assert cluster_rows == set(per_cluster)
    ids = [r["รหัสสมาชิก"] for r in reg]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"M\d{4}", str(i)) for i in ids)
    for r in reg:
        assert re.fullmatch(r"0\d{8,9}", str(r["โทรศัพท์"])), r["โทรศัพท์"]


def test_registry_faults_to_report() -> None:
    reg = records(REGISTRY_TAB)
    cells = [str(r["อีเมล"]) for r in reg]
    assert any("," in c for c in cells) and any(
        re.search(r"\S\s+\S", c) and "," not in c for c in cells
    )
    assert sum(r["รับข่าวทางอีเมล"] is False for r in reg) >= 2
    assert [r["สถานะ"] for r in reg].count("ระงับ") == 1
    assert {r["สถานะ"] for r in reg} == {"ใช้งาน", "ระงับ"}
    assert sum(r["เผยแพร่ในทำเนียบ"] is False for r in reg) >= 3
    assert any(not r["ผู้ประสานงาน"] for r in reg)
    valid = re.compile(r"[^@\s,]+@[^@\s,]+\.[a-z]{2,}")
    malformed = [a for c in cells for a in addresses(c) if not valid.fullmatch(a)]
    assert len(malformed) == 1
    seen = Counter(a.lower() for c in cells for a in addresses(c))
    assert [a for a, n in seen.items() if n > 1] != []
    suppressed = {str(r["อีเมล"]).lower() for r in records(SUPPRESSION_TAB)}
    assert len(suppressed & set(seen)) == 1


def test_every_address_is_on_a_reserved_domain() -> None:
    tabs = demo_tabs(TODAY)
    found: list[str] = []
    for rows in tabs.values():
        for row in rows[1:]:
            for cell in row:
                if isinstance(cell, str):
                    found += re.findall(r"[\w.+-]+@+[\w.-]+", cell)
                    found += [u.split("/")[2] for u in re.findall(r"https?://[^\s\"',)]+", cell)]
    found.append(DEMO_OFFICE.sender)
    found.append(DEMO_OFFICE.website.split("/")[2])
    assert len(found) > 60
    for item in found:
        domain = item.rsplit("@", 1)[-1].lower().rstrip(".")
        if item == BROKEN:
            continue
        assert domain == "drive.google.com" or RESERVED.search(domain), item
    assert found.count(BROKEN) == 1


def test_submission_schools_match_the_registry() -> None:
    names = {str(r["ชื่อหน่วยงาน"]) for r in records(REGISTRY_TAB)}
    schools = [str(r["ชื่อโรงเรียน/หน่วยงาน"]) for r in records(FORM_TAB)]
    unknown = [s for s in schools if s not in names]
    assert sorted(unknown) == sorted(["รร.บ้านป่าแดด", "โรงเรียนบ้านทุ่งหลวงวิทยา"])
    assert "โรงเรียนบ้านป่าแดด" in names
    assert "โรงเรียนบ้านทุ่งหลวงวิทยา" not in names
