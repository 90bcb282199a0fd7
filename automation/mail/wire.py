"""A message as it goes on the wire (CRLF line ends): what ``as_bytes`` writes, faster.

Both transports (SMTP and the outbox folder) write messages through ``wire_bytes``; the
bytes are identical to ``message.as_bytes(policy=compat32 with CRLF)`` (tests/test_wire_format.py).
"""

from __future__ import annotations

from email.generator import BytesGenerator
from email.message import Message
from email.policy import Compat32
from io import BytesIO
from typing import Any


class _Wire(Compat32):
    """compat32 with CRLF, minus the work of re-folding what needs no folding.

    compat32 runs every header through ``email.header.Header`` even when it is a short
    ASCII line (the MIME parts' Content-Type, the Message-ID, the date): that is most of
    the CPU of flattening a message. Such a line comes out unchanged, so it is written
    as is; anything else (non-ASCII, long, already folded) takes the usual path.
    """

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        if (
            isinstance(value, str)
            and value.isascii()
            and len(name) + len(value) + 2 <= (self.max_line_length or 78)
            and "\n" not in value
            and "\r" not in value
        ):
            return f"{name}: {value}{self.linesep}"
        folded: str = super()._fold(name, value, sanitize)  # type: ignore[misc]
        return folded



class _WireGenerator(BytesGenerator):
    """The generator ``as_bytes`` uses, writing a part's body in one piece: the stock one
    writes each base64 line on its own (hundreds of calls per message)."""

    def _write_lines(self, lines: str) -> None:
        if "\r" in lines:
            super()._write_lines(lines)  # type: ignore[misc]
        elif lines:
            self.write(lines.replace("\n", self._NL))  # type: ignore[attr-defined]


_WIRE = _Wire(linesep="\r\n")


def wire_bytes(message: Message) -> bytes:
    """The message with CRLF line ends, as ``as_bytes`` would write it."""
    out = BytesIO()
    _WireGenerator(out, mangle_from_=False, policy=_WIRE).flatten(message)
    return out.getvalue()
