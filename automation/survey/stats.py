"""The figures of a survey period, as Thai evaluation reports give them.

* per question: n (answers given; a missing answer is left out of that question only),
  mean x̄ and the **sample** standard deviation (divisor n − 1), and the level of x̄ by the
  configured bands;
* per area and overall: the same over every answer of the area's (all) questions pooled;
* per respondent group: respondents and the pooled figures of their answers;
* response rate: responses ÷ active members of the registry.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from automation.reports.period import Period
from automation.survey.privacy import mask_personal
from automation.survey.responses import Question, Response
from automation.survey.scale import level
from automation.survey.settings import AREAS
from automation.thaidate import BANGKOK

ADDED_AFTER = 10


@dataclass(frozen=True)
class Stat:
    n: int
    mean: float | None
    sd: float | None
    level: str
    counts: tuple[int, int, int, int, int]  # answers at level 1..5

    @property
    def mean_text(self) -> str:
        return "–" if self.mean is None else f"{self.mean:.2f}"

    @property
    def sd_text(self) -> str:
        return "–" if self.sd is None else f"{self.sd:.2f}"


def stat(points: Iterable[int], bands: Sequence[float]) -> Stat:
    values = list(points)
    counts = tuple(values.count(k) for k in range(1, 6))
    mean = statistics.fmean(values) if values else None
    sd = statistics.stdev(values) if len(values) > 1 else None
    return Stat(len(values), mean, sd, level(mean, bands), counts)  # type: ignore[arg-type]


@dataclass(frozen=True)
class QuestionResult:
    number: int
    question: Question
    stat: Stat
    since: date | None  # first answer, when the question came after the period's first one


@dataclass(frozen=True)
class AreaResult:
    key: str
    name: str
    stat: Stat
    questions: tuple[QuestionResult, ...]


@dataclass(frozen=True)
class GroupResult:
    group: str
    respondents: int
    stat: Stat


@dataclass(frozen=True)
class Figures:
    period: Period
    responses: int
    areas: tuple[AreaResult, ...]
    overall: Stat
    groups: tuple[GroupResult, ...]
    comments: tuple[str, ...]

    @property
    def questions(self) -> tuple[QuestionResult, ...]:
        return tuple(q for a in self.areas for q in a.questions)

    def area(self, key: str) -> AreaResult | None:
        return next((a for a in self.areas if a.key == key), None)


def compute(period: Period, questions: Sequence[Question], answered: Sequence[Response],
            bands: Sequence[float]) -> Figures:
    first = min((r.at for r in answered if r.at), default=None)
    results: list[QuestionResult] = []
    for q in questions:
        mine = [r for r in answered if q.key in r.answers]
        starts = min((r.at for r in mine if r.at), default=None)
        # Added mid-period: at least ADDED_AFTER responses came before its first answer.
        before = sum(1 for r in answered if r.at and starts and r.at < starts)
        since = starts.astimezone(BANGKOK).date() if starts and first and \
            before >= ADDED_AFTER else None
        results.append(QuestionResult(0, q, stat((r.answers[q.key] for r in mine), bands),
                                      since))
    areas: list[AreaResult] = []
    number = 0
    for key, name in AREAS.items():
        inside = [q for q in results if q.question.area == key]
        if not inside:
            continue
        numbered = []
        for result in inside:
            number += 1
            numbered.append(QuestionResult(number, result.question, result.stat, result.since))
        keys = {q.question.key for q in inside}
        pooled = (p for r in answered for k, p in r.answers.items() if k in keys)
        areas.append(AreaResult(key, name, stat(pooled, bands), tuple(numbered)))
    every = {q.key for q in questions}
    overall = stat((p for r in answered for k, p in r.answers.items() if k in every), bands)
    groups: dict[str, list[Response]] = {}
    for r in answered:
        groups.setdefault(r.group, []).append(r)
    group_results = tuple(
        GroupResult(g, len(rs), stat((p for r in rs for k, p in r.answers.items() if k in every),
                                     bands))
        for g, rs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))
    comments = tuple(mask_personal(r.comment) for r in answered if r.comment.strip())
    return Figures(period, len(answered), tuple(areas), overall, group_results, comments)
