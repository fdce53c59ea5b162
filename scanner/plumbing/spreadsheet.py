"""Writing a sheet people can sort and filter, and that a hostile value cannot turn into a formula.

Shared by every workbook Vigie writes (the night's report, the registry export): one
`write_table` lays out a header row and data rows with

- cell text that is always text: a value starting with `=`, `+`, `-` or `@` (a page
  named `=HYPERLINK("http://evil","x")`) is stored as a string cell with Excel's
  « quote prefix », never as a formula (CSV/formula injection, OWASP);
- characters a workbook cannot hold (C0 control characters) removed, text capped
  at Excel's 32,767 characters per cell;
- dates as real dates (aware datetimes converted to the board's time zone, since
  Excel has no time zones), in a French-Canadian readable format;
- `Link(text, url)` cells clickable, for http(s) URLs only;
- a bold, shaded header row, frozen, with an autofilter over the table, and column
  widths fitted to the content.

`new_workbook()` is a write-only `scanner.plumbing.xlsx_stream.StreamWorkbook` (its sheets' XML
written directly: a 200,000-row sheet in seconds); `new_workbook(write_only=False)` an openpyxl
workbook. `workbook_bytes(wb)` serialises either for `write_atomic` or an e-mail attachment.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from scanner.net.urls import is_web_url
from scanner.plumbing.xlsx_stream import (
    DATE_FMT_ID,
    DATETIME_FMT_ID,
    CellRule,
    CellStyle,
    StreamSheet,
    StreamWorkbook,
    serial,
)

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as a formula
# A text that needs more than openpyxl's plain string path: a formula look, or a character to remove.
_NOT_PLAIN = re.compile(rf"\A[{re.escape(''.join(FORMULA_TRIGGERS))}]|{ILLEGAL_CHARACTERS_RE.pattern}")
MAX_CELL_CHARS = 32_767  # Excel's limit per cell
MAX_URL_CHARS = 2_000  # longer link targets are refused by some spreadsheet programs
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MIN_WIDTH, MAX_WIDTH = 8, 60  # characters
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
LINK_FONT = Font(color="0563C1", underline="single")
WRAP = Alignment(wrap_text=True, vertical="top")

CellValue = str | int | float | bool | dt.date | dt.datetime | None


@dataclass(frozen=True)
class Link:
    """A clickable cell: `text` shown, `url` opened (only when it is an http(s) URL)."""

    text: str
    url: str | None


def safe_text(value: str) -> str:
    """Text a workbook can hold: control characters removed, capped at Excel's cell size."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_CHARS]


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def link_target(link: Link) -> str | None:
    """Where a link cell leads: only an http(s) URL a spreadsheet program accepts, else nowhere."""
    url = (link.url or "").strip()
    if url and len(url) <= MAX_URL_CHARS and is_web_url(url) and not ILLEGAL_CHARACTERS_RE.search(url):
        return url
    return None


