"""The mailbox's readers on their own: delivery reports, classification, HTML, tokens and
the [imap]/[bounces]/[unsubscribe] config. The end-to-end tests against Dovecot are in
test_inbox_news, test_inbox_state, test_inbox_bounces and test_inbox_unsubscribe."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from automation import config as config_mod
from automation.core import message
from automation.errors import ConfigError
from automation.inbox.bounces import severity
from automation.inbox.classify import Kind, classify, forged_sender
from automation.inbox.dsn import read_dsn
from automation.inbox.htmltext import html_to_text
from automation.inbox.parse import body, header_text, parse, sender
from automation.inbox.settings import BouncesConfig
from automation.inbox.unsubscribe import mail_request, one_click_address, valid
from tests.inbox_mail import b64_word, dsn_rfc3464, mail
from tests.workspace import make_workspace

OWN = frozenset({"pr@office.example.test"})
RULES = BouncesConfig()


def raw(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


def test_standard_report_with_two_recipients_and_folded_fields() -> None:
    report = read_dsn(parse(raw("""\
From: MAILER-DAEMON@mx.example.test
To: pr@office.example.test
Subject: Delivery Status Notification
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

Report.
--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.test

Final-Recipient: rfc822; gone@school.example.test
Action: failed
Status: 5.1.10
Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not
 found by SMTP address lookup

Final-Recipient: rfc822;<Ok@School.Example.Test>
Action: delivered
Status: 2.0.0
--b--
""")))
    assert report.form == "rfc3464"
    gone, ok = report.failures
    assert (gone.recipient, gone.action, gone.status) == ("gone@school.example.test", "failed",
                                                          "5.1.10")
    assert "Recipient not found" in gone.diagnostic
    assert ok.recipient == "ok@school.example.test"
    assert severity(gone, RULES) == "hard"
    assert severity(ok, RULES) is None, "a success report is not a bounce"


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [("5.1.1", "failed", "hard"), ("4.2.2", "failed", "soft"), ("5.2.2", "failed", "soft"),
     ("5.7.1", "failed", "soft"), ("4.4.7", "delayed", "delayed"), ("", "failed", "soft"),
     ("2.0.0", "relayed", None)],
)
def test_severity(status: str, action: str, expected: str | None) -> None:
    report = read_dsn(parse(dsn_rfc3464(b"Subject: x\r\n\r\nx", "a@school.example.test", status
                                        or "5.0.0", action=action)))
    failure = report.failures[0]
    if not status:
        failure = type(failure)(failure.recipient, action, "", failure.diagnostic)
    assert severity(failure, RULES) == expected


def test_status_from_the_smtp_code_when_the_report_has_none() -> None:
    report = read_dsn(parse(raw("""\
From: postmaster@mx.example.test
Subject: Returned mail: see transcript for details
X-Failed-Recipients: full@school.example.test
Content-Type: text/plain

The following address failed:
   full@school.example.test
552 Requested mail action aborted: exceeded storage allocation
""")))
    (failure,) = report.failures
    assert (failure.recipient, failure.status, failure.action) == (
        "full@school.example.test", "5.0.0", "failed")


def test_gmail_delay_notice_is_a_delay() -> None:
    report = read_dsn(parse(raw("""\
From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
Subject: Delivery Status Notification (Delay)
Content-Type: text/plain; charset=UTF-8

** Message not delivered yet **
Your message to slow@school.example.test has not yet been delivered. Gmail will retry
for 46 more hours.
The response was: 421 4.4.0 Unable to connect to the server.
""")))
    (failure,) = report.failures
    assert (failure.recipient, failure.action, failure.status) == (
        "slow@school.example.test", "delayed", "4.4.0")
    assert report.form == "gmail"


def test_status_code_is_not_taken_from_an_ip_address() -> None:
    report = read_dsn(parse(raw("""\
From: MAILER-DAEMON@mx.example.test
Subject: Undelivered Mail Returned to Sender
X-Failed-Recipients: a@school.example.test
Content-Type: text/plain

