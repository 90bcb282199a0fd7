"""Survey invitations ride inside the regular digests: once per member and period, one
reminder later, never to unsubscribed addresses, and no message added for them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from tests.mail_sim import MONDAY, Office, make_office, member_email
from tests.servers.smtp import SmtpServer

FORM_URL = "https://forms.example.test/survey-term2"
DIGEST_MODE = '[bulletin]\nmode = "digest"\ndigest_cron = "0 15 * * 1-5"\n'
INVITE = "ขอเชิญตอบแบบประเมินความพึงพอใจ"
REMIND = "ขอเตือนความจำ"


def survey_toml(**extra: str) -> str:
    lines = ["[survey]", f'form_url = "{FORM_URL}"', "remind_after_days = 7"]
    lines += [f"{k} = {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def member_mail(server: SmtpServer, since: int = 0) -> list[tuple[str, EmailMessage]]:
    """What network members received (not the submitter's notices, not the office's)."""
    members = {member_email(n) for n in range(1, 31)}
    return [(m.rcpt_tos[0], m.message) for m in server.messages[since:]
            if m.rcpt_tos[0] in members]


def text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def news_day(office: Office, day: int, title: str) -> list[tuple[str, EmailMessage]]:
    """An item submitted and approved in the morning of ``day``; the 15:00 digest's mail."""
    start = len(office.server.messages)
    office.at(MONDAY + timedelta(days=day, hours=1))
    # Not a member: only the members' mail is counted.
    office.submit(title, email="kru@school.example.test")
    office.decide(title)
    office.at(MONDAY + timedelta(days=day, hours=2))
    office.at(MONDAY.replace(hour=15) + timedelta(days=day))
    return member_mail(office.server, start)


def test_invitation_in_digest_once_then_one_reminder(
    tmp_path: Path, smtp_server_factory: Callable[..., SmtpServer]
) -> None:
    office = make_office(tmp_path, smtp_server_factory, members=12,
                         toml=DIGEST_MODE + survey_toml())
    office.cycle()  # 07:00 Monday: the digest schedule starts
    office.unsubscribe(member_email(5))

    monday = news_day(office, 0, "ข่าววันจันทร์")
    got = {rcpt: msg for rcpt, msg in monday}
    everyone = {member_email(n) for n in range(1, 13)} - {member_email(5)}
    assert set(got) == everyone, "one digest per member; none to the unsubscribed address"
    assert Counter(str(m["X-PR-Kind"]) for _r, m in monday) == {"digest": len(everyone)}
    for msg in got.values():
        assert INVITE in text(msg) and FORM_URL in text(msg)
        assert f'href="{FORM_URL}"' in html(msg)
        assert "ไม่ระบุตัวตน" in text(msg) and "ข้อมูลที่เก็บ" in text(msg)  # PDPA notice

    tuesday = news_day(office, 1, "ข่าววันอังคาร")
    assert {r for r, _m in tuesday} == everyone
    assert not any(FORM_URL in text(m) or FORM_URL in html(m) for _r, m in tuesday), \
        "a second digest in the period carries no second invitation"

    # 7 days after the invitation: the next digest reminds every invited address (anonymous)
    reminded = news_day(office, 7, "ข่าวสัปดาห์ถัดไป")
    assert {r for r, _m in reminded} == everyone
    for _r, msg in reminded:
        assert REMIND in text(msg) and FORM_URL in text(msg)
    again = news_day(office, 8, "ข่าววันถัดไปอีก")
    assert again and not any(FORM_URL in text(m) for _r, m in again), "the reminder goes once"
    assert Counter(str(m["X-PR-Kind"]) for _r, m in member_mail(office.server)) == {
        "digest": 4 * len(everyone)}


def test_not_anonymous_reminds_only_who_has_not_answered(
    tmp_path: Path, smtp_server_factory: Callable[..., SmtpServer]
) -> None:
    office = make_office(tmp_path, smtp_server_factory, members=6,
                         toml=DIGEST_MODE + survey_toml(anonymous="false"))
    office.sheet.tabs["การตอบแบบประเมิน 1"] = [
        ["ประทับเวลา", "ที่อยู่อีเมล", "กลุ่มผู้ตอบ", "ความรวดเร็วทันเวลาของข่าวสาร"],
    ]
    office.cycle()
    first = news_day(office, 0, "ข่าวแรก")
    assert all(INVITE in text(m) and "รวมทั้งอีเมลของท่าน" in text(m) for _r, m in first)
    office.sheet.tabs["การตอบแบบประเมิน 1"].append(
        [MONDAY + timedelta(days=2), member_email(2).upper(), "ภายใน", "5"])
    reminded = news_day(office, 7, "ข่าวสัปดาห์ถัดไป")
    with_reminder = {r for r, m in reminded if REMIND in text(m)}
    assert with_reminder == {member_email(n) for n in (1, 3, 4, 5, 6)}
