"""What an SMTP reply means for the worker: one table, extendable from config.

Quota and throttling replies are never a recipient's fault: they stop or slow sending
for the account and the recipient keeps waiting, instead of being marked failed.

Verdicts:

* ``quota`` — the account's allowance for the provider's window is used up: stop sending
  until the window frees (nothing is blamed on the recipient).
* ``throttle`` — the provider asks to slow down or use fewer sessions: back off and retry.
* ``stop`` — the provider refuses the account until a person fixes it (login, or Microsoft
  365 throttling a mailbox after continuous errors): stop and tell the officer.
* ``retry`` — a temporary failure for this message: try again, later cycles included.
* ``recipient`` — a permanent failure for this recipient only (e.g. ``550 5.1.1``).

An office adds its own rules in schedule.toml; they are tried before the built-in ones::

    [[mail.replies]]
    pattern = "4\\.7\\.28"
    verdict = "throttle"
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from automation.mail.settings import ReplyConfig

Verdict = Literal["ok", "retry", "recipient", "throttle", "quota", "stop"]


@dataclass(frozen=True)
class ReplyRule:
    pattern: str  # regular expression matched against "<code> <text>", case-insensitive
    verdict: Verdict
    note: str = ""


DEFAULT_RULES: tuple[ReplyRule, ...] = (
    # Gmail / Google Workspace: "550 5.4.5 Daily user sending quota exceeded",
    # "550 5.4.5 Daily SMTP relay limit exceeded for customer".
    ReplyRule(r"5\.4\.5|sending quota exceeded|relay limit exceeded", "quota",
              "Gmail/Workspace daily sending quota"),
    # Microsoft 365: "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException".
    ReplyRule(r"SubmissionQuotaExceeded|5\.2\.0 STOREDRV", "quota",
              "Microsoft 365 daily recipient quota"),
    # Amazon SES and others: "454 Throttling failure: Daily message quota exceeded".
    ReplyRule(r"daily message quota exceeded", "quota", "daily message quota"),
    # Microsoft 365: "550 5.2.251"–"5.2.255 Sender throttled due to continuous … errors".
    ReplyRule(r"5\.2\.25[1-5]|sender throttled", "stop",
              "Microsoft 365 throttled the mailbox: a person must fix it"),
    # Microsoft 365: "432 4.3.2 Concurrent connections limit exceeded".
    ReplyRule(r"^432 |4\.3\.2|concurrent connections", "throttle", "too many sessions"),
    # Gmail: "421 4.7.0 Try again later, closing connection."
    ReplyRule(r"^421 |^4\d\d 4\.7\.0", "throttle", "provider asks to slow down"),
    # Gmail: "452 4.5.3 Your message has too many recipients."
    ReplyRule(r"4\.5\.3|too many recipients", "throttle", "too many recipients"),
    ReplyRule(r"sending rate exceeded|submission rate", "throttle", "sending too fast"),
    ReplyRule(r"^535 |5\.7\.8|authentication", "stop", "login refused"),
    ReplyRule(r"^4\d\d", "retry", "temporary failure"),
    ReplyRule(r"^5\d\d", "recipient", "permanent failure for this recipient"),
)


def rules(extra: Sequence[ReplyConfig] = ()) -> tuple[ReplyRule, ...]:
    """The office's own rules (from ``[[mail.replies]]``) first, then the built-in table."""
    own = tuple(ReplyRule(r.pattern, r.verdict, r.note or "office rule") for r in extra)
    return own + DEFAULT_RULES


def classify(code: int, text: str, rules: tuple[ReplyRule, ...] = DEFAULT_RULES) -> ReplyRule:
    line = f"{code} {' '.join(text.split())}"
    for rule in rules:
        if re.search(rule.pattern, line, flags=re.IGNORECASE):
            return rule
    return ReplyRule("", "ok" if code < 400 else "retry")
