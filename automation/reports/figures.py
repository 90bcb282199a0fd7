"""The numbers of one period, computed from the ledger and the sheet.

Definitions (each count is by when the thing happened, in Bangkok time):

* submitted — items whose ``submitted`` event (the form's timestamp) falls in the period;
* approved / rejected / returned — ``decided:*`` events in the period (the cycle records
  a decision when it first sees it);
* published — ``published`` events in the period;
* per school and per cluster — each event counted for the item's school (as recorded at
  submission, matched to the registry like the cycle does) and that school's cluster;
* time to decision — first decision minus submission, for items first decided in the
  period; time to publication — publication minus submission, for items published in it;
  median and 90th percentile (linear interpolation, as Excel's PERCENTILE.INC), in hours;
* waiting — items submitted before the end of the period (or now, if sooner) with no
  decision by then; an item never decided and no longer in the sheet was withdrawn and is
  not counted;
* delivery — sent deliveries by send time, failed or pending ones by their last attempt,
  per channel; bounces are the hard and soft bounce reports the mailbox matched to a
  delivery (events of ``bounce:<address>``); unsubscribes and suppressions are rows of
  the suppression tab dated in the period; reach counts distinct addresses (and the
  registry members they belong to) sent one of the reach kinds.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from automation.model import Member, Registry
from automation.reports.period import Period
from automation.text.thai import fuzzy_key
from automation.thaidate import BANGKOK, THAI_MONTHS_ABBR

Event = tuple[str, str, datetime, str]
DeliveryTotal = tuple[str, str, str, int]
SummaryRow = tuple[str, str, str, str, tuple[int, ...]]

UNREGISTERED_CLUSTER = ""
# The mailbox records each bounce report as an event of ``bounce:<address>`` named
# ``<severity>:<report>``; a "delayed" notice is not a bounce.
BOUNCE_PREFIX = "bounce:"
BOUNCE_SEVERITIES = ("hard", "soft")
_UNSUBSCRIBE_WORDS = ("ยกเลิก", "unsubscribe", "ไม่ประสงค์")


@dataclass(frozen=True)
class Activity:
    submitted: int = 0
    approved: int = 0
    rejected: int = 0
    returned: int = 0
    published: int = 0

    def __add__(self, other: Activity) -> Activity:
        return Activity(self.submitted + other.submitted, self.approved + other.approved,
                        self.rejected + other.rejected, self.returned + other.returned,
                        self.published + other.published)

    @property
    def any(self) -> bool:
        return any((self.submitted, self.approved, self.rejected, self.returned, self.published))


@dataclass(frozen=True)
class MemberActivity:
    """One school or agency in the period; ``member_id`` is "" when not in the registry."""

    member_id: str
    name: str
    cluster: str
    school: bool
    activity: Activity


@dataclass(frozen=True)
class ClusterActivity:
    cluster: str
    schools: int
    active_schools: int
    activity: Activity


@dataclass(frozen=True)
class Timing:
    count: int
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True)
class ChannelTotals:
    channel: str
    sent: int
    failed: int
    pending: int


@dataclass(frozen=True)
class KindTotals:
    kind: str
    sent: int
    failed: int


@dataclass(frozen=True)
class DeliveryFigures:
    channels: tuple[ChannelTotals, ...]
    email_kinds: tuple[KindTotals, ...]
    bounced: int
    suppressed: int
    unsubscribed: int
    reached_addresses: int
    reached_members: int
    reachable_members: int

    @property
    def sent(self) -> int:
        return sum(c.sent for c in self.channels)

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.channels)

    @property
    def pending(self) -> int:
        return sum(c.pending for c in self.channels)


@dataclass(frozen=True)
class Bucket:
    label: str
    start: date
    submitted: int
    published: int


@dataclass(frozen=True)
class PeriodFigures:
    period: Period
    asof: datetime
    activity: Activity
    members: tuple[MemberActivity, ...]
    clusters: tuple[ClusterActivity, ...]
    decision: Timing
    publication: Timing
    waiting: int
    oldest_waiting_days: int | None
    delivery: DeliveryFigures
    timeline: tuple[Bucket, ...] = field(default=())

    @property
    def schools(self) -> tuple[MemberActivity, ...]:
        return tuple(m for m in self.members if m.school)

    @property
    def quiet_schools(self) -> tuple[MemberActivity, ...]:
        """Registered schools that submitted nothing in the period."""
        return tuple(m for m in self.schools if m.member_id and not m.activity.submitted)

    @property
    def active_schools(self) -> int:
        return sum(1 for m in self.schools if m.activity.submitted)

    @property
    def quiet_clusters(self) -> tuple[str, ...]:
        return tuple(c.cluster for c in self.clusters
                     if c.cluster and c.schools and not c.activity.submitted)


@dataclass(frozen=True)
class SuppressionRow:
    email: str
    reason: str
    since: date | None


@dataclass(frozen=True)
class Inputs:
    """Everything a period's figures are computed from, read once for all periods."""

    events: Sequence[Event]
    registry: Registry
    items: Mapping[str, str]  # news ID → school, for every row now in the sheet
    suppressions: Sequence[SuppressionRow]
    school_groups: Sequence[str]
    now: datetime


# ---------------------------------------------------------------- helpers

def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (PERCENTILE.INC); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def timing(hours: Sequence[float]) -> Timing:
    if not hours:
        return Timing(0, None, None)
    return Timing(len(hours), float(statistics.median(hours)), percentile(hours, 0.9))


def _hours(later: datetime, earlier: datetime) -> float:
    return max(0.0, (later - earlier).total_seconds() / 3600)


def _day(at: datetime) -> date:
    return at.astimezone(BANGKOK).date()


class _Directory:
    """Who a school name in a submission is, as the cycle matches it (fuzzy, first active)."""

    def __init__(self, registry: Registry, school_groups: Sequence[str]) -> None:
        groups = {fuzzy_key(g) for g in school_groups}
        self.by_key: dict[str, Member] = {}
        for m in sorted(registry.members, key=lambda m: (not m.active, m.row)):
            self.by_key.setdefault(fuzzy_key(m.name), m)
        self.schools = [m for m in self.by_key.values()
                        if m.active and fuzzy_key(m.group) in groups]
        self.school_ids = {m.member_id for m in self.schools}
        self._seen: dict[str, Member | None] = {}

    def member(self, school: str) -> Member | None:
        if school not in self._seen:
            self._seen[school] = self.by_key.get(fuzzy_key(school)) if school else None
        return self._seen[school]


# ---------------------------------------------------------------- one period

class ItemFacts:
    """Per-item facts from the event list."""

    def __init__(self, events: Iterable[Event], items: Mapping[str, str]) -> None:
        self.submitted: dict[str, datetime] = {}
        self.school: dict[str, str] = dict(items)
        self.in_sheet = set(items)
        self.first_decision: dict[str, datetime] = {}
        self.decided_any: set[str] = set()
        self.published: dict[str, datetime] = {}
        self.events: list[Event] = []
        for event in events:
            item, name, at, detail = event
            self.events.append(event)
            if name == "submitted":
                self.submitted[item] = at
                if detail:
                    self.school[item] = detail
            elif name.startswith("decided:"):
                self.decided_any.add(item)
                if item not in self.first_decision or at < self.first_decision[item]:
                    self.first_decision[item] = at
            elif name == "published":
                self.published[item] = at


def split_summary(
    rows: Sequence[SummaryRow], index: int, reach_kinds: Sequence[str]
) -> tuple[list[DeliveryTotal], set[str]]:
    """Period ``index`` of a ledger delivery summary: (channel, kind, status, count) totals,
    and the e-mail addresses sent one of ``reach_kinds``."""
    totals: dict[tuple[str, str, str], int] = defaultdict(int)
    reached: set[str] = set()
    for channel, kind, status, recipient, counts in rows:
        n = counts[index]
        if not n:
            continue
        totals[(channel, kind, status)] += n
        if status == "sent" and channel == "email" and kind in reach_kinds:
            reached.add(recipient)
    return [(c, k, s, n) for (c, k, s), n in totals.items()], reached


