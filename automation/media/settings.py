"""The ``[media]`` section of schedule.toml: what pictures the worker publishes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ImageType = Literal["jpeg", "png", "webp", "heic"]


@dataclass(frozen=True)
class MediaConfig:
    """Pictures are fetched only when the news board (``[site] folder``) exists."""

    enabled: bool = True
    max_photos: int = 10  # per item; the rest are skipped and told
    max_mb: float = 10.0  # per file, as uploaded
    types: list[ImageType] = field(default_factory=lambda: ["jpeg", "png", "webp"])
    web_size: int = 1600  # pixels on the long side of the board's picture
    thumb_size: int = 400  # pixels on the long side of the thumbnail (e-mails, lists)
    quality: int = 82  # JPEG quality of both
    retry_seconds: float = 20.0  # how long one picture's Drive faults are retried

    def problems(self) -> list[str]:
        """Config errors, each naming its key."""
        found = []
        for key, value, low in (("max_photos", self.max_photos, 1), ("web_size", self.web_size, 64),
                                ("thumb_size", self.thumb_size, 32), ("quality", self.quality, 30)):
            if value < low:
                found.append(f"'media.{key}' = {value} ใช้ไม่ได้; ต้องเป็น {low} ขึ้นไป")
        if self.quality > 95:
            found.append(f"'media.quality' = {self.quality} ใช้ไม่ได้; ต้องไม่เกิน 95")
        if self.max_mb <= 0:
            found.append(f"'media.max_mb' = {self.max_mb:g} ใช้ไม่ได้; ต้องมากกว่า 0")
        if not self.types:
            found.append("'media.types' ว่างไม่ได้; ใช้เช่น [\"jpeg\", \"png\", \"webp\"]")
        return found
