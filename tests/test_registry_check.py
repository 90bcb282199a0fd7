"""Registry upkeep: a table of bad rows for `registry check`, the directory search, and
keep-current confirmations sent to a real SMTP server with the ledger preventing repeats."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from automation import config as config_mod
from automation import wiring
from automation.cli import main
from automation.core.registry import parse_registry
from automation.core.services import Services
from automation.demo import SUPPRESSED_EMAIL
from automation.model import Member, Tab
from automation.thaidate import BANGKOK
from automation.upkeep import jobs
from automation.upkeep.check import Finding, check, findings_hash
from automation.upkeep.confirm import KIND, KeepCurrent, prefill_url, round_status
from automation.upkeep.find import find
from automation.upkeep.settings import KeepCurrentConfig, RegistryRules
from tests.servers.smtp import SmtpServer
from tests.workspace import REGISTRY, column_of, edit_sheet, find_row, make_workspace, outbox

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=BANGKOK)
HEADERS = ["รหัสสมาชิก", "ประเภทเครือข่าย", "กลุ่ม", "ชื่อหน่วยงาน", "กลุ่มเครือข่ายสถานศึกษา",
           "ผู้ประสานงาน", "ตำแหน่ง", "โทรศัพท์", "อีเมล", "รับข่าวทางอีเมล", "สถานะ",
           "ปรับปรุงล่าสุด", "เผยแพร่ในทำเนียบ"]
FIELDS = ["member_id", "network", "group", "name", "cluster", "coordinator", "position",
          "phone", "email", "accepts_email", "status", "updated", "public"]
ALIASES = config_mod.ColumnsConfig().aliases("registry")


def row(n: int, **changes: Any) -> list[Any]:
    values: dict[str, Any] = {
        "member_id": f"M{n:04d}", "network": "ภายใน", "group": "สถานศึกษา",
        "name": f"โรงเรียนบ้านทดสอบที่ {n}", "cluster": "เครือข่ายฮอด",
        "coordinator": f"นางสาวสมศรี ใจดี {n}", "position": "ครู", "phone": "0812345678",
        "email": f"school{n}@school.example.test", "accepts_email": True, "status": "ใช้งาน",
        "updated": TODAY - timedelta(days=30), "public": True,
    }
    values.update(changes)
    return [values[f] for f in FIELDS]


GOOD = [row(1), row(2, group="หน่วยงานภาครัฐ", network="ภายนอก", cluster="",
                    phone="053-123-456", name="สำนักงานสาธารณสุขอำเภอฮอด"),
        row(3, phone="+66 81 234 5678", email="a3@school.example.test, b3@example.com")]


def tab_of(*rows: list[Any], headers: list[str] = HEADERS) -> Tab:
    return Tab("ทะเบียนเครือข่าย", [headers, *rows])


def run(*bad: list[Any], rules: RegistryRules | None = None,
        suppressed: frozenset[str] = frozenset()) -> list[Finding]:
    return check(tab_of(*GOOD, *bad), ALIASES, rules or RegistryRules(), TODAY, suppressed)


def test_good_rows_have_no_findings() -> None:
    assert run() == []


# member ID, changes, expected code, column, severity, text in the suggestion
BAD_ROWS: list[tuple[str, dict[str, Any], str, str, str, str]] = [
    ("typo domain", {"email": "somchai@gmial.com"}, "email_invalid", "อีเมล", "error",
     "somchai@gmail.com"),
    ("no @", {"email": "school.example.test"}, "email_invalid", "อีเมล", "error", "ชื่อ@โดเมน"),
    ("Thai local part", {"email": "ครู@school.example.test"}, "email_invalid", "อีเมล", "error",
     "ชื่อ@โดเมน"),
    ("two @", {"email": "a@@school.example.test"}, "email_invalid", "อีเมล", "error", ""),
    ("missing e-mail", {"email": None}, "email_missing", "อีเมล", "error", "กรอกอีเมล"),
    ("same address twice", {"email": "x@school.example.test; X@School.example.test"},
     "email_repeated", "อีเมล", "warning", "ลบ"),
    ("no-reply", {"email": "noreply@school.example.test"}, "email_noreply", "อีเมล", "warning",
     "ผู้ประสานงาน"),
    ("short phone", {"phone": "08123"}, "phone_invalid", "โทรศัพท์", "error", "081-234-5678"),
    ("letters in phone", {"phone": "โทรไม่ติด"}, "phone_invalid", "โทรศัพท์", "error", "081"),
    ("foreign phone", {"phone": "+1 415 555 0100"}, "phone_invalid", "โทรศัพท์", "error", ""),
    ("zero lost (number cell)", {"phone": 812345678}, "phone_zero", "โทรศัพท์", "warning",
     "081-234-5678"),
    ("zero lost (text)", {"phone": "53123456"}, "phone_zero", "โทรศัพท์", "warning",
     "053-123-456"),
    ("network typo", {"network": "ภายในน"}, "network_value", "ประเภทเครือข่าย", "error",
     "'ภายใน'"),
    ("group typo", {"group": "สถานศึกษาา"}, "group_value", "กลุ่ม", "error", "'สถานศึกษา'"),
    ("unknown group", {"group": "ร้านเสริมสวย"}, "group_value", "กลุ่ม", "error", "สื่อมวลชน"),
    ("unknown status", {"status": "ปิดชั่วคราว"}, "status_value", "สถานะ", "error", "ระงับ"),
    ("no coordinator", {"coordinator": None}, "coordinator_missing", "ผู้ประสานงาน", "error",
     "กรอกผู้ประสานงาน"),
    ("no name", {"name": "  "}, "name_missing", "ชื่อหน่วยงาน", "error", ""),
    ("school without cluster", {"cluster": None}, "cluster_missing", "กลุ่มเครือข่ายสถานศึกษา",
     "error", "กลุ่มเครือข่าย"),
    ("bad date", {"updated": "32/13/2569"}, "updated_invalid", "ปรับปรุงล่าสุด", "error",
     "24/11/2569"),
    ("stale", {"updated": TODAY - timedelta(days=500)}, "stale", "ปรับปรุงล่าสุด", "warning",
     "automation registry confirm"),
    ("never updated", {"updated": None}, "stale", "ปรับปรุงล่าสุด", "warning", "วันที่"),
    ("future date", {"updated": "1/1/2580"}, "updated_future", "ปรับปรุงล่าสุด", "warning",
     "พ.ศ."),
    ("odd checkbox", {"accepts_email": "บางที"}, "accepts_email_value", "รับข่าวทางอีเมล",
     "warning", "TRUE/FALSE"),
]


@pytest.mark.parametrize(("case", "changes", "code", "column", "severity", "hint"), BAD_ROWS,
                         ids=[c[0] for c in BAD_ROWS])
def test_bad_rows_are_located_with_a_suggestion(case: str, changes: dict[str, Any], code: str,
                                                column: str, severity: str, hint: str) -> None:
    found = run(row(50, **changes))
    assert found, case
    assert all(f.member_id == "M0050" and f.row == 5 for f in found), found
    hit = [f for f in found if f.code == code]
    assert hit, [f.code for f in found]
    assert hit[0].column == column
    assert hit[0].severity == severity
    assert hint in hit[0].suggestion
    assert hit[0].problem


def test_fine_values_that_look_odd_are_accepted() -> None:
    assert run(row(51, phone="02-123-4567 ต่อ 12"), row(52, phone="081-234-5678/9"),
               row(53, email=None, accepts_email=False),
               row(54, email="Kru Somsri <kru.somsri@example.com>"),
               row(55, accepts_email="ใช่", public="ไม่")) == []


def test_missing_member_id_gets_the_next_free_id() -> None:
    found = run(row(60, member_id=None), row(61, member_id=""))
    # The row without an ID is named by its row number so the officer can find it.
    assert [(f.member_id, f.suggestion) for f in found] == [
        ("แถว5", "ใส่รหัสที่ไม่ซ้ำ เช่น M0004"), ("แถว6", "ใส่รหัสที่ไม่ซ้ำ เช่น M0005")]


def test_duplicates_across_rows() -> None:
    found = run(
        row(1, name="โรงเรียนอื่น", email="other@school.example.test"),           # same ID
        row(70, name="รร.บ้านทดสอบที่ 1", cluster="เครือข่ายดอยเต่า",
            email="x70@school.example.test"),                                   # two clusters
        row(71, name="สำนักงานสาธารณสุข อำเภอฮอด", group="หน่วยงานภาครัฐ", cluster="",
            network="ภายนอก", email="x71@gov.example.test"),                     # same agency
        row(72, name="โรงเรียนใหม่", email="school1@school.example.test"),         # shared e-mail
    )
    by = {(f.member_id, f.code): f for f in found}
    assert by[("M0001", "id_duplicate")].problem == "รหัสสมาชิกซ้ำกับแถว 2"
    assert by[("M0001", "id_duplicate")].row == 5
    two = by[("M0070", "two_clusters")]
    assert two.column == "กลุ่มเครือข่ายสถานศึกษา" and "M0001" in two.problem
    assert "เครือข่ายดอยเต่า" in two.problem and "เครือข่ายฮอด" in two.problem
    same = by[("M0071", "duplicate_name")]
    assert same.column == "ชื่อหน่วยงาน" and "M0002" in same.problem
    shared = by[("M0072", "duplicate_email")]
    assert shared.severity == "warning" and "M0001" in shared.problem


def test_cluster_spellings_and_allowed_lists() -> None:
    found = run(row(80, cluster="เครือข่าย ฮอด"))
    assert [(f.member_id, f.code, f.suggestion) for f in found] == [
        ("M0080", "cluster_spelling", "ใช้ 'เครือข่ายฮอด' ให้เหมือนกันทุกแถว")]
    rules = RegistryRules(clusters=["เครือข่ายฮอด", "เครือข่ายดอยเต่า"])
    found = run(row(81, cluster="เครือข่ายดอยเตา"), rules=rules)
    assert [(f.code, f.suggestion) for f in found] == [
        ("cluster_value", "หมายถึง 'เครือข่ายดอยเต่า' ใช่หรือไม่")]


def test_rules_come_from_config() -> None:
    rules = RegistryRules(required=["member_id", "name"],
                          groups=["สถานศึกษา", "หน่วยงานภาครัฐ", "ร้านค้า"])
    assert run(row(90, coordinator=None, phone=None, group="ร้านค้า", cluster=None),
               rules=rules) == []
    with pytest.raises(config_mod.ConfigError, match=r"registry\.required"):
        RegistryRules(required=["phone", "fax"])


def test_suppressed_address_is_flagged() -> None:
    found = run(row(95, email="gone@school.example.test"),
                suppressed=frozenset({"gone@school.example.test"}))
    assert [(f.code, f.severity) for f in found] == [("email_suppressed", "warning")]


def test_missing_columns_and_duplicate_headers() -> None:
    headers = [h for h in HEADERS if h != "อีเมล"] + ["ชื่อหน่วยงาน"]
    tab = tab_of([c for h, c in zip(HEADERS, row(1), strict=True) if h != "อีเมล"] + ["ซ้ำ"],
                 headers=headers)
    found = check(tab, ALIASES, RegistryRules(), TODAY)
    codes = {(f.code, f.column) for f in found}
    assert ("missing_column", "อีเมล") in codes
    assert ("duplicate_header", "ชื่อหน่วยงาน") in codes


def test_fingerprint_changes_only_with_the_findings() -> None:
    first = run(row(50, phone="08123"))
    assert findings_hash(first) == findings_hash(list(reversed(first)))
    assert findings_hash(first) != findings_hash(run(row(50, phone="0812")))


def test_demo_registry_faults_are_all_found(tmp_path: Path) -> None:
    config = make_workspace(tmp_path / "demo")
    services = wiring.services(config_mod.load(config))
    tab, registry = jobs.load(services)
    found = jobs.findings(services, tab, registry)
    codes = {(f.member_id, f.code) for f in found}
    assert any(code == "email_invalid" for _m, code in codes)       # banmuangkued@@…
    assert any(code == "coordinator_missing" for _m, code in codes)
    assert any(code == "duplicate_email" for _m, code in codes)     # shared by two members
    assert sum(1 for _m, code in codes if code == "stale") >= 2
    assert any(code == "email_suppressed" for _m, code in codes)


# ---------------------------------------------------------------- the officer's e-mail

def test_officer_is_mailed_only_when_the_findings_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_workspace(tmp_path / "demo")
    workbook = tmp_path / "demo" / "workbook.xlsx"
    assert main(["registry", "check", "--send", "--config", str(config)]) == 1  # errors found
    printed = capsys.readouterr().out
    assert "ข้อผิดพลาด" in printed and "M0030" in printed
    sent = outbox(tmp_path / "demo" / "outbox")
    assert len(sent) == 1 and sent[0]["To"] == "pr.officer@office.example.test"
    assert "ผลตรวจทะเบียนเครือข่าย" in str(sent[0]["Subject"])
    assert main(["registry", "check", "--send", "--config", str(config)]) == 1
    assert len(outbox(tmp_path / "demo" / "outbox")) == 1  # unchanged: no second e-mail

    def fix(sheet: Any) -> None:
        r = find_row(sheet, "รหัสสมาชิก", "M0030")
        sheet.cell(row=r, column=column_of(sheet, "ผู้ประสานงาน")).value = "นายใหม่ ใจดี"

    edit_sheet(workbook, REGISTRY, fix)
    main(["registry", "check", "--send", "--config", str(config)])
    sent = outbox(tmp_path / "demo" / "outbox")
    assert len(sent) == 2
    bodies = [next(p for p in m.walk() if p.get_content_type() == "text/plain").get_content()
              for m in sent]
    assert sum("M0030" in b for b in bodies) == 1  # the new list no longer names it


# ---------------------------------------------------------------- directory search

def members() -> list[Member]:
    tab = tab_of(
        row(1, name="โรงเรียนบ้านป่าแดด", coordinator="นางสมศรี ใจดี", phone="0812345678",
            cluster="เครือข่ายแม่ริม 1"),
        row(2, name="โรงเรียนบ้านแม่แรม", coordinator="นายณัฐพล คำแสน", phone="053112233",
            cluster="เครือข่ายแม่ริม 2"),
        row(3, name="หนังสือพิมพ์ข่าวเหนือรายวัน", group="สื่อมวลชน", network="ภายนอก",
            cluster="", coordinator="นายสุริยา อินทร์แก้ว", phone="0957778899"),
        row(4, name="โรงเรียนบ้านป่าไม้แดง", coordinator="นางวิภา ศรีสุข", phone="0891112222",
            cluster="เครือข่ายแม่แตง", status="ระงับ"),
    )
    return list(parse_registry(tab, ALIASES).members)


@pytest.mark.parametrize(("query", "first", "field"), [
    ("บ้านป่าแดด", "M0001", "name"),
    ("รร.บ้านป่าแดด", "M0001", "name"),             # abbreviation of โรงเรียน
    ("โรงเรียน บ้าน ป่าแดด", "M0001", "name"),        # spaces typed between words
    ("บานปาแดด", "M0001", "name"),                   # tone marks left out
    ("บ้านปาเเดด", "M0001", "name"),                  # sara ae typed as two sara e
    ("บ้านป่าแดต", "M0001", "name"),                  # one wrong letter
    ("แม่ริม 2", "M0002", "cluster"),
    ("สมศรี", "M0001", "coordinator"),
    ("ณัฐพล คำแสน", "M0002", "coordinator"),
    ("081-234-5678", "M0001", "phone"),
    ("๐๕๓๑๑๒๒๓๓", "M0002", "phone"),                  # Thai digits
    ("957778899", "M0003", "phone"),                 # leading zero lost
    ("ข่าวเหนือ", "M0003", "name"),
    ("สื่อมวลชน", "M0003", "group"),
    ("school4@school", "M0004", "emails"),
])
def test_find_is_thai_aware(query: str, first: str, field: str) -> None:
    found = find(members(), query)
    assert found, query
    assert found[0].member.member_id == first
    assert field in found[0].fields


def test_find_ranks_and_filters() -> None:
    found = find(members(), "แดง")
    assert [m.member.member_id for m in found] == ["M0004"]
    assert find(members(), "ไม่มีหน่วยงานนี้") == []
    assert find(members(), "   ") == []
    both = find(members(), "บ้าน แม่ริม")
    assert [m.member.member_id for m in both] == ["M0001", "M0002"]


def test_cli_find(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = make_workspace(tmp_path / "demo")
    assert main(["registry", "find", "รร.บ้านป่าแดด", "--config", str(config)]) == 0
    assert "M0001" in capsys.readouterr().out
    assert main(["registry", "find", "ไม่มีแน่นอน", "--config", str(config)]) == 1


# ---------------------------------------------------------------- keep current

FORM_ID = "1FAIpQLSfTestFormId_abc-123"
ENTRIES = {"member_id": "111", "name": "222", "coordinator": "333", "phone": "444",
           "email": "555"}


def keep_config(extra: str = "") -> str:
    entries = "\n".join(f'{k} = "{v}"' for k, v in ENTRIES.items())
    return (f'[keep_current]\nform_id = "{FORM_ID}"\n{extra}\n'
            f"[keep_current.entries]\n{entries}\n[report]\ncharts = false\n")


def smtp_services(tmp_path: Path, server: SmtpServer, extra: str = "",
                  mail_extra: str = "") -> Services:
    """The demo workspace (dated relative to today) mailing the test server; real clock."""
    mail = ('[mail]\ntransport = "smtp"\nhost = "127.0.0.1"\n'
            f'port = {server.port}\nsecurity = "none"\nsender = "pr@office.example.test"\n'
            f"rate_per_minute = 100000\ndaily_limit = 100000\n{mail_extra}")
    config = make_workspace(tmp_path / "demo", keep_config(extra), mail=mail)
    return wiring.services(config_mod.load(config))


def expected_pairs(services: Services) -> list[tuple[str, str]]:
    """(member, address) for every active member's usable address: one message each (an
    address shared by two members gets two, each showing its own member's data)."""
    _tab, registry = jobs.load(services)
    return [(m.member_id, e) for m in registry.members if m.active for e in m.emails
            if e not in registry.suppressed]


