"""Bare web addresses in people's text as links: the text is escaped first, then only
``http``/``https`` addresses become anchors (a ``javascript:`` or ``data:`` address stays
text, and so does a quoted one, as in a pasted formula or markup), shown shortened so a
long address does not widen a phone's screen."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# ASCII only: Thai text often runs straight on after an address without a space.
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&*+,;=%]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]"
_SHOWN = 60
# Long addresses and words break anywhere rather than push the page sideways.
WRAP = "overflow-wrap:anywhere;word-break:break-word;"


def linkify(line: str, style: str = "") -> Markup:
    """One line of text, escaped, with its http(s) addresses as anchors."""
    out: list[str] = []
    pos = 0
    attrs = f' style="{escape(style)}"' if style else ""
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(_TRAILING)
        if url.count(")") > url.count("("):  # "(ดู https://x/y)": the bracket is the text's
            url = url[: url.rfind(")")]
        quoted = match.start() > 0 and line[match.start() - 1] in "\"'"
        if len(url) <= len("https://") or quoted:
            continue  # a quoted address is code or a formula someone pasted, not an address
        start, end = match.start(), match.start() + len(url)
        shown = url if len(url) <= _SHOWN else url[: _SHOWN - 1] + "…"
        out.append(str(escape(line[pos:start])))
        out.append(f'<a href="{escape(url)}" rel="nofollow noopener ugc"{attrs}>'
                   f"{escape(shown)}</a>")
        pos = end
    out.append(str(escape(line[pos:])))
    return Markup("".join(out))


def linkify_mail(line: str) -> Markup:
    """``linkify`` for e-mail: the link's colour and wrapping inline (clients drop <style>)."""
    return linkify(line, "color:#1d4f91;" + WRAP)