def compute(
    period: Period,
    inputs: Inputs,
    deliveries: Sequence[DeliveryTotal],
    reached: set[str],
    facts: ItemFacts | None = None,
) -> PeriodFigures:
    start, end = period.bounds()
    asof = min(end, inputs.now)
    facts = facts or ItemFacts(inputs.events, inputs.items)
    directory = _Directory(inputs.registry, inputs.school_groups)

    per_member: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    names: dict[str, tuple[str, str, str]] = {}  # key → (member_id, name, cluster)

    def key_for(item: str) -> str:
        school = facts.school.get(item, "")
        member = directory.member(school)
        if member is not None:
            names.setdefault(member.member_id, (member.member_id, member.name, member.cluster))
            return member.member_id
        key = "?" + fuzzy_key(school)
        names.setdefault(key, ("", school or "(ไม่ทราบชื่อหน่วยงาน)", UNREGISTERED_CLUSTER))
        return key

    decision_hours: list[float] = []
    publication_hours: list[float] = []
    bounced = 0
    for item, name, at, _detail in facts.events:
        if not start <= at < end:
            continue
        if name == "submitted":
            per_member[key_for(item)]["submitted"] += 1
        elif name.startswith("decided:"):
            outcome = name.partition(":")[2]
            if outcome in ("approved", "rejected", "returned"):
                per_member[key_for(item)][outcome] += 1
            if facts.first_decision.get(item) == at and item in facts.submitted:
                decision_hours.append(_hours(at, facts.submitted[item]))
        elif name == "published":
            per_member[key_for(item)]["published"] += 1
            if item in facts.submitted:
                publication_hours.append(_hours(at, facts.submitted[item]))
        elif item.startswith(BOUNCE_PREFIX) and name.partition(":")[0] in BOUNCE_SEVERITIES:
            bounced += 1

    members = _member_rows(per_member, names, directory)
    waiting, oldest = _waiting(facts, asof)
    return PeriodFigures(
        period=period,
        asof=asof,
        activity=sum((m.activity for m in members), Activity()),
        members=members,
        clusters=_cluster_rows(members, directory),
        decision=timing(decision_hours),
        publication=timing(publication_hours),
        waiting=waiting,
        oldest_waiting_days=oldest,
        delivery=_delivery(period, inputs, deliveries, reached, bounced),
        timeline=_timeline(period, facts),
    )


def _activity(counts: Mapping[str, int]) -> Activity:
    return Activity(counts.get("submitted", 0), counts.get("approved", 0),
                    counts.get("rejected", 0), counts.get("returned", 0),
                    counts.get("published", 0))


def _member_rows(
    per_member: Mapping[str, Mapping[str, int]],
    names: Mapping[str, tuple[str, str, str]],
    directory: _Directory,
) -> tuple[MemberActivity, ...]:
    rows: dict[str, MemberActivity] = {}
    for m in directory.schools:
        rows[m.member_id] = MemberActivity(m.member_id, m.name, m.cluster, True, Activity())
    for key, counts in per_member.items():
        member_id, name, cluster = names[key]
        rows[key] = MemberActivity(member_id, name, cluster,
                                   member_id in directory.school_ids, _activity(counts))
    return tuple(sorted(rows.values(), key=lambda r: (-r.activity.submitted,
                                                      -r.activity.published, r.name)))


