"""Which channels get an item: the director's ``ช่องทาง`` cell.

* empty: every configured channel whose ``default`` is true;
* channel names, Thai or English, separated by commas or spaces (``LINE, เฟซบุ๊ก``): those;
* ``ทั้งหมด`` / ``all``: every configured channel;
* ``ไม่โพสต์`` / ``ไม่มี`` / ``none`` / ``อีเมลเท่านั้น``: none (it wins over any other word);
* ``อีเมล`` and ``เว็บไซต์`` are accepted and change nothing: e-mail follows
  ``กลุ่มเป้าหมาย`` and every approved item goes on the news board.
A word naming no configured channel is reported and ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

ALIASES: dict[str, tuple[str, ...]] = {
    "line": ("line", "ไลน์", "lineoa", "ไลน์โอเอ", "lineofficialaccount"),
    "telegram": ("telegram", "tg", "เทเลแกรม", "เทลีแกรม"),
    "facebook": ("facebook", "fb", "เฟซบุ๊ก", "เฟสบุ๊ก", "เฟซบุ๊ค", "เฟสบุ๊ค", "เฟซ", "เพจ",
                 "facebookpage"),
    "google_chat": ("googlechat", "chat", "gchat", "กูเกิลแชท", "กูเกิ้ลแชท", "แชท"),
    "webhook": ("webhook", "เว็บฮุก", "เว็บฮุค"),
}
_ALL = {"ทั้งหมด", "ทุกช่องทาง", "all"}
_NONE = {"ไม่โพสต์", "ไม่ต้องโพสต์", "ไม่มี", "none", "no", "-", "อีเมลเท่านั้น", "เฉพาะอีเมล",
         "emailonly"}
_ALWAYS = {"อีเมล", "email", "e-mail", "เว็บ", "เว็บไซต์", "website", "web", "site"}


def _norm(word: str) -> str:
    return re.sub(r"[\s_\-.]+", "", word).casefold()


_LOOKUP = {_norm(a): name for name, aliases in ALIASES.items() for a in (name, *aliases)}


def select(cell: str, configured: Mapping[str, bool]) -> tuple[list[str], list[str]]:
    """(channels to post to, in configured order; words not understood or not configured).

    ``configured`` maps each configured channel's name to its ``default`` setting.
    """
    if not cell.strip():
        return [n for n, default in configured.items() if default], []
    wanted: set[str] = set()
    unknown: list[str] = []
    none = False
    for token in re.split(r"[,;/\n、]+", cell):
        token = token.strip()
        if not token:
            continue
        words = [token] if _known(token) else token.split()
        for word in words:
            key = _norm(word)
            if key in {_norm(w) for w in _NONE}:
                none = True
            elif key in {_norm(w) for w in _ALL}:
                wanted.update(configured)
            elif key in {_norm(w) for w in _ALWAYS}:
                continue
            elif _LOOKUP.get(key) in configured:
                wanted.add(_LOOKUP[key])
            else:
                unknown.append(word)
    if none:
        return [], unknown
    return [n for n in configured if n in wanted], unknown


def _known(token: str) -> bool:
    key = _norm(token)
    return key in _LOOKUP or key in {_norm(w) for w in (*_ALL, *_NONE, *_ALWAYS)}
