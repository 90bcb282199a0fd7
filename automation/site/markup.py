"""People's text as safe HTML: paragraphs, line breaks and plain http(s) links, nothing else.

Everything typed into the form is text, never markup: ``<script>`` shows as the characters
``<script>``, and only ``http``/``https`` addresses become links.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from automation.core.render import paragraphs
from automation.text import clean_text, single_line

# ASCII only: Thai text often runs straight on after an address without a space.
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&*+,;=%]+")
_TRAILING = ".,;:!?)]"
_SHOWN = 60


def _linkify(line: str) -> str:
    out: list[str] = []
    pos = 0
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(_TRAILING)
        if len(url) <= len("https://"):
            continue
        start, end = match.start(), match.start() + len(url)
        shown = url if len(url) <= _SHOWN else url[: _SHOWN - 1] + "…"
        out.append(str(escape(line[pos:start])))
        out.append(f'<a href="{escape(url)}" rel="nofollow noopener ugc">{escape(shown)}</a>')
        pos = end
    out.append(str(escape(line[pos:])))
    return "".join(out)


def body_html(text: str) -> Markup:
    """Paragraphs (blank-line separated) with line breaks and links."""
    parts = []
    for para in paragraphs(text):
        lines = [_linkify(line) for line in para.split("\n")]
        parts.append("<p>" + "<br>\n".join(lines) + "</p>")
    return Markup("\n".join(parts))


def excerpt(text: str, limit: int = 180) -> str:
    """The start of the body on one line, cut without splitting a Thai syllable."""
    return single_line(clean_text(text), limit)
