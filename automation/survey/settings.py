"""The ``[survey]`` section of schedule.toml (documented in the sample file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from automation.errors import ConfigError

AREAS: dict[str, str] = {
    "coordination": "ด้านการประสานงานเครือข่าย (5.10)",
    "publicity": "ด้านการประชาสัมพันธ์ (5.1.8)",
    "service": "ด้านการให้บริการสารสนเทศ (5.2.6)",
    "other": "ด้านอื่น ๆ",
}
LEVELS = ("น้อยที่สุด", "น้อย", "ปานกลาง", "มาก", "มากที่สุด")


@dataclass(frozen=True)
class QuestionConfig:
    text: str
    area: Literal["coordination", "publicity", "service", "other"] = "other"
    # Other header texts the form may use for the same question.
    aliases: list[str] = field(default_factory=list)


DEFAULT_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("ความรวดเร็วทันเวลาของข่าวสาร", "publicity"),
    ("ความเป็นประโยชน์ของข่าวสารต่อหน่วยงานของท่าน", "publicity"),
    ("ความสะดวกในการส่งข่าวผ่านแบบฟอร์ม", "publicity"),
    ("ความรวดเร็วในการพิจารณาอนุมัติข่าว", "publicity"),
    ("ความสะดวกในการติดตามข่าวทางเว็บไซต์/กระดานข่าว", "service"),
    ("ความเหมาะสมของข่าวสารทางอีเมล", "service"),
    ("ความถูกต้องครบถ้วนของข้อมูลสารสนเทศ", "service"),
    ("การประสานงานระหว่างสำนักงานกับเครือข่าย", "coordination"),
    ("การเปิดโอกาสให้เครือข่ายมีส่วนร่วม", "coordination"),
    ("ความพึงพอใจต่อการดำเนินงานเครือข่ายประชาสัมพันธ์โดยรวม", "coordination"),
)


def _default_questions() -> list[QuestionConfig]:
    return [QuestionConfig(text, area) for text, area in DEFAULT_QUESTIONS]  # type: ignore[arg-type]


@dataclass(frozen=True)
class SurveyConfig:
    # The survey form members answer (an existing Google Form); "" = no survey.
    form_url: str = ""
    # The tab its responses land in; columns are found by header text.
    tab: str = "การตอบแบบประเมิน 1"
    # The worker-owned tab the summary is written to.
    summary_tab: str = "สรุปผลแบบประเมิน"
    period: Literal["semester", "fiscal_year"] = "semester"
    # Anonymous: responses are never matched to members (PDPA); the reminder goes to all
    # who were invited. Not anonymous: the form collects e-mail, the reminder skips those who
    # answered.
    anonymous: bool = True
    invite: Literal["digest", "message"] = "digest"
    # Days after the invitation before the one reminder rides in a digest.
    remind_after_days: int = 14
    # Lowest mean of มากที่สุด, มาก, ปานกลาง, น้อย (below the last: น้อยที่สุด).
    bands: list[float] = field(default_factory=lambda: [4.51, 3.51, 2.51, 1.51])
    questions: list[QuestionConfig] = field(default_factory=_default_questions)
    # Extra header texts for the respondent group and open comment columns.
    group_headers: list[str] = field(default_factory=list)
    comment_headers: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        b = self.bands
        if len(b) != 4 or not all(1.0 < x <= 5.0 for x in b) or sorted(b, reverse=True) != b \
                or len(set(b)) != 4:
            raise ConfigError(
                f"'survey.bands' = {b} must be four lowest means from high to low, between 1 "
                "and 5, e.g. [4.51, 3.51, 2.51, 1.51]")
        if self.remind_after_days < 1:
            raise ConfigError("'survey.remind_after_days' must be at least 1, got "
                              f"{self.remind_after_days}")
        if self.form_url and not self.form_url.startswith(("https://", "http://")):
            raise ConfigError(f"'survey.form_url' = \"{self.form_url}\" must be a web link "
                              "(https://…)")

    @property
    def on(self) -> bool:
        return bool(self.form_url)

    @property
    def kind(self) -> Literal["term", "fiscal"]:
        return "term" if self.period == "semester" else "fiscal"
