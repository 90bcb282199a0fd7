"""Sender authentication is positive: only the office provider's aligned pass makes e-mailed
news the registry school's (RFC 8601, DMARC alignment)."""

from __future__ import annotations

from pathlib import Path

import pytest

from automation import config as config_mod
from automation.core.cycle import Worker
from automation.inbox.auth import check
from automation.model import UNVERIFIED_SENDER, sender_unverified
from automation.wiring import services
from tests.inbox_mail import (
    SCHOOL,
    SCHOOL_NAME,
    b64_word,
    mail,
    mailbox_workspace,
    parsed,
    run_pass,
)
from tests.servers.dovecot import Dovecot
from tests.workspace import FORM, run_cycle, table

OURS = "mx.office.example.test"


def _ar(value: str) -> dict[str, str]:
    return {"Authentication-Results": value}


@pytest.mark.parametrize(("headers", "verified"), [
    (_ar(f"{OURS}; dmarc=pass header.from=school.example.test"), True),
    (_ar(f"{OURS}; dkim=pass header.d=school.example.test header.s=s1; dmarc=none"), True),
    (_ar(f"{OURS}; dkim=pass (good signature) header.d=example.test; spf=none"), True),
    ({}, False),
    (_ar(f"{OURS}; spf=softfail smtp.mailfrom=school.example.test; dkim=none; dmarc=none"),
     False),
    (_ar(f"{OURS}; dkim=pass header.d=unrelated.example; spf=pass"), False),
    (_ar(f"{OURS}; dkim=pass header.d=test; dmarc=none"), False),  # a bare top-level name
    (_ar(f"{OURS}; dmarc=fail header.from=school.example.test"), False),
    (_ar(f"{OURS}; dkim=pass header.d=evilschool.example.test"), False),
])
def test_only_an_aligned_pass_verifies(headers: dict[str, str], verified: bool) -> None:
    msg = parsed(mail("x", "y", headers=headers, verified=False))
    assert check(msg, SCHOOL).verified is verified


def test_only_the_office_providers_header_counts() -> None:
    # The sender wrote a "pass" of its own below the provider's header.
    raw = mail("x", "y", verified=False, headers=_ar(
        f"{OURS}; spf=softfail; dkim=none; dmarc=none"))
    raw = raw.replace(b"Authentication-Results:", b"Authentication-Results: mx.evil.example; "
                      b"dmarc=pass\r\nAuthentication-Results:", 1)
    msg = parsed(raw)
    assert check(msg, SCHOOL).verified is True, "unconfigured: the topmost header"
    assert check(msg, SCHOOL, OURS).verified is False, "configured: only the provider's"
    assert check(msg, SCHOOL, "mx.other.example").verified is False, "none from that host"


def test_unverified_school_mail_is_marked_and_borrows_nothing(
    tmp_path: Path, mailbox: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = mailbox_workspace(tmp_path / "office", mailbox, monkeypatch, authserv_id=OURS)
    cases = {
        "ข่าวไม่มีผลตรวจ": {},
        "ข่าวผลตรวจว่างเปล่า": _ar(f"{OURS}; spf=softfail; dkim=none; dmarc=none"),
        "ข่าวลายเซ็นโดเมนอื่น": _ar(f"{OURS}; dkim=pass header.d=unrelated.example"),
        "ข่าวผลตรวจจากเครื่องอื่น": _ar("mx.evil.example; dmarc=pass"),
    }
    for title, headers in cases.items():
        mailbox.append(mail(b64_word(title), "เนื้อหา", name="ผู้ส่ง", headers=headers,
                            verified=False))
    mailbox.append(mail(b64_word("ข่าวที่ยืนยันแล้ว"), "เนื้อหา", name="ผู้ส่ง", headers=_ar(
        f"{OURS}; dkim=pass header.d=school.example.test; dmarc=pass")))
    report = run_pass(office)
    assert report.news == 5, report.summary()
    rows = {r["หัวข้อข่าว"]: r for r in table(office.parent / "workbook.xlsx", FORM)}
    for title in cases:
        assert rows[title]["ช่องทางส่งข่าว"] == UNVERIFIED_SENDER, title
        assert rows[title]["ชื่อโรงเรียน/หน่วยงาน"] == "ผู้ส่ง", "the school is not borrowed"
    assert rows["ข่าวที่ยืนยันแล้ว"]["ช่องทางส่งข่าว"] == "อีเมล"
    assert rows["ข่าวที่ยืนยันแล้ว"]["ชื่อโรงเรียน/หน่วยงาน"] == SCHOOL_NAME
    warned = {p.row_id for p in report.problems if "ยืนยันผู้ส่งไม่ได้" in p.message}
    assert warned == {rows[t]["รหัสข่าว"] for t in cases}

    # The worker reads the marker back on the submission.
    run_cycle(office)
    snap = Worker(services(config_mod.load(office))).load()
    mine = [*cases, "ข่าวที่ยืนยันแล้ว"]
    flags = {i.title: sender_unverified(i) for i in snap.items if i.title in mine}
    assert flags == {**dict.fromkeys(cases, True), "ข่าวที่ยืนยันแล้ว": False}
