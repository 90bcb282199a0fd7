"""HTML mail bodies as clean text plus the links they carry.

Schools often write news in Gmail or Outlook, which may send HTML only. Scripts, styles
and hidden parts are dropped; block elements become line breaks so paragraphs survive.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from automation.text.lines import clean_text

_SKIP = {"script", "style", "head", "title", "template", "noscript", "svg"}
_BLOCK = {
    "p", "div", "section", "article", "header", "footer", "blockquote", "pre", "table",
    "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "address", "center", "form",
}
_LINE = {"br", "tr", "li", "dt", "dd"}
_URL = re.compile(r"https?://[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0]+")
_TRAILING = ".,;:!?)]}>'\""
# A "<" with no ">" within reach is text, not a tag. Left as is, the standard parser
# (Python < 3.13.4) tries every such "<" against the whole rest of the document:
# "<a href='x" repeated is quadratic. No real tag is longer than this.
_NOT_A_TAG = re.compile(r"<(?![^>]{0,2048}>)")
# More HTML than this is not a school's news; the rest is dropped before parsing.
MAX_HTML = 2 * 1024 * 1024


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n\n")
        elif tag in _LINE:
            self.parts.append("\n- " if tag == "li" else "\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if _URL.fullmatch(href.strip()):
                self.links.append(href.strip())

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _LINE:
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(_SPACES.sub(" ", data.replace("\r", "").replace("\n", " ")))


def html_to_text(html: str) -> tuple[str, list[str]]:
    """The visible text of ``html`` as paragraphs, and its http(s) links in order."""
    parser = _Text()
    parser.feed(_NOT_A_TAG.sub("&lt;", html[:MAX_HTML]))
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return clean_text(text.strip()), parser.links


def find_links(text: str) -> list[str]:
    """http(s) addresses written in plain text, without trailing punctuation."""
    return [m.group(0).rstrip(_TRAILING) for m in _URL.finditer(text)]
