"""Editing a few cells of the local workbook in place: values land, everything else survives."""

from __future__ import annotations

import random
import re
import zipfile
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.worksheet.datavalidation import DataValidation

from automation.model import Cell
from automation.sources.xlsx_book import MissingTab, Unsupported
from automation.sources.xlsx_patch import patch

FORM = "การตอบแบบฟอร์ม 1"
REGISTRY = "ทะเบียนเครือข่าย"
SPARSE = "ข่าวเว้นแถว"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

Grid = dict[tuple[int, int], Any]


# -- workbooks as the office makes them ----------------------------------------------


def office_book(path: Path, date1904: bool = False) -> Path:
    """What openpyxl (the worker's own `init`) writes: inline strings, styles, validations."""
    book = openpyxl.Workbook()
    if date1904:
        book.epoch = CALENDAR_MAC_1904
    form = book.active
    assert form is not None
    form.title = FORM
    form.append(["ประทับเวลา", "หัวข้อข่าว", "โรงเรียน", "จำนวน", "อนุมัติ", "สถานะ"])
    for cell in form[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FFFF00")
    form.append([datetime(2026, 11, 24, 8, 30, 15), "ข่าวกีฬาสี", "บ้านหนองบัว", 12, True, None])
    form.append([datetime(2026, 11, 25, 9, 0), "ค่ายลูกเสือ <&>", "วัดป่า", 3.5, False, "รอ"])
    form.append([datetime(2026, 11, 26, 10, 0), "=ไม่ใช่สูตร", "อนุบาล", -7, None, "x"])
    form["B4"].data_type = "s"  # the worker's own rule: people's "=..." is text
    for row in range(2, 5):
        form.cell(row=row, column=1).number_format = "dd/mm/yyyy hh:mm:ss"
    form["F2"].font = Font(italic=True)
    form.freeze_panes = "A2"
    check = DataValidation(type="list", formula1='"อนุมัติ,ไม่อนุมัติ"', allow_blank=True)
    form.add_data_validation(check)
    check.add("E2:E500")
    form.column_dimensions["B"].width = 40

    registry = book.create_sheet(REGISTRY)
    registry.append(["รหัส", "อีเมล", "วันที่สมัคร"])
    registry.append([1001, "a@example.org", date(2025, 6, 1)])
    registry["C2"].number_format = "dd/mm/yyyy"

    sparse = book.create_sheet(SPARSE)
    for row, cols in ((3, (2, 4, 6)), (5, (2, 4, 6)), (7, (2, 6))):
        for col in cols:
            sparse.cell(row=row, column=col, value=f"ร{row}ค{col}")
    book.save(path)
    return path


CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
{overrides}</Types>"""
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN}">\
<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>\
<numFmt numFmtId="165" formatCode="&quot;วันที่ &quot;0"/></numFmts>\
<fonts count="2"><font><sz val="11"/><name val="Tahoma"/></font>\
<font><b/><sz val="11"/><name val="Tahoma"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""
PLAIN_STYLES = f"""<styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/></font></fonts>\
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>\
<borders count="1"><border/></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""

SHARED = [
    "หัวข้อข่าว",
    "วันที่",
    "ผลรวม",
    "โรงเรียนบ้านนา",
    "<rich>",  # replaced by a run below
    "x005F_ซ่อน",
]
RICH = (
    '<si><r><rPr><b/><sz val="11"/></rPr><t>ตัวหนา</t></r>'
    '<r><t xml:space="preserve"> และปกติ</t></r>'
    '<rPh sb="0" eb="1"><t>อ่านว่า</t></rPh></si>'
)

EXCEL_ROOT = (
    f'<worksheet xmlns="{MAIN}" xmlns:r="{DOC_REL}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'mc:Ignorable="x14ac" '
    'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
)
EXCEL_SHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    + EXCEL_ROOT
    + '<dimension ref="A1:E5"/><sheetViews><sheetView tabSelected="1" workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView>'
    '</sheetViews><sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/>'
    '<cols><col min="1" max="1" width="30" customWidth="1"/></cols><sheetData>'
    '<row r="1" spans="1:5" x14ac:dyDescent="0.25">'
    '<c r="A1" s="3" t="s"><v>0</v></c><c r="B1" s="3" t="s"><v>1</v></c>'
    '<c r="C1" s="3" t="s"><v>2</v></c></row>'
    '<row r="2" spans="1:5" x14ac:dyDescent="0.25">'
    '<c r="A2" t="s"><v>3</v></c><c r="B2" s="1"><v>46350</v></c><c r="C2"><v>5</v></c>'
    '<c r="D2"><f>C2*2</f><v>10</v></c><c r="E2" t="e"><v>#DIV/0!</v></c></row>'
    '<row r="3" spans="1:5" x14ac:dyDescent="0.25">'
    '<c r="A3" t="s"><v>4</v></c><c r="B3" s="2"><v>46350.75</v></c><c r="C3"><v>2</v></c>'
    '<c r="D3"><f t="shared" ref="D3:D4" si="0">C3*2</f><v>4</v></c>'
    '<c r="E3" t="str"><f>"ก"&amp;"ข"</f><v>กข</v></c></row>'
    '<row r="4" spans="1:5" x14ac:dyDescent="0.25">'
    '<c r="A4" t="s"><v>5</v></c><c r="C4"><v>3.25</v></c>'
    '<c r="D4"><f t="shared" si="0"/><v>6.5</v></c><c r="E4" t="b"><v>1</v></c></row>'
    '<row r="5" spans="1:5" s="3" customFormat="1" x14ac:dyDescent="0.25">'
    '<c r="A5" s="3"/><c r="B5" s="4"><v>7</v></c></row>'
    '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
    'header="0.3" footer="0.3"/></worksheet>'
)


