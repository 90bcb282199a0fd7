"""Jinja2 rendering of every message kind: subject, text body and HTML body.

Templates live in ``templates/<kind>/``; they ship inside the package as
``automation/templates`` (see pyproject.toml), and a file of the same name in the office's own
templates folder overrides the shipped one. ``StrictUndefined`` makes a typo in a template
an error instead of an empty string; HTML is autoescaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from automation.core.linkify import linkify_mail
from automation.errors import ConfigError
from automation.text.lines import single_line
from automation.thaidate import format_date, format_date_short, format_datetime


def _shipped() -> Path:
    """The templates the package carries: inside it once installed (wheel, sdist, ``pip install
    .``), the checkout's top-level ``templates/`` when run from the source tree."""
    packaged = resources.files("automation").joinpath("templates")
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


SHIPPED = _shipped()


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def is_safe_url(value: object) -> bool:
    return isinstance(value, str) and re.match(r"^https?://[^\s<>\"']+$", value.strip()) is not None


def hosted(photos: Iterable[Any]) -> list[Any]:
    """Pictures that have public https addresses on the board (web size and thumbnail)."""
    return [p for p in photos if all(
        is_safe_url(u) and str(u).startswith("https://")
        for u in (getattr(p, "web_url", None), getattr(p, "thumb_url", None)))]


def _thai_date(value: date | datetime | None) -> str:
    return format_date(value) if value else ""


def _thai_date_short(value: date | datetime | None) -> str:
    return format_date_short(value) if value else ""


def _thai_datetime(value: datetime | None) -> str:
    return format_datetime(value) if value else ""


def _compiled_cache(folder: Path | None) -> jinja2.BytecodeCache | None:
    if folder is None:
        return None
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return None  # a cache only: templates are compiled each run
    return jinja2.FileSystemBytecodeCache(str(folder))


class Renderer:
    def __init__(self, override: Path | None = None, compiled: Path | None = None) -> None:
        """``compiled``: a folder to keep the templates compiled in between runs (a
        template is compiled again when its text changes): a cron-style run then starts
        its first message without compiling them."""
        folders = [str(p) for p in (override, SHIPPED) if p is not None and p.is_dir()]
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folders),
            bytecode_cache=_compiled_cache(compiled),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(
            thai_date=_thai_date,
            thai_date_short=_thai_date_short,
            thai_datetime=_thai_datetime,
            paragraphs=paragraphs,
            linkify=linkify_mail,
            hosted=hosted,
        )
        self.env.tests["safe_url"] = is_safe_url
        self._cache: dict[str, jinja2.Template] = {}

    def _template(self, name: str) -> jinja2.Template:
        template = self._cache.get(name)
        if template is None:
            try:
                template = self.env.get_template(name)
            except jinja2.TemplateNotFound:
                raise ConfigError(
                    f"template {name} not found in {SHIPPED} or the 'templates' folder"
                ) from None
            except jinja2.TemplateSyntaxError as exc:
                raise ConfigError(
                    f"template {exc.filename or name} line {exc.lineno}: {exc.message}"
                ) from None
            except UnicodeDecodeError:
                raise ConfigError(f"template {name} is not UTF-8 text; save it as UTF-8") from None
            self._cache[name] = template
        return template

    def render(self, kind: str, context: dict[str, Any]) -> Rendered:
        parts = []
        for part in ("subject.txt", "body.txt", "body.html"):
            name = f"{kind}/{part}"
            try:
                parts.append(self._template(name).render(context))
            except ConfigError:
                raise
            except jinja2.UndefinedError as exc:
                raise ConfigError(f"template {name}: {exc.message}") from None
            except jinja2.TemplateError as exc:
                raise ConfigError(f"template {name}: {exc}") from None
            except Exception as exc:  # the office's own template: 1/0, a call of a text...
                raise ConfigError(f"template {name}: {type(exc).__name__}: {exc}") from None
        subject, text, html = parts
        return Rendered(single_line(subject, limit=250), text, html)