def local_naive(value: dt.datetime, timezone: ZoneInfo | None) -> dt.datetime:
    """An aware date-time in the board's time zone, without it (Excel has no time zones)."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone) if timezone else value
        value = value.replace(tzinfo=None)
    return value


def set_value(cell: Cell, value: CellValue | Link, timezone: ZoneInfo | None = None) -> None:
    """Put one value in a cell: strings always as text, dates as dates, links clickable."""
    if isinstance(value, Link):
        set_value(cell, value.text, timezone)
        url = link_target(value)
        if url:
            cell.hyperlink = url
            cell.font = LINK_FONT
        return
    if isinstance(value, str):
        text = safe_text(value)
        cell.value = text
        cell.data_type = "s"  # openpyxl reads a leading "=" as a formula: this says "text"
        if looks_like_formula(text):
            cell.quotePrefix = True  # and Excel keeps it text even when someone edits the cell
        return
    if isinstance(value, dt.datetime):
        cell.value = local_naive(value, timezone)
        cell.number_format = DATETIME_FORMAT
        return
    if isinstance(value, dt.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
        return
    cell.value = value


def display_width(value: CellValue | Link) -> int:
    """The width, in characters, a value needs (its longest line)."""
    if value is None:
        return 0
    if isinstance(value, Link):
        value = value.text
    if isinstance(value, dt.datetime):
        return len("2026-01-01 00:00")
    if isinstance(value, dt.date):
        return len("2026-01-01")
    text = value if isinstance(value, str) else str(value)
    if "\n" not in text:
        return len(text)
    return max((len(line) for line in text.splitlines()), default=0)


def write_table(
    sheet: Worksheet | WriteOnlyWorksheet | StreamSheet,
    headers: Sequence[str],
    rows: Iterable[Sequence[CellValue | Link]],
    *,
    timezone: str | ZoneInfo | None = None,
    wrap: Sequence[str] = (),
) -> int:
    """Header row + rows, frozen, filterable, fitted, on an empty sheet of a normal or a
    write-only workbook (`new_workbook()`: what a 200,000-row sheet needs). `wrap`: headers
    whose column wraps long text. Returns the number of data rows written.
    """
    zone = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
    rows = list(rows)
    widths = [len(h) + 3 for h in headers]  # + room for the filter button
    for number, row in enumerate(rows, start=1):
        if len(row) != len(headers):
            raise ValueError(f"row {number} has {len(row)} values for {len(headers)} columns")
    for index in range(len(headers)):  # each distinct value measured once (200,000 rows repeat a lot)
        distinct = {row[index] for row in rows}
        widths[index] = max(widths[index], max(map(display_width, distinct), default=0))
    fitted = [min(max(width + 2, MIN_WIDTH), MAX_WIDTH) for width in widths]
    wrapped = {i for i, h in enumerate(headers) if h in wrap}
    if isinstance(sheet, StreamSheet):
        sheet.write(headers, rows, fitted, _stream_rule(zone), wrapped, _plain)
        return len(rows)
    # A write-only sheet writes its columns and panes before its first row: they come first.
    for index, width in enumerate(fitted, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    sheet.append([_header_cell(sheet, header) for header in headers])
    for row in rows:
        cells = [_cell(sheet, value, zone, index in wrapped) for index, value in enumerate(row)]
        sheet.append(cells)
        for cell in cells:  # a normal sheet's append does not move a link's anchor with its cell
            if isinstance(cell, Cell) and cell.hyperlink is not None:
                cell.hyperlink.ref = cell.coordinate
    return len(rows)


def _plain(text: str) -> bool:
    """Text that goes in as it is: no formula look, no character to remove, within Excel's size."""
    return len(text) <= MAX_CELL_CHARS and not _NOT_PLAIN.search(text)


def _stream_rule(zone: ZoneInfo | None) -> CellRule:
    """`set_value`'s rules for a `StreamSheet` cell: (kind, payload, style, link target)."""

    def cell(value: object, wrapped: bool) -> tuple[str, object, CellStyle, str | None]:
        target = None
        if isinstance(value, Link):
            target = link_target(value)
            value = value.text
        if isinstance(value, str):
            text = safe_text(value)
            style = CellStyle(link=target is not None, quote_prefix=looks_like_formula(text), wrap=wrapped)
            return "s", text, style, target
        if isinstance(value, bool):
            return "b", value, CellStyle(wrap=wrapped), None
        if isinstance(value, int | float):
            return "n", repr(value), CellStyle(wrap=wrapped), None
        if isinstance(value, dt.datetime):
            return "n", serial(local_naive(value, zone)), CellStyle(number_format=DATETIME_FMT_ID), None
        if isinstance(value, dt.date):
            return "n", serial(value), CellStyle(number_format=DATE_FMT_ID), None
        return cell(str(value), wrapped)

    return cell


def _cell(
    sheet: Worksheet | WriteOnlyWorksheet, value: CellValue | Link, zone: ZoneInfo | None, wrapped: bool
) -> Cell | CellValue:
    """Plain text and numbers go in as they are (openpyxl's fast path); anything else as a cell."""
    if not wrapped and (
        value is None or isinstance(value, int | float) or (isinstance(value, str) and _plain(value))
    ):
        return value
    cell = WriteOnlyCell(sheet)
    set_value(cell, value, zone)
    if wrapped:
        cell.alignment = WRAP
    return cell


def _header_cell(sheet: Worksheet | WriteOnlyWorksheet, header: str) -> Cell:
    cell = WriteOnlyCell(sheet)
    set_value(cell, header)
    cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, Alignment(vertical="center")
    return cell


def new_workbook(*, write_only: bool = True) -> Workbook | StreamWorkbook:
    """An empty workbook: add sheets with `create_sheet(title)`, one `write_table` each.

    Write-only (the default) writes each sheet's XML as its rows come (`xlsx_stream`): a
    200,000-row sheet in seconds and a few tens of megabytes; each sheet is written once.
    """
    if write_only:
        return StreamWorkbook()
    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def workbook_bytes(workbook: Workbook | StreamWorkbook) -> bytes:
    if isinstance(workbook, StreamWorkbook):
        return workbook.to_bytes()
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