def current_round(services: Services, days: int = 0) -> str:
    from automation.reports import period

    return period.containing("term", services.clock().date() + timedelta(days=days)).key


def test_prefilled_link_carries_the_members_data() -> None:
    member = members()[0]
    url = prefill_url(FORM_ID, ENTRIES, member)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        f"https://docs.google.com/forms/d/e/{FORM_ID}/viewform")
    query = parse_qs(parts.query)
    assert query["usp"] == ["pp_url"]
    assert query["entry.111"] == ["M0001"]
    assert query["entry.222"] == ["โรงเรียนบ้านป่าแดด"]
    assert query["entry.333"] == ["นางสมศรี ใจดี"]
    assert query["entry.444"] == ["081-234-5678"]  # the leading zero survives
    assert query["entry.555"] == ["school1@school.example.test"]
    assert "%E0%B8" in url and " " not in url


def test_keep_current_config_is_checked() -> None:
    with pytest.raises(config_mod.ConfigError, match=r"keep_current\.entries\.fax"):
        KeepCurrentConfig(form_id=FORM_ID, entries={"fax": "1"})
    with pytest.raises(config_mod.ConfigError, match="entry number"):
        KeepCurrentConfig(form_id=FORM_ID, entries={"name": "abc"})
    with pytest.raises(config_mod.ConfigError, match="form_id"):
        KeepCurrentConfig(form_id="https://forms.gle/x")
    assert KeepCurrentConfig(form_id=FORM_ID, entries={"name": "entry.42"}).entries


