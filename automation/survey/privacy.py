"""Personal data out of open comments before anyone reads them (PDPA B.E. 2562)."""

from __future__ import annotations

import re

_D = "[0-9๐-๙]"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Thai phone numbers: 0X… (9–10 digits) or +66 …, with spaces, dots or dashes between.
_PHONE = re.compile(rf"(?:\+66[\s.-]?|(?<![0-9๐-๙])[0๐]){_D}(?:[\s.-]?{_D}){{7,8}}(?![0-9๐-๙])")
EMAIL_MASK = "[อีเมล]"
PHONE_MASK = "[เบอร์โทรศัพท์]"


def mask_personal(text: str) -> str:
    """``text`` with e-mail addresses and phone numbers replaced by a placeholder."""
    return _PHONE.sub(PHONE_MASK, _EMAIL.sub(EMAIL_MASK, text))
