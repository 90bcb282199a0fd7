"""RFC 2047 on the wire: every encoded-word at most 75 characters, headers folded, and the
Thai text whole again when the raw bytes the SMTP server received are decoded by the RFC's
rules (whitespace between adjacent encoded-words is not part of the text)."""

from __future__ import annotations

import base64
import quopri
import re
from pathlib import Path

from tests.servers.smtp import SmtpServer
from tests.workspace import make_workspace, run_cycle, smtp_mail

_WORD = re.compile(r"=\?([^?]+)\?([bBqQ])\?([^?]*)\?=")
LONG_NAME = ("ฝ่ายประชาสัมพันธ์และสื่อสารองค์กร กลุ่มอำนวยการ "
             "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาเชียงใหม่ เขต 9")


def raw_header(data: bytes, name: str) -> str:
    """A header's raw value as received, unfolded (CRLF + whitespace → the whitespace);
    each of its folded lines fits 78 characters."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    match = re.search(rf"(?im)^{name}:[ \t]?([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", head)
    assert match, name
    assert max(len(line) for line in match.group(0).split("\r\n")) <= 78, match.group(0)
    return re.sub(r"\r\n(?=[ \t])", "", match.group(1))


def decode_rfc2047(value: str) -> str:
    """RFC 2047 section 6.2: linear whitespace between two encoded-words is dropped."""
    out: list[str] = []
    last_end, last_was_word = 0, False
    for m in _WORD.finditer(value):
        between = value[last_end:m.start()]
        if not (last_was_word and between.strip() == ""):
            out.append(between)
        charset, enc, text = m.groups()
        raw = (base64.b64decode(text) if enc in "bB"
               else quopri.decodestring(text.replace("_", " ").encode(), header=True))
        out.append(raw.decode(charset))
        last_end, last_was_word = m.end(), True
    out.append(value[last_end:])
    return "".join(out)


def check_words(data: bytes, name: str) -> str:
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert max(len(line) for line in head.split("\r\n")) <= 998
    value = raw_header(data, name)
    words = _WORD.findall(value)
    assert words, value
    for m in _WORD.finditer(value):
        assert len(m.group(0)) <= 75, m.group(0)
    return decode_rfc2047(value)


def test_long_thai_names_and_subjects_fold_into_short_encoded_words(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    mail = smtp_mail(smtp_server.port, sender_name=LONG_NAME)
    config = make_workspace(tmp_path / "office", mail=mail)
    run_cycle(config)
    assert smtp_server.messages
    for received in smtp_server.messages:
        sender = check_words(received.data, "From")
        assert sender == f"{LONG_NAME} <pr@office.example.test>"
        assert len(_WORD.findall(raw_header(received.data, "From"))) >= 4
        subject = check_words(received.data, "Subject")
        assert subject == str(received.message["Subject"])
