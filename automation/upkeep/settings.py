"""The ``[registry]`` and ``[keep_current]`` sections of schedule.toml."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from automation.errors import ConfigError

# Fields of the registry a keep-current form can be pre-filled with.
PREFILL_FIELDS = ("member_id", "network", "group", "name", "cluster", "coordinator",
                  "position", "phone", "email", "note")
CHECKABLE_FIELDS = ("member_id", "network", "group", "name", "cluster", "coordinator",
                    "position", "phone", "email", "accepts_email", "status", "updated",
                    "public", "note")

DEFAULT_GROUPS = [
    "สถานศึกษา", "กลุ่มเครือข่ายสถานศึกษา", "บุคลากรในสำนักงาน", "หน่วยงานภาครัฐ", "เอกชน",
    "องค์กรปกครองส่วนท้องถิ่น", "องค์กรชุมชน", "สถานประกอบการ", "สื่อมวลชน",
]


@dataclass(frozen=True)
class RegistryRules:
    # Values allowed in ประเภทเครือข่าย, กลุ่ม and สถานะ.
    networks: list[str] = field(default_factory=lambda: ["ภายใน", "ภายนอก"])
    groups: list[str] = field(default_factory=lambda: list(DEFAULT_GROUPS))
    statuses: list[str] = field(default_factory=lambda: ["ใช้งาน", "ระงับ"])
    # Fields every row must fill in.
    required: list[str] = field(default_factory=lambda: [
        "member_id", "network", "group", "name", "coordinator", "phone", "email",
    ])
    # Groups whose members are schools: they must name their cluster, and they are the
    # schools an evaluation lists as having sent no news.
    school_groups: list[str] = field(default_factory=lambda: ["สถานศึกษา"])
    cluster_groups: list[str] = field(
        default_factory=lambda: ["สถานศึกษา", "กลุ่มเครือข่ายสถานศึกษา"]
    )
    # Allowed cluster names; empty = any name, but near-identical spellings are reported.
    clusters: list[str] = field(default_factory=list)
    # A row not updated for this many days is stale.
    stale_days: int = 365
    # E-mail the officer the list of problems whenever it changes.
    check_mail: bool = True

    def __post_init__(self) -> None:
        for name in self.required:
            if name not in CHECKABLE_FIELDS:
                raise ConfigError(
                    f"unknown field '{name}' in 'registry.required'; fields: "
                    f"{', '.join(CHECKABLE_FIELDS)}"
                )
        if self.stale_days < 1:
            raise ConfigError(f"'registry.stale_days' must be at least 1, got {self.stale_days}")


_FORM_ID = re.compile(r"^[A-Za-z0-9_-]{10,}$")
_ENTRY_ID = re.compile(r"^\d+$")


@dataclass(frozen=True)
class KeepCurrentConfig:
    # The Google Form's public ID: the part after /forms/d/e/ in its "send" link.
    form_id: str = ""
    # Registry field → the form's entry number (from "Get pre-filled link").
    entries: dict[str, str] = field(default_factory=dict)
    # How often each member is asked: once per semester, fiscal year or month.
    round: Literal["term", "fiscal", "month"] = "term"
    # At most this many confirmation messages per run (the rest go in later runs).
    per_run: int = 200
    # Days the member is asked to answer within (shown in the message).
    answer_days: int = 14

    def __post_init__(self) -> None:
        if self.form_id and not _FORM_ID.match(self.form_id):
            raise ConfigError(
                f"'keep_current.form_id' = \"{self.form_id}\" is not a Google Form ID; copy the "
                "part after /forms/d/e/ from the form's link"
            )
        for name, entry in self.entries.items():
            if name not in PREFILL_FIELDS:
                raise ConfigError(
                    f"unknown field 'keep_current.entries.{name}'; fields: "
                    f"{', '.join(PREFILL_FIELDS)}"
                )
            if not _ENTRY_ID.match(entry.removeprefix("entry.")):
                raise ConfigError(
                    f"'keep_current.entries.{name}' = \"{entry}\" must be the entry number, "
                    "e.g. \"1234567890\""
                )
        if self.per_run < 1:
            raise ConfigError(f"'keep_current.per_run' must be at least 1, got {self.per_run}")
        if self.answer_days < 1:
            raise ConfigError(
                f"'keep_current.answer_days' must be at least 1, got {self.answer_days}"
            )
