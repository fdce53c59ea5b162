"""A write-only workbook that writes its sheets' XML itself: what a 200,000-row sheet costs.

openpyxl builds a cell object per value and serialises each through lxml (about 20 s of CPU
for the 178,000 verdicts of a 10,000-account night). The night's workbook needs only a few
kinds of cells (text, numbers, dates, links, a bold header), so this writer lays the
SpreadsheetML parts out directly (ECMA-376 Part 1, §18: `sheetData` rows of `c` cells,
strings in the shared-string table, styles by index into `cellXfs`, hyperlinks as external
relationships) and streams each sheet into the zip as it goes.

What a cell holds is decided by `scanner.plumbing.spreadsheet`, the same rules as the
openpyxl path (`write_table` on a normal workbook, the registry export): text is always text
(a formula look gets Excel's quote prefix), control characters are removed, dates are local
dates with a French-Canadian format, links click only for web addresses, the header is
frozen and filterable, the columns fitted.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

CONTENT_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
HYPERLINK_REL = REL_NS + "/hyperlink"
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
DATE_FMT_ID, DATETIME_FMT_ID = 164, 165  # custom number formats start at 164
_FLUSH_ROWS = 2_000  # rows joined before each write to the zip stream
_UNSEEN = object()


@dataclass(frozen=True)
class CellStyle:
    """One entry of `cellXfs`: what a cell looks like (all cells of one kind share it)."""

    header: bool = False
    link: bool = False
    number_format: int = 0  # 0 General, DATE_FMT_ID, DATETIME_FMT_ID
    quote_prefix: bool = False
    wrap: bool = False


class Properties:
    creator: str = "openpyxl"
    title: str | None = None


# How one value becomes a cell, decided by `spreadsheet`: (kind, payload, style, link target),
# kind "s" (text), "n" (number or date serial), "b" (boolean).
CellRule = Callable[[object, bool], tuple[str, object, CellStyle, str | None]]


class StreamSheet:
    """A sheet of a `StreamWorkbook`: written once, by `spreadsheet.write_table`."""

    def __init__(self, workbook: StreamWorkbook, title: str, number: int):
        self.workbook, self.title, self.number = workbook, title, number
        self.written = False

    def write(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[object]],
        widths: Sequence[float],
        cell_for: CellRule,
        wrapped: set[int],
        plain: Callable[[str], bool],
    ) -> None:
        """`plain(text)`: the text needs no rule (stored as it is); anything else asks `cell_for`."""
        if self.written:
            raise ValueError(f"sheet {self.title!r} is written once")
        self.written = True
        self.workbook._write_sheet(self, headers, rows, widths, cell_for, wrapped, plain)


class StreamWorkbook:
    """`create_sheet(title)` for each sheet, `spreadsheet.write_table` on each, then `to_bytes()`."""

    def __init__(self) -> None:
        self.properties = Properties()
        self._buffer = io.BytesIO()
        self._archive: zipfile.ZipFile | None = None  # opened by the first sheet written
        self._sheets: list[StreamSheet] = []
        self._strings: dict[str, int] = {}
        self._styles: dict[CellStyle, int] = {CellStyle(): 0}
        self._closed = False

    def create_sheet(self, title: str) -> StreamSheet:
        sheet = StreamSheet(self, title, len(self._sheets) + 1)
        self._sheets.append(sheet)
        return sheet

    @property
    def _zip(self) -> zipfile.ZipFile:
        if self._archive is None:
            self._archive = zipfile.ZipFile(self._buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6)
        return self._archive

    def to_bytes(self) -> bytes:
        if not self._closed:
            self._finish()
        return self._buffer.getvalue()

    # ---------------------------------------------------------------- one sheet

    def _write_sheet(
        self,
        sheet: StreamSheet,
        headers: Sequence[str],
        rows: Sequence[Sequence[object]],
        widths: Sequence[float],
        cell_for: CellRule,
        wrapped: set[int],
        plain: Callable[[str], bool],
    ) -> None:
        letters = [get_column_letter(i) for i in range(1, len(headers) + 1)]
        opens = [f'<c r="{letter}' for letter in letters]  # a cell's start, its row number next
        wraps = [index in wrapped for index in range(len(letters))]
        links: list[tuple[str, str]] = []  # (cell reference, target)
        styles = self._styles
        # text -> the rest of its cell when it goes in as it is (its shared string's index), None
        # when it needs `cell_for`: each distinct text judged once, in the order it first comes
        plain_cells: dict[str, str | None] = {}
        last = f"{letters[-1]}{len(rows) + 1}" if letters else "A1"
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, start=1)
        )
        head = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}" '
            f'xmlns:r="{REL_NS}"><dimension ref="A1:{last}"/><sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
        )
        with self._zip.open(f"xl/worksheets/sheet{sheet.number}.xml", "w") as out:
            out.write(head.encode())
            header_style = self._style(CellStyle(header=True))
            cells = []
            for letter, header in zip(letters, headers, strict=True):
                cells.append(f'<c r="{letter}1" s="{header_style}" t="s"><v>{self._string(header)}</v></c>')
            chunk = [f'<row r="1">{"".join(cells)}</row>']
            for number, row in enumerate(rows, start=2):
                row_number = str(number)
                cells = []
                for index, value in enumerate(row):
                    if value is None:
                        continue
                    if type(value) is str and not wraps[index]:  # the common case: text as it is
                        rest = plain_cells.get(value, _UNSEEN)
                        if rest is _UNSEEN:
                            rest = plain_cells[value] = (
                                f'" t="s"><v>{self._string(value)}</v></c>' if plain(value) else None
                            )
                        if rest is not None:
                            cells.append(opens[index] + row_number + rest)
                            continue
                    ref = letters[index] + row_number
                    kind, payload, style, target = cell_for(value, wraps[index])
                    s = styles.get(style)
                    if s is None:
                        s = styles[style] = len(styles)
                    attr = f' s="{s}"' if s else ""
                    if kind == "s":
                        cells.append(f'<c r="{ref}"{attr} t="s"><v>{self._string(payload)}</v></c>')
                    elif kind == "b":
                        cells.append(f'<c r="{ref}"{attr} t="b"><v>{int(bool(payload))}</v></c>')
                    else:
                        cells.append(f'<c r="{ref}"{attr}><v>{payload}</v></c>')
                    if target:
                        links.append((ref, target))
                chunk.append('<row r="' + row_number + '">' + "".join(cells) + "</row>")
                if len(chunk) >= _FLUSH_ROWS:
                    out.write("".join(chunk).encode())
                    chunk = []
            tail = [*chunk, f'</sheetData><autoFilter ref="A1:{last}"/>']
            if links:
                tail.append("<hyperlinks>")
                tail += [
                    f'<hyperlink ref="{ref}" r:id="rId{n}"/>' for n, (ref, _) in enumerate(links, start=1)
                ]
                tail.append("</hyperlinks>")
            tail.append("</worksheet>")
            out.write("".join(tail).encode())
        if links:
            rels = "".join(
                f'<Relationship Id="rId{n}" Type="{HYPERLINK_REL}" Target={quoteattr(target)} TargetMode="External"/>'
                for n, (_, target) in enumerate(links, start=1)
            )
            self._zip.writestr(
                f"xl/worksheets/_rels/sheet{sheet.number}.xml.rels",
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Relationships xmlns="{PKG_REL_NS}">{rels}</Relationships>',
            )

    def _string(self, text: str) -> int:
        index = self._strings.get(text)
        if index is None:
            index = self._strings[text] = len(self._strings)
        return index

    def _style(self, style: CellStyle) -> int:
        index = self._styles.get(style)
        if index is None:
            index = self._styles[style] = len(self._styles)
        return index

    # ---------------------------------------------------------------- the other parts

    def _finish(self) -> None:
        self._closed = True
        z = self._zip
        sheets = self._sheets
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{s.number}.xml" ContentType="{CONTENT_TYPES}.worksheet+xml"/>'
            for s in sheets
        )
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{CONTENT_TYPES}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{CONTENT_TYPES}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CONTENT_TYPES}.sharedStrings+xml"/>'
            f"{overrides}"
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" '
            'Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
            'Target="docProps/core.xml"/></Relationships>',
        )
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        title = f"<dc:title>{escape(self.properties.title)}</dc:title>" if self.properties.title else ""
        z.writestr(
            "docProps/core.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:creator>{escape(self.properties.creator)}</dc:creator>{title}"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>',
        )
        entries = "".join(
            f'<sheet name={quoteattr(s.title)} sheetId="{s.number}" r:id="rId{s.number}"/>' for s in sheets
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN_NS}" '
            f'xmlns:r="{REL_NS}"><bookViews><workbookView activeTab="0"/></bookViews><sheets>{entries}</sheets>'
            "</workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{s.number}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{s.number}.xml"/>'
            for s in sheets
        )
        n = len(sheets)
        rels += f'<Relationship Id="rId{n + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>'
        rels += f'<Relationship Id="rId{n + 2}" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{PKG_REL_NS}">{rels}</Relationships>',
        )
        z.writestr("xl/styles.xml", _styles_xml(self._styles))
        with z.open("xl/sharedStrings.xml", "w") as out:
            count = len(self._strings)
            out.write(
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<sst xmlns="{MAIN_NS}" count="{count}" uniqueCount="{count}">'.encode()
            )
            items = [f'<si><t xml:space="preserve">{_xml_text(text)}</t></si>' for text in self._strings]
            for start in range(0, len(items), 5_000):
                out.write("".join(items[start : start + 5_000]).encode("utf-8", "replace"))
            out.write(b"</sst>")
        z.close()


_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")  # no XML 1.0 character (control ones: `safe_text`)


def _xml_text(text: str) -> str:
    return escape(_NOT_XML.sub("", text))


def serial(value: dt.date | dt.datetime) -> str:
    """Excel's serial number of a (naive, local) date or date-time."""
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - EXCEL_EPOCH
        return repr(round(delta.days + delta.seconds / 86_400, 10))
    return str((value - EXCEL_EPOCH.date()).days)


