"""Bounded retry for calls to Google: exponential backoff with jitter, Retry-After honoured.

gspread's own BackOffHTTPClient retries a quota error without end, which would stall the
scheduler; here every call gives up after a fixed time and the worker resumes next cycle.
Only failures that a later attempt can cure are retried: 429 (quota), 500/502/503/504,
timeouts and dropped connections.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar

import requests
from google.auth import exceptions as auth_exceptions
from gspread.exceptions import APIError

from automation.errors import SheetError

T = TypeVar("T")

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_DROPPED = (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)


@dataclass(frozen=True)
class RetryPolicy:
    """``budget``: seconds from a call's first failure after which it is abandoned."""

    budget: float = 120.0
    base: float = 1.0
    cap: float = 32.0

    def delay(self, failures: int, rng: random.Random) -> float:
        """Truncated exponential backoff with "equal jitter": half fixed, half random."""
        step = min(self.cap, self.base * float(2 ** (failures - 1)))
        return step / 2 + rng.uniform(0, step / 2)


@dataclass(frozen=True)
class Transient:
    """Why a failed call may succeed later, and how long Google asked us to wait."""

    reason: str
    retry_after: float | None = None
    maybe_applied: bool = True  # the request may have reached the spreadsheet


# A 403 whose reason says "slow down" (Drive answers some rate limits so) is not a refusal.
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


class GoogleHttpError(requests.exceptions.HTTPError):
    """A Google REST answer other than success, for APIs called without gspread (Drive);
    ``reason`` is the first ``error.errors[].reason`` of Google's JSON error body."""

    def __init__(self, response: requests.Response, reason: str, message: str) -> None:
        super().__init__(message, response=response)
        self.answer = response
        self.status = response.status_code
        self.reason = reason


def status_of(exc: APIError) -> int:
    # gspread sets code -1 when the error body is not JSON (Google's HTML 502 page).
    return int(exc.response.status_code)


def transient(exc: BaseException) -> Transient | None:
    """The retryable reading of ``exc``, or None when retrying cannot help."""
    if isinstance(exc, APIError):
        status = status_of(exc)
        if status not in RETRY_STATUS:
            return None
        if status == 429:
            return Transient("เกินโควตา (429)", retry_after(exc.response), maybe_applied=False)
        return Transient(f"Google ขัดข้องชั่วคราว ({status})", retry_after(exc.response))
    if isinstance(exc, GoogleHttpError):
        if exc.status == 429 or (exc.status == 403 and exc.reason in RATE_REASONS):
            return Transient("เกินโควตา", retry_after(exc.answer), maybe_applied=False)
        if exc.status in RETRY_STATUS:
            return Transient(f"Google ขัดข้องชั่วคราว ({exc.status})", retry_after(exc.answer))
        return None
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return Transient("เชื่อมต่อไม่ทันเวลา", maybe_applied=False)
    if isinstance(exc, requests.exceptions.Timeout):
        return Transient("Google ตอบไม่ทันเวลา")
    if isinstance(exc, _DROPPED):
        return Transient("การเชื่อมต่อขาด")
    if isinstance(exc, auth_exceptions.TransportError):
        return Transient("ติดต่อบริการยืนยันตัวตนของ Google ไม่ได้", maybe_applied=False)
    if isinstance(exc, auth_exceptions.RefreshError) and getattr(exc, "retryable", False):
        return Transient("บริการยืนยันตัวตนของ Google ขัดข้องชั่วคราว", maybe_applied=False)
    return None


def retry_after(response: requests.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class Retrier:
    """Runs calls under one RetryPolicy; ``sleep`` and ``clock`` are injectable for tests."""

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        seed: int | None = None,
    ) -> None:
        self.policy = policy
        self.sleep = sleep
        self.clock = clock
        self.rng = random.Random(seed)
        self.retries = 0
        self.waited = 0.0

    def call(self, what: str, fn: Callable[[], T]) -> T:
        """``fn()``, retried on transient failures until the budget is spent.

        Giving up raises SheetError(transient=True): the cycle stops here and the next one
        starts over from a fresh read, so nothing is lost.
        """
        first_failure: float | None = None
        failures = 0
        while True:
            try:
                return fn()
            except Exception as exc:
                why = transient(exc)
                if why is None:
                    raise
                now = self.clock()
                first_failure = now if first_failure is None else first_failure
                failures += 1
                pause = self.policy.delay(failures, self.rng)
                if why.retry_after is not None:
                    pause = max(pause, why.retry_after)
                spent = now - first_failure
                if spent + pause > self.policy.budget:
                    raise SheetError(
                        f"{what}: {why.reason} ต่อเนื่อง {failures} ครั้งใน {spent:.0f} วินาที; "
                        "หยุดรอบนี้ไว้ก่อน รอบถัดไปจะทำต่อเองโดยไม่มีข้อมูลหาย",
                        transient=True,
                    ) from exc
                self.retries += 1
                self.waited += pause
                self.sleep(pause)
