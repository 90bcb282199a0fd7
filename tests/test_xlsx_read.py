"""The fast tab reader gives exactly what openpyxl's read-only mode gives, value for value."""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from automation.sources.xlsx_book import MissingTab, Unsupported
from automation.sources.xlsx_patch import patch
from automation.sources.xlsx_read import read_tabs
from tests.test_xlsx_patch import (
    EXCEL_ROOT,
    FORM,
    MAIN,
    REGISTRY,
    SPARSE,
    STYLES,
    big_sheet,
    excel_book,
    hand_made,
    office_book,
    plain_sheet,
    shared_strings_xml,
)

# Cell styles in STYLES: 0 general, 1 dd/mm/yyyy, 2 m/d/yy h:mm, 3 bold, 4 '"วันที่ "0'.
DURATION_STYLES = STYLES.replace(
    '<numFmt numFmtId="165" formatCode="&quot;วันที่ &quot;0"/>',
    '<numFmt numFmtId="165" formatCode="[h]:mm:ss"/>',
)


def reference(path: Path, titles: Sequence[str]) -> dict[str, list[list[Any]]]:
    """What the local backend has always returned: openpyxl read-only values, trimmed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about out-of-range date serials
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return {
                t: [_trim(list(r)) for r in book[t].iter_rows(values_only=True)] for t in titles
            }
        finally:
            book.close()


def _trim(values: list[Any]) -> list[Any]:
    while values and values[-1] in (None, ""):
        values.pop()
    return values


def same_as_openpyxl(path: Path, titles: Sequence[str]) -> dict[str, list[list[Any]]]:
    mine = read_tabs(path, titles)
    theirs = reference(path, titles)
    assert mine == theirs
    # == says 1 == 1.0 == True; the types must match too.
    assert _types(mine) == _types(theirs)
    return mine


def _types(tabs: dict[str, list[list[Any]]]) -> dict[str, list[list[type]]]:
    return {t: [[type(v) for v in row] for row in rows] for t, rows in tabs.items()}


def sheet(rows: str, dimension: str | None = "A1:Z99", root: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f"{root or f'<worksheet xmlns={chr(34)}{MAIN}{chr(34)}>'}{dim}<sheetData>{rows}"
        "</sheetData></worksheet>"
    )


# -- workbooks the office has ----------------------------------------------------------


def test_workbooks_written_by_openpyxl(tmp_path: Path) -> None:
    for date1904 in (False, True):
        path = office_book(tmp_path / f"book{date1904}.xlsx", date1904=date1904)
        tabs = same_as_openpyxl(path, [FORM, REGISTRY, SPARSE])
        assert tabs[FORM][1][:5] == [
            datetime(2026, 11, 24, 8, 30, 15),
            "ข่าวกีฬาสี",
            "บ้านหนองบัว",
            12,
            True,
        ]
        assert tabs[FORM][2][1] == "ค่ายลูกเสือ <&>"
        assert tabs[REGISTRY][1] == [1001, "a@example.org", datetime(2025, 6, 1)]
        assert tabs[SPARSE][:3] == [[], [], [None, "ร3ค2", None, "ร3ค4", None, "ร3ค6"]]


def test_shared_strings_rich_text_formulas_errors_and_booleans(tmp_path: Path) -> None:
    tabs = same_as_openpyxl(excel_book(tmp_path / "excel.xlsx"), ["ข่าว"])
    assert tabs["ข่าว"] == [
        ["หัวข้อข่าว", "วันที่", "ผลรวม"],
        ["โรงเรียนบ้านนา", datetime(2026, 11, 24), 5, 10, "#DIV/0!"],
        ["ตัวหนา และปกติ", datetime(2026, 11, 24, 18), 2, 4, "กข"],
        ["ซ่อน", None, 3.25, 6.5, True],
        [None, 7],
    ]


def test_after_a_patch_both_readers_still_agree(tmp_path: Path) -> None:
    source = excel_book(tmp_path / "excel.xlsx")
    target = tmp_path / "patched.xlsx"
    patch(
        source,
        target,
        {
            "ข่าว": {
                (1, 1): "=1+1",
                (2, 2): date(2027, 1, 1),
                (3, 2): datetime(2027, 1, 1, 6, 30),
                (4, 1): "ข้อความ\r\nสองบรรทัด <&>",
                (8, 3): 1.25,
                (2, 5): None,
                (4, 5): False,
            }
        },
    )
    tabs = same_as_openpyxl(target, ["ข่าว"])
    assert tabs["ข่าว"][0][0] == "=1+1"
    assert tabs["ข่าว"][3][0] == "ข้อความ\r\nสองบรรทัด <&>"
    assert tabs["ข่าว"][7] == [None, None, 1.25]


def test_two_thousand_rows_patched_and_read(tmp_path: Path) -> None:
    xml, _ = big_sheet(2_000, 20)
    source = hand_made(tmp_path / "big.xlsx", {FORM: xml})
    target = tmp_path / "patched.xlsx"
    patch(source, target, {FORM: {(5, 5): "สถานะ", (1_999, 20): None, (2_003, 2): 7}})
    rows = same_as_openpyxl(target, [FORM])[FORM]
    assert len(rows) == 2_003 and rows[-1] == [None, 7] and rows[-2] == []


# -- cell types, one by one ------------------------------------------------------------


def test_numbers_keep_openpyxl_int_and_float_types(tmp_path: Path) -> None:
    cells = "".join(
        f'<c r="{chr(65 + i)}1"><v>{v}</v></c>'
        for i, v in enumerate(["1", "-7", "1.0", "1E3", "2.5e-3", "12345678901234567890", "0"])
    )
    rows = same_as_openpyxl(
        hand_made(tmp_path / "n.xlsx", {"เลข": sheet(f'<row r="1">{cells}</row>')}), ["เลข"]
    )["เลข"]
    assert rows == [[1, -7, 1.0, 1000.0, 0.0025, 12345678901234567890, 0]]


@pytest.mark.parametrize("date1904", [False, True])
def test_date_serials_follow_the_workbook_calendar(tmp_path: Path, date1904: bool) -> None:
    serials = ["0.5", "1", "59", "60", "61", "46350", "46350.999999", "-1", "1e9"]
    cells = "".join(f'<c r="{chr(65 + i)}1" s="1"><v>{v}</v></c>' for i, v in enumerate(serials))
    cells += '<c r="A2" s="2"><v>46350.25</v></c><c r="B2" s="4"><v>1.5</v></c>'
    cells += '<c r="C2" s="3"><v>46350</v></c>'
    path = hand_made(
        tmp_path / "d.xlsx",
        {
            "วัน": sheet(
                f'<row r="1">{cells}</row>'.replace('<c r="A2"', '</row><row r="2"><c r="A2"')
            )
        },
        styles=DURATION_STYLES,
        workbook_pr=f'<workbookPr date1904="{int(date1904)}"/>',
    )
    rows = same_as_openpyxl(path, ["วัน"])["วัน"]
    assert rows[0][0] == time(12, 0)
    assert rows[0][5] == (datetime(2030, 11, 25) if date1904 else datetime(2026, 11, 24))
    assert rows[0][8] == "#VALUE!"
    assert rows[1][1] == timedelta(hours=36)
    assert rows[1][2] == 46350  # bold, not a date


def test_inline_strings_runs_phonetics_and_empty_values(tmp_path: Path) -> None:
    rows = (
        '<row r="1">'
        '<c r="A1" t="inlineStr"><is><t xml:space="preserve">  เว้นวรรค  </t></is></c>'
        '<c r="B1" t="inlineStr"><is><r><rPr><b/></rPr><t>หนา</t></r><r><t>บาง</t></r></is></c>'
        '<c r="C1" t="inlineStr"><is><t>คำ</t><rPh sb="0" eb="1"><t>อ่าน</t></rPh></is></c>'
        '<c r="D1" t="inlineStr"><is><t/></is></c>'
        '<c r="E1" t="inlineStr"/>'
        '<c r="F1" t="inlineStr"><is><t>&lt;&amp;&gt;&#13;&#x0E01;</t></is></c>'
        '<c r="G1"><v></v></c><c r="H1" t="s"/><c r="I1" t="str"><f>A1</f><v>ค่า</v></c>'
        '<c r="J1" t="e"><v>#N/A</v></c><c r="K1" t="b"><v>0</v></c>'
        '<c r="L1" t="inlineStr"><is><t>x005F_เก็บ</t></is></c>'
        "</row>"
    )
    path = hand_made(tmp_path / "s.xlsx", {"ข้อความ": sheet(rows)}, shared=shared_strings_xml())
    got = same_as_openpyxl(path, ["ข้อความ"])["ข้อความ"]
    assert got == [
        [
            "  เว้นวรรค  ",
            "หนาบาง",
            "คำ",
            "",
            None,
            "<&>\rก",
            None,
            None,
            "ค่า",
            "#N/A",
            False,
            "x005F_เก็บ",
        ]
    ]


def test_iso_dates_of_strict_files(tmp_path: Path) -> None:
    rows = (
        '<row r="1"><c r="A1" t="d"><v>2026-11-24T08:30:00</v></c>'
        '<c r="B1" t="d"><v>2026-11-24</v></c><c r="C1" t="d"><v>08:30:15.250</v></c>'
        '<c r="D1" t="d"><v>PT36H</v></c></row>'
    )
    path = hand_made(tmp_path / "iso.xlsx", {"ISO": sheet(rows)})
    got = same_as_openpyxl(path, ["ISO"])["ISO"]
    assert got == [
        [
            datetime(2026, 11, 24, 8, 30),
            date(2026, 11, 24),
            time(8, 30, 15, 250_000),
            timedelta(hours=36),
        ]
    ]


# -- sheet shapes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "dimension"),
    [
        pytest.param('<row r="2"><c r="C2"><v>1</v></c></row><row r="5"/>', "A1:E9", id="gaps"),
        pytest.param('<row r="2"><c r="C2"><v>1</v></c></row>', None, id="no-dimension"),
        pytest.param(
            '<row r="1"><c r="A1"><v>1</v></c><c r="D1"><v>4</v></c></row>'
            '<row r="3"><c r="B3"><v>2</v></c></row>',
            "A1:B2",
            id="data-beyond-the-dimension-is-cut-like-openpyxl",
        ),
        pytest.param(
            '<row><c><v>1</v></c><c><v>2</v></c><c r="E1"><v>5</v></c><c><v>6</v></c></row>'
            '<row><c r="B2"><v>7</v></c></row><row r="4.0"><c r="A4"><v>8</v></c></row>',
            "A1:F4",
            id="rows-and-cells-without-r",
        ),
        pytest.param(
            '<row r="3"><c r="A3"><v>3</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>'
            '<row r="4"><c r="C4"><v>1</v></c><c r="A4"><v>2</v></c></row>',
            None,
            id="out-of-order",
        ),
        pytest.param(
            '<row r="1" spans="1:3" s="3" customFormat="1"><c r="A1" s="3"/><c r="B1" s="3"/></row>'
            '<row r="2"><c r="A2" t="inlineStr"><is><t></t></is></c><c r="B2"><v>1</v></c>'
            '<c r="C2" t="inlineStr"><is><t></t></is></c></row><row r="3"><c r="A3" s="3"/></row>',
            "A1:C3",
            id="styled-empty-cells-and-trailing-empty-rows",
        ),
        pytest.param("", "A1", id="empty"),
    ],
)
def test_sheet_shapes(tmp_path: Path, rows: str, dimension: str | None) -> None:
    path = hand_made(tmp_path / "shape.xlsx", {"รูปแบบ": sheet(rows, dimension)})
    same_as_openpyxl(path, ["รูปแบบ"])


def test_pretty_printed_xml_and_formula_text(tmp_path: Path) -> None:
    """Whitespace between elements and the text of formulas are no part of any value."""
    rows = """
    <row r="1">
      <c r="A1" t="inlineStr">
        <is>
          <t xml:space="preserve"> ข้อความ </t>
          <r><rPr><b/></rPr><t>หนา</t></r>
          <rPh sb="0" eb="1"><t>อ่าน</t></rPh>
        </is>
      </c>
      <c r="B1">
        <f>SUM(C1:D1)</f>
        <v>3</v>
      </c>
      <c r="C1" t="str"><f>"ก"&amp;"ข"</f><v>กข</v></c>
      <c r="D1"><f>1/0</f></c>
      <c r="E1" s="1">
        <v>46350</v>
      </c>
      <c r="F1" t="inlineStr"><v>ไม่ใช่ค่า</v></c>
    </row>
    <row r="2">
      <c r="A2" t="inlineStr"><is><t/></is></c>
      <c r="B2"><v/></c>
    </row>
    """
    path = hand_made(tmp_path / "pretty.xlsx", {"สวย": sheet(rows, "A1:F2")})
    got = same_as_openpyxl(path, ["สวย"])["สวย"]
    assert got == [[" ข้อความ หนา", 3, "กข", None, datetime(2026, 11, 24)], []]


def test_an_empty_tab_and_a_tab_with_no_sheet_data_rows(tmp_path: Path) -> None:
    empty = f'<worksheet xmlns="{MAIN}"><dimension ref="A1"/><sheetData/></worksheet>'
    path = hand_made(tmp_path / "e.xlsx", {"ว่าง": empty, "ว่างด้วย": sheet("", None)})
    assert same_as_openpyxl(path, ["ว่าง", "ว่างด้วย"]) == {"ว่าง": [], "ว่างด้วย": []}


def test_a_prefixed_spreadsheet_namespace(tmp_path: Path) -> None:
    xml = (
        f'<x:worksheet xmlns:x="{MAIN}"><x:dimension ref="A1:B2"/><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>ก</x:t></x:is></x:c>'
        '<x:c r="B1"><x:v>2</x:v></x:c></x:row><x:row r="2"><x:c r="B2" t="s"><x:v>3</x:v>'
        "</x:c></x:row></x:sheetData></x:worksheet>"
    )
    path = hand_made(tmp_path / "x.xlsx", {"เอ็กซ์": xml}, shared=shared_strings_xml())
    assert same_as_openpyxl(path, ["เอ็กซ์"])["เอ็กซ์"] == [["ก", 2], [None, "โรงเรียนบ้านนา"]]


def test_random_sheets_read_the_same(tmp_path: Path) -> None:
    rng = random.Random(11)
    kinds: list[Callable[[], tuple[str, str]]] = [  # (attributes, content) of one <c>
        lambda: ("", f"<v>{rng.randint(-(10**6), 10**6)}</v>"),
        lambda: ("", f"<v>{rng.uniform(-1e6, 1e6)!r}</v>"),
        lambda: (' t="s"', f"<v>{rng.randint(0, 5)}</v>"),
        lambda: (' t="b"', f"<v>{rng.randint(0, 1)}</v>"),
        lambda: (' t="e"', "<v>#REF!</v>"),
        lambda: (f' s="{rng.choice([1, 2])}"', f"<v>{rng.uniform(0, 60000)!r}</v>"),
        lambda: (' t="inlineStr"', f"<is><t>ข้อ {rng.random()}</t></is>"),
        lambda: (' s="3"', ""),
    ]
    tabs = {}
    for n in range(6):
        rows = []
        for r in sorted(rng.sample(range(1, 60), 30)):
            cells = []
            for c in sorted(rng.sample(range(1, 15), rng.randint(0, 8))):
                attrs, content = rng.choice(kinds)()
                cells.append(f'<c r="{chr(64 + c)}{r}"{attrs}>{content}</c>')
            rows.append(f'<row r="{r}">{"".join(cells)}</row>')
        tabs[f"สุ่ม {n}"] = sheet("".join(rows), rng.choice(["A1:N59", "A1:H40", None]))
    path = hand_made(tmp_path / "random.xlsx", tabs, shared=shared_strings_xml())
    got = same_as_openpyxl(path, list(tabs))
    assert sum(len(row) for rows in got.values() for row in rows) > 500


# -- failures --------------------------------------------------------------------------


def test_a_missing_tab_names_the_tabs_present(tmp_path: Path) -> None:
    path = office_book(tmp_path / "book.xlsx")
    with pytest.raises(MissingTab) as info:
        read_tabs(path, [FORM, "ไม่มี"])
    assert info.value.present == [FORM, REGISTRY, SPARSE]


@pytest.mark.parametrize(
    "xml",
    [
        pytest.param(sheet('<row r="1"><c r="A1"><v>1</v></row>'), id="malformed"),
        pytest.param(sheet('<row r="1"><c r="A1" t="s"><v>99</v></c></row>'), id="no-such-string"),
        pytest.param(sheet('<row r="1"><c r="A1"><v>abc</v></c></row>'), id="not-a-number"),
        pytest.param(
            '<worksheet xmlns="http://purl.oclc.org/ooxml/spreadsheetml/main"><sheetData/>'
            "</worksheet>",
            id="strict-namespace",
        ),
    ],
)
def test_files_openpyxl_should_judge_raise_unsupported(tmp_path: Path, xml: str) -> None:
    path = hand_made(tmp_path / "bad.xlsx", {"เสีย": xml}, shared=shared_strings_xml())
    with pytest.raises(Unsupported):
        read_tabs(path, ["เสีย"])


def test_not_a_workbook_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "note.xlsx"
    path.write_text("ไม่ใช่ไฟล์ Excel", encoding="utf-8")
    with pytest.raises(Unsupported):
        read_tabs(path, [FORM])


def test_excel_namespace_declarations_and_row_extensions(tmp_path: Path) -> None:
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>ก</t></is></c></row>'
    path = hand_made(
        tmp_path / "p.xlsx",
        {
            "แผ่น": plain_sheet(rows),
            "excel": sheet(
                '<row r="1" x14ac:dyDescent="0.25"><c r="A1"><v>1</v></c></row>', "A1", EXCEL_ROOT
            ),
        },
    )
    assert same_as_openpyxl(path, ["แผ่น", "excel"]) == {"แผ่น": [["ก"]], "excel": [[1]]}
