"""The embedded workbook backend: raw values, atomic replace, one writer at a time."""

from __future__ import annotations

import multiprocessing
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from automation.errors import SheetError
from automation.model import CellWrite
from automation.sources.local import LocalWorkbook

TAB = "การตอบแบบฟอร์ม 1"


def make(tmp_path: Path) -> Path:
    path = tmp_path / "book.xlsx"
    LocalWorkbook.create(path, {TAB: [["หัวข้อข่าว", "เบอร์โทรศัพท์", "วันที่"]]})
    return path


def test_values_are_written_raw_and_read_back(tmp_path: Path) -> None:
    path = make(tmp_path)
    book = LocalWorkbook(path)
    book.read([TAB])
    book.write([
        CellWrite(TAB, 2, 1, "=IMPORTXML(\"http://x.example\",\"//a\")"),
        CellWrite(TAB, 2, 2, "0812345678"),
        CellWrite(TAB, 2, 3, date(2026, 11, 24)),
        CellWrite(TAB, 3, 1, True),
    ])
    raw = openpyxl.load_workbook(path)[TAB]
    assert raw["A2"].data_type == "s"  # text, never a formula
    rows = LocalWorkbook(path).read([TAB])[TAB].rows
    assert rows[1][0] == "=IMPORTXML(\"http://x.example\",\"//a\")"
    assert rows[1][1] == "0812345678"
    assert rows[1][2] == datetime(2026, 11, 24)
    assert rows[2][0] is True


def test_missing_tab_and_missing_file_are_named(tmp_path: Path) -> None:
    path = make(tmp_path)
    with pytest.raises(SheetError, match="'ทะเบียนเครือข่าย'"):
        LocalWorkbook(path).read(["ทะเบียนเครือข่าย"])
    with pytest.raises(SheetError, match="not found"):
        LocalWorkbook(tmp_path / "none.xlsx").read([TAB])
    (tmp_path / "broken.xlsx").write_text("not a workbook", encoding="utf-8")
    with pytest.raises(SheetError, match=r"\.xlsx"):
        LocalWorkbook(tmp_path / "broken.xlsx").read([TAB])


def test_changed_since_read_is_refused_as_transient(tmp_path: Path) -> None:
    path = make(tmp_path)
    mine = LocalWorkbook(path)
    mine.read([TAB])
    LocalWorkbook(path).append(TAB, [["ข่าวจากอีกโปรแกรม"]])
    with pytest.raises(SheetError) as info:
        mine.write([CellWrite(TAB, 2, 2, "x")])
    assert info.value.transient
    assert LocalWorkbook(path).read([TAB])[TAB].rows[1] == ["ข่าวจากอีกโปรแกรม"]


def _append_many(path: str, tag: str) -> None:
    book = LocalWorkbook(Path(path))
    for i in range(15):
        book.append(TAB, [[f"{tag}-{i}"]])