host 10.5.1.1 said: 550 5.1.1 no such user
""")))
    assert report.failures[0].status == "5.1.1"


@pytest.mark.parametrize(
    ("headers", "subject", "sender", "kind"),
    [
        ({}, "ข่าวกีฬาสี", "school@school.example.test", Kind.NEWS),
        ({"Auto-Submitted": "no"}, "ข่าว", "school@school.example.test", Kind.NEWS),
        ({"Auto-Submitted": "auto-generated"}, "ข่าว", "school@school.example.test", Kind.AUTO),
        ({"Precedence": "list"}, "ข่าว", "school@school.example.test", Kind.LIST),
        ({}, "Re: Unsubscribe a@b.test 0123", "a@b.test", Kind.UNSUBSCRIBE),
        ({}, "ยกเลิกการรับข่าว", "a@b.test", Kind.UNSUBSCRIBE),
        ({}, "ข่าว", "pr@office.example.test", Kind.OWN),
        ({}, "Automatische Antwort: ข่าว", "school@school.example.test", Kind.AUTO),
        ({"X-Failed-Recipients": "a@b.test"}, "failure", "school@school.example.test",
         Kind.BOUNCE),
    ],
)
def test_classify(headers: dict[str, str], subject: str, sender: str, kind: Kind) -> None:
    msg = parse(mail(b64_word(subject), "เนื้อหา", sender=sender, headers=headers))
    assert classify(msg, sender, OWN).kind is kind


def test_a_bounce_is_not_taken_for_an_auto_reply_nor_a_read_receipt_for_news() -> None:
    bounce = parse(dsn_rfc3464(b"Subject: x\r\n\r\nx", "a@school.example.test", "5.1.1"))
    assert bounce["Auto-Submitted"] == "auto-replied"
    assert classify(bounce, "mailer-daemon@mx.school.example.test", OWN).kind is Kind.BOUNCE
    receipt = parse(raw("""\
From: a@school.example.test
Subject: Read: ข่าว
Content-Type: multipart/report; report-type=disposition-notification; boundary="b"

--b
Content-Type: text/plain

read
--b--
"""))
    assert classify(receipt, "a@school.example.test", OWN).kind is Kind.AUTO


def test_forged_sender_reads_the_trusted_authentication_results() -> None:
    msg = parse(mail("x", "y", headers={
        "Authentication-Results": "mx.office.example.test; spf=pass; dkim=pass; dmarc=pass",
    }).replace(b"Authentication-Results", b"Authentication-Results: evil.example; dmarc=fail"
                b"\r\nAuthentication-Results", 1))
    assert forged_sender(msg) == "DMARC ไม่ผ่าน", "the topmost header, by default"
    assert forged_sender(msg, "mx.office.example.test") == ""
    softfail = parse(mail("x", "y", headers={
        "Authentication-Results": "mx.office.example.test; spf=fail; dkim=pass header.d=x"}))
    assert forged_sender(softfail) == "", "a valid DKIM signature is enough"
    assert forged_sender(parse(mail("x", "y"))) == "", "nothing known, nothing flagged"


def test_html_to_text() -> None:
    text, links = html_to_text(
        "<div>ข่าว&nbsp;ที่หนึ่ง &lt;สำคัญ&gt;</div><script>x()</script>"
        "<table><tr><td>ก</td><td>ข</td></tr></table>"
        '<a href="javascript:alert(1)">x</a><a href="https://a.example.test/1">ลิงก์</a>'
    )
    assert "ข่าว ที่หนึ่ง <สำคัญ>" in text
    assert "x()" not in text
    assert "ก ข" in text
    assert links == ["https://a.example.test/1"]


def test_headers_in_raw_utf8_and_legacy_charsets() -> None:
    msg = parse(
        "From: ครูสมศรี <a@school.example.test>\r\nSubject: ข่าว UTF-8 ดิบ\r\n\r\nx".encode())
    assert header_text(msg["Subject"]) == "ข่าว UTF-8 ดิบ"
    assert sender(msg) == ("a@school.example.test", "ครูสมศรี")
    word = base64.b64encode("ข่าวภาษาไทย".encode("tis-620")).decode()
    assert header_text(f"=?TIS-620?B?{word}?=") == "ข่าวภาษาไทย"
    assert header_text(f"=?x-windows-874?B?{word}?=") == "ข่าวภาษาไทย"
    no_charset = parse(b"Subject: x\r\n\r\n" + "ไม่ระบุชุดอักขระ".encode("cp874"))
    assert body(no_charset)[0] == "ไม่ระบุชุดอักขระ"


def test_unsubscribe_tokens() -> None:
    secret = bytes(range(32))
    token = message.unsubscribe_token(secret, "A@School.Example.Test")
    assert valid(secret, "a@school.example.test", token)
    assert not valid(secret, "b@school.example.test", token)
    assert not valid(None, "a@school.example.test", token)
    assert mail_request("Re: unsubscribe <a@school.example.test> " + token) == (
        "a@school.example.test", token)
    assert mail_request("ยกเลิก", f"unsubscribe a@school.example.test {token}\nขอบคุณ") == (
        "a@school.example.test", token)
    assert mail_request("unsubscribe please") is None

    url = message.one_click_url("https://pr.example.test/u/", secret, "a@school.example.test")
    blob = url.rsplit("/", 1)[1]
    assert url.startswith("https://pr.example.test/u/unsubscribe/")
    assert one_click_address(secret, blob) == "a@school.example.test"
    assert one_click_address(bytes(32), blob) is None, "another office's secret"
    encoded, mac = blob.split(".")
    other = base64.urlsafe_b64encode(b"b@school.example.test").decode().rstrip("=")
    assert one_click_address(secret, f"{other}.{mac}") is None
    assert one_click_address(secret, f"{encoded}.{mac[:-1]}") is None
    assert one_click_address(secret, "!!!." + mac) is None


def test_return_path() -> None:
    secret = bytes(32)
    path = message.return_path("pr@office.example.test", "N-1A2B3C4D", "bulletin:N-1A2B3C4D:a@b",
                               secret)
    assert path.startswith("pr+b-N-1A2B3C4D.") and path.endswith("@office.example.test")
    assert path != message.return_path("pr@office.example.test", "N-1A2B3C4D",
                                       "bulletin:N-1A2B3C4D:c@d", secret)
    assert message.return_path("pr@office.example.test", "ข่าว:1", "k", secret) == (
        "pr@office.example.test"), "an item ID that cannot be a local part stays plain"


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[imap]\nhost = "imap.example.test"\n', "imap.username"),
        ("[imap]\nport = 0\n", "imap.port"),
        ('[imap]\nfolder = "INBOX"\nprocessed_folder = "INBOX"\n', "imap.processed_folder"),
        ("[imap]\nmax_attachment_mb = 0\n", "imap.max_attachment_mb"),
        ('[imap]\nsecurity = "tls"\n', "imap.security"),
        ('[unsubscribe]\nbase_url = "http://pr.example.test"\n', "unsubscribe.base_url"),
        ('[bounces]\nsoft_statuses = ["soft"]\n', "bounces.soft_statuses[0]"),
        ("[bounces]\nhard_limit = 0\n", "bounces.hard_limit"),
        ("[imap]\nhots = 1\n", "imap.hots"),
    ],
)
def test_config_mistakes_name_their_key(tmp_path: Path, toml: str, key: str) -> None:
    path = make_workspace(tmp_path, toml)
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        config_mod.load(path)


def test_sample_config_documents_the_mailbox() -> None:
    config = config_mod.load(Path(__file__).resolve().parents[1] / "schedule.toml")
    assert not config.imap.enabled
    assert config.imap.processed_folder == "ประมวลผลแล้ว"
    assert (config.bounces.hard_limit, config.bounces.soft_limit,
            config.bounces.window_days) == (1, 3, 30)
    assert config.unsubscribe.base_url == ""
