"""Approval bound to the text: what the director approved is what readers get.

When the worker first sees an item approved, it records a digest of every field that
reaches readers (title, body, links, images, school, sender, category, activity date).
The director's own decision cells (the approval word with its urgency, the audience, the
channels) choose who gets the item and when, not what it says: changing them is a new
decision by the director, not an edit of approved text. Before anything of the item
leaves (bulletin, digest, board, channel, and again in the re-check right before
sending) the item's fields must still give that digest. If they do not, nothing of it
goes: the worker clears the approval cell, the sheet's status reads
``แก้ไขหลังอนุมัติ — รออนุมัติใหม่``, the director's digest lists it, and ticking the
approval again (or choosing อนุมัติ) approves the text as it now is.
An item already published is never sent again, whatever is corrected afterwards.

Ledger events: ``approved_content`` holds the digest of the approved text ("" once the
approval is withdrawn); ``edited_after_approval`` is "1" while an edit waits for approval.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from automation.core.table import find_columns
from automation.model import Cell, Decision, Submission, Tab
from automation.text.thai import fuzzy_key

APPROVED = "approved_content"
EDITED = "edited_after_approval"
EDITED_STATUS = "แก้ไขหลังอนุมัติ — รออนุมัติใหม่"
EDITED_NOTE = "ข้อความถูกแก้หลังอนุมัติ ยังไม่ได้ส่ง; ติ๊กอนุมัติอีกครั้งเพื่ออนุมัติข้อความใหม่"

Event = tuple[str, str, datetime, str]


def content_digest(item: Submission) -> str:
    """The reader-visible fields of an item in one digest (type-aware, order-fixed).

    The school counts by its key: the registry's spelling of the same school is no edit."""
    fields = [
        item.title, item.body, list(item.links), list(item.images), fuzzy_key(item.school),
        item.sender_name, item.category,
        item.activity_date.isoformat() if item.activity_date else None,
    ]
    text = json.dumps(fields, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass
class Review:
    """One look at the items against what was approved."""

    events: list[Event] = field(default_factory=list)
    edited: set[str] = field(default_factory=set)  # approved in the sheet, text changed
    waiting: set[str] = field(default_factory=set)  # an edit waits for a new approval


def review(
    items: Iterable[Submission],
    approved: Mapping[str, str],
    flagged: Mapping[str, str],
    published: Collection[str],
    now: datetime,
) -> Review:
    """Record first approvals, notice edits after approval, forget withdrawn approvals."""
    result = Review()
    for item in items:
        recorded = approved.get(item.id, "")
        edit_waiting = flagged.get(item.id) == "1"
        if item.decision is Decision.APPROVED:
            digest = content_digest(item)
            if not recorded:
                result.events.append((item.id, APPROVED, now, digest))
                if edit_waiting:
                    result.events.append((item.id, EDITED, now, ""))
            elif recorded != digest and item.id not in published:
                result.edited.add(item.id)
                if not edit_waiting:
                    result.events.append((item.id, EDITED, now, "1"))
        elif recorded and item.id not in published:
            # Approval withdrawn (by the director, or cleared by the worker after an edit):
            # the next approval binds the text as it is then.
            result.events.append((item.id, APPROVED, now, ""))
        if edit_waiting and item.decision is Decision.PENDING:
            result.waiting.add(item.id)
    return result


def still_approved(items: Iterable[Submission], approved: Mapping[str, str]) -> tuple[
        set[str], set[str]]:
    """At the re-check before sending: IDs approved with the approved text, and IDs approved
    whose text changed since."""
    ok: set[str] = set()
    changed: set[str] = set()
    for item in items:
        if item.decision is not Decision.APPROVED:
            continue
        recorded = approved.get(item.id, "")
        if recorded and recorded != content_digest(item):
            changed.add(item.id)
        else:
            ok.add(item.id)
    return ok, changed


def mark_edited(
    desired: dict[str, dict[str, Cell]], form: Tab, aliases: Mapping[str, Sequence[str]],
    items: Iterable[Submission], edits: Collection[str], waiting: Collection[str],
    published: Collection[str],
) -> list[str]:
    """Status cells of items edited after approval, and their approval cells cleared (a
    checkbox unticked, a word removed). Returns the IDs whose approval is cleared."""
    columns = find_columns(form, aliases)
    col = columns.by_field.get("approval")
    cleared: list[str] = []
    for item in items:
        if item.id in published or item.id not in desired:
            continue
        if item.id in edits or (item.id in waiting and item.decision is Decision.PENDING):
            desired[item.id].update(status=EDITED_STATUS, delivery=EDITED_NOTE)
        if item.id in edits and col is not None and item.row - 1 < len(form.rows):
            cells = form.rows[item.row - 1]
            current = cells[col - 1] if col - 1 < len(cells) else None
            desired[item.id]["approval"] = False if isinstance(current, bool) else ""
            cleared.append(item.id)
    return cleared
