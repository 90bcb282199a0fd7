"""Whether an e-mail really comes from the domain its From address shows (RFC 8601).

Only the office's own provider's verdict counts: the ``Authentication-Results`` header
whose authserv-id is ``[imap] authserv_id`` (any other may have been written by the
sender, RFC 8601 §5), or, with none configured, the topmost one (added last, by the
receiving server). A sender is verified only by a positive, aligned result: ``dmarc=pass``,
or ``dkim=pass`` for a signing domain (``header.d``) that is the From domain or a parent of
it. Silence, ``none``, ``softfail`` or a signature of an unrelated domain verify nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from automation.inbox.parse import header_values

_COMMENT = re.compile(r"\([^()]{0,500}\)")
_RESULT = re.compile(r"^\s*([a-z0-9_-]{1,30})\s*=\s*([a-z]{1,20})")
_PROPERTY = re.compile(r"\b([a-z]{1,20})\.([a-z0-9_-]{1,30})\s*=\s*\"?([^\s;\"]{1,255})")
_CAP = 8 * 1024  # of one header: real ones are a few hundred characters


@dataclass(frozen=True)
class Verdict:
    verified: bool
    forged: str  # why the From address is known to be false ("" when nothing says so)
    why: str  # why it is not verified, in Thai ("" when verified)


def check(msg: Message, from_email: str, authserv_id: str = "") -> Verdict:
    header = _trusted_header(msg, authserv_id)
    if header is None:
        where = f"จาก {authserv_id} " if authserv_id else ""
        return Verdict(False, "", f"ไม่มีผลตรวจสอบผู้ส่ง (Authentication-Results) {where}")
    results = _results(header)
    domain = from_email.rpartition("@")[2].lower()
    if any(m == "dmarc" and r == "fail" for m, r, _p in results):
        return Verdict(False, "DMARC ไม่ผ่าน", "DMARC ไม่ผ่าน")
    dkim_pass = [p.get("header.d", "") for m, r, p in results if m == "dkim" and r == "pass"]
    if any(m == "spf" and r == "fail" for m, r, _p in results) and not dkim_pass:
        why = "SPF ไม่ผ่านและไม่มีลายเซ็น DKIM ที่ถูกต้อง"
        return Verdict(False, why, why)
    if any(m == "dmarc" and r == "pass" for m, r, _p in results):
        return Verdict(True, "", "")
    if domain and any(_aligned(d, domain) for d in dkim_pass):
        return Verdict(True, "", "")
    return Verdict(False, "", "ไม่มีผล DMARC หรือ DKIM ที่ผ่านและตรงกับโดเมนผู้ส่ง")


def _trusted_header(msg: Message, authserv_id: str) -> str | None:
    values = header_values(msg, "Authentication-Results")
    if not authserv_id:
        return values[0][:_CAP].lower() if values else None
    wanted = authserv_id.strip().lower()
    for value in values:
        text = value[:_CAP].lower()
        server = text.split(";", 1)[0].split()
        if server and server[0] == wanted:
            return text
    return None


def _results(header: str) -> list[tuple[str, str, dict[str, str]]]:
    """(method, result, properties) for each result after the authserv-id."""
    found = []
    for part in _COMMENT.sub(" ", header).split(";")[1:]:
        head = _RESULT.match(part)
        if head is None:
            continue
        props = {f"{t}.{n}": v.strip(".").lower() for t, n, v in _PROPERTY.findall(part)}
        found.append((head.group(1), head.group(2), props))
    return found


def _aligned(signer: str, domain: str) -> bool:
    """Relaxed alignment, without a public-suffix list: the same domain or a parent of it
    (never a bare top-level name)."""
    return bool(signer) and "." in signer and (domain == signer or domain.endswith("." + signer))
