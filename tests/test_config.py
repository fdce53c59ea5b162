"""Configuration loading: the real CSNO folder validates; every kind of fault is located, in French."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.config.load import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]
CHECKS = frozenset({"name.acronym", "plan.complete"})
NBSP = "\u00a0"

BROKEN_REGISTRY = """\
board:
  name: Conseil scolaire du Nord-Ouest
  suffix: CSNO
  website: https://www.csno.ab.ca
  email_domains: [csno.ab.ca]
  logo: logos/absent.png
  coordinator: {name: "C", email: communications@csno.ab.ca}
  direction_generale: {name: "D", email: dg@csno.ab.ca}

schools:
  - id: eqv
    name: École des Quatre-Vents
    website: https://eqv.csno.ab.ca
    email: eqv@csno.ab.ca
    logo: logos/not-an-image.png
    principal: {name: "P", email: direction.eqv@csno.ab.ca}
  - id: eh
    name: École Héritage
    email: eh@csno.ab.ca
    logo: logos/eh.png
    principal: {name: "P", email: direction.eh@csno.ab.ca}

accounts:
  - id: eqv-facebook
    school: eqv
    network: facebook
    handle: EQVCSNO
    name: "École des Quatre-Vents_CSNO (page officielle)"
    colour: bleu
    admins:
      - {name: "A", email: "pas-une-adresse", role: enseignant}
      - {name: "B", email: b@csno.ab.ca, role: concierge}
    permission: {approved_by: "P", date: 2025-13-45}
  - id: eqv-facebook
    school: nope
    network: myspace
    handle: other
    name: "x"
  - id: eqv-x
    school: eqv
    network: x
    handle: EQV_CSNO
    handle: EQV_CSNO2
    name: "École des Quatre-Vents_CSNO (page officielle)"
    exceptions:
      - {check: name.inexistant, reason: "r", until: 2027-06-30}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    return tmp_path / "config"


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(folder, known_checks=CHECKS)
    return [str(p) for p in caught.value.problems]


def test_the_csno_configuration_is_valid():
    config = load_config(ROOT / "config", known_checks=CHECKS)
    registry = config.registry
    assert {s.id for s in registry.schools} == {"eqv", "eh", "enf"}
    assert len(registry.accounts) == 15
    assert registry.school("eh").acronyms == ("ÉH",)
    assert config.settings.escalation.escalate_days == 30


def test_a_registry_with_many_faults_reports_each_one_located(folder: Path):
    (folder / "registry.yaml").write_text(BROKEN_REGISTRY, encoding="utf-8")
    (folder / "logos" / "not-an-image.png").write_text("ceci n'est pas une image")
    found = problems_of(folder)
    expected = [
        f"registry.yaml, ligne 6, board.logo{NBSP}: fichier de logo introuvable",
        f"registry.yaml, ligne 15, schools[0].logo{NBSP}: le fichier de logo n’est pas une image lisible",
        f"registry.yaml, ligne 17, schools[1].website{NBSP}: champ obligatoire manquant",
        f"registry.yaml, ligne 29, accounts[0].colour{NBSP}: clé inconnue",
        f"registry.yaml, ligne 31, accounts[0].admins[0].email{NBSP}: adresse courriel invalide",
        f"registry.yaml, ligne 32, accounts[0].admins[1].role{NBSP}: valeur inconnue «{NBSP}concierge{NBSP}»",
        f"registry.yaml, ligne 33, accounts[0].permission.date{NBSP}: date invalide",
        f"registry.yaml, ligne 36, accounts[1].network{NBSP}: valeur inconnue «{NBSP}myspace{NBSP}»",
        f"registry.yaml, ligne 43, accounts[2].handle{NBSP}: clé «{NBSP}handle{NBSP}» en double",
    ]
    for message in expected:
        assert any(p.startswith(message) for p in found), f"missing: {message}\nfound:\n" + "\n".join(found)


