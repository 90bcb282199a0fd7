"""News sent by e-mail to the office mailbox (a real Dovecot) becomes form rows."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from automation.thaidate import BANGKOK
from tests.inbox_mail import (
    OFFICE,
    PROCESSED,
    SCHOOL,
    SCHOOL_NAME,
    b64_word,
    mail,
    mailbox_workspace,
    qp_word,
    run_pass,
)
from tests.servers.dovecot import Dovecot
from tests.workspace import FORM, column_of, edit_sheet, outbox, run_cycle, table, text_of

OTHER_SCHOOL = "bansanpong@school.example.test"  # โรงเรียนบ้านสันโป่ง


def rows_by_title(workbook: Path) -> dict[str, dict[str, Any]]:
    return {str(r["หัวข้อข่าว"]): r for r in table(workbook, FORM) if r.get("หัวข้อข่าว")}


@pytest.fixture
def office(tmp_path: Path, mailbox: Dovecot, monkeypatch: pytest.MonkeyPatch) -> Path:
    return mailbox_workspace(tmp_path / "office", mailbox, monkeypatch)


def test_thai_news_in_base64_and_quoted_printable(office: Path, mailbox: Dovecot) -> None:
    body_b64 = "นักเรียนแข่งขันกีฬาสีอย่างสนุกสนาน\n\nผู้ปกครองมาร่วมเชียร์จำนวนมาก"
    body_qp = "โรงเรียนจัดงานวันเด็กแห่งชาติ มีกิจกรรมมากมาย\n\nขอบคุณผู้สนับสนุนทุกท่าน"
    mailbox.append(mail(b64_word("กีฬาสีโรงเรียนบ้านดอนแก้ว ประจำปี 2569"), body_b64))
    mailbox.append(mail(qp_word("งานวันเด็กแห่งชาติ โรงเรียนบ้านสันโป่ง"), body_qp,
                        cte="quoted-printable", sender=OTHER_SCHOOL, name="ครูณัฐพล"))
    report = run_pass(office)
    assert report.ok, report.error
    assert (report.fetched, report.news, report.duplicates) == (2, 2, 0)
    assert report.problems == []

    rows = rows_by_title(office.parent / "workbook.xlsx")
    first = rows["กีฬาสีโรงเรียนบ้านดอนแก้ว ประจำปี 2569"]
    second = rows["งานวันเด็กแห่งชาติ โรงเรียนบ้านสันโป่ง"]
    assert first["เนื้อหาข่าว"] == body_b64
    assert second["เนื้อหาข่าว"] == body_qp
    assert (first["ที่อยู่อีเมล"], first["ชื่อโรงเรียน/หน่วยงาน"], first["ผู้ส่งข่าว"]) == (
        SCHOOL, SCHOOL_NAME, "ครูสมศรี ใจดี")
    assert second["ชื่อโรงเรียน/หน่วยงาน"] == "โรงเรียนบ้านสันโป่ง"
    for row in (first, second):
        assert row["อนุมัติ"] is None, "e-mailed news is never approved by the worker"
        assert row["สถานะ"] == "รอพิจารณา"
        assert row["ช่องทางส่งข่าว"] == "อีเมล"
        assert str(row["รหัสข่าว"]).startswith("N-")
        assert row["ประทับเวลา"] is not None
    assert mailbox.messages("INBOX") == []
    assert len(mailbox.messages(PROCESSED)) == 2

    cycle = run_cycle(office)
    ids = {str(first["รหัสข่าว"]), str(second["รหัสข่าว"])}
    statuses = {str(r["รหัสข่าว"]): r["สถานะ"] for r in table(office.parent / "workbook.xlsx",
                                                               FORM)}
    assert {statuses[i] for i in ids} == {"รอพิจารณา"}
    sent = outbox(office.parent / "outbox")
    acks = [m for m in sent if m["X-PR-Kind"] == "ack" and m["X-PR-Item"] in ids]
    assert sorted(m["To"].addresses[0].addr_spec for m in acks) == sorted([SCHOOL, OTHER_SCHOOL])
    assert "กีฬาสีโรงเรียนบ้านดอนแก้ว" in text_of(next(m for m in acks if SCHOOL in str(m["To"])))
    assert not [m for m in sent if m["X-PR-Kind"] == "bulletin" and m["X-PR-Item"] in ids]
    bulletin = next(m for m in sent if m["X-PR-Kind"] == "bulletin")
    # Without [unsubscribe] base_url: the mailto only, no one-click.
    assert str(bulletin["List-Unsubscribe"]).strip().startswith("<mailto:")
    assert "https://" not in str(bulletin["List-Unsubscribe"])
    assert bulletin["List-Unsubscribe-Post"] is None
    assert cycle.new_items >= 2

    again = run_pass(office)
    assert (again.fetched, again.news) == (0, 0)
    assert len(table(office.parent / "workbook.xlsx", FORM)) == len(statuses)


def test_html_only_mail_and_legacy_thai_charset(office: Path, mailbox: Dovecot) -> None:
    html = (
        "<html><head><style>p {color: red}</style><script>alert('x')</script></head><body>"
        "<p>โรงเรียนบ้านดอนแก้วจัดค่ายวิทยาศาสตร์ &amp; คณิตศาสตร์</p>"
        "<div>วันที่ 1<br>วันที่ 2</div><ul><li>ทดลองจรวดขวดน้ำ</li><li>ดูดาว</li></ul>"
        '<p>ภาพกิจกรรม <a href="https://photos.school.example.test/camp">คลิกที่นี่</a></p>'
        "</body></html>"
    )
    mailbox.append(mail(b64_word("ค่ายวิทยาศาสตร์"), html=html, text=False))
    subject = base64.b64encode("ข่าวจากโปรแกรมเก่า".encode("cp874")).decode()
    legacy = (
        f"From: {SCHOOL}\r\nTo: {OFFICE}\r\nSubject: =?windows-874?B?{subject}?=\r\n"
        "Date: Mon, 23 Nov 2026 09:30:00 +0700\r\nMessage-ID: <legacy-1@school.example.test>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"windows-874\"\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + "ครูและนักเรียนร่วมกันปลูกต้นไม้".encode("cp874") + b"\r\n"
    mailbox.append(legacy)
    report = run_pass(office)
    assert report.news == 2, report.summary()

    rows = rows_by_title(office.parent / "workbook.xlsx")
    camp = rows["ค่ายวิทยาศาสตร์"]
    body = str(camp["เนื้อหาข่าว"])
    assert "alert" not in body and "color" not in body
    assert "โรงเรียนบ้านดอนแก้วจัดค่ายวิทยาศาสตร์ & คณิตศาสตร์" in body
    assert "วันที่ 1\nวันที่ 2" in body
    assert "- ทดลองจรวดขวดน้ำ\n- ดูดาว" in body
    assert "\n\n" in body, "paragraphs survive"
    assert camp["ลิงก์เพิ่มเติม"] == "https://photos.school.example.test/camp"
    old = rows["ข่าวจากโปรแกรมเก่า"]
    assert old["เนื้อหาข่าว"] == "ครูและนักเรียนร่วมกันปลูกต้นไม้"
    assert str(old["ประทับเวลา"]).startswith("2026-11-23 09:30")


def test_attachments_saved_with_safe_names_and_limits(
    tmp_path: Path, mailbox: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = mailbox_workspace(
        tmp_path / "office", mailbox, monkeypatch, max_attachment_mb=0.05,
        attachments_url="https://pr.office.example.test/files",
    )
    photo = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40
    pdf = b"%PDF-1.4\n" + b"0" * 5000
    mailbox.append(mail(
        b64_word("ภาพกิจกรรมวันเด็ก"), "ส่งภาพกิจกรรมมาพร้อมนี้",
        attachments=[
            ("ภาพกิจกรรม วันเด็ก.jpg", "image/jpeg", photo),
            ("../../กำหนดการ.pdf", "application/pdf", pdf),
            ("setup.exe", "application/octet-stream", b"MZ" + b"\0" * 100),
            ("ภาพใหญ่.png", "image/png", b"\x89PNG" + b"\0" * 80_000),
        ],
    ))
    report = run_pass(office)
    assert report.news == 1

    row = rows_by_title(office.parent / "workbook.xlsx")["ภาพกิจกรรมวันเด็ก"]
    saved = sorted((office.parent / "attachments").iterdir())
    assert [p.read_bytes() for p in saved] == [photo, pdf] or [p.read_bytes() for p in saved] == [
        pdf, photo]
    for path in saved:
        assert path.name.startswith(f"{row['รหัสข่าว']}-")
        assert "/" not in path.name and ".." not in path.name
    image_name = next(p.name for p in saved if p.suffix == ".jpg")
    assert "ภาพกิจกรรม" in image_name
    images = str(row["ภาพประกอบ"])
    assert images.startswith("https://pr.office.example.test/files/")
    assert "," not in images, "only the picture goes to the pictures column"
    assert ".pdf" in str(row["ลิงก์เพิ่มเติม"])
    skipped = " ".join(p.message for p in report.problems)
    assert "setup.exe" in skipped and "ภาพใหญ่.png" in skipped
    assert "กำหนดการ" not in skipped


def test_forged_and_unknown_senders_are_taken_in_but_flagged(
    office: Path, mailbox: Dovecot
) -> None:
    mailbox.append(mail(b64_word("ข่าวปลอมอ้างชื่อโรงเรียน"), "เนื้อหา", name="ผู้แอบอ้าง", headers={
        "Authentication-Results": "mx.office.example.test; spf=fail smtp.mailfrom=evil.example;"
                                  " dkim=none; dmarc=fail header.from=school.example.test",
    }))
    mailbox.append(mail(b64_word("ข่าวจากผู้ส่งใหม่"), "เนื้อหา", sender="new.teacher@example.com",
                        name="ครูใหม่"))
    mailbox.append(mail(b64_word("ข่าวที่ตรวจสอบแล้ว"), "เนื้อหา", headers={
        "Authentication-Results": "mx.office.example.test; spf=pass; dkim=pass; dmarc=pass",
    }))
    report = run_pass(office)
    assert report.news == 3

    rows = rows_by_title(office.parent / "workbook.xlsx")
    forged, unknown, genuine = (rows["ข่าวปลอมอ้างชื่อโรงเรียน"], rows["ข่าวจากผู้ส่งใหม่"],
                                rows["ข่าวที่ตรวจสอบแล้ว"])
    assert forged["ช่องทางส่งข่าว"] == "อีเมล (ผู้ส่งไม่ผ่านการตรวจสอบ)"
    assert forged["ชื่อโรงเรียน/หน่วยงาน"] == "ผู้แอบอ้าง", "a forged From does not borrow the school"
    assert unknown["ช่องทางส่งข่าว"] == "อีเมล (ผู้ส่งไม่อยู่ในทะเบียน)"
    assert unknown["ชื่อโรงเรียน/หน่วยงาน"] == "ครูใหม่"
    assert genuine["ช่องทางส่งข่าว"] == "อีเมล"
    assert genuine["ชื่อโรงเรียน/หน่วยงาน"] == SCHOOL_NAME
    assert {p.row_id for p in report.problems} == {forged["รหัสข่าว"], unknown["รหัสข่าว"]}
    assert all(p.severity == "warning" for p in report.problems)

    run_cycle(office)
    officer = [m for m in outbox(office.parent / "outbox") if m["X-PR-Kind"] == "officer_report"]
    text = "\n".join(text_of(m) for m in officer)
    assert "DMARC ไม่ผ่าน" in text
    assert "new.teacher@example.com" in text and "ไม่อยู่ในทะเบียนเครือข่าย" in text
    statuses = {r["หัวข้อข่าว"]: r["สถานะ"] for r in table(office.parent / "workbook.xlsx", FORM)}
    assert statuses["ข่าวปลอมอ้างชื่อโรงเรียน"] == "รอพิจารณา"


def test_auto_replies_lists_and_replies_are_not_news(office: Path, mailbox: Dovecot) -> None:
    noise = [
        mail("Automatic reply: news", "I am away", headers={"Auto-Submitted": "auto-replied"}),
        mail(b64_word("ได้รับอีเมลแล้ว"), "ขอบคุณ", headers={"X-Autoreply": "yes"}),
        mail(b64_word("จดหมายข่าวประจำเดือน"), "รายการ", headers={"Precedence": "bulk"}),
        mail(b64_word("ประกาศในกลุ่ม"), "ข้อความ", headers={"List-Id": "<teachers.example.org>"}),
        mail(b64_word("ตอบกลับอัตโนมัติ: ไม่อยู่ที่สำนักงาน"), "ลาพักร้อน"),
        mail("Out of Office: ข่าว", "back on Monday", headers={"X-Autorespond": "1"}),
        mail("Your receipt", "thanks", sender="no-reply@forms.example.com"),
    ]
    for raw in noise:
        mailbox.append(raw)
    reply = mail(b64_word("Re: ได้รับข่าวของท่านแล้ว"), "ขอแก้ไขชื่อกิจกรรมค่ะ", headers={
        "In-Reply-To": "<0123456789abcdef0123456789abcdef@office.example.test>"})
    mailbox.append(reply)
    mailbox.append(mail(b64_word("ข่าวจริงหนึ่งเรื่อง"), "เนื้อหาข่าว"))
    before = len(table(office.parent / "workbook.xlsx", FORM))

    report = run_pass(office)
    assert (report.news, report.skipped, report.left) == (1, len(noise), 1)
    assert len(table(office.parent / "workbook.xlsx", FORM)) == before + 1
    assert any("ตอบกลับ" in n for n in report.notes)
    left = mailbox.messages("INBOX")
    assert len(left) == 1 and b"In-Reply-To" in left[0]
    with mailbox.mailbox() as box:
        box.folder.set("INBOX")
        assert "\\Seen" not in next(box.fetch(mark_seen=False)).flags, "left unread"
    assert len(mailbox.messages(PROCESSED)) == len(noise) + 1

    again = run_pass(office)
    assert (again.fetched, again.left) == (0, 0), "the reply is not read again"


def test_rows_go_under_the_headers_found_in_a_fresh_read(office: Path, mailbox: Dovecot) -> None:
    workbook = office.parent / "workbook.xlsx"

    def rearrange(ws: Any) -> None:
        # The officer moves the title column to the front and adds a column of their own.
        title = column_of(ws, "หัวข้อข่าว")
        ws.insert_cols(1)
        for r in range(1, ws.max_row + 1):
            ws.cell(row=r, column=1).value = ws.cell(row=r, column=title + 1).value
        ws.delete_cols(title + 1)
        ws.cell(row=1, column=ws.max_column + 1).value = "หมายเหตุของฉัน"

    edit_sheet(workbook, FORM, rearrange)
    mailbox.append(mail(b64_word("ข่าวหลังจัดคอลัมน์ใหม่"), "เนื้อหาหลังจัดคอลัมน์"))
    assert run_pass(office).news == 1

    rows = table(workbook, FORM)
    row = next(r for r in rows if r["หัวข้อข่าว"] == "ข่าวหลังจัดคอลัมน์ใหม่")
    assert row["เนื้อหาข่าว"] == "เนื้อหาหลังจัดคอลัมน์"
    assert row["ที่อยู่อีเมล"] == SCHOOL
    assert row["ช่องทางส่งข่าว"] == "อีเมล", "the source header is added when missing"
    assert row["หมายเหตุของฉัน"] is None
    assert all(r.get("ช่องทางส่งข่าว") in (None, "") for r in rows if r is not row)
    assert row["สถานะ"] == "รอพิจารณา" and str(row["รหัสข่าว"]).startswith("N-")


def test_messages_marked_read_when_no_processed_folder(
    tmp_path: Path, mailbox: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = mailbox_workspace(tmp_path / "office", mailbox, monkeypatch, processed_folder="")
    mailbox.append(mail(b64_word("ข่าวที่ยังอยู่ในกล่องจดหมาย"), "เนื้อหา"))
    assert run_pass(office).news == 1
    with mailbox.mailbox() as box:
        box.folder.set("INBOX")
        (message,) = list(box.fetch(mark_seen=False))
        assert "\\Seen" in message.flags
    assert PROCESSED not in mailbox.folders()
    again = run_pass(office)
    assert (again.fetched, again.news) == (0, 0)


def test_malformed_and_oversized_mail_never_blocks_the_mailbox(
    tmp_path: Path, mailbox: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = mailbox_workspace(tmp_path / "office", mailbox, monkeypatch, max_message_mb=0.02)
    broken = (
        f"From: {SCHOOL}\r\nTo: {OFFICE}\r\nSubject: {b64_word('ข่าวที่ไฟล์เสีย')}\r\n"
        "Message-ID: <broken-1@school.example.test>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n--never-closed\r\n'
        "Content-Type: text/plain; charset=x-unknown-thai\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{base64.b64encode('เนื้อหาภาษาไทย'.encode()).decode()}\r\n--never-closed\r\n"
        "Content-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n"
    ).encode()
    empty = (f"From: {SCHOOL}\r\nTo: {OFFICE}\r\nSubject: {b64_word('ข่าวไม่มีเนื้อหา')}\r\n"
             "Message-ID: <empty-1@school.example.test>\r\n\r\n").encode()
    big = mail(b64_word("ข่าวไฟล์ใหญ่"), "ภาพขนาดใหญ่",
               attachments=[("ภาพ.jpg", "image/jpeg", b"\xff\xd8" + b"\x01" * 40_000)])
    for raw in (broken, empty, big):
        mailbox.append(raw)
    report = run_pass(office)
    assert report.ok, report.error
    assert (report.news, report.left) == (2, 1)
    rows = rows_by_title(office.parent / "workbook.xlsx")
    assert rows["ข่าวที่ไฟล์เสีย"]["เนื้อหาข่าว"] == "เนื้อหาภาษาไทย"
    assert rows["ข่าวไม่มีเนื้อหา"]["เนื้อหาข่าว"] is None
    assert "ข่าวไฟล์ใหญ่" not in rows
    assert any("ข่าวไฟล์ใหญ่" in p.message and "เกิน" in p.message for p in report.problems)
    assert len(mailbox.messages("INBOX")) == 1, "the large one waits for the officer"
    run_cycle(office)
    status = {r["หัวข้อข่าว"]: (r["สถานะ"], r["ผลการส่ง"])
              for r in table(office.parent / "workbook.xlsx", FORM)}
    assert status["ข่าวไม่มีเนื้อหา"][0] == "ผิดพลาด", "the cycle says what is missing"
    assert "เนื้อหา" in str(status["ข่าวไม่มีเนื้อหา"][1])


def test_saved_files_are_never_replaced_and_macro_documents_are_refused(
    tmp_path: Path, mailbox: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = mailbox_workspace(tmp_path / "office", mailbox, monkeypatch)
    sent = datetime(2026, 11, 24, 9, 0, tzinfo=BANGKOK)
    photo = b"\xff\xd8\xff\xe0" + b"\x01" * 6000
    mailbox.append(mail(
        b64_word("ภาพกีฬาสี"), "ภาพกิจกรรม", date=sent, attachments=[
            ("ภาพ.jpg", "image/jpeg", photo),
            ("แบบฟอร์ม.doc", "application/msword", b"\xd0\xcf\x11\xe0" + b"\0" * 100),
            ("ตาราง.xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12", b"PK" + b"\0" * 99),
            ("สไลด์.ppt", "application/vnd.ms-powerpoint", b"\xd0\xcf\x11\xe0" + b"\0" * 99),
        ]))
    first = run_pass(office)
    assert first.news == 1
    folder = office.parent / "attachments"
    saved = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert list(saved.values()) == [photo]
    name = next(iter(saved))
    assert hashlib.sha256(photo).hexdigest()[:16] in name, "the content's hash is in the name"
    row = rows_by_title(office.parent / "workbook.xlsx")["ภาพกีฬาสี"]
    assert re.fullmatch(r"N-[0-9A-F]{16}", str(row["รหัสข่าว"])), "64-bit e-mailed news IDs"
    refused = " ".join(p.message for p in first.problems)
    for file in ("แบบฟอร์ม.doc", "ตาราง.xlsm", "สไลด์.ppt"):
        assert file in refused and "มาโคร" in refused

    # The same sender, time and title again (the same news ID) with other bytes.
    mailbox.append(mail(b64_word("ภาพกีฬาสี"), "ภาพอื่น", date=sent, attachments=[
        ("ภาพ.jpg", "image/jpeg", b"\xff\xd8\xff\xe0" + b"\x02" * 6000)]))
    second = run_pass(office)
    assert (second.news, second.duplicates) == (0, 1)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == saved, "the file is untouched"


def test_macro_documents_when_the_office_allows_them(
    tmp_path: Path, mailbox: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = mailbox_workspace(tmp_path / "office", mailbox, monkeypatch,
                               attachment_types=["doc", "pdf"], allow_macro_documents=True)
    mailbox.append(mail(b64_word("แบบฟอร์ม"), "ไฟล์แนบ", attachments=[
        ("แบบฟอร์ม.doc", "application/msword", b"\xd0\xcf\x11\xe0" + b"\0" * 100)]))
    assert run_pass(office).problems == []
    assert [p.suffix for p in (office.parent / "attachments").iterdir()] == [".doc"]
