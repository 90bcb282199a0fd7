"""Render the board's pages from stored articles: front page, one page per item, lists by
school, cluster and month, archive, search (page + prebuilt index), directory, Atom feed.

Every link is relative, so the folder works from any web host, any sub-folder, or opened
straight from disk; ``base_url`` only adds canonical addresses and absolute feed links.
Nothing time-dependent is printed, so rebuilding unchanged content yields identical bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from automation.core.render import SHIPPED, is_safe_url
from automation.errors import ConfigError
from automation.site import directory as directory_mod
from automation.site.feed import atom
from automation.site.markup import body_html, excerpt
from automation.site.store import Article
from automation.text.thai import fuzzy_key
from automation.thaidate import BANGKOK, format_date, format_datetime, format_month

ASSETS = ("assets/site.css", "assets/search.js")


@dataclass(frozen=True)
class SiteInfo:
    title: str
    office: str
    base_url: str | None = None
    latest: int = 20
    feed_entries: int = 50
    directory: bool = True
    logo_file: Path | None = None  # the office's logo, copied to ``logo`` in the board

    @property
    def logo(self) -> str | None:
        return f"assets/logo{self.logo_file.suffix.lower()}" if self.logo_file else None


@dataclass
class Group:
    """One list page: the items of one school, cluster or month."""

    kind: str
    label: str
    path: str
    articles: list[Article] = field(default_factory=list)


def news_path(item_id: str) -> str:
    return f"news/{item_id}.html"


def _slug(name: str) -> str:
    # Thai in file names breaks on some hosts and in copied links: a stable hash instead.
    return hashlib.sha256(fuzzy_key(name).encode("utf-8")).hexdigest()[:12]


def school_path(name: str) -> str:
    return f"school/{_slug(name)}.html"


def cluster_path(name: str) -> str:
    return f"cluster/{_slug(name)}.html"


def month_path(article: Article) -> str:
    at = article.published_at.astimezone(BANGKOK)
    return f"month/{at.year:04d}-{at.month:02d}.html"


def _month_label(article: Article) -> str:
    at = article.published_at.astimezone(BANGKOK)
    return format_month(at.year, at.month)


def _newest_first(articles: Sequence[Article]) -> list[Article]:
    return sorted(articles, key=lambda a: (a.published_at, a.id), reverse=True)


def _label(names: list[str]) -> str:
    """The spelling used most (then the longest) among names of one school or cluster."""
    counts: dict[str, int] = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    return max(counts, key=lambda n: (counts[n], len(n), n))


def groups(articles: Sequence[Article]) -> dict[str, list[Group]]:
    """Live articles (newest first) under each school, cluster and month."""
    by: dict[str, dict[str, Group]] = {"school": {}, "cluster": {}, "month": {}}
    names: dict[str, list[str]] = {}
    for a in _newest_first(articles):
        keys = []
        if a.school:
            keys.append(("school", school_path(a.school), a.school))
        if a.cluster:
            keys.append(("cluster", cluster_path(a.cluster), a.cluster))
        keys.append(("month", month_path(a), _month_label(a)))
        for kind, path, label in keys:
            group = by[kind].setdefault(path, Group(kind, label, path))
            group.articles.append(a)
            names.setdefault(path, []).append(label)
    for kind in ("school", "cluster"):
        for path, group in by[kind].items():
            group.label = _label(names[path])
    result = {k: list(v.values()) for k, v in by.items()}
    result["school"].sort(key=lambda g: g.label)
    result["cluster"].sort(key=lambda g: g.label)
    result["month"].sort(key=lambda g: g.path, reverse=True)
    return result


class Pages:
    def __init__(self, info: SiteInfo, override: Path | None = None) -> None:
        self.info = info
        folders = [str(p) for p in (override, SHIPPED) if p is not None and p.is_dir()]
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folders),
            undefined=jinja2.StrictUndefined,
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(
            thai_date=lambda d: format_date(d) if d else "",
            thai_datetime=lambda d: format_datetime(d) if d else "",
            iso=lambda d: d.isoformat(timespec="seconds") if isinstance(d, datetime) else (
                d.isoformat() if d else ""),
            body_html=body_html,
            excerpt=excerpt,
        )
        self.env.tests["safe_url"] = is_safe_url
        self.env.globals.update(
            news_path=news_path, school_path=school_path, cluster_path=cluster_path,
            month_path=month_path,
        )
        self.loader_folders = folders

    # -- pages ---------------------------------------------------------------------

    def render(self, template: str, path: str, **context: Any) -> bytes:
        root = "../" * path.count("/")
        base = self.info.base_url.rstrip("/") + "/" if self.info.base_url else None
        try:
            page = self.env.get_template(f"site/{template}").render(
                site=self.info, root=root, path=path, base=base,
                canonical=(base + path if base else None), **context,
            )
        except jinja2.TemplateNotFound as exc:
            raise ConfigError(f"template site/{exc.name} not found") from None
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(
                f"template {exc.filename or template} line {exc.lineno}: {exc.message}"
            ) from None
        except jinja2.UndefinedError as exc:
            raise ConfigError(f"template site/{template}: {exc.message}") from None
        return page.encode("utf-8")

    def article(self, article: Article) -> bytes:
        path = news_path(article.id)
        if article.withdrawn:
            return self.render("withdrawn.html", path, article=article)
        return self.render("news.html", path, article=article,
                           month_label=_month_label(article))

    def lists(
        self, articles: Sequence[Article], members: Sequence[directory_mod.Entry] | None
    ) -> dict[str, bytes]:
        """Every page except the per-item ones, by path."""
        live = _newest_first([a for a in articles if not a.withdrawn])
        by = groups(live)
        pages: dict[str, bytes] = {
            "index.html": self.render("index.html", "index.html",
                                      latest=live[: self.info.latest], total=len(live)),
            "archive.html": self.render("archive.html", "archive.html", groups=by,
                                        total=len(live)),
            "search.html": self.render("search.html", "search.html"),
            "search.json": (index := self.search_index(live)),
            # The same index as a script: a <script> tag loads it from disk (file://),
            # where browsers refuse fetch().
            "search-index.js": b"window.PR_SEARCH_INDEX = " + index + b";\n",
        }
        for kind_groups in by.values():
            for group in kind_groups:
                pages[group.path] = self.render("list.html", group.path, group=group)
        if self.info.directory and members is not None:
            pages["directory.html"] = self.render(
                "directory.html", "directory.html", groups=directory_mod.groups(members),
                count=len(members),
            )
        withdrawn = [a.withdrawn_at for a in articles if a.withdrawn_at]
        pages["feed.xml"] = atom(
            live[: self.info.feed_entries], title=self.info.title, author=self.info.office,
            base_url=self.info.base_url, updated_fallback=max(withdrawn, default=None),
        )
        for asset in ASSETS:
            pages[asset] = self.asset(asset)
        if self.info.logo_file is not None and self.info.logo:
            try:
                pages[self.info.logo] = self.info.logo_file.read_bytes()
            except OSError as exc:
                raise ConfigError(f"อ่านไฟล์โลโก้ 'site.logo' = {self.info.logo_file} ไม่ได้ "
                                  f"({exc.strerror or exc})") from None
        return pages

    def search_index(self, live: Sequence[Article]) -> bytes:
        rows = [
            {"id": a.id, "t": a.title, "s": a.school, "c": a.cluster, "k": a.category,
             "d": format_date(a.published_at), "x": excerpt(a.body, 160)}
            for a in live
        ]
        return json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def asset(self, name: str) -> bytes:
        for folder in self.loader_folders:
            path = Path(folder) / "site" / name
            if path.is_file():
                return path.read_bytes()
        raise ConfigError(f"site asset site/{name} not found in the templates folders")

    def fingerprint(self) -> str:
        """Changes when any site template or asset changes (then every page is rebuilt)."""
        digest = hashlib.sha256(repr(self.info).encode())
        for folder in self.loader_folders:
            for path in sorted((Path(folder) / "site").rglob("*")):
                if path.is_file():
                    st = path.stat()
                    digest.update(f"{path}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        return digest.hexdigest()