def shared_strings_xml() -> str:
    items = "".join(RICH if s == "<rich>" else f"<si><t>{s}</t></si>" for s in SHARED)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<sst xmlns="{MAIN}" count="{len(SHARED)}" uniqueCount="{len(SHARED)}">{items}</sst>'
    )


def hand_made(
    path: Path,
    sheets: Mapping[str, str],
    *,
    shared: str | None = None,
    styles: str = STYLES,
    workbook_pr: str = "",
    extra: Mapping[str, str] | None = None,
) -> Path:
    """A workbook written member by member, the way Excel or a form export lays it out."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
        for i in range(1, len(sheets) + 1)
    )
    if shared is not None:
        overrides += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/>'
    entries = "".join(
        f'<sheet name="{title}" sheetId="{i}" r:id="rId{i}"/>'
        for i, title in enumerate(sheets, start=1)
    )
    rels = "".join(
        # The first sheet uses an absolute target, the others relative ones: both occur.
        f'<Relationship Id="rId{i}" Type="{DOC_REL}/worksheet" '
        f'Target="{"/xl/" if i == 1 else ""}worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    rels += f'<Relationship Id="rIdS" Type="{DOC_REL}/styles" Target="styles.xml"/>'
    if shared is not None:
        rels += (
            f'<Relationship Id="rIdT" Type="{DOC_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        )
    members = {
        "[Content_Types].xml": CONTENT_TYPES.format(overrides=overrides),
        "_rels/.rels": (
            f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
            f'Type="{DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_REL}">{workbook_pr}'
            f"<sheets>{entries}</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG_REL}">{rels}</Relationships>',
        "xl/styles.xml": styles,
    }
    if shared is not None:
        members["xl/sharedStrings.xml"] = shared
    for i, xml in enumerate(sheets.values(), start=1):
        members[f"xl/worksheets/sheet{i}.xml"] = xml
    members.update(extra or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return path


def excel_book(path: Path) -> Path:
    return hand_made(path, {"ข่าว": EXCEL_SHEET}, shared=shared_strings_xml())


def plain_sheet(rows: str, dimension: str = "A1") -> str:
    return (
        f'<worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/><sheetData>{rows}'
        "</sheetData></worksheet>"
    )


# -- helpers -------------------------------------------------------------------------


def grid(path: Path, title: str) -> Grid:
    sheet = openpyxl.load_workbook(path, data_only=True)[title]
    return {
        (c.row, c.column): c.value for row in sheet.iter_rows() for c in row if c.value is not None
    }


def expect(before: Grid, writes: Mapping[tuple[int, int], Cell]) -> Grid:
    after = dict(before)
    for key, value in writes.items():
        if value is None:
            after.pop(key, None)
        else:
            after[key] = (
                datetime.combine(value, datetime.min.time())
                if (isinstance(value, date) and not isinstance(value, datetime))
                else value
            )
    return after


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def sheet_part(path: Path, index: int) -> str:
    return f"xl/worksheets/sheet{index}.xml"


def patched(
    tmp_path: Path, source: Path, writes: Mapping[str, Mapping[tuple[int, int], Cell]]
) -> Path:
    target = tmp_path / f"out-{source.name}"
    patch(source, target, writes)
    return target


# -- values --------------------------------------------------------------------------


def test_values_land_as_raw_values_and_the_rest_of_the_workbook_survives(tmp_path: Path) -> None:
    source = office_book(tmp_path / "book.xlsx")
    writes: dict[tuple[int, int], Cell] = {
        (2, 6): "อนุมัติ-รอเผยแพร่",  # styled cell, becomes text
        (3, 2): "ข่าว <&>\"' ทดสอบ",
        (3, 6): "=1+1",
        (4, 4): 10**12,
        (4, 5): True,
        (2, 5): False,
        (3, 4): 0.1,
        (4, 6): None,  # unstyled: disappears
        (2, 1): datetime(2027, 1, 2, 3, 4, 5),
        (5, 1): datetime(2027, 2, 3, 13, 0),
        (5, 2): "  ช่องว่างหน้าหลัง\nบรรทัดใหม่\r\n\tแท็บ  ",
        (5, 3): "ควบคุม\x00\x07\x1f ตัด",
        (5, 8): date(2027, 3, 4),
    }
    before = grid(source, FORM)
    target = patched(tmp_path, source, {FORM: writes})

    expected = expect(before, writes)
    expected[(5, 3)] = "ควบคุม ตัด"  # XML cannot carry control characters
    assert grid(target, FORM) == expected
    assert isinstance(grid(target, FORM)[(4, 4)], int)

    old, new = members(source), members(target)
    assert list(old) == list(new)
    assert {n for n in old if old[n] != new[n]} == {sheet_part(source, 1)}
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(target) as b:
        assert [i.compress_type for i in a.infolist()] == [i.compress_type for i in b.infolist()]

    sheet = openpyxl.load_workbook(target)[FORM]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold and sheet["A1"].fill.fgColor.rgb == "00FFFF00"
    assert sheet["F2"].font.italic  # kept its style when text was written into it
    assert sheet.column_dimensions["B"].width == 40
    assert [str(dv.sqref) for dv in sheet.data_validations.dataValidation] == ["E2:E500"]
    assert sheet["A2"].number_format == "dd/mm/yyyy hh:mm:ss"
    assert sheet["C3"].data_type == "s"
    assert sheet["F3"].data_type == "s"  # "=1+1" is text, not a formula
    assert grid(target, REGISTRY) == grid(source, REGISTRY)


def test_written_dates_read_back_as_dates_in_a_date_style(tmp_path: Path) -> None:
    for date1904 in (False, True):
        source = office_book(tmp_path / f"book{date1904}.xlsx", date1904=date1904)
        writes: dict[tuple[int, int], Cell] = {
            (3, 3): date(2025, 12, 31),
            (4, 3): datetime(2026, 1, 1, 23, 59, 59),
            (5, 3): datetime(1900, 2, 1, 6, 0),
        }
        target = patched(tmp_path, source, {REGISTRY: writes})
        assert grid(target, REGISTRY) == expect(grid(source, REGISTRY), writes)
        sheet = openpyxl.load_workbook(target)[REGISTRY]
        # A date lands in the date-only column style, a timestamp in one with a time part.
        assert sheet["C3"].number_format == "dd/mm/yyyy"
        assert sheet["C4"].number_format == "dd/mm/yyyy hh:mm:ss"


def test_none_removes_a_cell_but_keeps_a_style_people_gave_it(tmp_path: Path) -> None:
    source = office_book(tmp_path / "book.xlsx")
    target = patched(tmp_path, source, {FORM: {(1, 2): None, (3, 2): None, (9, 9): None}})
    sheet = openpyxl.load_workbook(target)[FORM]
    assert sheet["B1"].value is None and sheet["B1"].font.bold
    xml = members(target)[sheet_part(target, 1)].decode()
    assert '<c r="B1" s="1"/>' in xml
    assert 'r="B3"' not in xml and 'r="I9"' not in xml and '<row r="9"' not in xml


def test_rows_and_cells_are_inserted_in_order_and_the_dimension_grows(tmp_path: Path) -> None:
    source = office_book(tmp_path / "book.xlsx")
    writes: dict[tuple[int, int], Cell] = {
        (1, 3): "ก่อนแถวแรก",
        (4, 1): "ระหว่างแถว",
        (9, 2): "หลังแถวสุดท้าย",
        (5, 1): "ก่อนเซลล์แรก",
        (5, 3): "ระหว่างเซลล์",
        (5, 8): "หลังเซลล์สุดท้าย",
        (7, 4): 4,
    }
    before = grid(source, SPARSE)
    target = patched(tmp_path, source, {SPARSE: writes})
    assert grid(target, SPARSE) == expect(before, writes)

    xml = members(target)[sheet_part(target, 3)].decode()
    rows = [int(n) for n in re.findall(r'<row r="(\d+)"', xml)]
    assert rows == [1, 3, 4, 5, 7, 9]
    refs = re.findall(r'<c r="([A-Z]+)5"', xml)
    assert refs == ["A", "B", "C", "D", "F", "H"]
    assert re.search(r'<dimension ref="A1:H9"', xml)
    # openpyxl's read-only mode stops at the dimension: the new corner must be inside it.
    book = openpyxl.load_workbook(target, read_only=True)
    assert list(book[SPARSE].iter_rows(values_only=True))[8][1] == "หลังแถวสุดท้าย"
    book.close()


def test_bytes_outside_the_edited_rows_are_unchanged(tmp_path: Path) -> None:
    source = excel_book(tmp_path / "excel.xlsx")
    target = patched(tmp_path, source, {"ข่าว": {(2, 3): 50, (4, 2): "ใหม่"}})
    old = members(source)["xl/worksheets/sheet1.xml"].decode()
    new = members(target)["xl/worksheets/sheet1.xml"].decode()
    row = re.compile(r'<row r="(\d)".*?</row>')
    old_rows = {m.group(1): m.group(0) for m in row.finditer(old)}
    new_rows = {m.group(1): m.group(0) for m in row.finditer(new)}
    assert {k for k in old_rows if old_rows[k] != new_rows[k]} == {"2", "4"}
    assert old[: old.index('<row r="2"')] == new[: new.index('<row r="2"')]
    assert old[old.index("</sheetData>") :] == new[new.index("</sheetData>") :]
    assert 'spans="1:5"' not in new_rows["2"] and 'x14ac:dyDescent="0.25"' in new_rows["2"]
    assert '<c r="D2"><f>C2*2</f><v>10</v></c>' in new_rows["2"]  # neighbours untouched
    assert old_rows["3"] == new_rows["3"]


def test_a_workbook_with_shared_strings_and_formulas_is_patched(tmp_path: Path) -> None:
    source = excel_book(tmp_path / "excel.xlsx")
    writes: dict[tuple[int, int], Cell] = {
        (2, 1): "แทนที่ข้อความที่ใช้ร่วม",
        (4, 4): 99,  # a cell that follows a shared formula becomes a plain value
        (2, 5): None,
        (3, 2): datetime(2026, 12, 1, 7, 30),
        (2, 2): date(2026, 12, 2),
        (6, 1): "แถวใหม่",
        (1, 7): True,
    }
    before = grid(source, "ข่าว")
    assert before[(3, 1)] == "ตัวหนา และปกติ"
    target = patched(tmp_path, source, {"ข่าว": writes})
    assert grid(target, "ข่าว") == expect(before, writes)
    old, new = members(source), members(target)
    assert old["xl/sharedStrings.xml"] == new["xl/sharedStrings.xml"]
    assert old["xl/styles.xml"] == new["xl/styles.xml"]
    xml = new["xl/worksheets/sheet1.xml"].decode()
    assert '<c r="B2" s="1"><v>46358</v></c>' in xml  # kept the column's date-only style
    assert '<c r="B3" s="2">' in xml  # and its date-time style
    assert '<dimension ref="A1:G6"/>' in xml
    sheet = openpyxl.load_workbook(target)["ข่าว"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold


def test_a_calculation_chain_stays_when_no_formula_cell_is_touched(tmp_path: Path) -> None:
    chain = f'<calcChain xmlns="{MAIN}"><c r="D2" i="1"/></calcChain>'
    source = hand_made(tmp_path / "excel.xlsx", {"แผ่น": EXCEL_SHEET},
                       shared=shared_strings_xml(), extra={"xl/calcChain.xml": chain})
    target = patched(tmp_path, source, {"แผ่น": {(2, 1): "สถานะใหม่", (2, 6): "ส่งแล้ว"}})
    assert members(target)["xl/calcChain.xml"] == chain.encode()
    xml = members(target)["xl/worksheets/sheet1.xml"].decode()
    assert '<c r="D2"><f>C2*2</f><v>10</v></c>' in xml
    assert grid(target, "แผ่น")[(2, 1)] == "สถานะใหม่"


def test_no_writes_is_a_faithful_copy(tmp_path: Path) -> None:
    source = office_book(tmp_path / "book.xlsx")
    target = patched(tmp_path, source, {FORM: {}})
    assert members(source) == members(target)


# -- what the editor leaves to openpyxl ----------------------------------------------


def test_missing_tab_names_the_tabs_present_in_order(tmp_path: Path) -> None:
    source = office_book(tmp_path / "book.xlsx")
    with pytest.raises(MissingTab) as info:
        patch(source, tmp_path / "out.xlsx", {"ไม่มีแท็บนี้": {(1, 1): "x"}})
    assert info.value.title == "ไม่มีแท็บนี้"
    assert info.value.present == [FORM, REGISTRY, SPARSE]


@pytest.mark.parametrize(
    ("sheet", "writes", "extra"),
    [
        pytest.param(EXCEL_SHEET, {(3, 4): 1}, None, id="shared-formula-master"),
        pytest.param(EXCEL_SHEET, {(3, 4): None}, None, id="shared-formula-master-cleared"),
        pytest.param(EXCEL_SHEET, {(1, 1): float("nan")}, None, id="nan"),
        pytest.param(EXCEL_SHEET, {(1, 1): float("inf")}, None, id="infinity"),
        pytest.param(
            EXCEL_SHEET,
            {(2, 4): 1},
            {"xl/calcChain.xml": f'<calcChain xmlns="{MAIN}"><c r="D2" i="1"/></calcChain>'},
            id="formula-in-calc-chain",
        ),
        pytest.param(
            plain_sheet('<row><c r="A1"><v>1</v></c></row>'),
            {(5, 1): 1},
            None,
            id="row-without-r",
        ),
        pytest.param(
            plain_sheet('<row r="1"><c><v>1</v></c></row>'),
            {(1, 2): 1},
            None,
            id="cell-without-r",
        ),
        pytest.param(
            f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v>'
            "</x:c></x:row></x:sheetData></x:worksheet>",
            {(1, 1): 2},
            None,
            id="prefixed-namespace",
        ),
    ],
)
def test_shapes_left_to_openpyxl_raise_unsupported(
    tmp_path: Path, sheet: str, writes: dict[tuple[int, int], Cell], extra: dict[str, str] | None
) -> None:
    source = hand_made(
        tmp_path / "odd.xlsx", {"แผ่น": sheet}, shared=shared_strings_xml(), extra=extra
    )
    with pytest.raises(Unsupported):
        patch(source, tmp_path / "out.xlsx", {"แผ่น": writes})


def test_a_date_needs_a_date_style_already_in_the_workbook(tmp_path: Path) -> None:
    source = hand_made(
        tmp_path / "plain.xlsx",
        {"แผ่น": plain_sheet('<row r="1"><c r="A1"><v>1</v></c></row>')},
        styles=PLAIN_STYLES,
    )
    with pytest.raises(Unsupported):
        patch(source, tmp_path / "out.xlsx", {"แผ่น": {(1, 1): date(2026, 1, 1)}})
    target = patched(tmp_path, source, {"แผ่น": {(1, 2): "ไม่ใช่วันที่"}})
    assert grid(target, "แผ่น") == {(1, 1): 1, (1, 2): "ไม่ใช่วันที่"}


def test_a_cell_without_r_is_fine_in_rows_that_are_not_edited(tmp_path: Path) -> None:
    rows = '<row r="1"><c><v>1</v></c></row><row r="3"><c r="A3"><v>3</v></c></row>'
    source = hand_made(tmp_path / "odd.xlsx", {"แผ่น": plain_sheet(rows, "A1:A3")})
    target = patched(tmp_path, source, {"แผ่น": {(2, 1): 2, (3, 2): "ข"}})
    assert grid(target, "แผ่น") == {(1, 1): 1, (2, 1): 2, (3, 1): 3, (3, 2): "ข"}


def test_an_empty_sheet_gets_its_first_rows(tmp_path: Path) -> None:
    empty = f'<worksheet xmlns="{MAIN}"><dimension ref="A1"/><sheetData/></worksheet>'
    source = hand_made(tmp_path / "empty.xlsx", {"ว่าง": empty})
    target = patched(tmp_path, source, {"ว่าง": {(2, 2): "ข", (1, 1): "ก"}})
    assert grid(target, "ว่าง") == {(1, 1): "ก", (2, 2): "ข"}
    assert '<dimension ref="A1:B2"/>' in members(target)["xl/worksheets/sheet1.xml"].decode()


# -- size ----------------------------------------------------------------------------


def big_sheet(rows: int, cols: int) -> tuple[str, Grid]:
    values: Grid = {}
    parts = [f'<worksheet xmlns="{MAIN}"><dimension ref="A1:T{rows}"/><sheetData>']
    for r in range(1, rows + 1):
        parts.append(f'<row r="{r}" spans="1:{cols}">')
        for c in range(1, cols + 1):
            ref = f"{chr(64 + c)}{r}"
            if c % 5 == 1:
                values[(r, c)] = f"ข่าว {r}-{c}"
                parts.append(f'<c r="{ref}" t="inlineStr"><is><t>ข่าว {r}-{c}</t></is></c>')
            else:
                values[(r, c)] = r * 100 + c
                parts.append(f'<c r="{ref}"><v>{r * 100 + c}</v></c>')
        parts.append("</row>")
    parts.append("</sheetData></worksheet>")
    return "".join(parts), values


def test_sixty_scattered_writes_into_ten_thousand_rows(tmp_path: Path) -> None:
    xml, before = big_sheet(10_000, 20)
    source = hand_made(tmp_path / "big.xlsx", {FORM: xml}, styles=STYLES)
    rng = random.Random(7)
    writes: dict[tuple[int, int], Cell] = {}
    while len(writes) < 60:
        key = (rng.randint(1, 10_050), rng.randint(1, 22))
        writes[key] = rng.choice([f"สถานะ {key}", key[0] * 1.5, None, True, 0])
    target = patched(tmp_path, source, {FORM: writes})

    after = expect(before, writes)
    book = openpyxl.load_workbook(target, read_only=True)
    got = {
        (r, c): v
        for r, row in enumerate(book[FORM].iter_rows(values_only=True), start=1)
        for c, v in enumerate(row, start=1)
        if v is not None
    }
    book.close()
    assert got == after
