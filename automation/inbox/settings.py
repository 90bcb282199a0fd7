"""The ``[imap]``, ``[bounces]`` and ``[unsubscribe]`` sections of schedule.toml.

The mailbox is read only when ``[imap] host`` is set. Each section checks its own values
when it is built, so a mistake is reported with its key like every other config error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from automation.errors import ConfigError

_ATTACHMENT_TYPES = [
    "jpg", "jpeg", "png", "gif", "webp", "heic", "pdf", "docx", "xlsx", "pptx", "txt",
]


@dataclass(frozen=True)
class ImapConfig:
    """The office mailbox that receives news, bounces and unsubscribe requests."""

    host: str = ""
    port: int = 993
    security: Literal["none", "starttls", "ssl"] = "ssl"
    username: str = ""
    password_env: str = "IMAP_PASSWORD"
    folder: str = "INBOX"
    processed_folder: str = "ประมวลผลแล้ว"
    attachments_dir: Path | None = None
    attachments_url: str = ""
    attachment_types: list[str] = field(default_factory=lambda: list(_ATTACHMENT_TYPES))
    max_attachment_mb: float = 10.0
    max_attachments: int = 10
    max_message_mb: float = 30.0
    max_messages: int = 200
    timeout: float = 30.0
    cafile: Path | None = None
    authserv_id: str = ""
    allow_macro_documents: bool = False  # .doc .xls .ppt .docm …: refused unless true

    def __post_init__(self) -> None:
        for key, value in (
            ("port", self.port), ("max_attachments", self.max_attachments),
            ("max_messages", self.max_messages),
        ):
            if value < 1:
                raise ConfigError(f"'imap.{key}' must be at least 1, got {value}")
        for key, number in (
            ("max_attachment_mb", self.max_attachment_mb),
            ("max_message_mb", self.max_message_mb), ("timeout", self.timeout),
        ):
            if number <= 0:
                raise ConfigError(f"'imap.{key}' must be more than 0, got {number}")
        if self.host and not self.username:
            raise ConfigError("'imap.username' is required when 'imap.host' is set")
        if not self.folder.strip():
            raise ConfigError("'imap.folder' must name a folder, e.g. \"INBOX\"")
        if self.processed_folder.strip() == self.folder.strip():
            raise ConfigError(
                "'imap.processed_folder' must differ from 'imap.folder' "
                "(\"\" = leave messages in the folder, marked as read)"
            )
        if self.attachments_url and not self.attachments_url.startswith(("https://", "http://")):
            raise ConfigError(
                f"'imap.attachments_url' must start with https://, got \"{self.attachments_url}\""
            )

    @property
    def enabled(self) -> bool:
        return bool(self.host.strip())

    def password(self) -> str:
        value = os.environ.get(self.password_env) if self.password_env else None
        if value is None:
            raise ConfigError(
                f"environment variable {self.password_env or '(none)'} (named by "
                "'imap.password_env') is not set; set it to the mailbox password"
            )
        return value


@dataclass(frozen=True)
class BouncesConfig:
    """When bounced mail puts an address on the suppression tab."""

    hard_limit: int = 1
    soft_limit: int = 3
    window_days: int = 30
    # Permanent codes that say nothing about the address itself (a full mailbox, a spam
    # filter) count as soft, so one bad day does not drop a school from the network.
    soft_statuses: list[str] = field(default_factory=lambda: ["5.2.2", "5.7."])
    verp: bool = False

    def __post_init__(self) -> None:
        for key, value in (
            ("hard_limit", self.hard_limit), ("soft_limit", self.soft_limit),
            ("window_days", self.window_days),
        ):
            if value < 1:
                raise ConfigError(f"'bounces.{key}' must be at least 1, got {value}")
        for i, status in enumerate(self.soft_statuses):
            if status[:1] not in ("4", "5") or not all(c.isdigit() or c == "." for c in status):
                raise ConfigError(
                    f"'bounces.soft_statuses[{i}]' = \"{status}\" is not a status code "
                    "prefix like \"5.2.2\" or \"5.7.\""
                )


@dataclass(frozen=True)
class UnsubscribeConfig:
    """One-click unsubscribe (RFC 8058) served by ``automation serve``."""

    base_url: str = ""
    listen: str = "127.0.0.1"
    port: int = 8025
    confirm_by_mail: bool = True

    def __post_init__(self) -> None:
        if self.base_url and not self.base_url.startswith("https://"):
            raise ConfigError(
                f"'unsubscribe.base_url' must start with https:// (one-click unsubscribe "
                f"needs HTTPS), got \"{self.base_url}\""
            )
        if not 1 <= self.port <= 65535:
            raise ConfigError(f"'unsubscribe.port' must be 1–65535, got {self.port}")
