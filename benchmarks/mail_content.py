"""The messages of the mail benchmark: one approved news item of a realistic size, sent as a
per-item bulletin to every school, and the same content for the other senders.

* ``workspace``: an office (``tests.workload``) whose one approved item has a longer Thai
  body and photo links, so its bulletins weigh about 20 KB or 60 KB (text + HTML);
* ``prebuild``: the project's own bulletins for that office as ``.eml`` files (its outbox),
  which raw smtplib sends as they are;
* ``mailmerge_inputs``: a mailmerge template and CSV that render the same text and HTML
  parts for every recipient (checked here against every ``.eml``), or the text part only.
"""

from __future__ import annotations

import csv
import datetime as dt
import email
import email.policy
import html
import re
import subprocess
import sys
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import jinja2
from openpyxl import load_workbook

from automation.demo import FORM_HEADERS
from automation.thaidate import BANGKOK
from tests.workload import FORM, Workload, make_workload, member_email, quiet, registry_rows

CLI = [sys.executable, "-m", "automation.cli"]
SENDER = "pr@office.example.test"


@dataclass(frozen=True)
class Size:
    """How much news one bulletin carries."""

    label: str
    paragraphs: int
    photos: int
    links: int


SIZES = {
    "20k": Size("~20 KB", paragraphs=0, photos=4, links=2),
    "60k": Size("~60 KB", paragraphs=10, photos=12, links=4),
}

_SENTENCES = (
    "นักเรียนทุกระดับชั้นร่วมกิจกรรมอย่างตั้งใจ โดยมีคณะครูและผู้ปกครองคอยดูแลอย่างใกล้ชิด",
    "ผู้อำนวยการโรงเรียนกล่าวขอบคุณหน่วยงานในชุมชนที่สนับสนุนงบประมาณและวัสดุอุปกรณ์",
    "กิจกรรมครั้งนี้ส่งเสริมทักษะการทำงานเป็นทีม ความรับผิดชอบ และความมีน้ำใจนักกีฬา",
    "องค์การบริหารส่วนตำบลมอบอาหารว่างและน้ำดื่มให้แก่นักเรียนที่เข้าร่วมตลอดทั้งวัน",
    "คณะกรรมการสถานศึกษาขั้นพื้นฐานร่วมเป็นเกียรติและมอบเกียรติบัตรแก่นักเรียนที่มีผลงานดีเด่น",
    "โรงเรียนจะนำผลการดำเนินงานไปพัฒนาแผนปฏิบัติการประจำปีการศึกษาถัดไปให้ดียิ่งขึ้น",
    "ผู้ปกครองหลายท่านแสดงความประทับใจและขอให้จัดกิจกรรมลักษณะนี้อย่างต่อเนื่องทุกภาคเรียน",
)


def news_body(paragraphs: int) -> str:
    """A Thai news text of ``paragraphs`` paragraphs, each a little different."""
    parts = []
    for p in range(paragraphs):
        sentences = [_SENTENCES[(p + s) % len(_SENTENCES)] for s in range(5)]
        parts.append(f"ช่วงที่ {p + 1} " + " ".join(sentences))
    return "\n\n".join(parts)


def workspace(folder: Path, members: int, size: Size, mail: str | None = None,
              today: dt.date | None = None) -> Workload:
    """An office with one approved item of ``size`` for ``members`` schools (bulletins
    only, one per school); ``mail`` as in ``make_workload`` (default: the outbox)."""
    work = make_workload(folder, members=members, approved=1, mail=mail,
                         extra_config=quiet(), today=today)
    book = load_workbook(work.workbook)
    sheet = book[FORM]
    title_col = FORM_HEADERS.index("หัวข้อข่าว") + 1
    row = next(r for r in range(2, sheet.max_row + 1)
               if sheet.cell(r, title_col).value == work.approved_titles[0])
    extra = news_body(size.paragraphs)
    body = sheet.cell(row, FORM_HEADERS.index("เนื้อหาข่าว") + 1)
    body.value = f"{body.value}\n\n{extra}"
    sheet.cell(row, FORM_HEADERS.index("ภาพประกอบ") + 1).value = "\n".join(
        f"https://drive.google.com/open?id=photo-{n:03d}-{'x' * 24}" for n in range(size.photos))
    sheet.cell(row, FORM_HEADERS.index("ลิงก์เพิ่มเติม") + 1).value = "\n".join(
        f"https://www.school.example.test/news/2568/activity-{n}.html" for n in range(size.links))
    book.save(work.workbook)
    return work


