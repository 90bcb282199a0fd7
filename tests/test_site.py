"""The news board built from the demo workspace: valid pages whose internal links all resolve,
an Atom feed with correct dates, hostile content inert, a directory of consented members only,
incremental rebuilds, stable addresses, take-downs, and rebuilding from the ledger."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from dataclasses import replace
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

import pytest

from automation import config as config_mod
from automation import wiring
from automation.cli import main
from automation.ledger.sqlite import SqliteLedger
from automation.model import Decision
from automation.site.factory import site_publisher
from automation.site.feed import entry_id
from tests.workspace import (
    FORM,
    REGISTRY,
    column_of,
    edit_sheet,
    find_row,
    make_workspace,
    run_cycle,
    table,
)

ATOM = "{http://www.w3.org/2005/Atom}"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
DEMO_PUBLISHED = 5


class Page(HTMLParser):
    """Structure and links of one page, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doctype = ""
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.links: list[str] = []
        self.ids: Counter[str] = Counter()
        self.text: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        for name, value in attrs:
            if name.startswith("on"):
                self.errors.append(f"event handler attribute {name} on <{tag}>")
            if name in ("href", "src", "action") and value is not None:
                self.links.append(value)
            if name == "id" and value:
                self.ids[value] += 1
        if tag == "script" and not dict(attrs).get("src"):
            self.errors.append("inline <script>")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> while <{'/'.join(self.stack)}> is open")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def check_page(path: Path, root: Path) -> Page:
    """Assert ``path`` is a well-formed Thai page whose internal links all resolve."""
    page = parse(path)
    where = path.relative_to(root)
    assert page.doctype.lower() == "doctype html", where
    assert page.tags[0] == ("html", {"lang": "th"}), where
    assert not page.errors, (where, page.errors)
    assert not page.stack, (where, page.stack)
    assert {"charset": "utf-8"} in [a for t, a in page.tags if t == "meta"], where
    assert any(a.get("name") == "viewport" for t, a in page.tags if t == "meta"), where
    title = "".join(page.text).strip()
    assert title, where
    assert [i for i, n in page.ids.items() if n > 1] == [], where
    for link in page.links:
        lowered = link.strip().lower()
        assert not lowered.startswith(BAD_SCHEMES), (where, link)
        parts = urlsplit(link)
        if parts.scheme in ("http", "https", "mailto", "tel") or not parts.path:
            continue
        target = (path.parent / unquote(parts.path)).resolve()
        assert target.is_relative_to(root.resolve()), (where, link)
        assert target.is_file(), f"{where}: broken link {link}"
    return page


@pytest.fixture(scope="module")
def published_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = make_workspace(tmp_path_factory.mktemp("demo") / "office")
    run_cycle(config)
    return config


@pytest.fixture
def demo(published_demo: Path, tmp_path: Path) -> Path:
    """A demo workspace after one cycle (the approved items are on the board), a fresh copy
    for each test."""
    shutil.copytree(published_demo.parent, tmp_path / "office")
    return tmp_path / "office" / published_demo.name


def site_of(config: Path) -> Path:
    return config.parent / "site"


def published_ids(config: Path) -> list[str]:
    return sorted(p.stem for p in (site_of(config) / "news").glob("*.html"))


def files(site: Path) -> dict[Path, tuple[int, bytes]]:
    return {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in site.rglob("*") if p.is_file()}


# -- structure, links, feed ---------------------------------------------------------------


def test_every_page_is_well_formed_and_every_internal_link_resolves(demo: Path) -> None:
    site = site_of(demo)
    pages = sorted(site.rglob("*.html"))
    kinds = Counter(p.parent.name if p.parent != site else p.name for p in pages)
    assert kinds["news"] == DEMO_PUBLISHED
    assert kinds["school"] == 5 and kinds["cluster"] >= 3 and kinds["month"] >= 1
    for name in ("index.html", "archive.html", "search.html", "directory.html"):
        assert kinds[name] == 1, name
    for path in pages:
        check_page(path, site)
    index = parse(site / "index.html")
    items = [a["href"] for t, a in index.tags if t == "a" and "news/" in str(a.get("href"))]
    assert sorted(items) == [f"news/{i}.html" for i in published_ids(demo)]
    assert "การแข่งขันกีฬาสีภายใน “ดอนแก้วเกมส์”" in "".join(index.text)
    assert (site / "assets" / "site.css").is_file() and (site / "assets" / "search.js").is_file()