def test_each_member_is_asked_once_per_round(tmp_path: Path, smtp_server: SmtpServer) -> None:
    services = smtp_services(tmp_path, smtp_server)
    pairs = expected_pairs(services)
    result = jobs.keep_current_job(services)
    assert result is not None and result.round == current_round(services)
    assert result.sent == len(pairs) and result.failed == 0
    smtp_server.wait_for(len(pairs))
    received = smtp_server.messages
    assert sorted(m.rcpt_tos[0] for m in received) == sorted(a for _m, a in pairs)
    assert SUPPRESSED_EMAIL not in {m.rcpt_tos[0] for m in received}
    assert len({m.message_id for m in received}) == len(received)
    msg = next(m.message for m in received if m.rcpt_tos[0] == "banpadad@school.example.test")
    assert "โรงเรียนบ้านป่าแดด" in str(msg["Subject"])
    html = next(p for p in msg.walk() if p.get_content_type() == "text/html").get_content()
    text = next(p for p in msg.walk() if p.get_content_type() == "text/plain").get_content()
    link = re.search(r'href="(https://docs\.google\.com/forms/d/e/[^"]+)"', html)
    assert link is not None
    query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert query["entry.111"] == ["M0001"] and query["entry.222"] == ["โรงเรียนบ้านป่าแดด"]
    assert query["entry.444"][0].startswith("0")
    assert "M0001" in text and result.round_name in text and "ภาคเรียนที่" in text
    records = services.ledger.deliveries(kind=KIND)
    assert sorted((r.item_id, r.recipient) for r in records) == sorted(
        (f"{result.round}/{m}", a) for m, a in pairs)
    assert all(r.status == "sent" for r in records)

    again = jobs.keep_current_job(services)
    assert again is not None and again.sent == 0 and again.already == len(pairs)
    assert len(smtp_server.messages) == len(pairs)

    # The next semester is a new round.
    start = services.clock()
    services.clock = lambda: start + timedelta(days=200)
    later = jobs.keep_current_job(services)
    assert later is not None and later.round == current_round(services)
    assert later.round != result.round and later.sent == len(pairs)


