"""registre.xlsx as people really keep it: every fault located by sheet, row and column, all at
once, exit 2 without a traceback; and what people do to a sheet (titles, hidden columns, odd
headers, spaces, numbers as text, formulas, empty rows) is tolerated."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from scanner.config.load import ConfigError, load_registry
from scanner.config.registry_export import export_xlsx

ROOT = Path(__file__).resolve().parents[1]
NBSP = "\u00a0"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(ROOT / "config", target)
    (target / "registry.yaml").unlink()
    export_xlsx(load_registry(ROOT / "config"), target / "registre.xlsx")
    return target


class Sheet:
    """Edit one sheet of the workbook by header and by the row's first cell (the account id)."""

    def __init__(self, worksheet, header_row: int = 1):
        self.ws = worksheet
        self.header_row = header_row
        self.columns = {c.value: c.column for c in worksheet[header_row] if c.value}

    def row_of(self, key: str) -> int:
        return next(
            r for r in range(self.header_row + 1, self.ws.max_row + 1) if self.ws.cell(r, 1).value == key
        )

    def set(self, row: int, header: str, value) -> int:
        self.ws.cell(row, self.columns[header]).value = value
        return row

    def append(self, values: dict) -> int:
        row = self.ws.max_row + 1
        for header, value in values.items():
            self.set(row, header, value)
        return row


def problems_of(folder: Path) -> list:
    with pytest.raises(ConfigError) as caught:
        load_registry(folder)
    return caught.value.problems


def test_ten_planted_faults_give_one_located_message_each(folder: Path):
    path = folder / "registre.xlsx"
    book = load_workbook(path)
    board, schools, accounts = Sheet(book["Conseil"]), Sheet(book["Écoles"]), Sheet(book["Comptes"])
    admins, exceptions = Sheet(book["Administrateurs"]), Sheet(book["Dérogations"])
    planted = {
        ("Comptes", accounts.set(accounts.row_of("eqv-facebook"), "Réseau", "myspace"), "Réseau"): (
            f"valeur inconnue «{NBSP}myspace{NBSP}» (valeurs permises{NBSP}: "
            "facebook, facebook_group, instagram, x ou youtube)"
        ),
        ("Comptes", accounts.set(accounts.row_of("eh-x"), "École", "xyz"), "École"): "école inconnue",
        ("Comptes", accounts.set(accounts.row_of("eqv-instagram"), "Officiel", "peut-être"), "Officiel"): (
            f"«{NBSP}peut-être{NBSP}» n’est ni oui ni non"
        ),
        (
            "Comptes",
            accounts.set(accounts.row_of("eh-facebook"), "Date de la permission", "31/02/2025"),
            "Date de la permission",
        ): "date invalide",
        (
            "Comptes",
            accounts.set(accounts.row_of("eqv-x"), "Nom déclaré", "   "),
            "Nom déclaré",
        ): f"cellule vide{NBSP}: elle est obligatoire",
        (
            "Comptes",
            accounts.set(accounts.row_of("enf-instagram"), "Compte sur le réseau", "#REF!"),
            "Compte sur le réseau",
        ): "la formule de cette cellule donne une erreur (#REF!)",
        (
            "Comptes",
            accounts.append(
                {
                    "Identifiant": "eqv-x",
                    "École": "eqv",
                    "Réseau": "x",
                    "Compte sur le réseau": "autre",
                    "Nom déclaré": "Autre_CSNO",
                }
            ),
            "Identifiant",
        ): "identifiant de compte «\u00a0eqv-x\u00a0» en double",
        (
            "Administrateurs",
            admins.set(2, "Courriel", "pas-une-adresse"),
            "Courriel",
        ): "adresse courriel invalide",
        (
            "Administrateurs",
            admins.set(3, "Rôle", "stagiaire"),
            "Rôle",
        ): f"valeur inconnue «{NBSP}stagiaire{NBSP}»",
        (
            "Administrateurs",
            admins.append(
                {"Compte": "inexistant", "Nom": "X", "Courriel": "x@csno.ab.ca", "Rôle": "enseignant"}
            ),
            "Compte",
        ): "compte inconnu «\u00a0inexistant\u00a0»",
        ("Dérogations", exceptions.set(2, "Règle", "name.inexistante"), "Règle"): "règle inconnue",
        (
            "Dérogations",
            exceptions.set(2, "Jusqu’au", None),
            "Jusqu’au",
        ): f"cellule vide{NBSP}: elle est obligatoire",
        ("Écoles", schools.set(3, "Courriel", "eh-at-csno"), "Courriel"): "adresse courriel invalide",
        ("Écoles", schools.set(4, "Logo", "logos/absent.png"), "Logo"): "fichier de logo introuvable",
        ("Conseil", board.set(2, "Site Web", None), "Site Web"): f"cellule vide{NBSP}: elle est obligatoire",
    }
    book.save(path)

    problems = problems_of(folder)
    found = {(p.file, p.sheet, p.line, p.header): p.message for p in problems}
    assert len(problems) == len(planted) >= 10
    for (sheet, row, column), fragment in planted.items():
        assert fragment in found[("registre.xlsx", sheet, row, column)], (sheet, row, column)
    # In reading order: sheet by sheet (Conseil first), row by row.
    assert [p.sheet for p in problems][:3] == ["Conseil", "Écoles", "Écoles"]
    assert [p.header for p in problems if p.sheet == "Dérogations"] == ["Règle", "Jusqu’au"]
    message = next(str(p) for p in problems if p.header == "Réseau")
    row = accounts.row_of("eqv-facebook")
    assert message.startswith(
        f"registre.xlsx, feuille Comptes, ligne {row}, colonne Réseau{NBSP}: valeur inconnue"
    )


