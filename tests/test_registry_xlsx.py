"""registre.xlsx: the registry as a workbook. Round trips lose nothing, the export is a workbook the
coordinator can keep (validations, frozen headers, widths, « Lisez-moi »), the CLI exports both
ways, and a folder never holds both forms."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from benchmarks.registry_gen import write_registry
from scanner.config.load import ConfigError, load_config, load_registry
from scanner.config.registry_export import export_xlsx, export_yaml
from scanner.config.xlsx_layout import SHEETS
from scanner.config.xlsx_read import FORMULA_ERRORS

ROOT = Path(__file__).resolve().parents[1]
NBSP = "\u00a0"


def xlsx_folder(source: Path, target: Path) -> Path:
    """A copy of a configuration folder whose registry is kept as registre.xlsx."""
    shutil.copytree(source, target)
    registry = load_registry(target)
    (target / "registry.yaml").unlink()
    export_xlsx(registry, target / "registre.xlsx")
    return target


def round_trip(folder: Path, tmp_path: Path) -> None:
    """YAML -> XLSX -> YAML gives the same parsed registry, at each step."""
    original = load_registry(folder)
    via_xlsx = xlsx_folder(folder, tmp_path / "xlsx")
    from_xlsx = load_registry(via_xlsx)
    assert from_xlsx == original
    back = tmp_path / "back"
    shutil.copytree(via_xlsx, back)
    (back / "registre.xlsx").unlink()
    export_yaml(from_xlsx, back / "registry.yaml")
    assert load_registry(back) == original


def test_the_csno_registry_survives_the_round_trip(tmp_path: Path):
    round_trip(ROOT / "config", tmp_path)


def test_a_generated_1000_account_registry_survives_the_round_trip(tmp_path: Path):
    write_registry(1000, tmp_path / "generated")
    shutil.copy(ROOT / "config" / "settings.yaml", tmp_path / "generated")
    registry = load_registry(tmp_path / "generated")
    # The generator covers what a round trip could lose.
    assert len(registry.accounts) == 1000 and registry.board.technician is not None
    assert any(a.exceptions for a in registry.accounts)
    assert any(a.permission and a.permission.date is None for a in registry.accounts)
    assert any(a.handle.isdigit() for a in registry.accounts)
    assert any(a.name.startswith("=") for a in registry.accounts)
    assert any("\r\n" in e.reason for a in registry.accounts for e in a.exceptions)
    round_trip(tmp_path / "generated", tmp_path)


TEXT = (
    st.text(
        st.characters(whitelist_categories=("L", "N", "P", "S", "Zs"), whitelist_characters="\n\r\t"),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(lambda text: text and text not in FORMULA_ERRORS)
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=TEXT, reason=TEXT, objectif=TEXT)
def test_any_text_survives_the_workbook(tmp_path: Path, name: str, reason: str, objectif: str):
    """Whatever the coordinator writes (guillemets, « ; », line breaks, =, emoji) comes back as is."""
    base = load_registry(ROOT / "config")
    last = base.accounts[-1]
    account = last.model_copy(
        update={
            "name": name,
            "plan": last.plan.model_copy(update={"objectif": objectif}),
            "exceptions": (last.exceptions[0].model_copy(update={"reason": reason}),),
        }
    )
    registry = base.model_copy(update={"accounts": (*base.accounts[:-1], account)})
    folder = tmp_path / "property"
    if not folder.exists():
        shutil.copytree(ROOT / "config" / "logos", folder / "logos")
    export_xlsx(registry, folder / "registre.xlsx")
    assert load_registry(folder).accounts[-1] == account


def test_the_whole_configuration_loads_from_a_workbook(tmp_path: Path):
    folder = xlsx_folder(ROOT / "config", tmp_path / "config")
    assert load_config(folder).registry == load_config(ROOT / "config").registry


def test_the_export_is_a_workbook_the_coordinator_can_keep(tmp_path: Path):
    folder = xlsx_folder(ROOT / "config", tmp_path / "config")
    workbook = load_workbook(folder / "registre.xlsx")
    assert workbook.sheetnames == [
        "Lisez-moi",
        "Conseil",
        "Écoles",
        "Comptes",
        "Administrateurs",
        "Dérogations",
    ]
    accounts = workbook["Comptes"]
    assert accounts.freeze_panes == "B2"
    assert all(workbook[s.name].freeze_panes for s in SHEETS)
    assert accounts.column_dimensions["F"].width == 40  # Nom déclaré
    lists = {str(dv.sqref).split(":")[0]: dv for dv in accounts.data_validations.dataValidation}
    assert lists["C2"].formula1 == '"facebook,facebook_group,instagram,x,youtube"'  # Réseau
    assert lists["E2"].formula1 == '"oui,non"'  # Officiel
    assert lists["K2"].errorStyle == "information"  # Calendrier: free text allowed after a message
    assert lists["M2"].type == "date"
    assert lists["B2"].formula1 == "'Écoles'!$A$2:$A$1048576"
    rule_list = next(
        dv.formula1
        for dv in workbook["Dérogations"].data_validations.dataValidation
        if str(dv.sqref).startswith("B2")
    )
    first_rule = re.match(r"'Lisez-moi'!\$A\$(\d+):\$A\$(\d+)$", rule_list)
    assert workbook["Lisez-moi"].cell(int(first_rule[1]), 1).value == "permission.on-file"
    roles = workbook["Administrateurs"].data_validations.dataValidation
    assert any(dv.formula1 == '"enseignant,direction,personnel"' for dv in roles)
    # Real dates, lists in one cell.
    first = [cell.value for cell in accounts[2]]
    assert first[0] == "eqv-facebook" and first[12].date().isoformat() == "2025-09-03"
    assert accounts["M2"].number_format == "yyyy-mm-dd"
    assert workbook["Conseil"]["D2"].value == "csno.ab.ca"
    # « Lisez-moi » explains every column with its clause, and lists the rules a derogation may name.
    readme = [[cell.value for cell in row] for row in workbook["Lisez-moi"].iter_rows()]
    explained = {(row[0], row[1]): row[4] for row in readme if row[1]}
    for sheet in SHEETS:
        for column in sheet.columns:
            assert explained[(sheet.name, column.header)] == column.clause
    assert explained[("Comptes", "Réseau")] == "§5.c"
    assert any(row[0] == "name.acronym" and row[1] == "§5.e" for row in readme)
    assert any(NBSP + ":" in (row[3] or "") for row in readme)  # French spacing


def test_no_registry_text_becomes_a_formula(tmp_path: Path):
    write_registry(200, tmp_path / "generated")
    registry = load_registry(tmp_path / "generated")
    tricky = [a for a in registry.accounts if a.name.startswith(("=", "+", "-", "@"))]
    assert tricky
    path = tmp_path / "registre.xlsx"
    export_xlsx(registry, path)
    with zipfile.ZipFile(path) as package:
        sheets = [name for name in package.namelist() if name.startswith("xl/worksheets/")]
        assert not any("<f>" in package.read(name).decode() for name in sheets)
        # Text in a shared-string table, as Excel and LibreOffice save it (and faster to read).
        assert not any("inlineStr" in package.read(name).decode() for name in sheets)
        assert "xl/sharedStrings.xml" in package.namelist()
    cells = {c.value: c for row in load_workbook(path)["Comptes"].iter_rows() for c in row}
    for account in tricky:
        assert cells[account.name].data_type == "s"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "run_audit.py"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "SMTP_PASSWORD": "dans-l-environnement"},
    )


def test_registry_export_both_ways_from_the_command_line(tmp_path: Path):
    folder = tmp_path / "config"
    shutil.copytree(ROOT / "config", folder)
    (folder / "registry.yaml").rename(tmp_path / "registry.yaml")
    done = run_cli(
        "registry", "export", "--config", str(ROOT / "config"), "--xlsx", str(folder / "registre.xlsx")
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Registre écrit dans ")
    checked = run_cli("check", "--config", str(folder))
    assert checked.returncode == 0, checked.stderr
    count = len(load_registry(ROOT / "config").accounts)
    assert checked.stdout.startswith(f"Configuration valide{NBSP}: 3 écoles, {count} comptes")
    exported = tmp_path / "exported.yaml"
    assert run_cli("registry", "export", "--config", str(folder), "--yaml", str(exported)).returncode == 0
    shutil.copy(exported, tmp_path / "back.yaml")
    assert "eqv-facebook" in exported.read_text(encoding="utf-8")


def test_registry_export_of_a_broken_registry_lists_the_problems(tmp_path: Path):
    folder = tmp_path / "config"
    shutil.copytree(ROOT / "config", folder)
    text = (folder / "registry.yaml").read_text(encoding="utf-8")
    (folder / "registry.yaml").write_text(
        text.replace("network: x\n", "network: myspace\n", 1), encoding="utf-8"
    )
    done = run_cli("registry", "export", "--config", str(folder), "--xlsx", str(tmp_path / "out.xlsx"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "myspace" in done.stderr and not (tmp_path / "out.xlsx").exists()


def test_registry_export_needs_a_target():
    done = run_cli("registry", "export")
    assert done.returncode == 2 and "registry export --xlsx FILE" in done.stderr
    assert run_cli("check", "--xlsx", "x.xlsx").returncode == 2


def test_both_forms_in_one_folder_is_an_error_naming_the_one_to_keep(tmp_path: Path):
    folder = tmp_path / "config"
    shutil.copytree(ROOT / "config", folder)
    export_xlsx(load_registry(folder), folder / "registre.xlsx")  # newer than registry.yaml
    with pytest.raises(ConfigError) as caught:
        load_config(folder)
    (problem,) = caught.value.problems
    assert "registry.yaml et registre.xlsx sont tous deux" in str(problem)
    assert re.search(
        r"Gardez registre\.xlsx \(le plus récemment modifié\) et retirez registry\.yaml", str(problem)
    )
    done = run_cli("check", "--config", str(folder))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "tous deux" in done.stderr


def test_a_folder_without_a_registry_names_both_forms(tmp_path: Path):
    folder = tmp_path / "config"
    shutil.copytree(ROOT / "config", folder)
    (folder / "registry.yaml").unlink()
    with pytest.raises(ConfigError) as caught:
        load_config(folder)
    assert any("registry.yaml ou registre.xlsx" in str(p) for p in caught.value.problems)


def test_published_phone_numbers_survive_the_workbook_and_a_wrong_one_is_located(tmp_path: Path):
    """board.phone and schools[].phone (« Téléphone »: the numbers a post may show, issue 16)."""
    folder = xlsx_folder(ROOT / "config", tmp_path / "xlsx")
    registry = load_registry(folder)
    assert registry.board.phone == "780 555-0000"
    assert [s.phone for s in registry.schools] == ["780 555-0100", "780 555-0200", "780 555-0300"]
    workbook = load_workbook(folder / "registre.xlsx")
    sheet = workbook["Écoles"]
    header = [c.value for c in next(sheet.iter_rows(min_row=1, max_row=1))]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "eh")
    row[header.index("Téléphone")].value = "555"
    workbook.save(folder / "registre.xlsx")
    with pytest.raises(ConfigError) as caught:
        load_registry(folder)
    [problem] = [str(p) for p in caught.value.problems]
    assert problem.startswith("registre.xlsx, feuille Écoles, ligne ") and "colonne Téléphone" in problem
    assert "numéro de téléphone invalide" in problem
