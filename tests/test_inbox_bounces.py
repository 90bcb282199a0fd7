"""Bounced bulletins: delivery reports of each shape, matched to the ledger, and the rule
that puts an address on the suppression tab."""

from __future__ import annotations

import hashlib
import shutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from automation import config as config_mod
from automation.ledger.sqlite import SqliteLedger
from tests.inbox_mail import (
    OFFICE,
    dsn_gmail,
    dsn_microsoft,
    dsn_rfc3464,
    mail,
    mailbox_workspace,
    run_pass,
)
from tests.servers.dovecot import Dovecot
from tests.servers.smtp import ReceivedMessage, SmtpServer
from tests.workspace import (
    FORM,
    TODAY,
    column_of,
    edit_sheet,
    run_cycle,
    smtp_mail,
    table,
    text_of,
)

SUPPRESSION = "งดรับข่าว"


class Office:
    """A workspace that sent its bulletins through the test SMTP server."""

    def __init__(self, config: Path, smtp: SmtpServer, mailbox: Dovecot,
                 bulletins: dict[str, list[ReceivedMessage]]) -> None:
        self.config = config
        self.workbook = config.parent / "workbook.xlsx"
        self.mailbox = mailbox
        self.smtp = smtp
        self.bulletins = bulletins

    def recipients(self, at_least: int = 1) -> list[str]:
        return sorted(r for r, sent in self.bulletins.items() if len(sent) >= at_least)

    def ledger(self) -> SqliteLedger:
        return SqliteLedger(config_mod.load(self.config).ledger_path)

    def delivery(self, sent: ReceivedMessage) -> Any:
        key = f"bulletin:{sent.message['X-PR-Item']}:{sent.rcpt_tos[0]}"
        return self.ledger().get(key)

    def suppressed(self) -> dict[str, dict[str, Any]]:
        return {str(r["อีเมล"]): r for r in table(self.workbook, SUPPRESSION)}


Sent = tuple[Path, SmtpServer, dict[str, list[ReceivedMessage]]]


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory, dovecot: Dovecot) -> Iterator[Sent]:
    """One cycle's bulletins through SMTP (with VERP), shared by the tests as a template."""
    folder = tmp_path_factory.mktemp("sent") / "office"
    with SmtpServer() as smtp, pytest.MonkeyPatch.context() as patch:
        config = mailbox_workspace(folder, dovecot, patch, extra="[bounces]\nverp = true\n",
                                   mail=smtp_mail(smtp.port))
        run_cycle(config)
        bulletins: dict[str, list[ReceivedMessage]] = defaultdict(list)
        for m in smtp.messages:
            if m.message["X-PR-Kind"] == "bulletin":
                bulletins[m.rcpt_tos[0]].append(m)
        yield config, smtp, bulletins


@pytest.fixture
def office(sent: Sent, tmp_path: Path, mailbox: Dovecot,
           monkeypatch: pytest.MonkeyPatch) -> Office:
    template, smtp, bulletins = sent
    shutil.copytree(template.parent, tmp_path / "office")
    monkeypatch.setenv("IMAP_PASSWORD", mailbox.password)
    return Office(tmp_path / "office" / template.name, smtp, mailbox, bulletins)


