"""Unsubscribing: by e-mail to the List-Unsubscribe mailto, and by one-click POST."""

from __future__ import annotations

import email
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from automation import config as config_mod
from automation.inbox.serve import UnsubscribeServer
from automation.wiring import services
from tests.inbox_mail import mail, mailbox_workspace, run_pass
from tests.servers.dovecot import Dovecot
from tests.workspace import (
    FORM,
    TODAY,
    column_of,
    edit_sheet,
    outbox,
    run_cycle,
    table,
    text_of,
)

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://pr.office.example.test/u"
SUPPRESSION = "งดรับข่าว"


def bulletins(config: Path) -> dict[str, EmailMessage]:
    """One bulletin per recipient from the outbox."""
    found: dict[str, EmailMessage] = {}
    for m in outbox(config.parent / "outbox"):
        if m["X-PR-Kind"] == "bulletin":
            found.setdefault(m["To"].addresses[0].addr_spec, m)
    return found


def parse_message(path: Path) -> EmailMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def links(message: EmailMessage) -> tuple[str, str]:
    """(one-click https URL or "", mailto URL) from List-Unsubscribe."""
    found = re.findall(r"<([^>]+)>", str(message["List-Unsubscribe"]))
    https = next((u for u in found if u.startswith("https://")), "")
    mailto = next(u for u in found if u.startswith("mailto:"))
    return https, mailto


def suppressed(config: Path) -> list[dict[str, Any]]:
    return table(config.parent / "workbook.xlsx", SUPPRESSION)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, dovecot: Dovecot) -> Iterator[Path]:
    """A workspace whose first cycle sent bulletins offering one-click unsubscribe."""
    folder = tmp_path_factory.mktemp("unsubscribe") / "office"
    with pytest.MonkeyPatch.context() as patch:
        config = mailbox_workspace(folder, dovecot, patch,
                                   extra=f'[unsubscribe]\nbase_url = "{BASE}"\n')
        run_cycle(config)
        yield config


