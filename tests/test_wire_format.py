"""The fast path for writing messages on the wire changes no byte of them."""

from __future__ import annotations

from datetime import datetime
from email import policy
from email.message import Message

import pytest

from automation.core import message
from automation.core.render import Rendered
from automation.mail.wire import wire_bytes
from automation.ports import Envelope
from automation.thaidate import BANGKOK

STOCK = policy.compat32.clone(linesep="\r\n")
VALUES = ["x", "a  b", " lead", "trail ", "a\tb", "=?utf-8?q?x?=", "x" * 70, "x" * 76,
          "y " * 40, "", " ", "a;b, c", "<abc@x.y>", "Mon, 1 Jan 2024 00:00:00 +0700",
          'multipart/alternative; boundary="===============123=="', "a  " * 20,
          "ข่าวประชาสัมพันธ์", "ข่าว " * 30, "x\r\n y"]


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("name", ["X", "Subject", "Content-Transfer-Encoding",
                                  "X-A-Rather-Long-Header-Name-Of-The-Office"])
def test_same_bytes_as_compat32_for_any_header(name: str, value: str) -> None:
    msg = Message()
    msg[name] = value
    msg.set_payload("สวัสดี\n", "utf-8")
    env = Envelope("k", "bulletin", "N-1", "a@b.test", "<1@b.test>", "pr@b.test", msg)
    assert wire_bytes(env.message) == msg.as_bytes(policy=STOCK)


@pytest.mark.parametrize("name", ["", "นายประเสริฐ ใจดี", "โรงเรียน" * 20, "Kru, Somchai"])
def test_same_bytes_for_a_whole_thai_bulletin(name: str) -> None:
    rendered = Rendered("ข่าวประชาสัมพันธ์: " + "กีฬาสีภายใน " * 12, "เรียน ครู\n\n" * 50,
                        "<p>เรียน ครู</p>" * 50)
    msg = message.build(
        rendered=rendered, sender="pr@office.example.test", sender_name="สำนักงานเขต " * 5,
        recipient="school00001@school.example.test", recipient_name=name,
        msg_id="<abc@office.example.test>", now=datetime(2026, 11, 25, 9, 0, tzinfo=BANGKOK),
        reply_to="pr@office.example.test", unsubscribe="mailto:pr@office.example.test?x=1",
        headers={"X-PR-Kind": "bulletin", "X-PR-Item": "N-1234ABCD"},
    )
    env = Envelope("k", "bulletin", "N-1", "a@b.test", "<1@b.test>", "pr@b.test", msg)
    assert wire_bytes(env.message) == msg.as_bytes(policy=STOCK)
