"""The media adapter from the config: ``[media]``, the board folder and the Google sign-in."""

from __future__ import annotations

from automation.config import Config
from automation.errors import ConfigError
from automation.media.fetch import AttachmentFiles, Fetcher
from automation.media.library import MediaLibrary
from automation.ports import SheetBackend


def media_store(config: Config, backend: SheetBackend) -> MediaLibrary | None:
    """None when there is no board to put pictures on, or pictures are turned off."""
    if config.site.folder is None or not config.media.enabled:
        return None
    if "heic" in config.media.types:
        try:
            from pillow_heif import register_heif_opener  # type: ignore[import-not-found]
        except ImportError:
            raise ConfigError("'media.types' มี \"heic\" แต่ยังไม่ได้ติดตั้ง pillow-heif "
                              "(pip install pillow-heif) หรือเอา \"heic\" ออก") from None
        register_heif_opener()
    fetchers: list[Fetcher] = []
    # A local workbook has no Google sign-in: its Drive links stay links.
    if config.sheets.backend == "google":
        from automation.media.drive import DriveFetcher
        from automation.sources.google import GoogleSheet
        from automation.sources.retry import Retrier, RetryPolicy

        assert isinstance(backend, GoogleSheet)
        retrier = Retrier(RetryPolicy(budget=config.media.retry_seconds, base=0.5, cap=8.0))
        fetchers.append(DriveFetcher(backend.session, backend.account, retrier,
                                     timeout=config.sheets.timeout))
    attachments = config.imap.attachments_dir or config.base / "attachments"
    fetchers.append(AttachmentFiles(attachments, config.imap.attachments_url))
    return MediaLibrary(config.site.folder, fetchers, config.media)
