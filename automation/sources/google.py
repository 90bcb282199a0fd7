"""The production backend: the office's Google Sheet through gspread (Sheets API v4).

API economy: a cycle with nothing new costs one request (``values:batchGet`` for all tabs);
writes are one ``values:batchUpdate``. Spreadsheet metadata (tab ids, grid sizes, time zone)
is read only when needed — a write beyond the grid, ``replace``, a missing tab, sheet set-up —
and then kept for the process.

Reading: UNFORMATTED_VALUE with SERIAL_NUMBER dates. Checkboxes arrive as booleans, text as
typed (a phone number entered as text keeps its leading zero), numbers as numbers and date
cells as serial numbers — wall-clock days in the spreadsheet's time zone, which the core's
date parser reads in the office's zone (Asia/Bangkok; `automation init --google` warns when
the spreadsheet is set to another zone). Dates people type in Thai ("20 พ.ย. 2569") are not
recognised by Sheets, stay text and are parsed by the core. This choice does not depend on
the spreadsheet's locale, unlike formatted values (d/m versus m/d, localised TRUE/FALSE).

Writing: valueInputOption=RAW always, so text a submitter typed (``=IMPORTXML(...)``, a
leading ``+`` or ``'``, line breaks) is stored as text and never becomes a formula.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import requests
from google.auth import exceptions as auth_exceptions
from gspread import Client
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from automation.config import SheetsConfig
from automation.errors import SheetError
from automation.model import Cell, CellWrite, Tab
from automation.sources import google_auth
from automation.sources.google_errors import explain, refresh_failed
from automation.sources.google_ranges import (
    JsonCell,
    a1,
    blocks,
    quote_title,
    raw_rows,
)
from automation.sources.retry import Retrier, RetryPolicy, status_of, transient

T = TypeVar("T")

READ_OPTIONS = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}
RAW = {"valueInputOption": "RAW"}
META_FIELDS = (
    "spreadsheetId,properties(title,timeZone,locale),"
    "sheets(properties(sheetId,title,index,gridProperties),protectedRanges)"
)


@dataclass(frozen=True)
class TabInfo:
    title: str
    sheet_id: int
    rows: int
    columns: int
    frozen_rows: int = 0
    protected: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Metadata:
    title: str
    time_zone: str
    tabs: dict[str, TabInfo] = field(default_factory=dict)

    def tab(self, title: str) -> TabInfo | None:
        found = self.tabs.get(title)
        if found is None:  # Sheets matches tab names in ranges without regard to case
            folded = title.casefold()
            found = next((t for t in self.tabs.values() if t.title.casefold() == folded), None)
        return found

    def new_sheet_id(self, title: str) -> int:
        taken = {t.sheet_id for t in self.tabs.values()}
        candidate = zlib.crc32(title.encode("utf-8")) % 2_000_000_000 + 1
        while candidate in taken:
            candidate += 1
        return candidate


def parse_metadata(raw: dict[str, Any]) -> Metadata:
    props = raw.get("properties", {})
    tabs: dict[str, TabInfo] = {}
    for sheet in raw.get("sheets", []):
        info = _tab_info(sheet)
        tabs[info.title] = info
    return Metadata(str(props.get("title", "")), str(props.get("timeZone", "")), tabs)


def _tab_info(sheet: dict[str, Any]) -> TabInfo:
    p = sheet.get("properties", {})
    grid = p.get("gridProperties", {})
    return TabInfo(
        title=str(p.get("title", "")),
        sheet_id=int(p.get("sheetId", 0)),
        rows=int(grid.get("rowCount", 0)),
        columns=int(grid.get("columnCount", 0)),
        frozen_rows=int(grid.get("frozenRowCount", 0)),
        protected=tuple(sheet.get("protectedRanges", [])),
    )


_URL_KEY = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")


def spreadsheet_key(value: str) -> str:
    """The spreadsheet ID, also when the whole address of the sheet was pasted."""
    found = _URL_KEY.search(value)
    return found.group(1) if found else value.strip()


class GoogleSheet:
    """SheetBackend over the Sheets API. ``requests`` counts every HTTP request, retries too."""

    def __init__(
        self,
        client: Client,
        spreadsheet_id: str,
        *,
        account: str | None = None,
        retry: Retrier | None = None,
        token_session: requests.Session | None = None,
    ) -> None:
        self.client = client
        self.http = client.http_client
        self.spreadsheet_id = spreadsheet_id
        self.account = account
        self.retrier = retry or Retrier(RetryPolicy())
        self.token_session = token_session
        self._meta: Metadata | None = None
        self._requests = 0

    @classmethod
    def from_config(cls, sheets: SheetsConfig) -> GoogleSheet:
        if not sheets.spreadsheet_id:
            raise SheetError("'sheets.spreadsheet_id' is required when sheets.backend = \"google\"")
        auth = google_auth.authorize(sheets)
        client = Client(auth=auth.session.credentials, session=auth.session, http_client=HTTPClient)
        client.set_timeout(sheets.timeout)
        return cls(
            client,
            spreadsheet_key(sheets.spreadsheet_id),
            account=auth.account,
            retry=Retrier(RetryPolicy(budget=sheets.retry_seconds)),
            token_session=auth.token_session,
        )

    @property
    def session(self) -> requests.Session:
        """The HTTP session that carries the Sheets API requests."""
        session: requests.Session = self.http.session
        return session

    @property
    def requests(self) -> int:
        return self._requests

    # -- the SheetBackend interface ---------------------------------------------------

    def read(self, tabs: Sequence[str]) -> dict[str, Tab]:
        if not tabs:
            return {}
        ranges = [quote_title(t) for t in tabs]
        data = self.values(ranges, tabs=tabs)
        return {title: Tab(title, rows) for title, rows in zip(tabs, data, strict=True)}

    def write(self, writes: Sequence[CellWrite]) -> None:
        if not writes:
            return
        body = {**RAW, "data": [b.as_data() for b in blocks(writes)]}
        tabs = sorted({w.tab for w in writes})
        for attempt in range(2):
            try:
                self._call(
                    "บันทึกสถานะลงชีต",
                    lambda: self.http.values_batch_update(self.spreadsheet_id, body),
                    writing=True, tabs=tabs,
                )
                return
            except _GridTooSmall:
                if attempt:
                    raise SheetError("ขยายตารางของชีตเพื่อเขียนคอลัมน์ใหม่ไม่สำเร็จ") from None
                self._grow({(w.tab, w.row, w.col) for w in writes})

    def append(self, tab: str, rows: Sequence[Sequence[Cell]]) -> None:
        values = raw_rows(rows)
        if not values:
            return
        body = {"majorDimension": "ROWS", "values": values}
        params = {**RAW, "insertDataOption": "INSERT_ROWS"}
        uncertain = False

        def attempt() -> None:
            nonlocal uncertain
            # After a timeout or a 5xx the rows may already be there: look before re-sending,
            # so a retry never adds them twice.
            if uncertain and self._contains(tab, values):
                return
            try:
                self._send(
                    lambda: self.http.values_append(
                        self.spreadsheet_id, quote_title(tab), dict(params), body
                    )
                )
            except Exception as exc:
                why = transient(exc)
                uncertain = uncertain or (why is not None and why.maybe_applied)
                raise

        self._guard(f"เพิ่มแถวในแท็บ '{tab}'", lambda: self.retrier.call("เพิ่มแถว", attempt),
                    writing=True, tabs=[tab])

    def replace(self, tab: str, rows: Sequence[Sequence[Cell]]) -> None:
        values = raw_rows(rows) or [[""]]
        height, width = len(values), max(len(r) for r in values) or 1
        for attempt in range(2):
            info = self.metadata(refresh=attempt > 0).tab(tab)
            try:
                if info is None:
                    self._add_tab(tab, height, width)
                else:
                    self._ensure_grid(info, height, width)
                    self._clear(info.title)
                self._put(info.title if info else tab, values)
                return
            except (_TabMissing, _TabExists, _GridTooSmall):
                # Someone added, removed or resized the tab since the metadata was read.
                if attempt:
                    raise SheetError(f"เขียนแท็บ '{tab}' ไม่สำเร็จ: แท็บถูกแก้ไขระหว่างเขียน") from None

    # -- metadata and plain values (also used by sheet set-up) --------------------------

    def metadata(self, refresh: bool = False) -> Metadata:
        if self._meta is None or refresh:
            raw = self.raw_metadata()
            self._meta = parse_metadata(raw)
        return self._meta

    def raw_metadata(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        query = params or {"includeGridData": "false", "fields": META_FIELDS}
        raw: dict[str, Any] = self._call(
            "อ่านข้อมูลสเปรดชีต",
            lambda: dict(self.http.fetch_sheet_metadata(self.spreadsheet_id, dict(query))),
        )
        return raw

    def values(
        self, ranges: Sequence[str], tabs: Sequence[str] = ()
    ) -> list[list[list[Cell]]]:
        """One ``values:batchGet`` of A1 ranges; each result is its rows of raw cells."""
        data = self._call(
            "อ่านชีต",
            lambda: self.http.values_batch_get(
                self.spreadsheet_id, list(ranges), params=dict(READ_OPTIONS)
            ),
            tabs=tabs,
        )
        found = data.get("valueRanges", [])
        return [list(vr.get("values", [])) for vr in found] + [[]] * (len(ranges) - len(found))

    def batch_update(self, requests_: list[dict[str, Any]], what: str) -> dict[str, Any]:
        """One spreadsheets:batchUpdate (tabs, validation, protection)."""
        reply: dict[str, Any] = self._call(
            what,
            lambda: self.http.batch_update(self.spreadsheet_id, {"requests": requests_}),
            writing=True,
        )
        return reply

    def remember(self, info: TabInfo) -> None:
        """Update the cached metadata after a change this process made itself."""
        if self._meta is not None:
            self._meta = replace(self._meta, tabs={**self._meta.tabs, info.title: info})

    # -- internals ------------------------------------------------------------------

    def _send(self, fn: Callable[[], T]) -> T:
        self._requests += 1
        return fn()

    def _call(
        self, what: str, fn: Callable[[], T], *, writing: bool = False, tabs: Sequence[str] = ()
    ) -> T:
        return self._guard(what, lambda: self.retrier.call(what, lambda: self._send(fn)),
                           writing=writing, tabs=tabs)

    def _guard(
        self, what: str, fn: Callable[[], T], *, writing: bool, tabs: Sequence[str]
    ) -> T:
        """Map what Google says to one sentence an officer can act on."""
        try:
            return fn()
        except APIError as exc:
            raise self._explain(exc, what, writing, tabs) from None
        except auth_exceptions.RefreshError as exc:
            raise SheetError(self._refresh_failed(exc)) from None

    def _explain(
        self, exc: APIError, what: str, writing: bool, tabs: Sequence[str]
    ) -> Exception:
        status = status_of(exc)
        message = str(exc.error.get("message", ""))
        if status == 400 and "exceeds grid limits" in message:
            return _GridTooSmall(message)
        if status == 400 and "already exists" in message:
            return _TabExists(message)
        if status == 400 and "Unable to parse range" in message and tabs:
            return self._missing_tabs(tabs) or _TabMissing(f"{what}: {message}")
        return explain(status, message, what, writing, self.spreadsheet_id, self.account)

    def _refresh_failed(self, exc: auth_exceptions.RefreshError) -> str:
        return refresh_failed(str(exc), self.account)

    def _missing_tabs(self, tabs: Sequence[str]) -> _TabMissing | None:
        try:
            meta = self.metadata(refresh=True)
        except SheetError:
            return None
        missing = [t for t in tabs if meta.tab(t) is None]
        if not missing:
            return None
        present = ", ".join(f"'{t}'" for t in meta.tabs) or "ไม่มี"
        return _TabMissing(
            f"ไม่พบแท็บ '{missing[0]}' ในสเปรดชีต '{meta.title}' (มีแท็บ: {present}); "
            "ถ้าแท็บถูกเปลี่ยนชื่อ ให้ตั้งชื่อกลับ หรือแก้ชื่อใน [sheets.tabs] ของ schedule.toml"
        )

    def _contains(self, tab: str, values: list[list[JsonCell]]) -> bool:
        """Whether ``values`` already stand as consecutive rows of ``tab``."""
        [rows] = self.values([quote_title(tab)], tabs=[tab])
        wanted = [_trimmed(r) for r in values]
        have = [_trimmed(r) for r in rows]
        n = len(wanted)
        return any(have[i : i + n] == wanted for i in range(len(have) - n, -1, -1))

    def _grow(self, cells: set[tuple[str, int, int]]) -> None:
        meta = self.metadata(refresh=True)
        for title in sorted({c[0] for c in cells}):
            info = meta.tab(title)
            if info is None:
                continue
            rows = max(r for t, r, _c in cells if t == title)
            cols = max(c for t, _r, c in cells if t == title)
            self._ensure_grid(info, rows, cols)

    def _ensure_grid(self, info: TabInfo, rows: int, columns: int) -> None:
        requests_ = [
            {"appendDimension": {"sheetId": info.sheet_id, "dimension": dim, "length": need - have}}
            for dim, need, have in (("ROWS", rows, info.rows), ("COLUMNS", columns, info.columns))
            if need > have
        ]
        if requests_:
            self.batch_update(requests_, f"ขยายตารางของแท็บ '{info.title}'")
            grown = replace(info, rows=max(rows, info.rows), columns=max(columns, info.columns))
            self.remember(grown)

    def _put(self, title: str, values: list[list[JsonCell]]) -> None:
        self._call(
            f"เขียนแท็บ '{title}'",
            lambda: self.http.values_update(
                self.spreadsheet_id, a1(title, 1, 1), params=dict(RAW),
                body={"majorDimension": "ROWS", "values": values},
            ),
            writing=True, tabs=[title],
        )

    def _clear(self, title: str) -> None:
        self._call(
            f"ล้างแท็บ '{title}'",
            lambda: self.http.values_clear(self.spreadsheet_id, quote_title(title)),
            writing=True, tabs=[title],
        )

    def _add_tab(self, title: str, rows: int, columns: int) -> None:
        meta = self.metadata()
        grid = {"rowCount": max(rows, 100), "columnCount": max(columns, 10), "frozenRowCount": 1}
        props = {"title": title, "sheetId": meta.new_sheet_id(title), "gridProperties": grid}
        reply = self.batch_update([{"addSheet": {"properties": props}}], f"สร้างแท็บ '{title}'")
        added = reply.get("replies", [{}])[0].get("addSheet", {})
        self.remember(_tab_info({"properties": added.get("properties", props)}))


class _TabMissing(SheetError):
    pass


class _TabExists(SheetError):
    pass


class _GridTooSmall(SheetError):
    pass


def _trimmed(row: Sequence[object]) -> list[object]:
    cells = ["" if v is None else v for v in row]
    while cells and cells[-1] == "":
        cells.pop()
    return cells
