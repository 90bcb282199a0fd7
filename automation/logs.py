"""Logging for the long-running worker: readable lines or JSON lines on stdout.

Stdout suits both a terminal and systemd's journal (which stamps each line itself, so the
time is left out when ``JOURNAL_STREAM`` says the journal is listening). Nothing personal or
secret reaches the log: e-mail addresses are shortened to ``so***@school.example.test``,
Thai phone numbers keep only their first and last digits, and registered secrets (the mail
password) are replaced wholesale — in messages, extra fields and tracebacks alike.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import datetime
from typing import IO, Any, Literal

from automation.thaidate import BANGKOK

LogFormat = Literal["text", "json"]
LOGGER = "automation"

# Thai vowel and tone marks are combining characters, not \w: name the Thai block too.
_CHAR = r"[\w\u0e00-\u0e7f.+'-]"
_EMAIL = re.compile(rf"({_CHAR}{{1,2}}){_CHAR}*@((?:[\w\u0e00-\u0e7f-]+\.)+[\w\u0e00-\u0e7f-]+)")
# Thai phone numbers: 0 and 8-9 more digits, maybe split by spaces or dashes.
_PHONE = re.compile(r"(?<!\d)0\d(?:[ -]?\d){7,8}(?!\d)")
_SECRETS: set[str] = set()
# Attributes every LogRecord has; anything else came in through ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def register_secret(value: str | None) -> None:
    """Never let ``value`` appear in a log line (ignored when too short to be a secret)."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def mask(text: str) -> str:
    """``text`` with secrets removed and addresses and phone numbers shortened."""
    for secret in _SECRETS:
        text = text.replace(secret, "***")
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return _PHONE.sub(_phone, text)


def _phone(m: re.Match[str]) -> str:
    number = m.group(0)
    return number[:2] + re.sub(r"\d", "*", number[2:-2]) + number[-2:]


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    return mask(str(value))


class TextFormatter(logging.Formatter):
    def __init__(self, stamp: bool = True) -> None:
        super().__init__()
        self.stamp = stamp

    def format(self, record: logging.LogRecord) -> str:
        line = f"{record.levelname:<7} {mask(record.getMessage())}"
        if self.stamp:
            when = datetime.fromtimestamp(record.created, BANGKOK)
            line = f"{when:%Y-%m-%d %H:%M:%S} {line}"
        if record.exc_info:
            line += "\n" + mask(self.formatException(record.exc_info))
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, BANGKOK).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = _masked(value)
        if record.exc_info:
            entry["traceback"] = mask(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def setup(
    fmt: LogFormat = "text", level: int = logging.INFO, stream: IO[str] | None = None
) -> None:
    """Send the worker's log to ``stream`` (stdout) in ``fmt``; safe to call again."""
    handler = logging.StreamHandler(stream or sys.stdout)
    journal = bool(os.environ.get("JOURNAL_STREAM"))
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter(stamp=not journal))
    logger = logging.getLogger(LOGGER)
    for old in list(logger.handlers):
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    # APScheduler's own messages (missed runs, errors) go the same way, warnings and up.
    aps = logging.getLogger("apscheduler")
    for old in list(aps.handlers):
        aps.removeHandler(old)
    aps.addHandler(handler)
    aps.setLevel(logging.WARNING)
    aps.propagate = False


def get(name: str) -> logging.Logger:
    return logging.getLogger(f"{LOGGER}.{name}")
