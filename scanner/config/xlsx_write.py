"""Write a registry as `registre.xlsx`: the sheets of `xlsx_layout`, with the sheet's own data
validation (network, role, calendrier, oui/non, dates, schools, accounts, rules), frozen header
rows, column widths, and a « Lisez-moi » sheet explaining each column with its DA 142 clause.

Every registry string is written as text: a name starting with `=`, `+`, `-` or `@` never
becomes a formula.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from scanner.config.models import Registry
from scanner.config.xlsx_layout import (
    ACCOUNT_LINK,
    ACCOUNTS,
    EXCEPTIONS,
    SCHOOLS,
    SHEETS,
    Column,
    Entity,
    Kind,
    Sheet,
    french_spaces,
)
from scanner.config.xlsx_strings import share_strings
from scanner.plumbing.french import NBSP
from scanner.plumbing.spreadsheet import set_value

README_SHEET = "Lisez-moi"
DATE_FORMAT = "yyyy-mm-dd"
LAST_ROW = 1_048_576  # validations cover the whole column, so added rows get them too
HEADER_FILL = PatternFill("solid", start_color="DCE6F1")
HEADER_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
INTRO = (
    "Ce classeur est le registre des comptes de réseaux sociaux approuvés (Formulaires DA 142), "
    "tenu par la coordonnatrice des communications. Vigie le lit chaque nuit, à la place de "
    "registry.yaml (le dossier de configuration contient l’un ou l’autre, jamais les deux). "
    "Ne changez pas les titres des colonnes ; vous pouvez ajouter des lignes, trier, filtrer, "
    "masquer des colonnes ou ajouter un titre au-dessus de l’en-tête. Les listes (acronymes, "
    "domaines) se séparent par « ; ». Les dates sont de vraies dates du tableur. "
    "Après chaque modification : python run_audit.py check (la commande nomme la feuille, la "
    "ligne et la colonne de chaque erreur)."
)


@dataclass(frozen=True)
class RuleInfo:
    """A DA 142 check as the « Lisez-moi » lists it, for the Règle column of « Dérogations »."""

    id: str
    clause: str
    title: str


def write_workbook(registry: Registry, path: Path, rules: Sequence[RuleInfo]) -> None:
    workbook = Workbook()
    readme = workbook.active
    readme.title = README_SHEET
    rules_range = _write_readme(readme, rules)
    for sheet in SHEETS:
        worksheet = workbook.create_sheet(sheet.name)
        count = _write_table(worksheet, sheet, _records(registry, sheet.entity))
        _validate(worksheet, sheet, rules_range)
        worksheet.freeze_panes = sheet.freeze
        worksheet.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{count + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(share_strings(buffer.getvalue()))


def set_text(cell, text: str) -> None:
    """Text stays text: the shared sheet writer's rule (never a formula, quote prefix, no control
    characters), so the registry export and the night's workbook cannot drift apart."""
    set_value(cell, text)


# ---------------------------------------------------------------- data sheets


def _records(registry: Registry, entity: Entity) -> Iterator[dict]:
    if entity is Entity.BOARD:
        yield registry.board.model_dump()
    elif entity is Entity.SCHOOLS:
        yield from (school.model_dump() for school in registry.schools)
    elif entity is Entity.ACCOUNTS:
        yield from (account.model_dump() for account in registry.accounts)
    else:
        part = "admins" if entity is Entity.ADMINS else "exceptions"
        for account in registry.accounts:
            for item in getattr(account, part):
                yield {ACCOUNT_LINK[0]: account.id, **item.model_dump()}


