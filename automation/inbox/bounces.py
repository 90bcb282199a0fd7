"""Bounces matched to the ledger's deliveries, and the rule that suppresses an address.

A report is matched only through a token the office signed: the VERP return path it was
delivered to (``pr+b-<item>.<mac>@``, see ``automation.core.message.return_path``) or the
signed Message-ID of the bounced message it quotes (``automation.core.message.message_id``),
and only for the address the report names. Only a matched report counts: anyone can send
a "bounce", but not one for a message the office really sent; an unmatched one is left for
the officer and never suppresses anybody. Each counted bounce is an event of the address, once per
report, so reading the same report twice changes nothing.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from automation.core.message import message_token, verp_mac
from automation.inbox import suppress
from automation.inbox.dsn import Dsn, Failure
from automation.inbox.parse import header_text
from automation.inbox.settings import BouncesConfig
from automation.ports import DeliveryRecord, Ledger
from automation.text.lines import single_line

_SIGNED_ID = re.compile(r"<([0-9a-f]{32})@")
_ITEM_LINE = re.compile(r"^X-PR-Item:[ \t]*([A-Za-z0-9#:._-]{1,120})", re.MULTILINE | re.IGNORECASE)
_HEADER_CAP = 1000
_TEXT_CAP = 64 * 1024
_VERP = re.compile(r"\+b-([A-Za-z0-9][A-Za-z0-9_-]{0,40})\.([0-9a-f]{12})@", re.IGNORECASE)
_ORDER = {"hard": 0, "soft": 1, "delayed": 2}
_NO_BOUNCE = {"delivered", "relayed", "expanded"}


@dataclass(frozen=True)
class Bounce:
    email: str
    severity: str  # hard | soft | delayed
    status: str
    diagnostic: str
    delivery: DeliveryRecord

    def describe(self) -> str:
        return single_line(f"{self.status} {self.diagnostic}".strip(), 200) or "ไม่ทราบสาเหตุ"


def severity(failure: Failure, rules: BouncesConfig) -> str | None:
    """hard / soft / delayed, or None for a report of success."""
    action = failure.action.lower()
    if action in _NO_BOUNCE:
        return None
    if action == "delayed":
        return "delayed"
    if failure.status.startswith("5"):
        if any(failure.status.startswith(p) for p in rules.soft_statuses):
            return "soft"
        return "hard"
    return "soft"


def match(ledger: Ledger, dsn: Dsn, key: bytes | None) -> DeliveryRecord | None:
    """The delivery a report proves it answers, or None.

    Only a token the office signed counts: the VERP return path the report was delivered
    to, or a signed Message-ID the report quotes (in the original's headers or in its
    text). The token's delivery must also be to an address the report names, so a member
    cannot use the ID of a message sent to them to unsubscribe somebody else. The quoted
    ``X-PR-Item`` only narrows the search; it proves nothing.
    """
    if key is None:
        return None
    named = {f.recipient for f in dsn.failures if f.recipient}
    if not named:
        return None
    for address in dsn.addressed_to:
        found = _VERP.search(address[:_HEADER_CAP])
        if found:
            item, mac = found.group(1), found.group(2).lower()
            for delivery in ledger.deliveries(item_id=item):
                if (delivery.recipient in named
                        and hmac.compare_digest(verp_mac(key, delivery.key), mac)):
                    return delivery
    tokens = _quoted_ids(dsn)
    if not tokens:
        return None
    for item in _quoted_items(dsn):
        for delivery in ledger.deliveries(item_id=item):
            if delivery.recipient in named and message_token(key, delivery.key) in tokens:
                return delivery
    return None


def _quoted_items(dsn: Dsn) -> list[str]:
    """Item IDs the report quotes (``X-PR-Item``): where to look for the signed delivery."""
    found: list[str] = []
    if dsn.original is not None:
        found.append(header_text(dsn.original.get("X-PR-Item")).strip()[:_HEADER_CAP])
    found += [m.group(1) for m in _ITEM_LINE.finditer(dsn.text[:_TEXT_CAP])]
    return [i for i in dict.fromkeys(found) if i][:10]


def _quoted_ids(dsn: Dsn) -> set[str]:
    """The local parts of the signed-looking Message-IDs the report quotes."""
    texts = [dsn.text[:_TEXT_CAP]]
    if dsn.original is not None:
        texts.append(header_text(dsn.original.get("Message-ID"))[:_HEADER_CAP])
    return {m.group(1).lower() for t in texts for m in _SIGNED_ID.finditer(t)}


def resolve(ledger: Ledger, dsn: Dsn, key: bytes | None, rules: BouncesConfig) -> Bounce | None:
    """The bounce this report means for a delivery in the ledger, or None."""
    graded = [(s, f) for f in dsn.failures if (s := severity(f, rules)) is not None]
    if not graded:
        return None
    delivery = match(ledger, dsn, key)
    if delivery is None:
        return None
    # Our messages have one recipient; prefer the failure naming it, then the worst.
    graded.sort(key=lambda sf: (sf[1].recipient != delivery.recipient, _ORDER[sf[0]]))
    grade, failure = graded[0]
    return Bounce(delivery.recipient, grade, failure.status, failure.diagnostic, delivery)


def record(ledger: Ledger, bounce: Bounce, report_id: str, now: datetime) -> None:
    """Count the bounce for its address (once per report) and mark the delivery failed."""
    detail = f"{bounce.describe()} | {bounce.delivery.key}"
    ledger.add_event(f"bounce:{bounce.email}", f"{bounce.severity}:{report_id}", now, detail)
    if bounce.severity != "delayed" and bounce.delivery.status != "failed":
        ledger.finish(bounce.delivery.key, "failed", now, f"ตีกลับ {bounce.describe()}")


def due(ledger: Ledger, email: str, rules: BouncesConfig, now: datetime,
        today: date) -> suppress.Request | None:
    """The suppression the rules call for after the bounces recorded for ``email``."""
    since = now - timedelta(days=rules.window_days)
    recent = [(e, d) for _i, e, at, d in ledger.events(f"bounce:{email}") if at >= since]
    hard = [d for e, d in recent if e.startswith("hard:")]
    soft = [d for e, d in recent if e.startswith("soft:")]
    if len(hard) >= rules.hard_limit:
        why = hard[-1].split(" | ")[0]
        return suppress.Request(
            email, suppress.HARD_BOUNCE,
            f"{why} (ตีกลับถาวร {len(hard)} ครั้งใน {rules.window_days} วัน)", today, bounce=True)
    if len(soft) >= rules.soft_limit:
        why = soft[-1].split(" | ")[0]
        return suppress.Request(
            email, suppress.SOFT_BOUNCES,
            f"{why} (ตีกลับชั่วคราว {len(soft)} ครั้งใน {rules.window_days} วัน)", today,
            bounce=True)
    return None
