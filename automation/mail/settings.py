"""The ``[bulletin]``, ``[mail.quota]`` and ``[[mail.replies]]`` sections of schedule.toml."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from automation.core.cron import Cron
from automation.errors import ConfigError

Preset = Literal["workspace", "workspace-trial", "gmail", "microsoft365", "custom"]
ReplyVerdict = Literal["retry", "recipient", "throttle", "quota", "stop"]


@dataclass(frozen=True)
class BulletinConfig:
    """How approved news goes out by e-mail."""

    # "digest": one message per member on a schedule carrying every new item;
    # "per-item": one message per item as soon as it is approved.
    mode: Literal["digest", "per-item"] = "digest"
    # When digests go out (crontab: minute hour day month weekday; 1-5 = Monday–Friday),
    # in the office's time zone.
    digest_cron: str = "0 15 * * 1-5"
    # On a new ledger: "next-slot" waits for the schedule (an office starting on a sheet full
    # of old approvals does not mail them all at once); "at-once" sends the first digest in
    # the first cycle (the demo workspace, or an office that wants to start today).
    first_digest: Literal["next-slot", "at-once"] = "next-slot"

    def __post_init__(self) -> None:
        Cron.parse(self.digest_cron, "bulletin.digest_cron")

    @property
    def schedule(self) -> Cron:
        return Cron.parse(self.digest_cron, "bulletin.digest_cron")


@dataclass(frozen=True)
class QuotaConfig:
    """The mail provider's sending limits; a key left out comes from the preset."""

    preset: Preset = "custom"
    messages_per_day: int | None = None
    recipients_per_day: int | None = None
    external_recipients_per_day: int | None = None
    max_recipients_per_message: int | None = None
    messages_per_minute: int | None = None
    connections: int | None = None
    # Messages kept free in the window for notices to submitters and the director.
    reserve: int | None = None
    # Domains that count as internal for external_recipients_per_day ([] = the sender's).
    internal_domains: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in ("messages_per_day", "recipients_per_day", "external_recipients_per_day",
                     "max_recipients_per_message", "messages_per_minute", "connections"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"'mail.quota.{name}' must be at least 1, got {value}")
        if self.reserve is not None and self.reserve < 0:
            raise ConfigError(f"'mail.quota.reserve' must be 0 or more, got {self.reserve}")


@dataclass(frozen=True)
class ReplyConfig:
    """One office rule for reading a provider's SMTP reply, tried before the built-in ones."""

    pattern: str
    verdict: ReplyVerdict
    note: str = ""

    def __post_init__(self) -> None:
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise ConfigError(
                f"'mail.replies' pattern \"{self.pattern}\" is not a regular expression: {exc}"
            ) from None
        if not self.pattern.strip():
            raise ConfigError("'mail.replies' pattern is empty; it would match every reply")