def _write_table(worksheet: Worksheet, sheet: Sheet, records: Iterator[dict]) -> int:
    for position, column in enumerate(sheet.columns, start=1):
        cell = worksheet.cell(row=1, column=position, value=column.header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        worksheet.column_dimensions[get_column_letter(position)].width = column.width
    count = 0
    for count, record in enumerate(records, start=1):
        for position, column in enumerate(sheet.columns, start=1):
            value = _lookup(record, column.key)
            if value is not None and value != ():
                _write_cell(worksheet.cell(row=count + 1, column=position), column, value)
    return count


def _lookup(record: dict, key: tuple[str, ...]) -> object:
    value: object = record
    for part in key:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _write_cell(cell, column: Column, value: object) -> None:
    if column.kind is Kind.DATE and isinstance(value, dt.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif column.kind is Kind.YES_NO:
        cell.value = "oui" if value else "non"
    elif column.kind is Kind.LIST:
        set_text(cell, "; ".join(str(item) for item in value))
    else:
        set_text(cell, str(value.value if isinstance(value, Enum) else value))


def _validate(worksheet: Worksheet, sheet: Sheet, rules_range: str) -> None:
    for position, column in enumerate(sheet.columns, start=1):
        validation = _validation_for(sheet, column, rules_range)
        if validation is not None:
            letter = get_column_letter(position)
            worksheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{LAST_ROW}")


def _validation_for(sheet: Sheet, column: Column, rules_range: str) -> DataValidation | None:
    first = ACCOUNTS.columns[0]
    if column.kind in (Kind.CHOICE, Kind.CALENDAR):
        lenient = column.kind is Kind.CALENDAR
        return _list(
            '"' + ",".join(column.choices) + '"',
            column,
            "Choisissez dans la liste ou écrivez votre propre calendrier." if lenient else None,
        )
    if column.kind is Kind.YES_NO:
        return _list('"oui,non"', column)
    if column.kind is Kind.DATE:
        validation = DataValidation(type="date", operator="greaterThan", formula1="DATE(1990,1,1)")
        _messages(validation, column, "Inscrivez une date (par exemple 2027-06-30).")
        return validation
    if sheet is ACCOUNTS and column.key == ("school",):
        return _list(_range(SCHOOLS.name, "A"), column, "Cette école n’est pas dans la feuille Écoles.")
    if column.key == ACCOUNT_LINK:
        return _list(
            _range(ACCOUNTS.name, "A"),
            column,
            f"Ce compte n’est pas dans la colonne {first.header} de la feuille Comptes.",
        )
    if sheet is EXCEPTIONS and column.key == ("check",):
        return _list(rules_range, column, "Cette règle n’est pas dans la liste de la feuille Lisez-moi.")
    return None


def _range(sheet_name: str, letter: str) -> str:
    return f"{quote_sheetname(sheet_name)}!${letter}$2:${letter}${LAST_ROW}"


def _list(formula: str, column: Column, warning: str | None = None) -> DataValidation:
    """A drop-down list; with `warning`, other values are accepted after a message (« information »)."""
    validation = DataValidation(type="list", formula1=formula, allow_blank=True)
    if warning is None:
        _messages(
            validation,
            column,
            f"Choisissez une valeur de la liste{NBSP}: {', '.join(column.choices) or 'oui, non'}.",
        )
    else:
        _messages(validation, column, warning)
        validation.errorStyle = "information" if column.kind is Kind.CALENDAR else "warning"
    return validation


def _messages(validation: DataValidation, column: Column, error: str) -> None:
    validation.showErrorMessage = True
    validation.showInputMessage = True
    validation.errorTitle = column.header[:32]
    validation.error = french_spaces(error)[:255]
    validation.promptTitle = column.header[:32]
    validation.prompt = column.help[:255]


# ---------------------------------------------------------------- Lisez-moi


def _write_readme(worksheet: Worksheet, rules: Sequence[RuleInfo]) -> str:
    """The « Lisez-moi » sheet; returns the range of rule ids, for the Règle drop-down."""
    worksheet["A1"] = "Registre des comptes de réseaux sociaux du CSNO — directive administrative 142"
    worksheet["A1"].font = Font(bold=True, size=14)
    worksheet.merge_cells("A1:E1")
    worksheet["A2"] = french_spaces(INTRO)
    worksheet["A2"].alignment = WRAP
    worksheet.merge_cells("A2:E2")
    worksheet.row_dimensions[2].height = 105
    row = _readme_header(
        worksheet, 4, ("Feuille", "Colonne", "Obligatoire", "Ce qu’on y inscrit", "Article de la DA 142")
    )
    for sheet in SHEETS:
        row = _readme_row(worksheet, row, (sheet.name, "(la feuille)", "", french_spaces(sheet.help), ""))
        for column in sheet.columns:
            required = "oui" if column.required else "non"
            row = _readme_row(
                worksheet, row, (sheet.name, column.header, required, column.help, column.clause)
            )
    row = _readme_header(worksheet, row + 1, ("Règle", "Article de la DA 142", "", "Ce qu’elle vérifie", ""))
    first_rule = row
    for rule in rules:
        row = _readme_row(worksheet, row, (rule.id, rule.clause, "", rule.title, ""))
    for letter, width in zip("ABCDE", (22, 32, 12, 90, 24), strict=True):
        worksheet.column_dimensions[letter].width = width
    worksheet.freeze_panes = "A5"
    last_rule = max(first_rule, row - 1)
    return f"{quote_sheetname(README_SHEET)}!$A${first_rule}:$A${last_rule}"


def _readme_header(worksheet: Worksheet, row: int, titles: tuple[str, ...]) -> int:
    for position, title in enumerate(titles, start=1):
        cell = worksheet.cell(row=row, column=position, value=title or None)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    return row + 1


def _readme_row(worksheet: Worksheet, row: int, values: tuple[str, ...]) -> int:
    for position, value in enumerate(values, start=1):
        if value:
            cell = worksheet.cell(row=row, column=position)
            set_text(cell, value)
            cell.alignment = WRAP
    return row + 1
