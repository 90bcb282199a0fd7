"""Pictures of the items about to leave: asked of the media adapter once per cycle, given
public addresses on the board, and every picture left out told to the officer with its row.

The text never waits for a picture: what the adapter could not make is simply not there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from automation.core.table import find_columns
from automation.model import CycleReport, Photo, Problem, Submission, Tab
from automation.ports import MediaStore


def board_address(board: str | None, path: str) -> str | None:
    return f"{board.rstrip('/')}/{path}" if board else None


def with_pictures(
    media: MediaStore | None, items: Sequence[Submission], form: Tab,
    aliases: dict[str, list[str]], board: str | None, report: CycleReport,
) -> dict[str, Submission]:
    """The items that have pictures, by ID, carrying them."""
    if media is None:
        return {}
    columns = find_columns(form, aliases)
    column = columns.header("images") if "images" in columns.by_field else aliases["images"][0]
    done: dict[str, Submission] = {}
    for item in items:
        if not item.images:
            continue
        got = media.prepare(item.id, item.images)
        for note in got.skipped:
            report.problems.append(
                Problem(form.title, note, item.id, item.row, column, severity="warning",
                        once=True))
        photos = tuple(_addressed(p, board) for p in got.photos)
        if photos:
            done[item.id] = replace(item, photos=photos)
    return done


def _addressed(photo: Photo, board: str | None) -> Photo:
    return replace(photo, web_url=board_address(board, photo.web),
                   thumb_url=board_address(board, photo.thumb))
