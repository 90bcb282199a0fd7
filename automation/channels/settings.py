"""The ``[channels]`` section of schedule.toml: one optional table per integration.

A table that is present (and not ``enabled = false``) turns its channel on. Tokens are never
in the file: each ``*_env`` key names the environment variable holding the secret.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LineConfig:
    enabled: bool = True
    token_env: str = "LINE_CHANNEL_ACCESS_TOKEN"
    to: str | None = None
    api_base: str = "https://api.line.me"
    default: bool = True
    min_interval: float = 1.0


@dataclass(frozen=True)
class TelegramConfig:
    enabled: bool = True
    token_env: str = "TELEGRAM_BOT_TOKEN"
    chat_id: str = ""
    photo: bool = True
    api_base: str = "https://api.telegram.org"
    default: bool = True
    min_interval: float = 3.0


@dataclass(frozen=True)
class FacebookConfig:
    enabled: bool = True
    page_id: str = ""
    token_env: str = "FACEBOOK_PAGE_TOKEN"
    api_base: str = "https://graph.facebook.com"
    api_version: str = "v21.0"
    default: bool = True
    min_interval: float = 2.0


@dataclass(frozen=True)
class GoogleChatConfig:
    enabled: bool = True
    url_env: str = "GOOGLE_CHAT_WEBHOOK_URL"
    default: bool = True
    min_interval: float = 1.0


@dataclass(frozen=True)
class WebhookConfig:
    enabled: bool = True
    url: str | None = None
    url_env: str | None = None
    secret_env: str | None = None
    default: bool = True
    min_interval: float = 0.0


@dataclass(frozen=True)
class ChannelsConfig:
    retries: int = 3
    max_wait: float = 60.0
    timeout: float = 20.0
    max_attempts: int = 10
    give_up_hours: float = 72.0
    line: LineConfig | None = None
    telegram: TelegramConfig | None = None
    facebook: FacebookConfig | None = None
    google_chat: GoogleChatConfig | None = None
    webhook: WebhookConfig | None = None
