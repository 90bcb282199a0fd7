"""The embedded backend: a local .xlsx workbook edited by people in Excel or LibreOffice.

It behaves like the Google backend: whole tabs in one read, raw values out in one batched
write. Writes go to a temporary file that replaces the workbook atomically, so a crash never
leaves half a file; a workbook that is open in an office program or changed since it was
read is not overwritten (the caller retries or skips and reports it).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock

from automation.errors import SheetError
from automation.model import Cell, CellWrite, Tab
from automation.sources import xlsx_book, xlsx_patch, xlsx_read

if TYPE_CHECKING:  # openpyxl loads only for files the row editor and reader decline
    from openpyxl.cell.cell import Cell as XlCell
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

# Zip members that belong to one tab (or to no tab's values: the file's properties, which an
# office program rewrites at each save).
_PER_TAB = ("xl/worksheets/", "docProps/")

Stamp = tuple[int, int, int]
"""(mtime in ns, size, inode): saving in an office program or replacing the file changes it."""


class LocalWorkbook:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: Stamp | None = None
        self._requests = 0
        # What the file held at a stamp: a worker left running reads the workbook again
        # only when someone (or the worker itself) has changed it.
        self._known: tuple[Stamp, dict[str, Tab]] | None = None
        # This process's own writes: the version the first of them was made over and the
        # version the last one left, while each was made over the one before.
        self._own: tuple[str, str, frozenset[str]] | None = None

    @property
    def requests(self) -> int:
        return self._requests

    def read(self, tabs: Sequence[str]) -> dict[str, Tab]:
        stamp = self._file_stamp()
        known = self._known[1] if self._known and self._known[0] == stamp else {}
        if not known:
            self._known = None  # the file changed: let the old content go before reading
        if not all(t in known for t in tabs):
            self._requests += 1
            known = {**known, **self._read_file(tabs)}
            self._known = (stamp, known)
        self._stamp = stamp
        return {t: known[t] for t in tabs}

    def version(self) -> str | None:
        """A digest of the file's bytes: any edit changes it, whatever it does to the file's
        size or time (a cell changed in place, a copy with an older time put back). Hashing
        the file costs milliseconds where reading its tabs costs seconds."""
        found = self._version()
        if found is None:
            return None
        # A write planned from this content is refused if the file changes meanwhile.
        self._stamp = found[0]
        self._own = None  # own writes are counted from the version last told
        return found[1]

    def tab_version(self, tab: str) -> str | None:
        """A token of what one tab's values are made of: its own sheet part and every part
        the workbook's tabs share (strings, styles, the workbook's settings), by the
        checksums in the zip's directory. An edit to another tab leaves it as it was, so a
        run after an approval need not read the registry again. None: read the tab."""
        try:
            with zipfile.ZipFile(self.path) as zf:
                part = xlsx_book.read_book(zf).part(tab)
                made_of = sorted(
                    (i.filename, i.CRC, i.file_size) for i in zf.infolist()
                    if i.filename == part or not i.filename.startswith(_PER_TAB))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
                xlsx_book.Unsupported, xlsx_book.MissingTab):
            return None  # the read says what is wrong, or reads it the slower way
        return hashlib.blake2b(repr((tab, made_of)).encode(), digest_size=20).hexdigest()

    def own_writes(self) -> tuple[str, str, frozenset[str]] | None:
        """(version before, version after, tabs) of this process's own cell writes since
        the version was last told, made one over the other: the file at "after" is the file
        at "before" with only those writes, to those tabs. A tab added, replaced or
        appended to breaks the chain."""
        return self._own

    def _version(self) -> tuple[Stamp, str] | None:
        stamp = self._file_stamp()
        digest = hashlib.blake2b(digest_size=20)
        try:
            with self.path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    digest.update(chunk)
        except OSError:
            return None  # the read that follows says what is wrong
        if self._file_stamp() != stamp:
            return None  # replaced while it was hashed: read it
        return stamp, f"{stamp[1]}:{digest.hexdigest()}"

    def _read_file(self, tabs: Sequence[str]) -> dict[str, Tab]:
        try:
            read = xlsx_read.read_tabs(self.path, tabs)
        except xlsx_book.MissingTab as exc:
            raise self._missing(exc.title, exc.present) from None
        except (xlsx_book.Unsupported, OSError):
            # openpyxl reads what the fast reader declines, or says clearly what is wrong.
            return self._read_with_openpyxl(tabs)
        return {title: Tab(title, rows) for title, rows in read.items()}

    def _read_with_openpyxl(self, tabs: Sequence[str]) -> dict[str, Tab]:
        book = self._load(read_only=True)
        try:
            result = {}
            for title in tabs:
                sheet = self._sheet(book, title)
                values = sheet.iter_rows(values_only=True)
                result[title] = Tab(title, [_trim(list(r)) for r in values])
        finally:
            book.close()
        return result

    def write(self, writes: Sequence[CellWrite]) -> None:
        if not writes:
            return
        before = self._known if self._known and self._known[0] == self._stamp else None
        cells: dict[str, dict[tuple[int, int], Cell]] = {}
        for w in writes:
            # A cleared cell is an empty cell, as Google Sheets stores it.
            cells.setdefault(w.tab, {})[(w.row, w.col)] = None if w.value == "" else w.value

        def produce(tmp: Path) -> None:
            try:
                # Only the edited rows of the edited tabs are rewritten: seconds and
                # hundreds of MB less than loading and saving a large workbook whole.
                xlsx_patch.patch(self.path, tmp, cells)
            except xlsx_book.Unsupported:
                self._with_openpyxl(tmp, lambda book: _apply(book, writes, self))

        try:
            self._replace(produce, tabs=frozenset(cells))
        except xlsx_book.MissingTab as exc:
            raise self._missing(exc.title, exc.present) from None
        after = _written(before[1], writes) if before else None
        # The stamp taken under the writer lock: another writer may follow at once.
        self._known = (self._stamp, after) if after is not None and self._stamp else None

    def append(self, tab: str, rows: Sequence[Sequence[Cell]]) -> None:
        def run(book: Workbook) -> None:
            sheet = self._sheet(book, tab)
            start = _last_row(sheet) + 1
            for offset, values in enumerate(rows):
                for col, value in enumerate(values, start=1):
                    _set(sheet.cell(row=start + offset, column=col), value)

        self._modify(run, check_stamp=False)

    def replace(self, tab: str, rows: Sequence[Sequence[Cell]]) -> None:
        def run(book: Workbook) -> None:
            if tab in book.sheetnames:
                index = book.sheetnames.index(tab)
                book.remove(book[tab])
                sheet = book.create_sheet(tab, index)
            else:
                sheet = book.create_sheet(tab)
            for r, values in enumerate(rows, start=1):
                for c, value in enumerate(values, start=1):
                    _set(sheet.cell(row=r, column=c), value)

        self._modify(run, check_stamp=False)

    @staticmethod
    def create(path: Path, tabs: dict[str, list[list[Any]]]) -> None:
        """Write a new workbook (used by `automation init`)."""
        from openpyxl.workbook.workbook import Workbook

        book = Workbook()
        default = book.active
        for title, values in tabs.items():
            sheet = book.create_sheet(title)
            for r, row in enumerate(values, start=1):
                for c, value in enumerate(row, start=1):
                    _set(sheet.cell(row=r, column=c), value)
            sheet.freeze_panes = "A2"
        if default is not None:
            book.remove(default)
        _replace_atomically(path, book.save)
        path.chmod(0o600)  # members' names, phones and addresses: the owner's only

    # -- internals -----------------------------------------------------------------

    def _modify(self, change: Callable[[Workbook], None], check_stamp: bool = True) -> None:
        self._replace(lambda tmp: self._with_openpyxl(tmp, change), check_stamp)

    def _with_openpyxl(self, tmp: Path, change: Callable[[Workbook], None]) -> None:
        """The whole workbook loaded, changed and saved to ``tmp``."""
        book = self._load(read_only=False)
        change(book)
        book.save(tmp)

    def _replace(self, produce: Callable[[Path], None], check_stamp: bool = True,
                 tabs: frozenset[str] | None = None) -> None:
        """Write the new file with ``produce`` beside the old one, then swap them."""
        self._requests += 1
        self._refuse_if_open()
        # Writers in other processes (the one-click unsubscribe server, a second command)
        # load, change and replace the same file: one at a time, or an update is lost.
        with _exclusive(self.path):
            if check_stamp and self._stamp is not None and self._file_stamp() != self._stamp:
                raise SheetError(
                    f"ไฟล์ {self.path.name} ถูกแก้ไขระหว่างรอบการทำงาน; จะอ่านใหม่แล้วเขียนอีกครั้ง",
                    transient=True,
                )
            before = self._version()
            try:
                _replace_atomically(self.path, produce)
            except (zipfile.BadZipFile, KeyError, ValueError) as exc:
                raise self._unreadable(exc) from None
            self._stamp = self._file_stamp()
            self._known = None
            after = self._version()
            if before is None or after is None or tabs is None:
                self._own = None
            elif self._own is not None and self._own[1] == before[1]:  # over our last one
                self._own = (self._own[0], after[1], self._own[2] | tabs)
            else:
                self._own = (before[1], after[1], tabs)

    def _refuse_if_open(self) -> None:
        for lock in (
            self.path.with_name(f"~${self.path.name}"),
            self.path.with_name(f".~lock.{self.path.name}#"),
        ):
            if lock.exists():
                raise SheetError(
                    f"ไฟล์ {self.path.name} เปิดอยู่ในโปรแกรมอื่น (พบ {lock.name}); "
                    "ปิดไฟล์แล้วรอบถัดไปจะบันทึกสถานะให้",
                    transient=True,
                )

    def _file_stamp(self) -> Stamp:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            raise SheetError(
                f"workbook {self.path} not found; check 'sheets.workbook' in schedule.toml "
                "or create a demo with 'automation init'"
            ) from None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _load(self, read_only: bool) -> Workbook:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            return openpyxl.load_workbook(self.path, read_only=read_only, data_only=True)
        except FileNotFoundError:
            raise SheetError(f"workbook {self.path} not found; check 'sheets.workbook'") from None
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise self._unreadable(exc) from None

    def _unreadable(self, exc: Exception) -> SheetError:
        return SheetError(
            f"workbook {self.path} cannot be opened as .xlsx ({exc}); "
            "save it as Excel Workbook (.xlsx)"
        )

    def _missing(self, title: str, titles: Sequence[str]) -> SheetError:
        present = ", ".join(f"'{n}'" for n in titles)
        return SheetError(
            f"แท็บ '{title}' ไม่มีในไฟล์ {self.path.name} (มี: {present}); "
            "ตั้งชื่อแท็บให้ตรงหรือแก้ [sheets.tabs] ใน schedule.toml"
        )

    def _sheet(self, book: Workbook, title: str) -> Worksheet:
        if title not in book.sheetnames:
            raise self._missing(title, book.sheetnames)
        sheet: Worksheet = book[title]
        return sheet


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """The workbook to ourselves: another process waits (Linux, macOS and Windows alike)."""
    with FileLock(str(path.with_name(f".{path.name}.lock"))):
        yield


def _apply(book: Workbook, writes: Sequence[CellWrite], owner: LocalWorkbook) -> None:
    for w in writes:
        _set(owner._sheet(book, w.tab).cell(row=w.row, column=w.col), w.value)


def _written(tabs: dict[str, Tab], writes: Sequence[CellWrite]) -> dict[str, Tab] | None:
    """The tabs as a fresh read would give them after ``writes``, or None when unsure.

    The worker writes text (IDs, statuses, links); an empty text reads back as an empty
    cell. Other values (dates, numbers) change type on the way through the file, so
    their tabs are simply read again.
    """
    if not all(isinstance(w.value, str) for w in writes):
        return None
    result = dict(tabs)
    rows: dict[str, list[list[Cell]]] = {}
    for w in writes:
        if w.tab not in tabs:
            return None
        grid = rows.setdefault(w.tab, list(tabs[w.tab].rows))
        while len(grid) < w.row:
            grid.append([])
        row = list(grid[w.row - 1])
        row.extend([None] * (w.col - len(row)))
        row[w.col - 1] = w.value or None
        grid[w.row - 1] = _trim(row)
    for title, grid in rows.items():
        result[title] = Tab(title, grid)
    return result


def _set(cell: XlCell, value: Cell) -> None:
    cell.value = value
    if isinstance(value, str):
        # openpyxl turns text starting with "=" into a formula; people's text stays text.
        cell.data_type = "s"
    elif isinstance(value, datetime):
        cell.number_format = "dd/mm/yyyy hh:mm:ss"
    elif isinstance(value, date):
        cell.number_format = "dd/mm/yyyy"


def _last_row(sheet: Worksheet) -> int:
    for row in range(sheet.max_row, 0, -1):
        if any(c.value not in (None, "") for c in sheet[row]):
            return row
    return 0


def _trim(values: list[Any]) -> list[Cell]:
    while values and values[-1] in (None, ""):
        values.pop()
    return values


def _replace_atomically(path: Path, produce: Callable[[Path], None]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        # The office's file keeps its permissions (a temporary file is private).
        os.chmod(tmp, _mode_of(path))
        produce(Path(tmp))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_of(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask
