"""The sends that count against the provider's rolling window, kept in memory.

Read from the ledger with one indexed query, then kept current as the dispatcher records
each attempt: a check of the budget is a few binary searches, never a pass over every
delivery of the last 24 hours.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime


class Usage:
    """Each counted message's time (oldest first), overall, external, notices and the rest.

    A message counts once, at the time the ledger gives it: when sent, or when last
    attempted if unsettled or failed. ``put`` moves a message already counted.
    """

    def __init__(
        self, since: datetime, rows: Iterable[tuple[datetime, str, str, str]],
        is_external: Callable[[str], bool], is_notice: Callable[[str], bool],
    ) -> None:
        self.since = since  # the oldest time the ledger was asked for
        self._is_external = is_external
        self._is_notice = is_notice
        self._at: dict[str, tuple[datetime, bool, bool]] = {}
        self.times: list[datetime] = []
        self.external: list[datetime] = []
        self.notices: list[datetime] = []
        self.others: list[datetime] = []
        for at, recipient, kind, key in rows:
            self.put(key, at, recipient, kind)

    def _lists(self, external: bool, notice: bool) -> Iterator[list[datetime]]:
        yield self.times
        if external:
            yield self.external
        yield self.notices if notice else self.others

    def put(self, key: str, at: datetime, recipient: str, kind: str) -> None:
        old = self._at.pop(key, None)
        if old is not None:
            for times in self._lists(old[1], old[2]):
                del times[bisect_left(times, old[0])]
        external, notice = self._is_external(recipient), self._is_notice(kind)
        self._at[key] = (at, external, notice)
        for times in self._lists(external, notice):
            if not times or times[-1] <= at:
                times.append(at)
            else:
                insort(times, at)


def between(times: list[datetime], start: datetime, end: datetime) -> tuple[datetime, ...]:
    """The times from ``start`` through ``end``, oldest first."""
    return tuple(times[bisect_left(times, start):bisect_right(times, end)])
