"""The board's pictures: ``<board>/media/<ID>/<hash>.jpg``, and what became of each source.

Each item's record (``<board>/_data/media/<ID>.json``) maps a source address to the
pictures made from it, or to why it was left out for good (too large, not a picture, not
shared). A source is fetched once; a skip is told once; a passing fault (Drive busy) is told
and tried again next cycle. No picture fault ever stops the item's text.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from automation.media.fetch import Fetcher, Refused
from automation.media.process import Processed, process
from automation.media.settings import MediaConfig
from automation.model import Photo
from automation.ports import Pictures
from automation.site.files import write_if_changed

MEDIA = "media"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class MediaLibrary:
    def __init__(
        self, board: Path, fetchers: Sequence[Fetcher], settings: MediaConfig,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.board = board
        self.fetchers = tuple(fetchers)
        self.settings = settings
        self.clock = clock
        self.timings: list[float] = []  # seconds per picture fetched and processed

    def prepare(self, item_id: str, sources: Sequence[str]) -> Pictures:
        if not _ID.fullmatch(item_id):
            return Pictures()
        record = self._load(item_id)
        before = json.dumps(record, sort_keys=True)
        photos: list[Photo] = []
        told: list[str] = []
        wanted = [(n, s.strip()) for n, s in enumerate(sources, 1) if self._fetcher(s)]
        for number, source in wanted:
            entry = record.get(source)
            if entry is None:
                entry, note = self._make(item_id, number, source, len(photos))
                if note:
                    told.append(f"ภาพที่ {number}: {note}; ข่าวเผยแพร่โดยไม่มีภาพนี้")
                if entry is not None:
                    record[source] = entry
            if entry and "web" in entry:
                photos.append(_photo(item_id, entry))
        if json.dumps(record, sort_keys=True) != before:
            write_if_changed(self._record_path(item_id),
                             json.dumps(record, ensure_ascii=False, indent=1,
                                        sort_keys=True).encode())
        return Pictures(tuple(photos), tuple(told))

    # -- one source ----------------------------------------------------------------------

    def _make(
        self, item_id: str, number: int, source: str, kept: int
    ) -> tuple[dict[str, Any] | None, str]:
        """The record entry for a source never seen (None: try again next cycle) and what
        to tell the officer about it."""
        limit = self.settings.max_photos
        if kept >= limit:
            return {"skipped": "limit"}, f"เกิน {limit} ภาพต่อข่าว (ตั้งได้ที่ media.max_photos)"
        fetcher = self._fetcher(source)
        assert fetcher is not None
        started = self.clock()
        try:
            fetched = fetcher.fetch(source, int(self.settings.max_mb * 1024 * 1024))
            made = process(fetched.data, set(self.settings.types),
                           web_size=self.settings.web_size,
                           thumb_size=self.settings.thumb_size, quality=self.settings.quality)
        except Refused as exc:
            return ({"skipped": str(exc)} if exc.lasting else None), str(exc)
        self._write(item_id, made)
        self.timings.append(self.clock() - started)
        return {"web": made.web.name, "thumb": made.thumb.name,
                "width": made.web.width, "height": made.web.height}, ""

    def _fetcher(self, source: str) -> Fetcher | None:
        return next((f for f in self.fetchers if f.wants(source.strip())), None)

    def _write(self, item_id: str, made: Processed) -> None:
        folder = self.board / MEDIA / item_id
        for rendition in (made.web, made.thumb):
            write_if_changed(folder / rendition.name, rendition.data)

    # -- the record ----------------------------------------------------------------------

    def _record_path(self, item_id: str) -> Path:
        return self.board / "_data" / MEDIA / f"{item_id}.json"

    def _load(self, item_id: str) -> dict[str, Any]:
        try:
            data = json.loads(self._record_path(item_id).read_bytes())
        except (FileNotFoundError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        # A record whose files are gone (the board folder was cleaned) is made again.
        folder = self.board / MEDIA / item_id
        return {k: v for k, v in data.items() if isinstance(v, dict) and (
            "web" not in v or ((folder / str(v["web"])).is_file()
                               and (folder / str(v.get("thumb"))).is_file()))}


def _photo(item_id: str, entry: dict[str, Any]) -> Photo:
    base = f"{MEDIA}/{item_id}/"
    return Photo(base + str(entry["web"]), base + str(entry["thumb"]),
                 int(entry.get("width", 0)), int(entry.get("height", 0)))