def test_cross_references_are_checked_once_the_shapes_are_right(folder: Path):
    text = (folder / "registry.yaml").read_text(encoding="utf-8")
    text = text.replace("  - id: eh-x\n    school: eh\n", "  - id: eqv-facebook\n    school: ecole-fantome\n")
    text = text.replace("check: name.acronym", "check: name.inventee")
    (folder / "registry.yaml").write_text(text, encoding="utf-8")
    found = problems_of(folder)
    assert any(
        ".id" in p and "identifiant de compte «\u00a0eqv-facebook\u00a0» en double" in p for p in found
    )
    assert any(".school" in p and "école inconnue «\u00a0ecole-fantome\u00a0»" in p for p in found)
    assert any(
        "exceptions[0].check" in p and "règle inconnue «\u00a0name.inventee\u00a0»" in p for p in found
    )
    assert all(p.startswith("registry.yaml, ligne ") for p in found)


def test_an_account_email_is_optional_and_checked(folder: Path):
    text = (folder / "registry.yaml").read_text(encoding="utf-8")
    declared = text.replace("  - id: eh-x\n", "  - id: eh-x\n    email: eh.x@csno.ab.ca\n", 1)
    (folder / "registry.yaml").write_text(declared, encoding="utf-8")
    config = load_config(folder, known_checks=CHECKS)
    assert {a.id: a.email for a in config.registry.accounts if a.email} == {
        "eqv-instagram": "eqv@csno.ab.ca",  # declared in the CSNO registry
        "eh-x": "eh.x@csno.ab.ca",
    }
    line = declared.splitlines().index("    email: eh.x@csno.ab.ca") + 1
    (folder / "registry.yaml").write_text(declared.replace("email: eh.x@csno.ab.ca", "email: eh-x"), "utf-8")
    found = problems_of(folder)
    assert len(found) == 1 and found[0].startswith(f"registry.yaml, ligne {line}, accounts[")
    assert f"].email{NBSP}: adresse courriel invalide" in found[0]


def test_the_same_account_declared_twice_is_an_error(folder: Path):
    text = (folder / "registry.yaml").read_text(encoding="utf-8")
    (folder / "registry.yaml").write_text(
        text.replace("handle: eqv_csno", "handle: EQV_CSNO\n    network: x", 1)
    )
    assert any("déclaré deux fois" in p or "en double" in p for p in problems_of(folder))


def test_yaml_syntax_errors_name_the_line(folder: Path):
    (folder / "registry.yaml").write_text("board:\n  name: [non fermé\nschools: []\n", encoding="utf-8")
    found = problems_of(folder)
    assert len(found) == 1
    assert found[0].startswith("registry.yaml, ligne ") and "syntaxe YAML" in found[0]


def test_settings_faults_are_reported_with_registry_faults(folder: Path):
    settings = (folder / "settings.yaml").read_text(encoding="utf-8")
    settings = settings.replace("security: starttls", "security: tls-maybe").replace(
        "timezone: America/Edmonton", "timezone: Mars/Olympus"
    )
    settings += "unknown_setting: 1\n"
    (folder / "settings.yaml").write_text(settings, encoding="utf-8")
    found = problems_of(folder)
    assert any(p.startswith("settings.yaml, ligne 11, smtp.security") for p in found), found
    assert any("timezone" in p and "fuseau horaire inconnu" in p for p in found)
    assert any("unknown_setting" in p and "clé inconnue" in p for p in found)


def test_a_missing_file_is_reported(folder: Path):
    (folder / "settings.yaml").unlink()
    assert any(p.startswith("settings.yaml") and "introuvable" in p for p in problems_of(folder))


def test_registry_findings_are_not_configuration_errors(folder: Path):
    """One admin, no permission, an incomplete plan, a gmail admin: findings of the audit, not errors."""
    config = load_config(folder, known_checks=CHECKS)
    volleyball = next(a for a in config.registry.accounts if a.id == "eh-volleyball-instagram")
    assert len(volleyball.admins) == 1
    assert next(a for a in config.registry.accounts if a.id == "eh-x").permission is None


def run_cli(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "run_audit.py"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_command_prints_a_french_summary():
    done = run_cli("check", env={**os.environ, "SMTP_PASSWORD": "dans-l-environnement"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"Configuration valide{NBSP}: 3 écoles, 15 comptes "
        "(page Facebook 4, groupe Facebook 1, Instagram 4, X 5, YouTube 1)."
    )


def test_a_broken_configuration_exits_2_without_traceback(folder: Path):
    (folder / "registry.yaml").write_text(BROKEN_REGISTRY, encoding="utf-8")
    done = run_cli("check", "--config", str(folder))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("La configuration contient ")
    assert done.stderr.count("\n  - registry.yaml, ligne ") >= 10