@pytest.fixture
def office(template: Path, tmp_path: Path, mailbox: Dovecot,
           monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(template.parent, tmp_path / "office")
    monkeypatch.setenv("IMAP_PASSWORD", mailbox.password)
    return tmp_path / "office" / template.name


def test_bulletins_offer_mailto_and_one_click(office: Path) -> None:
    sent = bulletins(office)
    assert sent
    for recipient, message in sent.items():
        https, mailto = links(message)
        assert https.startswith(f"{BASE}/unsubscribe/")
        assert recipient not in https, "the address is not readable in the link"
        assert mailto.startswith("mailto:pr@office.example.test?subject=unsubscribe")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_unsubscribe_by_mail_suppresses_and_confirms_once(office: Path,
                                                          mailbox: Dovecot) -> None:
    recipient, message = sorted(bulletins(office).items())[0]
    _https, mailto = links(message)
    address, _, query = mailto.removeprefix("mailto:").partition("?subject=")
    request = mail(unquote(query), "", sender=recipient, name="", to=address)
    mailbox.append(request)
    report = run_pass(office)
    assert (report.unsubscribed, report.suppressed) == (1, 1), report.summary()
    (row,) = [r for r in suppressed(office) if r["อีเมล"] == recipient]
    assert row["เหตุผล"] == "ยกเลิกรับข่าว" and row["วันที่"].date() == TODAY
    confirmations = [m for m in outbox(office.parent / "outbox")
                     if m["X-PR-Kind"] == "unsubscribed"]
    assert [m["To"].addresses[0].addr_spec for m in confirmations] == [recipient]
    assert recipient in text_of(confirmations[0])
    assert confirmations[0]["List-Unsubscribe"] is None

    mailbox.append(mail(unquote(query), "", sender=recipient, name="", to=address))
    again = run_pass(office)
    assert (again.unsubscribed, again.suppressed) == (1, 0)
    assert len([r for r in suppressed(office) if r["อีเมล"] == recipient]) == 1
    assert len([m for m in outbox(office.parent / "outbox")
                if m["X-PR-Kind"] == "unsubscribed"]) == 1

    def approve_one(ws: Any) -> None:
        col, title = column_of(ws, "อนุมัติ"), column_of(ws, "หัวข้อข่าว")
        for r in range(2, ws.max_row + 1):
            if ws.cell(row=r, column=col).value in (None, False) and ws.cell(
                    row=r, column=title).value:
                ws.cell(row=r, column=col).value = True
                return

    folder = office.parent / "outbox"
    before = set(folder.glob("bulletin-*.eml"))
    edit_sheet(office.parent / "workbook.xlsx", FORM, approve_one)
    run_cycle(office)
    fresh = [p for p in folder.glob("bulletin-*.eml") if p not in before]
    assert fresh, "newly approved items went out"
    told = {str(parse_message(p)["To"]) for p in fresh}
    assert not [to for to in told if recipient in to], "no bulletin after unsubscribing"


def test_forged_unsubscribe_mail_is_refused(office: Path, mailbox: Dovecot) -> None:
    (first, message), (second, _other) = sorted(bulletins(office).items())[:2]
    token = unquote(links(message)[1]).rsplit(" ", 1)[1]
    mailbox.append(mail(f"unsubscribe {second} {token}", "", sender=second, name=""))
    mailbox.append(mail(f"unsubscribe {first} {'0' * 24}", "", sender=first, name=""))
    mailbox.append(mail("ยกเลิกรับข่าวด้วยค่ะ", "ไม่ต้องการรับข่าวแล้ว", sender=first))
    report = run_pass(office)
    assert (report.unsubscribed, report.suppressed, report.left) == (0, 0, 3)
    assert {first, second}.isdisjoint(str(r["อีเมล"]) for r in suppressed(office))
    assert len(report.problems) == 3
    assert all("ไม่มีรหัสยืนยันที่ถูกต้อง" in p.message for p in report.problems)
    assert len(mailbox.messages("INBOX")) == 3


@pytest.fixture
def server(office: Path) -> Iterator[UnsubscribeServer]:
    running = UnsubscribeServer(services(config_mod.load(office)), "127.0.0.1", 0)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    thread.join(5)


def call(server: UnsubscribeServer, method: str, path: str,
         body: str = "List-Unsubscribe=One-Click") -> tuple[int, str]:
    host, port = server.address
    connection = http.client.HTTPConnection(host, port, timeout=5)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        connection.request(method, path, body=body if method == "POST" else None,
                           headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        connection.close()


def test_one_click_valid_forged_and_replayed(office: Path, server: UnsubscribeServer) -> None:
    (first, m1), (second, m2), (third, m3) = sorted(bulletins(office).items())[:3]
    # The office's proxy may strip the public base path or pass it on: both work.
    path1 = urlsplit(links(m1)[0]).path.removeprefix("/u")
    path2, path3 = (urlsplit(links(m)[0]).path for m in (m2, m3))
    before = len(suppressed(office))

    status, page = call(server, "POST", path1)
    assert status == 200 and first in page
    assert [r["เหตุผล"] for r in suppressed(office) if r["อีเมล"] == first] == ["ยกเลิกรับข่าว"]
    assert call(server, "POST", path1)[0] == 200, "a replayed request is answered the same"
    assert len(suppressed(office)) == before + 1

    blob1, token1 = path1.rsplit("/", 1)[1].split(".")
    blob2, token2 = path2.rsplit("/", 1)[1].split(".")
    assert call(server, "GET", path2)[0] == 200
    flipped = token2[:-1] + ("0" if token2[-1] != "0" else "1")
    for forged in (f"/unsubscribe/{blob2}.{flipped}", f"/unsubscribe/{blob2}.{token1}",
                   f"/unsubscribe/{blob1}x.{token1}", "/unsubscribe/", "/unsubscribe/a.b"):
        assert call(server, "POST", forged)[0] == 404, forged
    assert second not in {r["อีเมล"] for r in suppressed(office)}

    status, page = call(server, "GET", path3)
    assert status == 200 and 'method="post"' in page and third in page
    assert third not in {r["อีเมล"] for r in suppressed(office)}, "a GET never unsubscribes"
    assert call(server, "GET", "/healthz") == (200, "ok\n")
    assert len(suppressed(office)) == before + 1


def test_one_click_while_the_sheet_is_open_is_applied_by_the_next_cycle(
    office: Path, server: UnsubscribeServer
) -> None:
    recipient, message = sorted(bulletins(office).items())[0]
    lock = office.parent / "~$workbook.xlsx"  # Excel has the workbook open
    lock.write_text("")
    assert call(server, "POST", urlsplit(links(message)[0]).path.removeprefix("/u"))[0] == 200
    lock.unlink()
    assert recipient not in {r["อีเมล"] for r in suppressed(office)}
    run_cycle(office)
    assert [r["อีเมล"] for r in suppressed(office)].count(recipient) == 1


def test_serve_command_starts_and_stops(office: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "automation.cli", "serve", "--config", str(office), "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/unsubscribe/", line)
        assert found, line + (process.stderr.read() if process.stderr else "")
        connection = http.client.HTTPConnection("127.0.0.1", int(found.group(1)), timeout=5)
        connection.request("GET", "/healthz")
        assert connection.getresponse().status == 200
        connection.close()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
