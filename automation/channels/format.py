"""Plain-text pieces every channel builds its message from, Thai intact and within limits."""

from __future__ import annotations

import re

from automation.channels.base import Post
from automation.core.render import is_safe_url
from automation.text.lines import clean_text, single_line
from automation.thaidate import format_date

READ_MORE = "อ่านข่าวฉบับเต็ม"

_DRIVE_ID = re.compile(
    r"^https://drive\.google\.com/(?:open\?id=|file/d/|uc\?(?:export=\w+&)?id=)([\w-]{10,})"
)


def heading(post: Post) -> str:
    prefix = "[ด่วน] " if post.urgent else ""
    return single_line(prefix + post.title, 300)


def byline(post: Post) -> str:
    """``โรงเรียนบ้านดอนแก้ว · เครือข่ายแม่ริม 1 · ข่าวกิจกรรม``."""
    parts = [p for p in (post.school, post.cluster, post.category) if p]
    return single_line(" · ".join(parts), 300)


def when(post: Post) -> str:
    return f"วันที่จัดกิจกรรม {format_date(post.activity_date)}" if post.activity_date else ""


def excerpt(post: Post, limit: int) -> str:
    """The body cut at ``limit`` characters without splitting a Thai syllable."""
    return clean_text(post.body, limit=max(1, limit))


def link(post: Post) -> str | None:
    return post.url if post.url and is_safe_url(post.url) else None


def plain(post: Post, limit: int) -> str:
    """Title, byline, date, body and link as plain text of at most ``limit`` characters."""
    head = [heading(post), byline(post), when(post)]
    top = "\n".join(p for p in head if p)
    url = link(post)
    tail = f"{READ_MORE}: {url}" if url else ""
    room = limit - len(top) - len(tail) - 4
    body = excerpt(post, room) if room > 20 else ""
    text = "\n\n".join(p for p in (top, body, tail) if p)
    return text[:limit]


def direct_image(url: str) -> str | None:
    """An address a service can fetch the picture from, or None.

    A Google Drive sharing link opens a viewer page; its ``uc?export=view`` form serves the
    file itself when the file is shared publicly.
    """
    if not is_safe_url(url):
        return None
    match = _DRIVE_ID.match(url.strip())
    if match:
        return f"https://drive.google.com/uc?export=view&id={match.group(1)}"
    if re.search(r"\.(?:jpe?g|png|gif|webp)(?:\?|$)", url, re.IGNORECASE):
        return url.strip()
    return None