def test_two_processes_appending_lose_nothing(tmp_path: Path) -> None:
    path = make(tmp_path)
    procs = [
        multiprocessing.get_context("spawn").Process(target=_append_many, args=(str(path), tag))
        for tag in ("ก", "ข")
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    titles = [r[0] for r in LocalWorkbook(path).read([TAB])[TAB].rows[1:]]
    assert sorted(titles) == sorted([f"{t}-{i}" for t in ("ก", "ข") for i in range(15)])
    assert not list(tmp_path.glob("*.tmp")), "no temporary file is left behind"


def test_unchanged_file_is_not_read_again_and_own_writes_match_a_fresh_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "book.xlsx"
    LocalWorkbook.create(path, {TAB: [["หัวข้อข่าว", "สถานะ", "ลิงก์"], ["ข่าว ก", "รอ"],
                                      ["ข่าว ข", None, "https://x.example/1"]]})
    book = LocalWorkbook(path)
    first = book.read([TAB])[TAB]
    assert book.read([TAB])[TAB] is first and book.requests == 1
    # Texts written by the worker, including clearing a cell and a cell past the row's end.
    book.write([CellWrite(TAB, 2, 2, "เผยแพร่แล้ว"), CellWrite(TAB, 3, 3, ""),
                CellWrite(TAB, 2, 5, "หมายเหตุ <&>"), CellWrite(TAB, 5, 1, "แถวใหม่")])
    requests = book.requests
    known = book.read([TAB])[TAB]
    assert book.requests == requests, "the worker knows what it wrote"
    assert known.rows == LocalWorkbook(path).read([TAB])[TAB].rows
    # Someone else saves the file: the next read sees it.
    LocalWorkbook(path).append(TAB, [["ข่าวจากอีกโปรแกรม"]])
    assert book.read([TAB])[TAB].rows[-1] == ["ข่าวจากอีกโปรแกรม"]
    assert book.requests == requests + 1


def test_saving_keeps_the_file_permissions(tmp_path: Path) -> None:
    path = make(tmp_path)
    assert path.stat().st_mode & 0o777 == 0o600  # names and phones: the owner's only
    path.chmod(0o664)  # shared with the office's group on purpose
    book = LocalWorkbook(path)
    book.read([TAB])
    book.write([CellWrite(TAB, 2, 1, "ข่าว")])
    assert path.stat().st_mode & 0o777 == 0o664


def _add_member(path: Path, name: str, data: bytes) -> None:
    import zipfile

    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(name, data)


def test_a_status_write_rewrites_only_the_edited_rows(tmp_path: Path) -> None:
    """Parts of the file the worker does not know (an office program's extras) survive."""
    import zipfile

    path = make(tmp_path)
    _add_member(path, "customXml/item1.xml", b"<office-extra>keep me</office-extra>")
    book = LocalWorkbook(path)
    book.read([TAB])
    book.write([CellWrite(TAB, 2, 1, "ข่าว <ก>"), CellWrite(TAB, 2, 2, "=1+1")])
    with zipfile.ZipFile(path) as zf:
        assert zf.read("customXml/item1.xml") == b"<office-extra>keep me</office-extra>"
    assert LocalWorkbook(path).read([TAB])[TAB].rows[1] == ["ข่าว <ก>", "=1+1"]


def test_a_workbook_the_row_editor_cannot_handle_is_saved_whole(tmp_path: Path) -> None:
    """A formula cell overwritten in a workbook Excel keeps a calculation chain for."""
    import zipfile

    path = tmp_path / "book.xlsx"
    raw = openpyxl.Workbook()
    sheet = raw.active
    assert sheet is not None
    sheet.title = TAB
    sheet.append(["หัวข้อข่าว", "สถานะ"])
    sheet.append(["ข่าว", "=1+1"])
    raw.save(path)
    _add_member(path, "xl/calcChain.xml", b'<calcChain><c r="B2" i="1"/></calcChain>')
    book = LocalWorkbook(path)
    book.read([TAB])
    book.write([CellWrite(TAB, 2, 2, "เผยแพร่แล้ว")])
    assert book.requests == 2, "one read, one write: the fallback is not a second write"
    assert LocalWorkbook(path).read([TAB])[TAB].rows[1] == ["ข่าว", "เผยแพร่แล้ว"]
    with zipfile.ZipFile(path) as zf:
        assert "xl/calcChain.xml" not in zf.namelist()  # openpyxl's save drops the chain


def test_writing_to_a_missing_tab_names_it(tmp_path: Path) -> None:
    path = make(tmp_path)
    book = LocalWorkbook(path)
    with pytest.raises(SheetError, match="แท็บ 'สรุปผล' ไม่มีในไฟล์ book"):
        book.write([CellWrite("สรุปผล", 1, 1, "x")])


def test_a_tab_s_version_follows_its_values_and_nothing_else(tmp_path: Path) -> None:
    """What lets a run skip reading a tab: its version changes with anything its values
    are made of, and stays when only another tab (or the file's properties) changed."""
    path = tmp_path / "book.xlsx"
    other = "ทะเบียนเครือข่าย"
    LocalWorkbook.create(path, {TAB: [["หัวข้อข่าว", "อนุมัติ"], ["ข่าว ก", False]],
                                other: [["อีเมล", "วันที่"], ["a@school.example.test", 1.0]]})
    book = LocalWorkbook(path)
    before = book.tab_version(TAB), book.tab_version(other)
    assert None not in before and before[0] != before[1]
    book.write([CellWrite(TAB, 2, 2, True)])  # the director approves
    assert book.tab_version(other) == before[1] and book.tab_version(TAB) != before[0]
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}

    def saved(change: dict[str, bytes]) -> tuple[str | None, str | None]:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in {**parts, **change}.items():
                zf.writestr(name, data)
        return book.tab_version(TAB), book.tab_version(other)

    now = book.tab_version(TAB), book.tab_version(other)
    props = parts["docProps/core.xml"].replace(b"</cp:coreProperties>",
                                               b"<dc:title>x</dc:title></cp:coreProperties>")
    assert saved({"docProps/core.xml": props}) == now  # an office program's save time
    styles = parts["xl/styles.xml"].replace(b"<numFmts", b"<numFmts ") + b" "
    changed = saved({"xl/styles.xml": styles})  # number formats: dates may read otherwise
    assert changed[0] != now[0] and changed[1] != now[1]
    assert book.tab_version("ไม่มีแท็บนี้") is None  # the read names what is missing
    path.write_bytes(b"not a workbook")
    assert book.tab_version(TAB) is None