def test_news_page_shows_the_item_in_thai(demo: Path) -> None:
    site = site_of(demo)
    (path,) = [p for p in (site / "news").glob("*.html") if "ดอนแก้วเกมส์" in p.read_text()]
    page = parse(path)
    text = " ".join(" ".join(page.text).split())
    assert "โรงเรียน/หน่วยงาน โรงเรียนบ้านดอนแก้ว" in text
    assert "กลุ่มเครือข่าย เครือข่ายแม่ริม 1" in text
    assert re.search(r"วันที่จัดกิจกรรม \d{1,2} [ก-๙]+ 25\d\d", text), "Buddhist-era date"
    assert re.search(r"เผยแพร่เมื่อ \d{1,2} [ก-๙]+ 25\d\d", text)
    assert len([t for t, _a in page.tags if t == "p" and _a == {}]) >= 3, "paragraphs"
    photos = [a["href"] for t, a in page.tags if t == "a" and "drive.google.com" in str(
        a.get("href"))]
    assert len(photos) == 3
    canonical = next(a for t, a in page.tags if t == "link" and a.get("rel") == "canonical")
    assert canonical["href"] == f"https://pr.office.example.test/news/{path.stem}.html"


def test_atom_feed_is_valid_with_correct_dates(demo: Path) -> None:
    site = site_of(demo)
    raw = (site / "feed.xml").read_bytes()
    assert raw.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    feed = ET.fromstring(raw)
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert len(feed.findall(f"{ATOM}{tag}")) == 1, tag
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == \
        "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาเชียงใหม่ เขต 9"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["self"] == "https://pr.office.example.test/feed.xml"
    assert links["alternate"] == "https://pr.office.example.test/"
    ledger = SqliteLedger(demo.parent / "ledger.sqlite3")
    posted = {r.item_id: r.sent_at for r in ledger.deliveries(kind="post")
              if r.channel == "site"}
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == DEMO_PUBLISHED
    seen: set[str] = set()
    newest = None
    for entry in entries:
        for tag in ("id", "title", "updated", "published", "summary", "content"):
            assert len(entry.findall(f"{ATOM}{tag}")) == 1, tag
        (link,) = entry.findall(f"{ATOM}link")
        assert link.get("rel") == "alternate"
        item_id = str(link.get("href")).rsplit("/", 1)[1].removesuffix(".html")
        assert link.get("href") == f"https://pr.office.example.test/news/{item_id}.html"
        assert entry.findtext(f"{ATOM}id") == entry_id(item_id)
        assert entry_id(item_id).startswith("urn:uuid:") and item_id not in seen
        seen.add(item_id)
        published = str(entry.findtext(f"{ATOM}published"))
        updated = str(entry.findtext(f"{ATOM}updated"))
        assert RFC3339.match(published) and RFC3339.match(updated)
        assert published.endswith("+07:00"), "Bangkok time with its offset"
        when = datetime.fromisoformat(published)
        sent = posted[item_id]
        assert sent is not None and abs((when - sent).total_seconds()) < 2, (
            "published = when the worker put the page up")
        assert datetime.fromisoformat(updated) >= when
        newest = max(newest or when, datetime.fromisoformat(updated))
        assert entry.find(f"{ATOM}content").get("type") == "html"  # type: ignore[union-attr]
    assert seen == set(posted)
    assert datetime.fromisoformat(str(feed.findtext(f"{ATOM}updated"))) == newest
    ledger.close()