def prebuild(folder: Path, members: int, size: Size) -> list[Path]:
    """The project's bulletins for ``members`` schools as ``.eml`` files, one per school."""
    work = workspace(folder, members, size)
    subprocess.run([*CLI, "run", "--once", "--config", str(work.config)], check=True,
                   stdout=subprocess.DEVNULL)
    files = sorted((folder / "outbox").glob("bulletin-*.eml"))
    if len(files) != members:
        raise SystemExit(f"the project built {len(files)} of {members} bulletins")
    return files


# -- mailmerge ----------------------------------------------------------------------------

_UNSUBSCRIBE = re.compile(r"ยกเลิกการรับข่าวทางอีเมล: (\S+)")
FIELDS = ("email", "coordinator", "name", "unsubscribe", "unsubscribe_html")


@dataclass(frozen=True)
class Parsed:
    to: str
    subject: str
    sender: str
    text: str
    html: str


def parse(data: bytes) -> Parsed:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    parts = [msg.get_body(preferencelist=(kind,)) for kind in ("plain", "html")]
    text, markup = (str(p.get_content()) if p is not None else "" for p in parts)
    return Parsed(msg["To"].addresses[0].addr_spec, str(msg["Subject"]), str(msg["From"]),
                  text.replace("\r\n", "\n"), markup.replace("\r\n", "\n"))


def _values(parsed: Parsed, people: dict[str, tuple[str, str]]) -> dict[str, str]:
    found = _UNSUBSCRIBE.search(parsed.text)
    if found is None:
        raise SystemExit(f"no unsubscribe link in the bulletin to {parsed.to}")
    coordinator, name = people[parsed.to]
    url = found.group(1)
    return {"email": parsed.to, "coordinator": coordinator, "name": name, "unsubscribe": url,
            "unsubscribe_html": html.escape(url)}


def template_of(content: str, values: dict[str, str], fields: tuple[str, ...]) -> str:
    """``content`` with each personal value turned into a placeholder (longest first)."""
    pattern = "|".join(re.escape(values[f]) for f in sorted(fields, key=lambda f: -len(values[f])))
    by_value = {values[f]: f for f in fields}
    out: list[str] = []
    pos = 0
    for found in re.finditer(pattern, content):
        out.append(_raw(content[pos:found.start()]))
        out.append("{{ " + by_value[found.group(0)] + " }}")
        pos = found.end()
    out.append(_raw(content[pos:]))
    return "".join(out)


def _raw(text: str) -> str:
    return f"{{% raw %}}{text}{{% endraw %}}" if re.search(r"\{[{%#]", text) else text


def mailmerge_inputs(folder: Path, files: list[Path], members: int, with_html: bool,
                     ) -> tuple[Path, Path]:
    """mailmerge's template and CSV for the project's ``files``: text and HTML parts (or
    the text part only) rendering exactly what the project sent to each school."""
    people = {str(row[8]): (str(row[5]), str(row[3]))
              for row in registry_rows(members, 20, dt.datetime.now(BANGKOK).date())[1:]}
    parsed = [parse(p.read_bytes()) for p in files]
    # The template is made from a bulletin to a school other than the one in the news.
    model = next(p for p in parsed if p.to != member_email(1))
    values = _values(model, people)
    text_fields = ("email", "coordinator", "name", "unsubscribe")
    text = template_of(model.text, values, text_fields)
    markup = template_of(model.html, values, (*text_fields[:3], "unsubscribe_html"))
    head = f"TO: {{{{ email }}}}\nSUBJECT: {model.subject}\nFROM: {SENDER}\n"
    if with_html:
        template = (head + 'MIME-Version: 1.0\nContent-Type: multipart/alternative; '
                    'boundary="bench-alternative"\n\n--bench-alternative\n'
                    'Content-Type: text/plain; charset=utf-8\n\n' + text
                    + '\n--bench-alternative\nContent-Type: text/html; charset=utf-8\n\n'
                    + markup + "\n--bench-alternative--\n")
    else:
        template = head + "\n" + text
    rows = [_values(p, people) for p in parsed]
    _check(text, markup if with_html else None, rows, parsed)
    kind = "html" if with_html else "text"
    template_path = folder / f"mailmerge_{kind}.txt"
    template_path.write_text(template, encoding="utf-8")
    database = folder / f"mailmerge_{kind}.csv"
    with database.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    return template_path, database


def _check(text: str, markup: str | None, rows: list[dict[str, str]],
           parsed: list[Parsed]) -> None:
    """Every recipient's parts, rendered from the template, are the project's parts."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    pairs = [(env.from_string(text), "text")]
    if markup is not None:
        pairs.append((env.from_string(markup), "html"))
    for row, message in zip(rows, parsed, strict=True):
        for template, part in pairs:
            if template.render(row) != getattr(message, part):
                raise SystemExit(f"the mailmerge {part} template does not render the "
                                 f"bulletin to {message.to}")
