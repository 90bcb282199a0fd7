"""A corrected news item sent again after the director returned the first one.

The school names the returned item's ID, in the form's own question (column
แก้ไขจากรหัสข่าว) or in the body as ``แก้ไขจากรหัสข่าว N-…``. The marker is taken out of the
body (it is not news), the new item remembers what it replaces, and the returned row's
status says it was replaced and by which ID.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from automation.model import Decision, Status, Submission
from automation.text.lines import clean_text

_ID = r"N-[0-9A-Fa-f]{8}"
# "แก้ไขจากรหัสข่าว N-1A2B3C4D", with or without spaces, a colon or quotes, on its own
# line or inside a sentence; the whole marker (not the sentence around it) is removed.
_MARKER = re.compile(
    rf"[(\[]?\s*(?:ฉบับ)?แก้ไขจาก\s*(?:ข่าว)?\s*รหัส\s*(?:ข่าว)?\s*[:：]?\s*[\"'“”]?\s*"
    rf"(?P<id>{_ID})\s*[\"'“”]?\s*[)\]]?",
)
_BARE_ID = re.compile(rf"\b(?P<id>{_ID})\b")


def split_marker(body: str, field: str = "") -> tuple[str, str]:
    """(the body without the marker, the ID it names or ''); the field wins over the body."""
    named = _BARE_ID.search(field or "")
    found = _MARKER.search(body)
    if found:
        body = clean_text(body[: found.start()] + body[found.end():])
    if named:
        return body, named["id"].upper()
    return body, found["id"].upper() if found else ""


def replaced(items: Iterable[Submission]) -> dict[str, str]:
    """Returned item ID → the ID of the newest item that names it as replaced."""
    items = list(items)
    returned = {i.id for i in items if i.decision is Decision.RETURNED}
    out: dict[str, str] = {}
    for item in sorted(items, key=lambda i: i.row):
        if item.replaces in returned and item.replaces != item.id:
            out[item.replaces] = item.id
    return out


def cells(new_id: str) -> dict[str, str]:
    """The returned row's status and delivery cells once its corrected version is in."""
    return {"status": Status.REPLACED.value, "delivery": f"แทนด้วยฉบับแก้ไข รหัสข่าว {new_id}"}