def test_the_command_line_lists_every_fault_and_exits_2_without_traceback(folder: Path):
    path = folder / "registre.xlsx"
    book = load_workbook(path)
    accounts = Sheet(book["Comptes"])
    accounts.set(2, "Réseau", "myspace")
    accounts.set(3, "École", "xyz")
    book.save(path)
    done = subprocess.run(
        [sys.executable, str(ROOT / "run_audit.py"), "check", "--config", str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "SMTP_PASSWORD": "dans-l-environnement"},
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"La configuration contient 2 problèmes{NBSP}:")
    assert "registre.xlsx, feuille Comptes, ligne 2, colonne Réseau" in done.stderr
    assert "registre.xlsx, feuille Comptes, ligne 3, colonne École" in done.stderr


def test_what_people_do_to_a_sheet_is_tolerated(folder: Path):
    expected = load_registry(ROOT / "config")
    path = folder / "registre.xlsx"
    book = load_workbook(path)
    accounts = book["Comptes"]
    accounts.title = "COMPTES "  # another case, a trailing space
    # Two title rows above the header, the first one merged.
    accounts.insert_rows(1, 2)
    accounts["A1"] = "Registre des comptes 2026-2027"
    accounts.merge_cells("A1:F1")
    sheet = Sheet(accounts, header_row=3)
    # Headers with other case, no accents, extra spaces.
    accounts.cell(3, sheet.columns["Réseau"]).value = "  RESEAU "
    accounts.cell(3, sheet.columns["Nom déclaré"]).value = "nom   declare"
    # A hidden column of notes, and a hidden registry column (still read).
    accounts.cell(3, 20).value = "Notes internes"
    accounts.cell(4, 20).value = "appeler la direction"
    accounts.column_dimensions["T"].hidden = True
    accounts.column_dimensions["G"].hidden = True
    row = sheet.row_of("eqv-facebook")
    sheet.set(row, "Identifiant", "  eqv-facebook  ")  # spaces around
    sheet.set(row, "Compte sur le réseau", " EQVCSNO\u00a0")
    sheet.set(row, "Date de la permission", "2025-09-03")  # a date typed as text
    sheet.set(row, "Officiel", "OUI")
    other = sheet.row_of("eh-facebook")
    sheet.set(other, "Date de la permission", 45897)  # a date cell shown as a number (2025-08-28)
    sheet.set(other, "Officiel", True)
    numeric = sheet.row_of("eqv-x")
    sheet.set(numeric, "Compte sur le réseau", 1234567890)  # a number where text is expected
    formula = sheet.row_of("enf-x")
    sheet.set(formula, "École", '=LOWER("ENF")')  # a formula: its computed value counts
    sheet.set(formula, "Réseau", "X")  # a choice in capitals
    for empty in range(accounts.max_row + 1, accounts.max_row + 6):  # empty trailing rows
        accounts.cell(empty, 1).value = "  "
    schools = Sheet(book["Écoles"])
    schools.set(2, "Acronymes", "ÉQV\nEQV ; ")  # a line break, a trailing separator
    book.save(path)
    _cache_formula_value(path, "COMPTES ", f"B{formula}", "enf")

    loaded = load_registry(folder)
    by_id = {a.id: a for a in loaded.accounts}
    assert by_id["eqv-x"].handle == "1234567890"
    assert by_id["eh-facebook"].permission.date == dt.date(2025, 8, 28)
    assert loaded.schools[0].acronyms == ("ÉQV", "EQV")
    fixed = [
        a.model_copy(update={"handle": "1234567890"}) if a.id == "eqv-x" else a for a in expected.accounts
    ]
    schools_fixed = [
        expected.schools[0].model_copy(update={"acronyms": ("ÉQV", "EQV")}),
        *expected.schools[1:],
    ]
    assert loaded == expected.model_copy(update={"accounts": tuple(fixed), "schools": tuple(schools_fixed)})


