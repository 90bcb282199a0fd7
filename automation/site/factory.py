"""The news board from the config: ``[site]`` plus the office's name and website."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from automation.config import Config
from automation.errors import ConfigError
from automation.ports import Ledger
from automation.site.build import Pages, SiteInfo
from automation.site.publisher import SitePublisher

DEFAULT_TITLE = "ข่าวประชาสัมพันธ์"
LOGO_TYPES = (".png", ".jpg", ".jpeg", ".webp", ".svg")


def site_info(config: Config) -> SiteInfo:
    site = config.site
    base = site.base_url or config.office.website
    if base and not base.startswith(("https://", "http://")):
        raise ConfigError(f"'site.base_url' (or 'office.website') must be an http(s) address, "
                          f"got \"{base[:40]}\"")
    for key, value in (("site.latest", site.latest), ("site.feed_entries", site.feed_entries)):
        if value < 1:
            raise ConfigError(f"'{key}' must be at least 1, got {value}")
    logo = site.logo
    if logo is not None and logo.suffix.lower() not in LOGO_TYPES:
        raise ConfigError(f"'site.logo' = \"{logo}\" ต้องเป็นไฟล์ {', '.join(LOGO_TYPES)}")
    if logo is not None and not logo.is_file():
        raise ConfigError(f"ไม่พบไฟล์โลโก้ 'site.logo' = \"{logo}\"")
    return SiteInfo(
        title=site.title or DEFAULT_TITLE, office=config.office.name, base_url=base or None,
        latest=site.latest, feed_entries=site.feed_entries, directory=site.directory,
        logo_file=logo,
    )


def site_publisher(
    config: Config, ledger: Ledger, clock: Callable[[], datetime]
) -> SitePublisher:
    if config.site.folder is None:
        raise ConfigError("'site.folder' is required to build the news board (e.g. \"site\")")
    pages = Pages(site_info(config), config.templates)
    return SitePublisher(config.site.folder, pages, ledger, clock,
                         directory_fields=config.site.directory_fields)
