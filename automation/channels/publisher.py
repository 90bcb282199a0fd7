"""Post approved items to the chat/social channels exactly once, through the ledger.

Per (channel, item) one ledger row ``post:{channel}:{item}``:

* ``begin`` (pending) is committed before the request; ``sent`` or ``failed`` after it;
* a request the service refused (429, quota, connection refused) is left ``pending`` with
  the ledger's ``retry`` flag — known not posted, tried again in a later cycle;
* ``pending`` without the flag means the worker stopped mid-request (kill -9, power cut):
  the post may exist. The adapter says whether sending again is harmless (a retry key the
  service honours), checkable (the Page's own posts) or not (then it is recorded as failed
  with a note to check by hand — a duplicate in a public channel is worse than asking).

The core calls ``publish`` for an approved item every cycle until no publisher raises for
it; so an item waiting on a channel is retried by the core, and only while it is still
approved. ``publish`` raises while a post is still owed (the note says why), and once when a
post fails for good; a post that waited longer than ``give_up`` is recorded as failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from automation.channels.base import Channel, Post, Recovery, UncertainDelivery, request_key
from automation.channels.targeting import select
from automation.errors import DeliveryError
from automation.model import Registry, Submission
from automation.ports import DeliveryRecord, Ledger

KIND = "post"
UNCERTAIN = ("ไม่แน่ใจว่าโพสต์สำเร็จหรือไม่ (ระบบหยุดระหว่างส่ง และช่องทางนี้ตรวจย้อนหลังไม่ได้); "
             "ตรวจในช่องทางแล้วโพสต์เองหากยังไม่มี")
WITHDRAWN = "ถอนข่าวแล้ว ไม่โพสต์"


def post_key(channel: str, item_id: str) -> str:
    return f"{KIND}:{channel}:{item_id}"


@dataclass(frozen=True)
class ChannelPolicy:
    retries: int = 3
    max_wait: float = 60.0
    backoff: float = 2.0
    max_attempts: int = 10
    give_up: timedelta = timedelta(hours=72)


class ChannelPublisher:
    name = "channels"

    def __init__(
        self,
        channels: Sequence[Channel],
        defaults: Mapping[str, bool],
        ledger: Ledger,
        clock: Callable[[], datetime],
        policy: ChannelPolicy = ChannelPolicy(),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.channels = {c.name: c for c in channels}
        self.defaults = {c.name: defaults.get(c.name, True) for c in channels}
        self.ledger = ledger
        self.clock = clock
        self.policy = policy
        self.sleep = sleep
        self._halted: dict[str, str] = {}
        self._last: dict[str, float] = {}

    # -- the Publisher interface -------------------------------------------------------

    def publish(self, item: Submission, now: datetime) -> None:
        if any(event == "withdrawn" for _i, event, _at, _d in self.ledger.events(item.id)):
            return  # taken down from the board: not to be spread further
        chosen, unknown = select(item.channels, self.defaults)
        problems = []
        # Told once: an unknown word never goes away by itself, and must not hold the item.
        if unknown and self.ledger.add_event(item.id, "channels-unknown", now, ", ".join(unknown)):
            problems.append(f"ไม่รู้จักช่องทาง {', '.join(repr(w) for w in unknown)} "
                            "ในคอลัมน์ช่องทาง (ข้ามไป)")
        post = Post.of(item)
        for name in chosen:
            error = self.deliver(self.channels[name], post)
            if error:
                problems.append(f"{name}: {error}")
        if problems:
            raise DeliveryError("; ".join(problems), permanent=False)

    def finish(self, published: Sequence[Submission], registry: Registry, now: datetime) -> None:
        """A new cycle may try a halted channel again."""
        self._halted.clear()

    # -- take-down -----------------------------------------------------------------------

    def cancel(self, item_id: str) -> int:
        """Stop every post of a withdrawn item that has not gone out yet."""
        cancelled = 0
        for record in self.ledger.deliveries(item_id=item_id, kind=KIND):
            if record.status == "pending" and record.retry:
                self.ledger.finish(record.key, "failed", self.clock(), WITHDRAWN)
                cancelled += 1
        return cancelled

    # -- one post ----------------------------------------------------------------------

    def deliver(self, channel: Channel, post: Post) -> str | None:
        """Post once (or settle what an earlier run left); an error message, or None."""
        key = post_key(channel.name, post.item_id)
        record = self.ledger.get(key)
        if record is not None and record.status in ("sent", "failed"):
            return None
        if channel.name in self._halted:
            self._defer(key, channel, post, record, self._halted[channel.name])
            return f"รอรอบถัดไป: {self._halted[channel.name]}"
        if record is not None and record.retry and (
            record.attempts >= self.policy.max_attempts
            or self.clock() - (record.created_at or self.clock()) > self.policy.give_up
        ):
            error = f"เลิกพยายามหลัง {record.attempts} ครั้ง: {record.error}"
            self.ledger.finish(key, "failed", self.clock(), error)
            return error
        uncertain = record is not None and not record.retry
        since = (record.updated_at if record else None) or self.clock()
        existed = record is not None
        error = ""
        attempt = 0
        while True:
            if uncertain:
                outcome = self._recover(channel, post, key, self.clock() - since)
                if isinstance(outcome, str):
                    return outcome
                if outcome is Recovery.SENT:
                    self.ledger.finish(key, "sent", self.clock())
                    return None
                if outcome is Recovery.UNKNOWN:
                    self.ledger.finish(key, "failed", self.clock(), UNCERTAIN)
                    return UNCERTAIN
            if attempt > self.policy.retries:
                return error
            self._pace(channel)
            self._begin(key, channel, post)
            if existed:
                # From here on a crash leaves an unmarked pending row: "may have been posted".
                self.ledger.finish(key, "pending", self.clock(), "")
            existed = True
            try:
                channel.send(post, request_key(key))
            except UncertainDelivery as exc:
                error, uncertain, since = str(exc), True, self.clock()
                attempt += 1
                if attempt <= self.policy.retries:
                    self.sleep(self.policy.backoff * 2 ** (attempt - 1))
                continue
            except DeliveryError as exc:
                error = str(exc)
                if exc.permanent and exc.scope == "recipient":
                    self.ledger.finish(key, "failed", self.clock(), error)
                    return error
                self.ledger.finish(key, "pending", self.clock(), error, retry=True)
                uncertain = False
                if exc.scope != "recipient":
                    # Bad token, monthly quota, page throttled: nothing else will go through
                    # this cycle; the items wait (marked) instead of each failing.
                    self._halted[channel.name] = error
                    return error
                wait = exc.retry_after if exc.retry_after is not None else (
                    self.policy.backoff * 2**attempt
                )
                if wait > self.policy.max_wait or attempt >= self.policy.retries:
                    return error
                self.sleep(wait)
                attempt += 1
                continue
            self.ledger.finish(key, "sent", self.clock())
            return None

    def _recover(
        self, channel: Channel, post: Post, key: str, age: timedelta
    ) -> Recovery | str:
        try:
            return channel.recover(post, request_key(key), age)
        except DeliveryError as exc:
            return f"ตรวจสอบโพสต์ที่อาจส่งไปแล้วไม่ได้: {exc}"

    def _begin(self, key: str, channel: Channel, post: Post) -> None:
        record = DeliveryRecord(
            key=key, kind=KIND, item_id=post.item_id, recipient=channel.name,
            channel=channel.name, message_id=request_key(key), status="pending",
            detail=post.summary(),
        )
        self.ledger.begin(record, self.clock())

    def _defer(
        self, key: str, channel: Channel, post: Post, record: DeliveryRecord | None, why: str
    ) -> None:
        """Remember an item a halted channel did not try, so a later cycle posts it."""
        if record is None:
            self._begin(key, channel, post)
            self.ledger.finish(key, "pending", self.clock(), why, retry=True)

    def _pace(self, channel: Channel) -> None:
        last = self._last.get(channel.name)
        if last is not None and channel.min_interval > 0:
            wait = last + channel.min_interval - time.monotonic()
            if wait > 0:
                self.sleep(wait)
        self._last[channel.name] = time.monotonic()
