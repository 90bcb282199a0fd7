"""The news board as a publishing channel: item pages as items are published, lists, feed,
search index and directory once a cycle, and take-downs.

Item pages are written when the item is published (before its e-mail goes out, so the link
in the bulletin already works). Everything else is rebuilt from the store in the site folder
(``_data/news/*.json``) — incrementally: inputs unchanged since the last build means no work,
and a page whose bytes are unchanged is not rewritten.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from automation.errors import AutomationError, DeliveryError
from automation.model import Decision, Registry, Submission
from automation.ports import DeliveryRecord, Ledger
from automation.site import directory
from automation.site.build import Pages, news_path
from automation.site.files import remove_stale, write_if_changed
from automation.site.store import DATA, Article, Store, check_id

KIND = "post"  # the same ledger kind as the chat channels: post:{channel}:{item}
CHANNEL = "site"
WITHDRAWN = "withdrawn"
_LISTS = ("school", "cluster", "month")


@dataclass
class BuildReport:
    written: int = 0
    removed: int = 0
    added: int = 0
    updated: int = 0
    skipped: bool = False
    notes: list[str] = field(default_factory=list)


class SitePublisher:
    name = "site"

    def __init__(
        self, folder: Path, pages: Pages, ledger: Ledger, clock: Callable[[], datetime],
        directory_fields: Sequence[str] = (),
    ) -> None:
        self.folder = folder
        self.pages = pages
        self.store = Store(folder)
        self.ledger = ledger
        self.clock = clock
        self.directory_fields = tuple(directory_fields)

    # -- the Publisher interface -------------------------------------------------------

    def publish(self, item: Submission, now: datetime) -> None:
        """Write the item's page. Raising means "not yet" to the core, which then asks
        again next cycle: so only a failure that may pass (a full disk) raises every time."""
        try:
            check_id(item.id)
        except DeliveryError:
            if self.ledger.add_event(item.id, "site-refused", now):
                raise
            return
        previous = self.store.get(item.id)
        if (previous is not None and previous.withdrawn) or self._withdrawn(item.id):
            return  # taken down on purpose: it stays down
        try:
            self._put(Article.of(item, now, previous))
        except OSError as exc:
            raise DeliveryError(f"เขียนหน้าข่าวไม่ได้: {exc}", permanent=False) from None
        self._record(item.id)

    def finish(self, published: Sequence[Submission], registry: Registry, now: datetime) -> None:
        try:
            self.build(registry)
        except OSError as exc:
            raise DeliveryError(f"สร้างหน้ารวมข่าวไม่ได้: {exc}", permanent=False) from None

    # -- building ------------------------------------------------------------------------

    def build(self, registry: Registry | None, *, force: bool = False) -> BuildReport:
        """Bring lists, feed, search and directory (and, with ``force`` or new templates,
        every item page) up to date with the store."""
        report = BuildReport()
        state = self._state()
        members = (directory.entries(registry, self.directory_fields)
                   if registry is not None and self.pages.info.directory else None)
        people = (_digest(json.dumps([asdict(m) for m in members], ensure_ascii=False))
                  if members is not None else state.get("directory", ""))
        templates = self.pages.fingerprint()
        inputs = _digest(self.store.fingerprint() + templates + people)
        if not force and state.get("inputs") == inputs and (self.folder / "index.html").exists():
            report.skipped = True
            return report
        articles = self.store.all()
        if force or state.get("templates") != templates:
            for article in articles:
                report.written += write_if_changed(
                    self.folder / news_path(article.id), self.pages.article(article)
                )
        pages = self.pages.lists(articles, members)
        for path, data in pages.items():
            report.written += write_if_changed(self.folder / path, data)
        for kind in _LISTS:
            keep = {self.folder / p for p in pages if p.startswith(kind + "/")}
            report.removed += remove_stale(self.folder / kind, keep)
        self._save_state({"inputs": _digest(self.store.fingerprint() + templates + people),
                          "templates": templates, "directory": people})
        return report

    def rebuild(
        self, items: Sequence[Submission], registry: Registry | None, now: datetime
    ) -> BuildReport:
        """Regenerate from the ledger's published items and the sheet's current content.

        Items published before the board existed are added (with their publish time from
        the ledger); approved items whose text was edited in the sheet are updated at the
        same address; an item no longer approved is only reported (take-downs are explicit).
        """
        published = self.ledger.event_times("published")
        posted = {r.item_id for r in self.ledger.deliveries(kind=KIND)
                  if r.channel == CHANNEL and r.status == "sent"}
        withdrawn = set(self.ledger.event_times(WITHDRAWN))
        added = updated = 0
        notes: list[str] = []
        for item in items:
            if item.id not in published and item.id not in posted:
                continue
            try:
                check_id(item.id)
            except DeliveryError as exc:
                notes.append(f"{item.id[:40]}: {exc}")
                continue
            previous = self.store.get(item.id)
            if item.id in withdrawn or (previous is not None and previous.withdrawn):
                continue
            if item.decision is not Decision.APPROVED or not item.valid:
                if previous is not None:
                    notes.append(f"{item.id}: ไม่อยู่ในสถานะอนุมัติแล้วแต่ยังแสดงบนเว็บ; นำลงด้วย "
                                 f"automation site withdraw {item.id}")
                continue
            article = Article.of(item, now if previous else published.get(item.id, now),
                                 previous)
            if article != previous:
                self._put(article)
                added += previous is None
                updated += previous is not None
            self._record(item.id)
        report = self.build(registry, force=True)
        report.added, report.updated, report.notes = added, updated, notes
        return report

    # -- take-down -----------------------------------------------------------------------

    def withdraw(self, item_id: str, reason: str, now: datetime) -> tuple[Article, bool]:
        """Replace the item's page by a notice and drop it from every list and the feed.

        Returns the stored article and whether this call took it down (False: it already
        was). The take-down is recorded in the ledger as the item's ``withdrawn`` event.
        """
        try:
            check_id(item_id)
        except DeliveryError as exc:
            raise AutomationError(str(exc)) from None
        article = self.store.get(item_id)
        if article is None:
            raise AutomationError(
                f"ไม่พบข่าวรหัส {item_id} บนเว็บ ({self.store.folder}); ตรวจรหัสในคอลัมน์รหัสข่าว"
            )
        fresh = not article.withdrawn
        if fresh:
            article = article.take_down(now)
            self._put(article)
        # Its pictures go with it (children's faces are not left at a guessable address).
        pictures = self.folder / "media" / item_id
        if pictures.is_dir():
            for path in pictures.iterdir():
                path.unlink(missing_ok=True)
            pictures.rmdir()
        self.ledger.add_event(item_id, WITHDRAWN, article.withdrawn_at or now, reason)
        self.build(None)
        return article, fresh

    # -- helpers -------------------------------------------------------------------------

    def _put(self, article: Article) -> None:
        # The store first: a crash between the two leaves data the next build renders.
        self.store.put(article)
        write_if_changed(self.folder / news_path(article.id), self.pages.article(article))

    def _record(self, item_id: str) -> None:
        key = f"post:{CHANNEL}:{item_id}"
        record = self.ledger.get(key)
        if record is not None and record.status == "sent":
            return
        self.ledger.begin(DeliveryRecord(
            key=key, kind=KIND, item_id=item_id, recipient=news_path(item_id),
            channel=CHANNEL, message_id=news_path(item_id), status="pending",
        ), self.clock())
        self.ledger.finish(key, "sent", self.clock())

    def _withdrawn(self, item_id: str) -> bool:
        return any(event == WITHDRAWN for _i, event, _at, _d in self.ledger.events(item_id))

    def _state(self) -> dict[str, str]:
        try:
            data = json.loads((self.folder / DATA / "build.json").read_bytes())
        except (FileNotFoundError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _save_state(self, state: dict[str, str]) -> None:
        write_if_changed(self.folder / DATA / "build.json",
                         json.dumps(state, indent=1, sort_keys=True).encode())


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
