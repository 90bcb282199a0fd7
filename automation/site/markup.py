"""People's text as safe HTML: paragraphs, line breaks and plain http(s) links, nothing else.

Everything typed into the form is text, never markup: ``<script>`` shows as the characters
``<script>``, and only ``http``/``https`` addresses become links.
"""

from __future__ import annotations

from markupsafe import Markup

from automation.core.linkify import linkify
from automation.core.render import paragraphs
from automation.text.lines import clean_text, single_line


def body_html(text: str) -> Markup:
    """Paragraphs (blank-line separated) with line breaks and links."""
    parts = []
    for para in paragraphs(text):
        lines = [str(linkify(line)) for line in para.split("\n")]
        parts.append("<p>" + "<br>\n".join(lines) + "</p>")
    return Markup("\n".join(parts))


def excerpt(text: str, limit: int = 180) -> str:
    """The start of the body on one line, cut without splitting a Thai syllable."""
    return single_line(clean_text(text), limit)