def _styles_xml(styles: dict[CellStyle, int]) -> str:
    """`styles.xml` with one `cellXfs` entry per style used, in the order of their indexes."""
    fonts = [
        '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>',
        '<font><b/><sz val="11"/><color rgb="00FFFFFF"/><name val="Calibri"/><family val="2"/></font>',
        '<font><u/><sz val="11"/><color rgb="000563C1"/><name val="Calibri"/><family val="2"/></font>',
    ]
    fills = [
        '<fill><patternFill patternType="none"/></fill>',
        '<fill><patternFill patternType="gray125"/></fill>',
        '<fill><patternFill patternType="solid"><fgColor rgb="001F4E79"/><bgColor rgb="001F4E79"/></patternFill></fill>',
    ]
    xfs = []
    for style, _ in sorted(styles.items(), key=lambda item: item[1]):
        font = 1 if style.header else 2 if style.link else 0
        fill = 2 if style.header else 0
        attrs = f'numFmtId="{style.number_format}" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"'
        attrs += ' applyNumberFormat="1"' if style.number_format else ""
        attrs += ' applyFont="1"' if font else ""
        attrs += ' applyFill="1"' if fill else ""
        attrs += ' quotePrefix="1"' if style.quote_prefix else ""
        alignment = ""
        if style.header:
            alignment = '<alignment vertical="center"/>'
        elif style.wrap:
            alignment = '<alignment vertical="top" wrapText="1"/>'
        attrs += ' applyAlignment="1"' if alignment else ""
        xfs.append(f"<xf {attrs}>{alignment}</xf>" if alignment else f"<xf {attrs}/>")
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN_NS}">'
        f'<numFmts count="2"><numFmt numFmtId="{DATE_FMT_ID}" formatCode="yyyy-mm-dd"/>'
        f'<numFmt numFmtId="{DATETIME_FMT_ID}" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
        f'<fonts count="{len(fonts)}">{"".join(fonts)}</fonts>'
        f'<fills count="{len(fills)}">{"".join(fills)}</fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )
