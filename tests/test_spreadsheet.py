"""The shared sheet writer: hostile text stays text, dates are dates, links click, the header is usable.

Every assertion reads the workbook back from its bytes, as a spreadsheet program would.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

import pytest
from lxml import etree
from openpyxl import load_workbook

from scanner.plumbing.spreadsheet import (
    MAX_CELL_CHARS,
    Link,
    new_workbook,
    workbook_bytes,
    write_table,
)

HOSTILE = [
    '=HYPERLINK("http://evil","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
]


def _round_trip(headers, rows, *, write_only=True, **kwargs):
    workbook = new_workbook(write_only=write_only)
    sheet = workbook.create_sheet("Feuille")
    written = write_table(sheet, headers, rows, **kwargs)
    data = workbook_bytes(workbook)
    return written, data, load_workbook(io.BytesIO(data))["Feuille"]


@pytest.mark.parametrize("write_only", [True, False], ids=["write-only", "normal"])
def test_text_that_looks_like_a_formula_is_written_and_read_back_as_text(write_only):
    _, data, sheet = _round_trip(["Nom"], [[text] for text in HOSTILE], write_only=write_only)
    for row, text in enumerate(HOSTILE, start=2):
        cell = sheet.cell(row=row, column=1)
        assert cell.value == text
        assert cell.data_type == "s"
        assert cell.quotePrefix is True
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml  # no formula element anywhere in the sheet


def test_ordinary_text_has_no_quote_prefix():
    _, _, sheet = _round_trip(["Nom"], [["École des Quatre-Vents_CSNO"]])
    assert sheet["A2"].value == "École des Quatre-Vents_CSNO"
    assert not sheet["A2"].quotePrefix


def test_control_characters_are_removed_and_long_text_capped():
    _, _, sheet = _round_trip(["Nom"], [["a\x00b\x07c\x1bd"], ["x" * (MAX_CELL_CHARS + 10)]])
    assert sheet["A2"].value == "abcd"
    assert len(sheet["A3"].value) == MAX_CELL_CHARS


def test_aware_datetimes_become_local_real_dates():
    edmonton = "America/Edmonton"
    moment = dt.datetime(2026, 11, 24, 11, 30, tzinfo=dt.UTC)
    _, _, sheet = _round_trip(["Vu le", "Jusqu’au"], [[moment, dt.date(2027, 1, 1)]], timezone=edmonton)
    assert sheet["A2"].value == moment.astimezone(ZoneInfo(edmonton)).replace(tzinfo=None)
    assert sheet["A2"].is_date and sheet["A2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["B2"].is_date and sheet["B2"].value.date() == dt.date(2027, 1, 1)


@pytest.mark.parametrize("write_only", [True, False], ids=["write-only", "normal"])
def test_links_are_clickable_only_for_web_addresses(write_only):
    rows = [
        [Link("eqv_CSNO", "https://www.facebook.com/eqv_CSNO")],
        [Link("piège", "javascript:alert(1)")],
        [Link("=cmd", "file:///etc/passwd")],
        [Link("sans lien", None)],
    ]
    _, _, sheet = _round_trip(["Compte"], rows, write_only=write_only)
    assert sheet["A2"].hyperlink.target == "https://www.facebook.com/eqv_CSNO"
    assert sheet["A2"].value == "eqv_CSNO"
    assert sheet["A3"].hyperlink is None and sheet["A3"].value == "piège"
    assert sheet["A4"].hyperlink is None and sheet["A4"].data_type == "s" and sheet["A4"].value == "=cmd"
    assert sheet["A5"].hyperlink is None


def test_header_is_frozen_filterable_styled_and_columns_fit():
    long_text = "Le nom affiché ne se termine pas par _CSNO comme le demande la directive"
    written, _, sheet = _round_trip(
        ["École", "Détail", "Nombre"],
        [["eqv", long_text, 3], ["énf", "court", 0], ["éh", "x" * 500, 12]],
    )
    assert written == 3
    assert [c.value for c in sheet[1]] == ["École", "Détail", "Nombre"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C4"
    widths = {k: sheet.column_dimensions[k].width for k in "ABC"}
    assert widths["A"] < widths["B"]  # fitted to the content…
    assert widths["B"] == 60  # …but capped
    assert sheet["C2"].value == 3 and sheet["C2"].data_type == "n"


def test_an_empty_table_still_has_its_filterable_header():
    written, _, sheet = _round_trip(["École", "Compte"], [])
    assert written == 0
    assert sheet.auto_filter.ref == "A1:B1"
    assert sheet.max_row == 1


def test_a_row_of_the_wrong_length_is_a_programming_error():
    workbook = new_workbook()
    with pytest.raises(ValueError):
        write_table(workbook.create_sheet("F"), ["a", "b"], [["seul"]])


def test_the_streamed_workbook_is_well_formed_and_keeps_every_rule():
    """The night's workbook writes its XML itself (`xlsx_stream`): every part parses, and what a
    spreadsheet program reads back is what openpyxl's path gives (wrap, styles, properties)."""
    workbook = new_workbook()
    workbook.properties.creator, workbook.properties.title = "Vigie DA 142", "Audit <nuit> & jour"
    rows = [["=1+1", "Une ligne\net une autre", 3.5, True], ["\ud800sans paire", None, 0, False]]
    write_table(workbook.create_sheet("Feuille"), ["Nom", "Détail", "Nombre", "Vrai"], rows, wrap=("Détail",))
    data = workbook_bytes(workbook)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            etree.fromstring(archive.read(name))  # well-formed XML, every part
    book = load_workbook(io.BytesIO(data))
    sheet = book["Feuille"]
    assert book.properties.title == "Audit <nuit> & jour" and book.properties.creator == "Vigie DA 142"
    assert sheet["A2"].value == "=1+1" and sheet["A2"].quotePrefix and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == "Une ligne\net une autre" and sheet["B2"].alignment.wrap_text
    assert (sheet["C2"].value, sheet["D2"].value, sheet["D3"].value) == (3.5, True, False)
    assert sheet["A3"].value == "sans paire" and sheet["B3"].value is None  # no lone surrogate in XML
