"""Read `registre.xlsx` into the same mapping as `registry.yaml`, remembering each value's cell.

`read_workbook(path, problems)` returns an `XlsxSource` whose `data` has the shape of the YAML
(`board`, `schools`, `accounts` with their `admins` and `exceptions`), so `load.py` validates it
with the same models and cross-checks; `problem(path, message)` turns a registry path such as
`("accounts", 3, "admins", 0, "email")` into « registre.xlsx, feuille Administrateurs, ligne 12,
colonne Courriel ».

Tolerated as people make them: hidden columns, empty rows, title rows (merged or not) above the
header, headers with other case, accents or spaces, cells with spaces around, numbers typed as
text or text typed as numbers, formulas (their last computed value).
"""

from __future__ import annotations

import datetime as dt
import gc
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException

from scanner.config.messages import Problem
from scanner.config.xlsx_layout import (
    ACCOUNT_LINK,
    ACCOUNTS,
    ADMINS,
    BOARD,
    CALENDARS,
    EXCEPTIONS,
    NETWORK_ALIASES,
    NO,
    SCHOOLS,
    SHEETS,
    YES,
    Column,
    Entity,
    Kind,
    Sheet,
    normalise,
)
from scanner.plumbing.french import NBSP, quoted

UNREADABLE = (
    f"fichier illisible{NBSP}: ce n’est pas un classeur Excel valide (enregistrez-le au format "
    f"«{NBSP}Classeur Excel (.xlsx){NBSP}»)"
)
# The models' messages speak of fields; in a sheet, the same thing is a cell.
CELL_WORDING = {
    "champ obligatoire manquant": f"cellule vide{NBSP}: elle est obligatoire",
    "vrai ou faux attendu (true ou false)": "oui ou non attendu",
    f"liste vide{NBSP}: au moins un élément attendu": f"aucune ligne sous l’en-tête{NBSP}: au moins une est attendue",
}
HEADER_SEARCH_ROWS = 20  # title rows people put above the header
FORMULA_ERRORS = frozenset({"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!"})
_EMPTY = object()
_LIST_SEPARATORS = re.compile(r"[;\n\r]+")
_SERIAL = re.compile(r"^\d{1,6}(\.\d+)?$")
_ALIASES = {normalise(label): value for label, value in NETWORK_ALIASES.items()}

Path_ = tuple[str | int, ...]


@dataclass
class _Row:
    number: int
    record: dict
    link: object = None  # the account id of an admin or a derogation


@dataclass
class XlsxSource:
    """The registry read from a workbook, in the YAML's shape, and where each entry stands."""

    file: str
    data: dict = field(default_factory=dict)
    board_row: int | None = None
    school_rows: list[int] = field(default_factory=list)
    account_rows: list[int] = field(default_factory=list)
    admin_rows: dict[int, list[int]] = field(default_factory=dict)
    exception_rows: dict[int, list[int]] = field(default_factory=dict)
    # (sheet, header) already reported missing; header None for a whole sheet: no second message.
    missing: set[tuple[str, str | None]] = field(default_factory=set)
    # (sheet, row, header) of cells the reader already reported (a formula error): no second message.
    reported: set[tuple[str, int | None, str | None]] = field(default_factory=set)

    def problem(self, path: Path_, message: str) -> Problem | None:
        if len(path) == 1 and self.data.get(path[0]):
            return None  # « too short » because every row failed: each row's own message says why
        sheet, row, key = self._where(path)
        column = sheet.column_for(key)
        header = column.header if column else None
        if (sheet.name, None) in self.missing or (sheet.name, header) in self.missing:
            return None
        if (sheet.name, row, header) in self.reported:
            return None
        return Problem(
            self.file, row, "", CELL_WORDING.get(message, message), sheet=sheet.name, header=header
        )

    def _where(self, path: Path_) -> tuple[Sheet, int | None, Path_]:
        head, index = path[0] if path else "board", _index(path, 1)
        if head == "schools":
            return SCHOOLS, _at(self.school_rows, index), path[2:]
        if head != "accounts":
            return BOARD, self.board_row, path[1:]
        part = path[2] if len(path) > 2 else None
        if part in ("admins", "exceptions") and index is not None:
            sheet, rows = (ADMINS, self.admin_rows) if part == "admins" else (EXCEPTIONS, self.exception_rows)
            return sheet, _at(rows.get(index, []), _index(path, 3)), path[4:]
        return ACCOUNTS, _at(self.account_rows, index), path[2:]