def _cluster_rows(
    members: Sequence[MemberActivity], directory: _Directory
) -> tuple[ClusterActivity, ...]:
    clusters = {m.cluster for m in directory.by_key.values() if m.active and m.cluster}
    totals: dict[str, Activity] = {c: Activity() for c in clusters}
    schools: dict[str, int] = dict.fromkeys(clusters, 0)
    active: dict[str, int] = dict.fromkeys(clusters, 0)
    for m in members:
        cluster = m.cluster or UNREGISTERED_CLUSTER
        totals[cluster] = totals.get(cluster, Activity()) + m.activity
        if m.school:
            schools[cluster] = schools.get(cluster, 0) + 1
            active[cluster] = active.get(cluster, 0) + (1 if m.activity.submitted else 0)
    rows = [ClusterActivity(c, schools.get(c, 0), active.get(c, 0), a)
            for c, a in totals.items() if c or a.any]
    return tuple(sorted(rows, key=lambda r: (r.cluster == UNREGISTERED_CLUSTER,
                                             -r.activity.submitted, r.cluster)))


def _waiting(facts: ItemFacts, asof: datetime) -> tuple[int, int | None]:
    waiting: list[datetime] = []
    for item, at in facts.submitted.items():
        if at >= asof:
            continue
        decided = facts.first_decision.get(item)
        published = facts.published.get(item)
        if (decided is not None and decided < asof) or (published is not None and published < asof):
            continue
        if item not in facts.decided_any and item not in facts.in_sheet:
            continue  # withdrawn: deleted from the sheet without a decision
        waiting.append(at)
    if not waiting:
        return 0, None
    return len(waiting), int((asof - min(waiting)).total_seconds() // 86400)


def _delivery(
    period: Period, inputs: Inputs, totals: Sequence[DeliveryTotal], reached: set[str],
    bounced: int,
) -> DeliveryFigures:
    channels: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    kinds: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for channel, kind, status, count in totals:
        channels[channel][status] += count
        if channel == "email":
            kinds[kind][status] += count
    suppressed = [s for s in inputs.suppressions if s.since and period.contains(s.since)]
    unsubscribed = sum(1 for s in suppressed
                       if any(w in s.reason.casefold() for w in _UNSUBSCRIBE_WORDS))
    registry = inputs.registry
    reached_members = {m.member_id for m in registry.members if reached.intersection(m.emails)}
    reachable = {m.member_id for m in registry.members
                 if m.active and m.accepts_email
                 and any(e not in registry.suppressed for e in m.emails)}
    return DeliveryFigures(
        channels=tuple(ChannelTotals(c, s.get("sent", 0), s.get("failed", 0), s.get("pending", 0))
                       for c, s in sorted(channels.items(), key=lambda kv: kv[0] != "email")),
        email_kinds=tuple(KindTotals(k, s.get("sent", 0), s.get("failed", 0))
                          for k, s in sorted(kinds.items())),
        bounced=bounced,
        suppressed=len(suppressed),
        unsubscribed=unsubscribed,
        reached_addresses=len(reached),
        reached_members=len(reached_members),
        reachable_members=len(reachable),
    )


def _timeline(period: Period, facts: ItemFacts) -> tuple[Bucket, ...]:
    """Submissions and publications per day (periods up to two months) or per month."""
    daily = period.days <= 62
    starts: list[date] = []
    day = period.start
    while day <= period.end:
        starts.append(day)
        if daily:
            day += timedelta(days=1)
        else:
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    index = {s: i for i, s in enumerate(starts)}
    submitted = [0] * len(starts)
    published = [0] * len(starts)
    start, end = period.bounds()
    for item_times, counts in ((facts.submitted, submitted), (facts.published, published)):
        for at in item_times.values():
            if start <= at < end:
                local = _day(at)
                key = local if daily else max(period.start, local.replace(day=1))
                counts[index[key]] += 1
    return tuple(
        Bucket(f"{s.day}" if daily else f"{THAI_MONTHS_ABBR[s.month - 1]} {str(s.year + 543)[2:]}",
               s, submitted[i], published[i])
        for i, s in enumerate(starts)
    )

