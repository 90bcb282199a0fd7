"""The board's own record of what it shows: one JSON file per published item.

Lists, the feed and the search index are rebuilt from these files, so the site never needs
the spreadsheet to regenerate; only public fields are kept (no submitter e-mail or phone).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from automation.core.render import is_safe_url
from automation.errors import DeliveryError
from automation.model import Photo, Submission
from automation.site.files import write_if_changed

DATA = "_data"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
BODY_LIMIT = 50_000


def check_id(item_id: str) -> str:
    """An ID that is safe as a file name; the sheet's ID cell is typed by people."""
    if not _ID.fullmatch(item_id):
        raise DeliveryError(
            f"รหัสข่าว '{item_id[:40]}' ใช้เป็นชื่อหน้าเว็บไม่ได้ (ใช้ได้เฉพาะ A-Z a-z 0-9 - _)",
            permanent=True,
        )
    return item_id


@dataclass(frozen=True)
class Article:
    """One news page's content; ``withdrawn_at`` set means only a notice remains."""

    id: str
    title: str
    school: str
    cluster: str
    category: str
    activity_date: date | None
    published_at: datetime
    updated_at: datetime
    body: str
    images: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    withdrawn_at: datetime | None = None
    photos: tuple[Photo, ...] = ()  # web size and thumbnail, paths under the board

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def content(self) -> tuple[object, ...]:
        return (self.title, self.school, self.cluster, self.category, self.activity_date,
                self.body, self.images, self.links, self.photos)

    @classmethod
    def of(cls, item: Submission, now: datetime, previous: Article | None) -> Article:
        """The page for ``item``; keeps the first publish time, moves ``updated_at`` only
        when the content changed."""
        fresh = cls(
            id=check_id(item.id), title=item.title, school=item.school,
            cluster=item.cluster or "", category=item.category,
            activity_date=item.activity_date, published_at=now, updated_at=now,
            body=item.body[:BODY_LIMIT],
            images=tuple(u.strip() for u in item.images if is_safe_url(u)),
            links=tuple(u.strip() for u in item.links if is_safe_url(u)),
            photos=tuple(Photo(p.web, p.thumb, p.width, p.height) for p in item.photos),
        )
        if previous is None:
            return fresh
        if not fresh.photos and previous.photos and previous.images == fresh.images:
            # Rebuilt from the sheet (no pictures fetched then): the pictures stay.
            fresh = replace(fresh, photos=previous.photos)
        if previous.content() == fresh.content() and not previous.withdrawn:
            return previous
        return replace(fresh, published_at=previous.published_at,
                       withdrawn_at=previous.withdrawn_at)

    def take_down(self, at: datetime) -> Article:
        """Only the ID and dates remain: the content is no longer the office's to show."""
        return Article(self.id, "", "", "", "", None, self.published_at, at, "",
                       withdrawn_at=at)

    def to_json(self) -> bytes:
        data: dict[str, Any] = {
            "id": self.id, "title": self.title, "school": self.school,
            "cluster": self.cluster, "category": self.category,
            "activity_date": self.activity_date.isoformat() if self.activity_date else None,
            "published_at": self.published_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "body": self.body, "images": list(self.images), "links": list(self.links),
            "withdrawn_at": self.withdrawn_at.isoformat() if self.withdrawn_at else None,
        }
        if self.photos:
            data["photos"] = [{"web": p.web, "thumb": p.thumb, "width": p.width,
                               "height": p.height} for p in self.photos]
        return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Article:
        d = json.loads(raw)
        return cls(
            id=check_id(str(d["id"])), title=str(d["title"]), school=str(d["school"]),
            cluster=str(d["cluster"]), category=str(d["category"]),
            activity_date=date.fromisoformat(d["activity_date"]) if d["activity_date"] else None,
            published_at=datetime.fromisoformat(d["published_at"]),
            updated_at=datetime.fromisoformat(d["updated_at"]),
            body=str(d["body"]), images=tuple(d["images"]), links=tuple(d["links"]),
            withdrawn_at=(datetime.fromisoformat(d["withdrawn_at"])
                          if d.get("withdrawn_at") else None),
            photos=tuple(_photo(p) for p in d.get("photos") or () if isinstance(p, dict)),
        )


_MEDIA_PATH = re.compile(r"media/[A-Za-z0-9_-]{1,64}/[0-9a-f]{8,64}\.jpg")


def _photo(d: dict[str, Any]) -> Photo:
    web, thumb = str(d.get("web", "")), str(d.get("thumb", ""))
    if not (_MEDIA_PATH.fullmatch(web) and _MEDIA_PATH.fullmatch(thumb)):
        raise ValueError(f"not a board picture: {web[:60]}")
    return Photo(web, thumb, int(d.get("width", 0)), int(d.get("height", 0)))


class Store:
    def __init__(self, site: Path) -> None:
        self.folder = site / DATA / "news"

    def path(self, item_id: str) -> Path:
        return self.folder / f"{check_id(item_id)}.json"

    def get(self, item_id: str) -> Article | None:
        try:
            return Article.from_json(self.path(item_id).read_bytes())
        except FileNotFoundError:
            return None

    def put(self, article: Article) -> bool:
        return write_if_changed(self.path(article.id), article.to_json())

    def all(self) -> list[Article]:
        if not self.folder.is_dir():
            return []
        articles = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                articles.append(Article.from_json(path.read_bytes()))
            except (ValueError, KeyError, TypeError, DeliveryError) as exc:
                raise DeliveryError(f"ไฟล์ข้อมูลข่าว {path.name} เสียหาย: {exc}",
                                    permanent=True) from None
        return articles

    def fingerprint(self) -> str:
        """Changes whenever any stored item changes (names, sizes, modification times)."""
        digest = hashlib.sha256()
        if self.folder.is_dir():
            for path in sorted(self.folder.glob("*.json")):
                st = path.stat()
                digest.update(f"{path.name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        return digest.hexdigest()
