"""The Atom feed (RFC 4287) of the latest news: stable IDs, RFC 3339 dates with offsets."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from xml.etree import ElementTree as ET

from automation.site.markup import body_html, excerpt
from automation.site.store import Article
from automation.thaidate import BANGKOK

ATOM = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 forbids even escaped: a stray one would make the whole feed unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_EPOCH = datetime(2000, 1, 1, tzinfo=BANGKOK)


def entry_id(item_id: str) -> str:
    """Never changes for an item, whatever happens to its title or the site's address."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'pr-news:' + item_id)}"


def rfc3339(at: datetime) -> str:
    return at.astimezone(BANGKOK).isoformat(timespec="seconds")


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _text(text)
    return element


def atom(
    articles: Sequence[Article], *, title: str, author: str, base_url: str | None,
    updated_fallback: datetime | None = None,
) -> bytes:
    """``articles`` newest first (already limited); links absolute when ``base_url`` is set."""
    root_url = (base_url.rstrip("/") + "/") if base_url else ""
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "th"})
    _sub(feed, "title", title)
    feed_key = "pr-feed:" + (base_url or author)
    _sub(feed, "id", f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, feed_key)}")
    newest = max((a.updated_at for a in articles), default=updated_fallback or _EPOCH)
    _sub(feed, "updated", rfc3339(newest))
    _sub(_sub(feed, "author"), "name", author)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=f"{root_url}feed.xml")
    _sub(feed, "link", rel="alternate", type="text/html", href=root_url or "index.html")
    _sub(feed, "generator", "automation")
    for article in articles:
        entry = _sub(feed, "entry")
        _sub(entry, "title", article.title, type="text")
        _sub(entry, "id", entry_id(article.id))
        _sub(entry, "link", rel="alternate", type="text/html",
             href=f"{root_url}news/{article.id}.html")
        _sub(entry, "published", rfc3339(article.published_at))
        _sub(entry, "updated", rfc3339(article.updated_at))
        for term in (article.school, article.cluster, article.category):
            if term:
                _sub(entry, "category", term=term)
        _sub(entry, "summary", excerpt(article.body, 300), type="text")
        _sub(entry, "content", str(body_html(article.body)), type="html")
    ET.indent(feed)
    data: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return data + b"\n"