def test_confirmations_are_paced_by_per_run_and_the_daily_limit(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    services = smtp_services(tmp_path, smtp_server, "per_run = 5")
    total = len(expected_pairs(services))
    first = jobs.keep_current_job(services)
    assert first is not None and (first.sent, first.deferred) == (5, total - 5)
    second = jobs.keep_current_job(services)
    assert second is not None and second.sent == 5 and second.already == 5

    # A small daily budget: keep-current mail stops at it (leaving room for notices).
    services.config = replace(services.config,
                              mail=replace(services.config.mail, daily_limit=16))
    runs = [jobs.keep_current_job(services) for _ in range(4)]
    sent = [r.sent for r in runs if r is not None]
    assert all(n <= 5 for n in sent) and sent[-1] == 0
    assert 10 < len(smtp_server.messages) <= 16
    assert any("daily limit" in r.stopped for r in runs if r is not None)
    records = services.ledger.deliveries(kind=KIND)
    assert len(records) == len(smtp_server.messages)
    assert all(r.status == "sent" for r in records)  # what did not fit was never attempted


def test_members_who_update_are_marked_and_the_rest_reported(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    services = smtp_services(tmp_path, smtp_server)
    jobs.keep_current_job(services)
    workbook = tmp_path / "demo" / "workbook.xlsx"

    def update(sheet: Any) -> None:
        r = find_row(sheet, "รหัสสมาชิก", "M0002")
        sheet.cell(row=r, column=column_of(sheet, "ปรับปรุงล่าสุด")).value = asked.date()

    asked = services.clock()
    round_key = current_round(services)
    edit_sheet(workbook, REGISTRY, update)
    services.clock = lambda: asked + timedelta(days=3)
    result = jobs.keep_current_job(services)
    assert result is not None and result.marked == 1 and result.sent == 0
    events = [e for e in services.ledger.events("M0002") if e[1] == f"confirmed:{round_key}"]
    assert len(events) == 1
    assert jobs.keep_current_job(services).marked == 0  # type: ignore[union-attr]
    _tab, registry = jobs.load(services)
    status = round_status(services.ledger, registry)
    assert status is not None
    assert [m.member_id for m in status.updated] == ["M0002"]
    assert "M0001" in {m.member_id for m in status.waiting}

    from automation.reports import period
    from automation.reports.job import Reports

    reports = Reports(services)
    today = services.clock().date()
    text = reports.render(reports.build(period.month(today.year, today.month))).text
    assert f"แบบยืนยันข้อมูลรอบ {round_key}" in text
    assert "M0001 โรงเรียนบ้านป่าแดด" in text  # not yet confirmed: listed in the report


def test_cli_confirm_dry_run_preview_and_send(tmp_path: Path, smtp_server: SmtpServer,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    services = smtp_services(tmp_path, smtp_server)
    config = str(services.config.path)
    out = tmp_path / "confirm.html"
    assert main(["registry", "confirm", "--preview", str(out), "--member", "M0001",
                 "--config", config]) == 0
    html = out.read_text(encoding="utf-8")
    assert "โรงเรียนบ้านป่าแดด" in html and "docs.google.com/forms" in html
    assert smtp_server.messages == []
    assert "--send" in capsys.readouterr().out
    assert main(["registry", "confirm", "--send", "--limit", "2", "--config", config]) == 0
    smtp_server.wait_for(2)
    assert len(smtp_server.messages) == 2


def test_the_scheduler_runs_the_upkeep_jobs(tmp_path: Path, smtp_server: SmtpServer) -> None:
    from automation.scheduler import jobs as scheduler_jobs

    services = smtp_services(tmp_path, smtp_server, "per_run = 3")
    context = scheduler_jobs.JobContext.build(services)
    check = scheduler_jobs.run_job("registry_check", context)
    assert check.ok and "ข้อผิดพลาด" in check.summary and "ส่งถึงเจ้าหน้าที่ 1" in check.summary
    keep = scheduler_jobs.run_job("keep_current", context)
    assert keep.ok and "ส่ง 3" in keep.summary
    smtp_server.wait_for(4)
    assert len(smtp_server.messages) == 4


def test_confirm_without_a_form_is_a_config_error(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    config = make_workspace(tmp_path / "demo")
    assert main(["registry", "confirm", "--config", str(config)]) == 2
    assert "form_id" in capsys.readouterr().err
    services = wiring.services(config_mod.load(config))
    assert jobs.keep_current_job(services) is None
    with pytest.raises(config_mod.ConfigError):
        KeepCurrent(services).envelopes(jobs.load(services)[1], NOW)
