"""The ``[site]`` section of schedule.toml."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

DirectoryField = Literal[
    "name", "group", "network", "cluster", "coordinator", "position", "phone", "email"
]


@dataclass(frozen=True)
class SiteConfig:
    """The news board. No ``folder`` means no site is generated."""

    folder: Path | None = None
    base_url: str | None = None
    title: str | None = None
    latest: int = 20
    feed_entries: int = 50
    directory: bool = True
    # The office's logo (PNG, JPEG, WebP or SVG), copied into the board and shown in its header.
    logo: Path | None = None
    directory_fields: list[DirectoryField] = field(
        default_factory=lambda: [
            "name", "group", "cluster", "coordinator", "position", "phone", "email",
        ]
    )
