"""Reading the sheet for a cycle: the form, registry and suppression tabs, parsed, or the
parse kept from the last read while the sheet is unchanged (``automation.core.parsecache``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from automation.config import Config
from automation.core.intake import Identities, parse_submissions
from automation.core.parsecache import ParseCache, Parsed
from automation.core.registry import parse_registry
from automation.core.rowmemo import Earlier
from automation.core.services import Services, Snapshot
from automation.core.views import item_url
from automation.errors import SheetError
from automation.model import CycleReport, Problem, Registry, Submission, Tab


class Reading:
    """Mixed into the Worker: what a cycle reads, and the parse it keeps."""

    s: Services
    config: Config
    tabs: Any
    aliases: Mapping[str, Any]
    board: str
    _parsed: ParseCache
    _found_early: list[Problem]

    def load(self) -> Snapshot:
        fingerprints = self.s.ledger.event_details("fingerprint")
        # The sheet as last parsed, by this process or the last run: not even read again.
        # Taken before any read: an edit made meanwhile is a version not yet parsed.
        version = self.s.sheet.version()
        parsed = self._parsed.kept(version, fingerprints)
        if parsed is None:
            parsed = self._read_and_parse(fingerprints, version)
        assert parsed.form_tab is not None
        return Snapshot(
            parsed.form_tab, parsed.registry, list(parsed.items), list(parsed.problems),
            self.s.clock(), parsed.identities,
        )

    def _read_and_parse(self, fingerprints: dict[str, str], version: str | None) -> Parsed:
        """Read the tabs and parse them. The registry tab is not even read when the backend
        tells its version and the parse of that version is at hand (only the form changed)."""
        tabs, cache = self.tabs, self._parsed
        told = self.s.sheet.tab_version(tabs.registry)
        read = self._read([tabs.form] if told else [tabs.form, tabs.registry])
        suppression = read.get(tabs.suppression)
        registry_version = b""
        if told is not None:
            registry_version = cache.registry_version(told, suppression)
            if not cache.has_registry(registry_version):
                read.update(self.s.sheet.read([tabs.registry]))
        return cache.refresh(read[tabs.form], read.get(tabs.registry), suppression,
                             fingerprints, self._parse, version, registry_version)

    def _read(self, names: list[str]) -> dict[str, Tab]:
        """These tabs and the suppression list; a suppression tab gone missing is made
        again (empty), the other tabs' errors are real."""
        try:
            return self.s.sheet.read([*names, self.tabs.suppression])
        except SheetError as exc:
            if exc.transient:
                raise
        read = self.s.sheet.read(names)
        self._create_suppression()
        return read

    def _create_suppression(self) -> None:
        """The worker owns the suppression tab: one that went missing is made again
        (empty, with its headers) instead of stopping the cycle."""
        tab = self.tabs.suppression
        try:
            self.s.sheet.read([tab])
            return  # it is there: the first read failed for another reason
        except SheetError as exc:
            if exc.transient:
                raise
        aliases = self.aliases["suppression"]
        self.s.sheet.backend.replace(tab, [[names[0] for names in aliases.values()]])
        self._found_early.append(Problem(
            tab, "ไม่พบแท็บรายชื่องดรับข่าว; สร้างแท็บใหม่ (ว่าง) ให้แล้ว หากเคยมีรายชื่อ "
            "ให้กู้คืนจากประวัติเวอร์ชันของสเปรดชีต", row=1, severity="warning"))

    def _parse(
        self, form: Tab, registry_tab: Tab, suppression: Tab | None,
        fingerprints: dict[str, str], registry: Registry | None,
        earlier: Earlier | None = None,
    ) -> tuple[Registry, Identities, list[Submission], list[Problem]]:
        if registry is None:
            registry = parse_registry(
                registry_tab, self.aliases["registry"], suppression, self.aliases["suppression"],
            )
        identities = Identities(fingerprints)
        items, problems = parse_submissions(
            form, self.aliases["form"], registry,
            max_title=self.config.publish.max_title, max_body=self.config.publish.max_body,
            identities=identities, earlier=earlier,
        )
        items = [i if i.url == url else replace(i, url=url)
                 for i in items for url in (item_url(self.board, i.id),)]
        return registry, identities, items, problems

    def _keep_written(self, report: CycleReport) -> None:
        """The parse kept for the file as the worker's own status write left it (only when
        nothing else changed it since it was parsed): the next run need not read it."""
        parsed = self._parsed.last
        own = self.s.sheet.own_writes() if report.sheet_writes else None
        if parsed is None or own is None or own[0] != parsed.version \
                or own[2] != {self.tabs.form}:
            return
        if own[1] != self.s.sheet.version():
            return  # changed since by someone else: the next run reads it
        form = self.s.sheet.read([self.tabs.form])[self.tabs.form]  # as written: known
        self._parsed.rewritten(form, own[1], self.s.ledger.event_details("fingerprint"),
                               self._parse)