def _cache_formula_value(path: Path, sheet_title: str, cell: str, value: str) -> None:
    """Give a formula the value a spreadsheet program would have computed and saved with it."""
    book = load_workbook(path, read_only=True)
    index = book.sheetnames.index(sheet_title) + 1
    book.close()
    member = f"xl/worksheets/sheet{index}.xml"
    with zipfile.ZipFile(path) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    xml = parts[member].decode()
    xml, count = re.subn(
        rf'<c r="{cell}"([^>]*)><f>([^<]*)</f><v\s*/?>(?:</v>)?',
        rf'<c r="{cell}"\1 t="str"><f>\2</f><v>{value}</v>',
        xml,
    )
    assert count == 1
    parts[member] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)


def test_missing_sheets_and_columns_are_reported_once(folder: Path):
    path = folder / "registre.xlsx"
    book = load_workbook(path)
    del book["Dérogations"]
    accounts = book["Comptes"]
    accounts.delete_cols(Sheet(accounts).columns["Réseau"])
    book.save(path)
    messages = [str(p) for p in problems_of(folder)]
    assert f"registre.xlsx{NBSP}: feuille «{NBSP}Dérogations{NBSP}» introuvable dans le classeur" in messages
    assert (
        f"registre.xlsx, feuille Comptes, ligne 1{NBSP}: colonne «{NBSP}Réseau{NBSP}» introuvable dans l’en-tête"
        in messages
    )
    assert len(messages) == 2  # not one « cellule vide » per account


def test_a_file_that_is_not_a_workbook_is_reported(folder: Path):
    (folder / "registre.xlsx").write_bytes(b"not a zip file at all")
    (problem,) = problems_of(folder)
    assert str(problem).startswith(
        f"registre.xlsx{NBSP}: fichier illisible{NBSP}: ce n’est pas un classeur Excel"
    )
    assert "Classeur Excel (.xlsx)" in str(problem)


def test_a_workbook_with_a_damaged_sheet_is_reported_without_traceback(folder: Path):
    path = folder / "registre.xlsx"
    with zipfile.ZipFile(path) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    comptes = "xl/worksheets/sheet4.xml"  # Lisez-moi, Conseil, Écoles, Comptes
    parts[comptes] = parts[comptes][: len(parts[comptes]) // 2]  # cut in the middle: broken XML
    with zipfile.ZipFile(path, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)
    (problem,) = problems_of(folder)
    assert "fichier illisible" in str(problem)


def test_an_accounts_sheet_with_only_its_header_is_reported(folder: Path):
    path = folder / "registre.xlsx"
    book = load_workbook(path)
    accounts = book["Comptes"]
    accounts.delete_rows(2, accounts.max_row)
    book.save(path)
    messages = [str(p) for p in problems_of(folder)]
    assert (
        f"registre.xlsx, feuille Comptes{NBSP}: aucune ligne sous l’en-tête{NBSP}: au moins une est attendue"
        in messages
    )
