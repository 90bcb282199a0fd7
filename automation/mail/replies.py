"""What an SMTP reply means for the worker: one table, extendable from config.

Quota and throttling replies are never a recipient's fault: they stop or slow sending
for the account and the recipient keeps waiting, instead of being marked failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["ok", "retry", "recipient", "throttle", "quota", "stop"]


@dataclass(frozen=True)
class ReplyRule:
    pattern: str  # regular expression matched against "<code> <text>"
    verdict: Verdict
    note: str = ""


DEFAULT_RULES: tuple[ReplyRule, ...] = (
    ReplyRule(r"5\.4\.5|sending quota exceeded|relay limit exceeded", "quota",
              "Gmail/Workspace daily sending quota"),
    ReplyRule(r"SubmissionQuotaExceeded|5\.2\.0 STOREDRV", "quota",
              "Microsoft 365 daily recipient quota"),
    ReplyRule(r"5\.2\.25[1-5]|sender throttled", "stop",
              "Microsoft 365 throttled the mailbox: a person must fix it"),
    ReplyRule(r"^432 |4\.3\.2|concurrent connections", "throttle", "too many sessions"),
    ReplyRule(r"^421 |4\.7\.0|try again later", "throttle", "provider asks to slow down"),
    ReplyRule(r"^452 |4\.5\.3|too many recipients", "throttle", "too many recipients"),
    ReplyRule(r"^535 |5\.7\.8|authentication", "stop", "login refused"),
    ReplyRule(r"^4\d\d", "retry", "temporary failure"),
    ReplyRule(r"^5\d\d", "recipient", "permanent failure for this recipient"),
)


def classify(code: int, text: str, rules: tuple[ReplyRule, ...] = DEFAULT_RULES) -> ReplyRule:
    line = f"{code} {text}"
    for rule in rules:
        if re.search(rule.pattern, line, flags=re.IGNORECASE):
            return rule
    return ReplyRule("", "ok" if code < 400 else "retry")