def test_search_index_and_script(demo: Path) -> None:
    site = site_of(demo)
    index = json.loads((site / "search.json").read_text(encoding="utf-8"))
    assert sorted(row["id"] for row in index) == published_ids(demo)
    assert any(row["t"].startswith("การแข่งขันกีฬาสีภายใน") for row in index)
    assert all(set(row) == {"id", "t", "s", "c", "k", "d", "x"} for row in index)
    script = (site / "assets" / "search.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script and "textContent" in script
    page = parse(site / "search.html")
    assert ("script", {"src": "assets/search.js", "defer": None}) in page.tags


# -- hostile content -----------------------------------------------------------------------


def test_hostile_demo_item_is_inert(demo: Path) -> None:
    site = site_of(demo)
    (path,) = [p for p in (site / "news").glob("*.html") if "ค่ายพักแรมลูกเสือ" in p.read_text()]
    html = path.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    page = check_page(path, site)
    assert "<script>alert(1)</script>" in "".join(page.text), "shown as the text it is"
    assert not any("javascript" in link.lower() for link in page.links)
    for other in (site / "feed.xml", site / "search.json", site / "index.html"):
        assert "<script>alert" not in other.read_text(encoding="utf-8"), other


def test_hostile_fields_and_huge_text_are_escaped(demo: Path) -> None:
    config = config_mod.load(demo)
    worker = wiring.worker(config)
    snap = worker.load()
    base = next(i for i in snap.items if i.decision is Decision.APPROVED)
    huge = "ก" * 120_000
    hostile = replace(
        base, id="N-HOSTILE1",
        title='<img src=x onerror="alert(1)">ข่าว" onmouseover="x',
        school='"><script>alert(2)</script>', cluster="</title><svg onload=alert(3)>",
        category="<b>หมวด</b>",
        body=f"ย่อหน้าแรก javascript:alert(4) <iframe src=//evil>\n\n{huge}",
        images=("javascript:alert(5)", "data:text/html,<script>alert(6)</script>",
                'https://ok.example.test/a.jpg" onerror="alert(7)'),
        links=("JaVaScRiPt:alert(8)", "https://example.org/ok"),
    )
    site = site_publisher(config, worker.s.ledger, wiring.now)
    site.publish(hostile, wiring.now())
    site.build(snap.registry)
    folder = site_of(demo)
    page = check_page(folder / "news" / "N-HOSTILE1.html", folder)
    tags = {t for t, _a in page.tags}
    assert not tags & {"img", "iframe", "svg", "b"}, tags
    assert [t for t, a in page.tags if t == "script"] == []
    external = [str(a["href"]) for t, a in page.tags if t == "a" and str(a["href"]).startswith(
        "http")]
    assert external == ["https://example.org/ok"], "only the one safe address is a link"
    text = "".join(page.text)
    assert '<img src=x onerror="alert(1)">' in text and "<iframe src=//evil>" in text
    assert "ก" * 10_000 in text, "long text kept (and wrapped by CSS), not dropped"
    for path in folder.rglob("*.html"):
        check_page(path, folder)
    feed = ET.fromstring((folder / "feed.xml").read_bytes())
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert hostile.title in titles, "the feed carries the title as text, escaped by XML"
    index = json.loads((folder / "search.json").read_text(encoding="utf-8"))
    assert any(row["s"] == hostile.school for row in index)


def test_an_id_that_is_not_a_file_name_is_refused_once(demo: Path) -> None:
    config = config_mod.load(demo)
    worker = wiring.worker(config)
    item = next(i for i in worker.load().items if i.decision is Decision.APPROVED)
    site = site_publisher(config, worker.s.ledger, wiring.now)
    from automation.errors import DeliveryError

    with pytest.raises(DeliveryError, match="ใช้เป็นชื่อหน้าเว็บไม่ได้"):
        site.publish(replace(item, id="../../etc/passwd"), wiring.now())
    site.publish(replace(item, id="../../etc/passwd"), wiring.now())  # told once, not held
    assert not (site_of(demo).parent / "etc").exists()
    assert not list(site_of(demo).rglob("passwd*"))


# -- the directory ---------------------------------------------------------------------------


def test_directory_lists_only_consenting_active_members(demo: Path) -> None:
    rows = table(demo.parent / "workbook.xlsx", REGISTRY)
    html = (site_of(demo) / "directory.html").read_text(encoding="utf-8")
    shown = [r for r in rows if r["เผยแพร่ในทำเนียบ"] is True and r["สถานะ"] != "ระงับ"]
    hidden = [r for r in rows if r not in shown]
    assert len(shown) > 20 and len(hidden) > 5
    public_mail = " ".join(str(r["อีเมล"]) for r in shown)
    for r in hidden:
        assert str(r["ชื่อหน่วยงาน"]) not in html, r["ชื่อหน่วยงาน"]
        assert str(r["โทรศัพท์"]) not in html, r["ชื่อหน่วยงาน"]
        for address in re.split(r"[,\s]+", str(r["อีเมล"])):
            if address and address not in public_mail:
                assert address not in html, address
    for r in shown:
        assert str(r["ชื่อหน่วยงาน"]) in html
        assert str(r["โทรศัพท์"]) in html, "consented: the phone is listed"
    for r in rows:
        if r.get("หมายเหตุ"):
            assert str(r["หมายเหตุ"]) not in html, "notes are never public"


def test_directory_fields_can_be_narrowed(tmp_path: Path) -> None:
    config = make_workspace(tmp_path / "office")
    text = config.read_text(encoding="utf-8").replace(
        'folder = "site"', 'folder = "site"\ndirectory_fields = ["name", "group", "cluster"]')
    config.write_text(text, encoding="utf-8")
    run_cycle(config)
    html = (site_of(config) / "directory.html").read_text(encoding="utf-8")
    rows = table(config.parent / "workbook.xlsx", REGISTRY)
    consenting = [r for r in rows if r["เผยแพร่ในทำเนียบ"] is True and r["สถานะ"] != "ระงับ"]
    assert all(str(r["ชื่อหน่วยงาน"]) in html for r in consenting)
    assert "tel:" not in html and "mailto:" not in html
    assert not any(str(r["โทรศัพท์"]) in html for r in rows)


# -- incremental, stable, withdrawn, rebuilt -------------------------------------------------


def test_unchanged_content_is_not_rewritten(demo: Path) -> None:
    site = site_of(demo)
    before = files(site)
    run_cycle(demo)
    assert files(site) == before, "a quiet cycle touches nothing"
    config = config_mod.load(demo)
    worker = wiring.worker(config)
    report = site_publisher(config, worker.s.ledger, wiring.now).build(
        worker.load().registry, force=True)
    assert report.written == 0 and report.removed == 0, "identical bytes: nothing written"
    assert files(site) == before
    assert not [p for p in site.rglob("*") if p.name.endswith(".tmp")], "no temp files left"


def test_title_edit_keeps_the_address_and_the_feed_id(demo: Path) -> None:
    site = site_of(demo)
    item_id = next(i for i in published_ids(demo)
                   if "ดอนแก้วเกมส์" in (site / "news" / f"{i}.html").read_text())
    before = {p: p.read_bytes() for p in site.rglob("*.html")}

    def retitle(sheet: object) -> None:
        row = find_row(sheet, "รหัสข่าว", item_id)
        sheet.cell(row=row, column=column_of(sheet, "หัวข้อข่าว")).value = (  # type: ignore[attr-defined]
            "การแข่งขันกีฬาสีภายใน “ดอนแก้วเกมส์” (แก้ไขชื่อ)")

    edit_sheet(demo.parent / "workbook.xlsx", FORM, retitle)
    assert main(["--config", str(demo), "site", "build"]) == 0
    page = (site / "news" / f"{item_id}.html").read_text(encoding="utf-8")
    assert "“ดอนแก้วเกมส์” (แก้ไขชื่อ)" in page
    assert published_ids(demo) == sorted(p.stem for p in before if p.parent.name == "news")
    feed = ET.fromstring((site / "feed.xml").read_bytes())
    (entry,) = [e for e in feed.findall(f"{ATOM}entry")
                if e.findtext(f"{ATOM}id") == entry_id(item_id)]
    assert entry.findtext(f"{ATOM}title") == "การแข่งขันกีฬาสีภายใน “ดอนแก้วเกมส์” (แก้ไขชื่อ)"
    assert str(entry.findtext(f"{ATOM}updated")) > str(entry.findtext(f"{ATOM}published"))
    changed = {p for p in site.rglob("*.html") if before.get(p) != p.read_bytes()}
    assert site / "news" / f"{item_id}.html" in changed
    assert not {p for p in changed if p.parent.name == "news"} - {
        site / "news" / f"{item_id}.html"}, "other items' pages are untouched"


def test_withdraw_leaves_a_notice_and_is_recorded(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = site_of(demo)
    item_id = published_ids(demo)[0]
    title = parse(site / "news" / f"{item_id}.html").tags  # before
    assert title
    assert main(["--config", str(demo), "site", "withdraw", item_id,
                 "--reason", "ผู้บริหารขอถอนข่าว"]) == 0
    assert "นำข่าว" in capsys.readouterr().out
    page = check_page(site / "news" / f"{item_id}.html", site)
    text = "".join(page.text)
    assert "ข่าวนี้ถูกนำลงจากเว็บไซต์แล้ว" in text and item_id in text
    assert {"name": "robots", "content": "noindex"} in [a for t, a in page.tags if t == "meta"]
    for path in site.rglob("*.html"):
        check_page(path, site)
        if path.parent.name != "news":
            assert f"news/{item_id}.html" not in path.read_text(encoding="utf-8"), path
    assert item_id not in (site / "search.json").read_text(encoding="utf-8")
    feed = ET.fromstring((site / "feed.xml").read_bytes())
    assert entry_id(item_id) not in [e.findtext(f"{ATOM}id") for e in feed.iter(f"{ATOM}entry")]
    ledger = SqliteLedger(demo.parent / "ledger.sqlite3")
    events = [(e, d) for _i, e, _at, d in ledger.events(item_id)]
    assert ("withdrawn", "ผู้บริหารขอถอนข่าว") in events
    ledger.close()
    stored = json.loads((site / "_data" / "news" / f"{item_id}.json").read_text())
    assert stored["title"] == "" and stored["body"] == "", "the content is not kept around"
    run_cycle(demo)
    assert main(["--config", str(demo), "site", "build"]) == 0
    assert "ข่าวนี้ถูกนำลงจากเว็บไซต์แล้ว" in (site / "news" / f"{item_id}.html").read_text()
    assert main(["--config", str(demo), "site", "withdraw", item_id]) == 0
    assert "ถูกนำลงไปแล้ว" in capsys.readouterr().out
    assert main(["--config", str(demo), "site", "withdraw", "N-NOSUCH00"]) == 1


def test_the_board_is_rebuilt_from_the_ledger(demo: Path) -> None:
    site = site_of(demo)
    ids = published_ids(demo)
    feed = ET.fromstring((site / "feed.xml").read_bytes())
    first = {e.findtext(f"{ATOM}id"): e.findtext(f"{ATOM}published")
             for e in feed.findall(f"{ATOM}entry")}
    shutil.rmtree(site)
    assert main(["--config", str(demo), "site", "build"]) == 0
    assert published_ids(demo) == ids
    for path in site.rglob("*.html"):
        check_page(path, site)
    feed = ET.fromstring((site / "feed.xml").read_bytes())
    again = {e.findtext(f"{ATOM}id"): e.findtext(f"{ATOM}published")
             for e in feed.findall(f"{ATOM}entry")}
    assert again.keys() == first.keys(), "same items, same feed IDs"
    for key, when in again.items():
        gap = datetime.fromisoformat(str(when)) - datetime.fromisoformat(str(first[key]))
        assert abs(gap.total_seconds()) < 5, "publish dates come back from the ledger"


# -- links from e-mail and the sheet ----------------------------------------------------------


def test_bulletins_link_to_pages_that_exist(demo: Path) -> None:
    config = config_mod.load(demo)
    worker = wiring.worker(config)
    approved = [i for i in worker.load().items if i.id in published_ids(demo)]
    assert len(approved) == DEMO_PUBLISHED
    for item in approved:
        rendered, _to = worker.preview(item, None)
        url = f"https://pr.office.example.test/news/{item.id}.html"
        assert url in rendered.text and url in rendered.html
        assert (site_of(demo) / "news" / f"{item.id}.html").is_file()


def test_base_url_moves_every_public_address(tmp_path: Path) -> None:
    config = make_workspace(tmp_path / "office")
    text = config.read_text(encoding="utf-8").replace(
        'folder = "site"', 'folder = "site"\nbase_url = "https://news.office.example.test/board/"')
    config.write_text(text, encoding="utf-8")
    run_cycle(config)
    site = site_of(config)
    feed = ET.fromstring((site / "feed.xml").read_bytes())
    hrefs = [str(link.get("href")) for link in feed.iter(f"{ATOM}link")]
    assert hrefs and all(h.startswith("https://news.office.example.test/board/") for h in hrefs)
    page = parse(next((site / "news").glob("*.html")))
    canonical = next(a for t, a in page.tags if t == "link" and a.get("rel") == "canonical")
    assert str(canonical["href"]).startswith("https://news.office.example.test/board/news/")
    worker = wiring.worker(config_mod.load(config))
    item = next(i for i in worker.load().items if i.id in published_ids(config))
    assert item.url == f"https://news.office.example.test/board/news/{item.id}.html"
