"""Store a workbook's text in a shared-string table, as Excel and LibreOffice save it.

openpyxl 3.1 writes every text cell as an inline string (`<is><t>…</t></is>`); reading those
back costs openpyxl about twice as much as shared strings (`<v>index</v>` into
`xl/sharedStrings.xml`), which is what a workbook saved by the coordinator's spreadsheet holds.
`share_strings(package)` rewrites openpyxl's output that way (ECMA-376 part 1, §18.4: the
shared string table; its part is declared in `[Content_Types].xml` and in the workbook's
relationships). Formulas are untouched (the export writes none).
"""

from __future__ import annotations

import io
import re
import zipfile

MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PART = "xl/sharedStrings.xml"
CONTENT_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
RELATIONSHIP = (
    b'<Relationship Id="rIdSharedStrings" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    b'Target="sharedStrings.xml"/>'
)
# openpyxl's inline string: the text is already XML-escaped, so it is copied into the table as is.
_INLINE = re.compile(rb't="inlineStr"><is><t(?: xml:space="preserve")?>(.*?)</t></is>', re.S)


def share_strings(package: bytes) -> bytes:
    """The same workbook with its inline strings moved to a shared-string table."""
    strings: dict[bytes, int] = {}
    uses = 0

    def to_index(match: re.Match) -> bytes:
        nonlocal uses
        uses += 1
        # A carriage return must be a character reference, or XML reading turns « \r\n » into « \n ».
        index = strings.setdefault(match.group(1).replace(b"\r", b"&#13;"), len(strings))
        return b't="s"><v>%d</v>' % index

    source = zipfile.ZipFile(io.BytesIO(package))
    output = io.BytesIO()
    with source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                data = _INLINE.sub(to_index, data)
            elif info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", CONTENT_TYPE + b"</Types>")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", RELATIONSHIP + b"</Relationships>")
            target.writestr(info, data)
        target.writestr(PART, _table(strings, uses))
    return output.getvalue()


def _table(strings: dict[bytes, int], uses: int) -> bytes:
    items = b"".join(b'<si><t xml:space="preserve">%s</t></si>' % text for text in strings)
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<sst xmlns="%s" count="%d" uniqueCount="%d">%s</sst>' % (MAIN_NS, uses, len(strings), items)
    )
