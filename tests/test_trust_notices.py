"""The public form cannot make the office relay text: notices to addresses it cannot trust
carry no submitted words, at most one a day per address, inside the notices' own share of
the quota, and never at the expense of the day's planned bulletins."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from tests.mail_sim import DIRECTOR, FORM, MONDAY, OFFICER, Office, make_office, member_email
from tests.servers.smtp import SmtpServer

Factory = Callable[..., SmtpServer]
MARK = "ATTACKERTEXT"
LINK = "https://evil.example.test/phish"


def everything(msg: EmailMessage) -> str:
    """Every header and decoded body part, as a reader's mail client would show them."""
    parts = [f"{k}: {v}" for k, v in msg.items()]
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            parts.append(str(part.get_content()))
    return "\n".join(parts)


def hostile_rows(office: Office, count: int, addresses: int) -> None:
    local = office.clock.now.replace(tzinfo=None)
    with office.sheet.lock:
        for n in range(count):
            office.sheet.tabs[FORM].append([
                local, f"victim{n % addresses}@outside.example.test", "โรงเรียนบ้านทดสอบที่ 1",
                f"{MARK} name {n}", f"{MARK} โปรดคลิก {LINK} {n}",
                f"{MARK} body {LINK}", local.date(), None, "", None,
            ])


def test_outsiders_get_receipts_without_their_text_and_bulletins_keep_the_day(
    tmp_path: Path, smtp_server_factory: Factory
) -> None:
    office = make_office(
        tmp_path / "office", smtp_server_factory, members=30,
        toml="[mail.quota]\nmessages_per_day = 200\n",
    )
    office.submit("ข่าวจริงของโรงเรียน", email=member_email(1))
    hostile_rows(office, 2000, 400)
    office.at(MONDAY + timedelta(hours=1))
    office.decide("ข่าวจริงของโรงเรียน", True)
    office.at(MONDAY + timedelta(hours=2))
    office.at(MONDAY + timedelta(hours=8, minutes=5))  # after the 15:00 digest
    office.at(MONDAY + timedelta(hours=10))

    outsiders = [m for m in office.server.messages
                 if m.rcpt_tos[0].endswith("@outside.example.test")]
    assert outsiders, "outsiders still get a receipt (they may be real schools)"
    for m in outsiders:
        shown = everything(m.message)
        assert MARK not in shown and "evil.example" not in shown, shown[:400]
        assert m.message["X-PR-Kind"] == "receipt"
    per_address = Counter(m.rcpt_tos[0] for m in outsiders)
    assert max(per_address.values()) == 1, "one receipt a day per address"
    # The day's digest reached every member on Monday despite the flood.
    digests = {m.rcpt_tos[0] for m in office.server.messages
               if m.message["X-PR-Kind"] == "digest"}
    assert digests == {member_email(n) for n in range(1, 31)}
    # The registry's own address for the school gets the full acknowledgement.
    acks = [m for m in office.server.messages if m.rcpt_tos[0] == member_email(1)
            and m.message["X-PR-Kind"] == "ack"]
    assert len(acks) == 1 and "ข่าวจริงของโรงเรียน" in everything(acks[0].message)
    # The window never held more notices than their share (5 % of 200).
    notices = [m for m in office.server.messages
               if m.rcpt_tos[0] not in (DIRECTOR, OFFICER)
               and m.message["X-PR-Kind"] in ("ack", "receipt")]
    assert len(notices) <= 10


def test_a_receipt_lists_new_rows_once_and_the_next_day_only_newer_ones(
    tmp_path: Path, smtp_server_factory: Factory
) -> None:
    office = make_office(tmp_path / "office", smtp_server_factory, members=5)
    hostile_rows(office, 3, 1)
    office.at(MONDAY + timedelta(minutes=5))
    hostile_rows(office, 2, 1)  # same address, same day: waits for tomorrow's receipt
    office.at(MONDAY + timedelta(hours=2))
    office.at(MONDAY + timedelta(days=1, hours=1))
    office.at(MONDAY + timedelta(days=2, hours=1))
    receipts = [m.message for m in office.server.messages
                if m.rcpt_tos[0] == "victim0@outside.example.test"]
    assert len(receipts) == 2, "Monday's, then Tuesday's with the rows it had not told"
    ids = [office_ids(r) for r in receipts]
    assert len(ids[0]) == 3 and len(ids[1]) == 2 and not set(ids[0]) & set(ids[1])
    for r in receipts:
        assert r["To"] == "victim0@outside.example.test", "no submitted display name"


def test_a_published_submitter_is_trusted_afterwards(
    tmp_path: Path, smtp_server_factory: Factory
) -> None:
    office = make_office(tmp_path / "office", smtp_server_factory, members=5,
                         toml='[bulletin]\nmode = "per-item"\n')
    sender = "kru.new@outside.example.test"
    office.submit("ข่าวแรกของครูใหม่", email=sender)
    office.at(MONDAY + timedelta(minutes=5))
    office.decide("ข่าวแรกของครูใหม่", True)
    office.at(MONDAY + timedelta(hours=1))
    office.submit("ข่าวที่สองของครูใหม่", email=sender)
    office.at(MONDAY + timedelta(hours=2))
    kinds = [(m.message["X-PR-Kind"], everything(m.message)) for m in office.server.messages
             if m.rcpt_tos[0] == sender]
    assert [k for k, _ in kinds] == ["receipt", "approved", "ack"]
    assert "ข่าวแรกของครูใหม่" not in kinds[0][1]
    assert "ข่าวที่สองของครูใหม่" in kinds[2][1]


def office_ids(msg: EmailMessage) -> list[str]:
    text = msg.get_body(("plain",))
    assert text is not None
    return [line.split()[2].rstrip(":") for line in str(text.get_content()).splitlines()
            if line.startswith("- รหัสข่าว ")]