def test_standard_report_hard_bounce_suppresses_and_tells_the_officer(office: Office) -> None:
    recipient = office.recipients()[0]
    sent = office.bulletins[recipient][0]
    report_mail = dsn_rfc3464(sent.data, recipient, "5.1.1")
    office.mailbox.append(report_mail)
    report = run_pass(office.config)
    assert (report.bounces, report.suppressed) == (1, 1), report.summary()

    delivery = office.delivery(sent)
    assert delivery.status == "failed" and "5.1.1" in delivery.error
    row = office.suppressed()[recipient]
    assert row["เหตุผล"] == "อีเมลตีกลับถาวร"
    assert row["วันที่"].date() == TODAY
    assert "5.1.1" in str(row["รายละเอียด"]) and "1 ครั้งใน 30 วัน" in str(row["รายละเอียด"])
    assert any(recipient in p.message for p in report.problems)

    office.mailbox.append(report_mail)  # the same report delivered twice
    again = run_pass(office.config)
    assert (again.bounces, again.suppressed) == (0, 0)
    assert len([r for r in table(office.workbook, SUPPRESSION) if r["อีเมล"] == recipient]) == 1
    events = office.ledger().events(f"bounce:{recipient}")
    assert len(events) == 1 and events[0][1].startswith("hard:")

    # The officer hears of it in the next report; the sheet shows the failure; the next
    # approved item does not go to the address any more.
    def approve_pending(ws: Any) -> None:
        col = column_of(ws, "อนุมัติ")
        for r in range(2, ws.max_row + 1):
            if ws.cell(row=r, column=col).value in (None, False) and ws.cell(
                    row=r, column=column_of(ws, "หัวข้อข่าว")).value:
                ws.cell(row=r, column=col).value = True
                return

    edit_sheet(office.workbook, FORM, approve_pending)
    before = len(office.smtp.messages)
    run_cycle(office.config)
    new = office.smtp.messages[before:]
    officer = [m for m in new if m.message["X-PR-Kind"] == "officer_report"]
    assert officer and f"งดส่งข่าวถึง {recipient}" in text_of(officer[0].message)
    bulletins = [m for m in new if m.message["X-PR-Kind"] == "bulletin"]
    assert bulletins and recipient not in {m.rcpt_tos[0] for m in bulletins}
    item = sent.message["X-PR-Item"]
    cell = next(r["ผลการส่ง"] for r in table(office.workbook, FORM) if r["รหัสข่าว"] == item)
    assert "ล้มเหลว 1" in str(cell)


def test_gmail_and_microsoft_reports_are_matched(office: Office) -> None:
    first, second = office.recipients()[:2]
    gmail_sent, ms_sent = office.bulletins[first][0], office.bulletins[second][0]
    office.mailbox.append(dsn_gmail(gmail_sent.data, first))
    office.mailbox.append(dsn_microsoft(ms_sent.data, second))
    report = run_pass(office.config)
    assert (report.bounces, report.suppressed, report.left) == (2, 2, 0), report.notes
    assert office.delivery(gmail_sent).status == "failed"
    assert "5.1.1" in office.delivery(gmail_sent).error
    assert "5.1.10" in office.delivery(ms_sent).error
    assert {first, second} <= set(office.suppressed())


def test_verp_return_path_alone_finds_the_delivery(office: Office) -> None:
    recipient = office.recipients()[2]
    sent = office.bulletins[recipient][1]
    assert sent.mail_from.startswith("pr+b-"), sent.mail_from
    # A report that quotes nothing of the message, sent back to the envelope sender.
    office.mailbox.append(dsn_rfc3464(sent.data, recipient, "5.1.1", quote=False,
                                      to=sent.mail_from))
    report = run_pass(office.config)
    assert (report.bounces, report.suppressed) == (1, 1), report.notes
    assert office.delivery(sent).status == "failed"
    assert office.delivery(office.bulletins[recipient][0]).status == "sent", "only that message"


def test_soft_bounces_count_and_delays_do_not(office: Office) -> None:
    soft, delayed, policy = office.recipients(at_least=3)[:3]
    for n in range(3):
        office.mailbox.append(dsn_rfc3464(office.bulletins[soft][n].data, soft, "4.2.2"))
        office.mailbox.append(dsn_rfc3464(office.bulletins[delayed][n].data, delayed, "4.4.1",
                                          action="delayed"))
        report = run_pass(office.config)
        assert report.bounces == 2
        assert (soft in office.suppressed()) == (n == 2), f"after {n + 1} soft bounces"
    assert office.suppressed()[soft]["เหตุผล"] == "อีเมลตีกลับชั่วคราวซ้ำ"
    assert delayed not in office.suppressed()
    assert office.delivery(office.bulletins[delayed][0]).status == "sent"
    assert len(office.ledger().events(f"bounce:{delayed}")) == 3

    office.mailbox.append(dsn_rfc3464(office.bulletins[policy][0].data, policy, "5.7.1",
                                      diagnostic="550 5.7.1 Message rejected as spam"))
    assert run_pass(office.config).bounces == 1
    assert policy not in office.suppressed(), "a spam block counts as soft"


