"""Two offices running this worker cannot acknowledge each other for ever (RFC 3834)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from automation.inbox.classify import Kind, classify
from tests.inbox_mail import OFFICE, b64_word, mail, mailbox_workspace, parsed
from tests.servers.dovecot import OTHER_PASSWORD, OTHER_USER, Dovecot
from tests.servers.smtp import SmtpServer
from tests.workspace import REGISTRY, column_of, edit_sheet, run_cycle, smtp_mail

OTHER_OFFICE = "pr@other-office.example.test"


def test_two_offices_acknowledge_each_other_at_most_once(
    tmp_path: Path, mailbox: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTHER_IMAP_PASSWORD", OTHER_PASSWORD)
    with SmtpServer() as smtp:
        first = mailbox_workspace(tmp_path / "first", mailbox, monkeypatch,
                                  mail=smtp_mail(smtp.port))
        second = mailbox_workspace(
            tmp_path / "second", mailbox, monkeypatch, username=OTHER_USER,
            password_env="OTHER_IMAP_PASSWORD",
            mail=smtp_mail(smtp.port).replace(OFFICE, OTHER_OFFICE))
        # The other office is a member of the first one's network, so its news is taken in
        # and acknowledged in full (an unknown sender would get no answer at all).
        edit_sheet(first.parent / "workbook.xlsx", REGISTRY, _member(OTHER_OFFICE))
        boxes = {OFFICE: None, OTHER_OFFICE: OTHER_USER}
        # Someone at the second office writes to the first one's mailbox.
        mailbox.append(mail(b64_word("ข่าวจากอีกเขต"), "เนื้อหาข่าว", sender=OTHER_OFFICE,
                            name="เจ้าหน้าที่"))
        delivered = 0
        for _round in range(4):
            for office in (first, second):
                run_cycle(office)
                # The provider hands every message for an office to that office's mailbox.
                for m in smtp.messages[delivered:]:
                    for rcpt in m.rcpt_tos:
                        if rcpt in boxes:
                            user = boxes[rcpt]
                            mailbox.append(m.data, user=user,
                                           password=OTHER_PASSWORD if user else None)
                delivered = len(smtp.messages)
        acks = [(m.message["From"].addresses[0].addr_spec, m.rcpt_tos[0])
                for m in smtp.messages if m.message["X-PR-Kind"] in ("ack", "receipt")]
    assert acks.count((OFFICE, OTHER_OFFICE)) == 1, acks
    assert acks.count((OTHER_OFFICE, OFFICE)) == 0, acks
    the_ack = next(m for m in smtp.messages if m.message["X-PR-Kind"] == "ack")
    assert the_ack.message["Auto-Submitted"] == "auto-replied"
    assert the_ack.message["X-Auto-Response-Suppress"] == "All"


def _member(address: str) -> Callable[[Any], None]:
    def add(sheet: Any) -> None:
        row = sheet.max_row + 1
        for header, value in (("รหัสสมาชิก", "M9001"), ("ประเภทเครือข่าย", "ภายนอก"),
                              ("กลุ่ม", "หน่วยงานภาครัฐ"), ("ชื่อหน่วยงาน", "สพป.ทดสอบ เขต 2"),
                              ("อีเมล", address), ("สถานะ", "ใช้งาน")):
            sheet.cell(row=row, column=column_of(sheet, header)).value = value
    return add


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-generated"},
    {"Auto-Submitted": "auto-replied; owner-email=\"x@example.test\""},
    {"X-PR-Kind": "ack"},
    {"x-pr-item": "N-1"},
    {"Precedence": "junk"},
    {"Precedence": "list"},
])
def test_automatic_mail_is_never_news(headers: dict[str, str]) -> None:
    msg = parsed(mail(b64_word("ได้รับข่าวของท่านแล้ว"), "ข้อความ", headers=headers))
    assert classify(msg, "someone@school.example.test", frozenset([OFFICE])).kind is not Kind.NEWS


def test_auto_submitted_no_is_news() -> None:
    msg = parsed(mail(b64_word("ข่าว"), "ข้อความ", headers={"Auto-Submitted": "no"}))
    assert classify(msg, "someone@school.example.test", frozenset([OFFICE])).kind is Kind.NEWS
