"""Send envelopes exactly once through a bounded pool of reused mail sessions.

Order per message: skip if the ledger already has it settled; take one unit of the
rolling-window budget (``automation.core.quota``); build it (an ``Outgoing`` message is
rendered only now, by the session that sends it, while the provider answers the message
before it); wait for the shared rate limit; record ``pending``; send; record ``sent`` or
``failed``. A crash between the last two steps leaves ``pending``, which is sent again later
with the same Message-ID. All sessions share one rate limit and one budget. Each session
holds at most two built messages (the one it sends and the next), so memory does not grow
with the audience and the first message leaves as soon as it is built.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from automation.core.quota import Budget, Limits, Quota, local, waiting_note
from automation.errors import DeliveryError
from automation.ports import (
    DeliveryRecord,
    Envelope,
    Ledger,
    MailSession,
    MailTransport,
    nothing,
)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Outgoing:
    """A message to send, built (rendered) only when a session is ready to send it."""

    key: str
    kind: str
    item_id: str
    recipient: str
    priority: int
    build: Callable[[], Envelope]

    @staticmethod
    def of(envelope: Envelope) -> Outgoing:
        return Outgoing(envelope.key, envelope.kind, envelope.item_id, envelope.recipient,
                       envelope.priority, lambda: envelope)


class _Ahead:
    """A message taken from the queue, built once: ahead of its turn (while the provider
    answers the message before it) or, failing that, when its turn comes. A build that
    fails is raised at its turn, so the messages before it are sent as usual."""

    def __init__(self, plan: Outgoing, attempts: int) -> None:
        self.plan = plan
        self.attempts = attempts
        self._built: Envelope | None = None
        self._error: Exception | None = None

    def build(self) -> None:
        if self._built is None and self._error is None:
            try:
                self._built = self.plan.build()
            except Exception as exc:
                self._error = exc

    def envelope(self) -> Envelope:
        self.build()
        if self._error is not None:
            raise self._error
        assert self._built is not None
        return self._built


class RateLimiter:
    """At most ``per_minute`` sends a minute across every session, evenly spaced."""

    def __init__(self, per_minute: int, sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 60.0 / per_minute
        self._next = 0.0
        self._lock = threading.Lock()
        self._sleep = sleep

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    skipped: int = 0
    stopped: str = ""
    errors: list[str] = field(default_factory=list)
    blocked_until: datetime | None = None
    unusable: str = ""  # the mail server could not be used at all: why, once


@dataclass(frozen=True)
class DispatchPolicy:
    connections: int = 1
    rate_per_minute: int = 60
    daily_limit: int = 1500
    retries: int = 3
    backoff: float = 1.0
    max_attempts: int = 10
    max_backoff: float = 120.0


class Dispatcher:
    """Sends through ``transport``, within ``quota`` (the provider's rolling window).

    How a failure's scope is handled (see ``automation.mail.replies``):

    * ``recipient`` — permanent: ``failed`` for that recipient only; temporary: retried,
      later cycles included, until ``max_attempts``;
    * ``session`` — the connection is replaced and the message retried;
    * ``throttle`` — back off and retry; if the provider keeps asking, stop this run and
      pause briefly; the message stays pending, never failed;
    * ``quota`` — stop all sending until the window frees (kept in the ledger);
    * ``stop`` — stop all sending for a while: a person must fix the account;
    * ``account`` — stop this run (e.g. a refused login); the next cycle tries again.
    """

    def __init__(
        self,
        ledger: Ledger,
        transport: MailTransport,
        clock: Clock,
        policy: DispatchPolicy,
        *,
        stop: threading.Event | None = None,
        on_sent: Callable[[Envelope, str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        quota: Quota | None = None,
    ) -> None:
        self.ledger = ledger
        self.transport = transport
        self.clock = clock
        self.policy = policy
        self.stop = stop or threading.Event()
        self.on_sent = on_sent
        self.sleep = sleep
        self.quota = quota or Quota(_plain_limits(policy), ledger)
        self.rate = RateLimiter(policy.rate_per_minute, sleep)
        self._lock = threading.Lock()
        # Set when the server cannot be reached or refuses the account: the rest of the
        # run defers its mail at once instead of failing the same way once per message.
        # The caller clears it when a new run starts.
        self.unusable = ""

    def budget(self) -> Budget:
        return self.quota.budget(self.clock())

    def send(self, envelopes: Sequence[Envelope | Outgoing]) -> DispatchResult:
        result = DispatchResult()
        # Each message with the attempts earlier runs made.
        todo: queue.Queue[tuple[Outgoing, int]] = queue.Queue()
        planned = [e if isinstance(e, Outgoing) else Outgoing.of(e) for e in envelopes]
        records = self.ledger.get_many([e.key for e in planned])
        for env in sorted(planned, key=lambda e: e.priority):
            record = records.get(env.key)
            if record is not None and record.status in ("sent", "failed"):
                result.skipped += 1
            else:
                todo.put((env, record.attempts if record else 0))
        if todo.empty():
            return result
        if self.unusable:
            result.deferred += todo.qsize()
            result.unusable = result.stopped = self.unusable
            return result
        budget = self.budget()
        until = budget.window.blocked_until
        if until is not None:
            result.deferred += todo.qsize()
            result.blocked_until = until
            result.stopped = waiting_note(budget.window, 0)
            return result
        halt = threading.Event()
        workers = min(self.policy.connections, todo.qsize())
        crashed: list[BaseException] = []
        if workers == 1:
            self._work(todo, budget, halt, result, crashed)
        else:
            threads = [
                threading.Thread(target=self._work, args=(todo, budget, halt, result, crashed),
                                 daemon=True)
                for _ in range(workers)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        if crashed:  # e.g. a template that cannot render: as if built before sending
            raise crashed[0]
        result.deferred += todo.qsize()
        return result

    # -- one session's loop ----------------------------------------------------------

    def _work(
        self, todo: queue.Queue[tuple[Outgoing, int]], budget: Budget, halt: threading.Event,
        result: DispatchResult, crashed: list[BaseException],
    ) -> None:
        session: MailSession | None = None
        ahead = self._take(todo, budget, result)
        try:
            while ahead is not None and not (halt.is_set() or self.stop.is_set()):
                current, ahead = ahead, None
                try:
                    env = current.envelope()
                except Exception as exc:  # e.g. a template that cannot render
                    ahead = current  # not sent: given back, counted as deferred
                    crashed.append(exc)
                    halt.set()
                    return
                # The next message is built while the provider answers this one.
                ahead = self._take(todo, budget, result)
                meanwhile = ahead.build if ahead is not None else nothing
                session = self._deliver(env, current.attempts, session, budget, halt, result,
                                        meanwhile)
        finally:
            if ahead is not None:
                budget.give_back(ahead.plan)
                todo.put((ahead.plan, ahead.attempts))
            if session is not None:
                session.close()

    def _take(self, todo: queue.Queue[tuple[Outgoing, int]], budget: Budget,
              result: DispatchResult) -> _Ahead | None:
        """The next message the budget lets through, not built yet; None when none is left."""
        while True:
            try:
                plan, attempts = todo.get_nowait()
            except queue.Empty:
                return None
            if budget.take(plan):
                return _Ahead(plan, attempts)
            # Less important mail after it may still fit (notices keep a reserve).
            with self._lock:
                result.deferred += 1
                if not result.stopped:
                    result.stopped = budget.exhausted_note(plan.priority)

    def _deliver(
        self, env: Envelope, attempts: int, session: MailSession | None, budget: Budget,
        halt: threading.Event, result: DispatchResult, meanwhile: Callable[[], None],
    ) -> MailSession | None:
        record = DeliveryRecord(
            key=env.key, kind=env.kind, item_id=env.item_id, recipient=env.recipient,
            channel="email", message_id=env.message_id, status="pending",
        )
        tries = throttles = 0
        counted = attempts > 0  # the ledger counts it in the window once attempted
        while True:
            try:
                if session is None:
                    session = self.transport.open()
                self.rate.wait()
                begun = self.clock()
                self.ledger.begin(record, begun)
                self.quota.recorded(env.key, begun, env.recipient, env.kind)
                counted = True
                session.send(env, meanwhile)
            except DeliveryError as exc:
                if exc.scope != "recipient" and session is not None:
                    session.close()
                    session = None
                if exc.scope in ("quota", "stop"):
                    # Never the recipient's fault: it stays pending for the next window.
                    self._settle(counted, env, "pending", str(exc), result, budget)
                    until = self.quota.block(self.clock(), exc.scope, str(exc))
                    with self._lock:
                        result.blocked_until = until
                    self._halt(halt, result, f"{_why(exc.scope)} until {local(until)}: {exc}")
                    return session
                if exc.scope == "server" and tries < self.policy.retries:
                    tries += 1
                    self.sleep(self._backoff(exc, tries))
                    continue
                if exc.scope in ("account", "server"):
                    self._settle(counted, env, "pending", str(exc), result, budget)
                    with self._lock:
                        self.unusable = self.unusable or str(exc)
                        result.unusable = result.unusable or str(exc)
                    self._halt(halt, result, str(exc))
                    return session
                if exc.scope == "throttle":
                    throttles += 1
                    if throttles <= self.policy.retries:
                        self.sleep(self._backoff(exc, throttles))
                        continue
                    self._settle(counted, env, "pending", str(exc), result, budget)
                    until = self.quota.block(self.clock(), "throttle", str(exc))
                    self._halt(halt, result, f"{_why('throttle')} until {local(until)}: {exc}")
                    return session
                if exc.permanent:
                    self._settle(counted, env, "failed", str(exc), result, budget)
                    return session
                tries += 1
                if tries <= self.policy.retries:
                    self.sleep(self._backoff(exc, tries))
                    continue
                exhausted = attempts + tries >= self.policy.max_attempts
                final = "failed" if exhausted else "pending"
                self._settle(counted, env, final, str(exc), result, budget)
                return session
            self._settle(counted, env, "sent", "", result, budget)
            return session

    def _backoff(self, exc: DeliveryError, attempt: int) -> float:
        delay = exc.retry_after or self.policy.backoff * (2 ** (attempt - 1))
        return min(delay, self.policy.max_backoff)

    def _settle(
        self, counted: bool, env: Envelope, status: str, error: str, result: DispatchResult,
        budget: Budget,
    ) -> None:
        # No row yet (the session failed before ``begin``): the update changes nothing.
        # Pending here means the attempt ended and failed: to be retried, not uncertain.
        at = self.clock()
        self.ledger.finish(env.key, status, at, error, retry=status == "pending")
        if counted:  # now counted when sent, or when last attempted
            self.quota.recorded(env.key, at, env.recipient, env.kind)
        with self._lock:
            if status == "sent":
                result.sent += 1
            elif status == "failed":
                result.failed += 1
                result.errors.append(f"{env.recipient}: {error}")
            else:
                result.deferred += 1
                budget.give_back(env)
                if error:
                    result.errors.append(f"{env.recipient}: {error}")
        if self.on_sent is not None:
            self.on_sent(env, status)

    def _halt(self, halt: threading.Event, result: DispatchResult, reason: str) -> None:
        with self._lock:
            if not result.stopped:
                result.stopped = reason
        halt.set()


def _why(scope: str) -> str:
    return {
        "quota": "the provider's sending quota is used up; sending waits",
        "stop": "the provider refuses this mail account (a person must fix it); sending stops",
        "throttle": "the provider asks to slow down; sending waits",
    }[scope]


def _plain_limits(policy: DispatchPolicy) -> Limits:
    """Only a message count per rolling 24 hours, as before quotas were configurable."""
    return Limits(
        preset="custom", messages_per_day=policy.daily_limit, recipients_per_day=None,
        external_recipients_per_day=None, max_recipients_per_message=None,
        messages_per_minute=policy.rate_per_minute, connections=policy.connections,
        reserve=0, internal_domains=frozenset(),
    )