def test_unmatched_report_is_left_for_the_officer(office: Office) -> None:
    recipient = office.recipients()[0]
    foreign = mail("ส่วนตัว", "จดหมายที่เจ้าหน้าที่ส่งเอง", sender="pr@office.example.test",
                   to=recipient)
    office.mailbox.append(dsn_rfc3464(foreign, recipient, "5.1.1"))
    forged = dsn_rfc3464(office.bulletins[recipient][0].data, recipient, "5.1.1").replace(
        office.bulletins[recipient][0].message["Message-ID"].encode(), b"<made-up@example.com>")
    forged = forged.replace(b"X-PR-Item: ", b"X-Other: ")
    office.mailbox.append(forged)
    report = run_pass(office.config)
    assert (report.bounces, report.suppressed, report.left) == (0, 0, 2)
    assert recipient not in office.suppressed()
    assert len(office.mailbox.messages("INBOX")) == 2
    assert sum("ไม่ตรงกับอีเมลที่ระบบส่ง" in p.message for p in report.problems) == 2


def _approve_next(workbook: Path) -> None:
    def approve(ws: Any) -> None:
        col = column_of(ws, "อนุมัติ")
        for r in range(2, ws.max_row + 1):
            if ws.cell(row=r, column=col).value in (None, False) and ws.cell(
                    row=r, column=column_of(ws, "หัวข้อข่าว")).value:
                ws.cell(row=r, column=col).value = True
                return

    edit_sheet(workbook, FORM, approve)


def test_forged_reports_suppress_nobody(office: Office) -> None:
    """An outsider knows a member's address, an item ID (public digests and the board) and
    how Message-IDs used to be made; a member knows the signed ID of their own copy. Neither
    can put somebody else on the suppression tab."""
    victim, insider = office.recipients()[:2]
    real = office.bulletins[victim][0]
    item = real.message["X-PR-Item"]
    guessed = hashlib.sha256(f"bulletin:{item}:{victim}".encode()).hexdigest()[:32]
    outsider = (
        f"From: {OFFICE}\r\nTo: {victim}\r\nSubject: ข่าว\r\n"
        f"Message-ID: <{guessed}@office.example.test>\r\nX-PR-Kind: bulletin\r\n"
        f"X-PR-Item: {item}\r\n\r\nbody\r\n"
    ).encode()
    office.mailbox.append(dsn_rfc3464(outsider, victim, "5.1.1"))
    # The insider's own, genuinely signed copy, with the victim named as the recipient.
    office.mailbox.append(dsn_rfc3464(office.bulletins[insider][0].data, victim, "5.1.1"))
    # A report sent to a made-up VERP address naming the victim.
    office.mailbox.append(dsn_rfc3464(outsider, victim, "5.1.1", quote=False,
                                      to=f"pr+b-{item}.0123456789ab@office.example.test"))
    report = run_pass(office.config)
    assert (report.bounces, report.suppressed, report.left) == (0, 0, 3), report.summary()
    assert victim not in office.suppressed() and insider not in office.suppressed()
    assert office.ledger().events(f"bounce:{victim}") == []
    assert len(office.mailbox.messages("INBOX")) == 3, "left for the officer to read"
    assert sum("ไม่ได้งดส่งข่าวถึงใคร" in p.message for p in report.problems) == 3

    _approve_next(office.workbook)
    before = len(office.smtp.messages)
    run_cycle(office.config)
    new = office.smtp.messages[before:]
    got = {m.rcpt_tos[0] for m in new if m.message["X-PR-Kind"] == "bulletin"}
    assert victim in got, "the member still receives the next bulletin"
    officer = [text_of(m.message) for m in new if m.message["X-PR-Kind"] == "officer_report"]
    assert officer and "ไม่ได้งดส่งข่าวถึงใคร" in officer[0], "the officer is told"