def _index(path: Path_, position: int) -> int | None:
    value = path[position] if len(path) > position else None
    return value if isinstance(value, int) else None


def _at(rows: list[int], index: int | None) -> int | None:
    return rows[index] if index is not None and 0 <= index < len(rows) else None


def read_workbook(path: Path, problems: list[Problem]) -> XlsxSource | None:
    """The registry in `path`, or None when the file cannot be read (reported in `problems`)."""
    reader = _Reader(XlsxSource(path.name), problems)
    collecting = gc.isenabled()
    gc.disable()  # hundreds of thousands of cells and no cycle among them: a quarter of the CPU saved
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            tables = reader.tables(workbook)
        finally:
            workbook.close()
        return reader.assemble(tables)
    except (InvalidFileException, zipfile.BadZipFile, ParseError, KeyError, OSError, ValueError, TypeError):
        problems.append(Problem(path.name, None, "", UNREADABLE))
        return None
    finally:
        if collecting:
            gc.enable()


class _Reader:
    def __init__(self, source: XlsxSource, problems: list[Problem]):
        self.source = source
        self.problems = problems

    def report(self, sheet: Sheet, row: int | None, column: str | None, message: str) -> None:
        self.source.reported.add((sheet.name, row, column))
        self.problems.append(Problem(self.source.file, row, "", message, sheet=sheet.name, header=column))

    def sheet_missing(self, sheet: Sheet) -> None:
        self.source.missing.add((sheet.name, None))
        message = f"feuille {quoted(sheet.name)} introuvable dans le classeur"
        self.problems.append(Problem(self.source.file, None, "", message))

    def tables(self, workbook) -> dict[Entity, list[_Row]]:
        titles = {normalise(title): title for title in workbook.sheetnames}
        tables: dict[Entity, list[_Row]] = {}
        for sheet in SHEETS:
            title = titles.get(normalise(sheet.name))
            worksheet = workbook[title] if title is not None else None
            if worksheet is None or not hasattr(worksheet, "iter_rows"):
                self.sheet_missing(sheet)
                continue
            tables[sheet.entity] = self.table(sheet, worksheet)
        return tables

    # ------------------------------------------------------------ one sheet

    def table(self, sheet: Sheet, worksheet) -> list[_Row]:
        worksheet.reset_dimensions()  # some tools write a wrong size: read every cell there is
        wanted = {normalise(column.header): column for column in sheet.columns}
        positions: dict[int, Column] | None = None
        rows: list[_Row] = []
        seen_content = False
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            if positions is None:
                if number > HEADER_SEARCH_ROWS:
                    break
                seen_content = seen_content or any(_filled(v) for v in values)
                positions = self._header(sheet, values, wanted, number)
                continue
            row = self._row(sheet, number, values, positions)
            if row is not None:
                rows.append(row)
        if positions is None and seen_content:
            self.source.missing.add((sheet.name, None))
            expected = ", ".join(column.header for column in sheet.columns)
            self.report(
                sheet, None, None, f"ligne d’en-tête introuvable (colonnes attendues{NBSP}: {expected})"
            )
        return rows

    def _header(self, sheet: Sheet, values, wanted, number: int) -> dict[int, Column] | None:
        found: dict[int, Column] = {}
        for position, value in enumerate(values):
            column = wanted.get(normalise(value)) if isinstance(value, str) else None
            if column is not None and column not in found.values():
                found[position] = column
        if len(found) < min(2, len(sheet.columns)):
            return None
        for column in sheet.columns:
            if column.required and column not in found.values():
                self.source.missing.add((sheet.name, column.header))
                self.report(
                    sheet, number, None, f"colonne {quoted(column.header)} introuvable dans l’en-tête"
                )
        return found

    def _row(self, sheet: Sheet, number: int, values, positions: dict[int, Column]) -> _Row | None:
        row = _Row(number, {})
        filled = False
        width = len(values)
        for position, column in positions.items():
            raw = values[position] if position < width else None
            if raw is None:
                continue
            if raw.__class__ is str:
                raw = raw.strip()
                if not raw:
                    continue
            filled = True
            # The common case first: plain text in a text column (a large registry is mostly that).
            if column.kind is Kind.TEXT and raw.__class__ is str and raw not in FORMULA_ERRORS:
                value = raw
            else:
                value = self._value(sheet, number, column, raw)
                if value is _EMPTY:
                    continue
            key = column.key
            if key == ACCOUNT_LINK:
                row.link = value
            elif len(key) == 1:
                row.record[key[0]] = value
            else:
                row.record.setdefault(key[0], {})[key[1]] = value
        return row if filled else None

    def _value(self, sheet: Sheet, number: int, column: Column, raw: object) -> object:
        if isinstance(raw, str) and raw in FORMULA_ERRORS:
            message = f"la formule de cette cellule donne une erreur ({raw})"
            self.report(sheet, number, column.header, message)
            return _EMPTY
        if column.kind is Kind.DATE:
            return _date(raw)
        if column.kind is Kind.YES_NO:
            answer = _yes_no(raw)
            if answer is None:
                self.report(sheet, number, column.header, f"{quoted(_text(raw))} n’est ni oui ni non")
                return _EMPTY
            return answer
        text = _text(raw)
        if column.kind is Kind.LIST:
            items = [item.strip() for item in _LIST_SEPARATORS.split(text)]
            return [item for item in items if item] or _EMPTY
        if column.kind is Kind.CHOICE:
            key = _word(text)
            choice = _ALIASES.get(key, key)
            return choice if choice in column.choices else text
        if column.kind is Kind.CALENDAR:
            return _word(text) if _word(text) in CALENDARS else text
        return text

    # ------------------------------------------------------------ the whole registry

    def assemble(self, tables: dict[Entity, list[_Row]]) -> XlsxSource:
        source, data = self.source, self.source.data
        board_rows = tables.get(Entity.BOARD)
        if board_rows:
            data["board"] = board_rows[0].record
            source.board_row = board_rows[0].number
            for extra in board_rows[1:]:
                self.report(
                    BOARD, extra.number, None, "une seule ligne attendue sur cette feuille (le conseil)"
                )
        elif board_rows is not None and (BOARD.name, None) not in source.missing:
            source.missing.add((BOARD.name, None))
            self.report(BOARD, None, None, f"la ligne du conseil est vide{NBSP}: elle est obligatoire")
        data["schools"] = [row.record for row in tables.get(Entity.SCHOOLS, [])]
        source.school_rows = [row.number for row in tables.get(Entity.SCHOOLS, [])]
        accounts = tables.get(Entity.ACCOUNTS, [])
        data["accounts"] = [row.record for row in accounts]
        source.account_rows = [row.number for row in accounts]
        by_id: dict[object, int] = {}
        for index, row in enumerate(accounts):
            by_id.setdefault(row.record.get("id"), index)
        for sheet, key, rows_of in (
            (ADMINS, "admins", source.admin_rows),
            (EXCEPTIONS, "exceptions", source.exception_rows),
        ):
            for row in tables.get(sheet.entity, []):
                index = self._account_of(sheet, row, by_id)
                if index is not None:
                    data["accounts"][index].setdefault(key, []).append(row.record)
                    rows_of.setdefault(index, []).append(row.number)
        return source

    def _account_of(self, sheet: Sheet, row: _Row, by_id: dict[object, int]) -> int | None:
        header = sheet.columns[0].header
        if (sheet.name, header) in self.source.missing:
            return None
        if row.link is None:
            self.report(
                sheet, row.number, header, f"cellule vide{NBSP}: l’identifiant du compte est obligatoire"
            )
            return None
        if row.link not in by_id:
            self.report(
                sheet, row.number, header, f"compte inconnu {quoted(row.link)} (absent de la feuille Comptes)"
            )
            return None
        return by_id[row.link]


@lru_cache(maxsize=1024)
def _word(text: str) -> str:
    """A choice as typed (« Facebook », « HEBDOMADAIRE »): few distinct values, normalised once each."""
    return normalise(text)


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _text(value: object) -> str:
    """Text as the coordinator meant it: 12345 (a number) is « 12345 », never « 12345.0 »."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return (value.date() if value.time() == dt.time() else value).isoformat()
    return str(value).strip()


def _date(value: object) -> object:
    """A real spreadsheet date, a serial number (a date cell formatted as a number), or text that
    pydantic parses (`2025-09-03`) or reports."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if isinstance(value, int | float) or _SERIAL.match(text):
        try:
            return from_excel(float(text)).date()
        except (ValueError, OverflowError):
            return text
    return text


def _yes_no(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    key = _word(_text(value))
    if key in YES:
        return True
    if key in NO:
        return False
    return None
