"""One place for each decision: which account this is, the no-break space, the French helpers."""

from __future__ import annotations

import ast
from pathlib import Path

from scanner.config.models import Network, account_key
from scanner.discovery.sites import parse_social_url

SCANNER = Path(__file__).resolve().parents[1] / "scanner"
ONE_HOME = {
    "account_key": "scanner/config/models.py",
    "NBSP": "scanner/plumbing/french.py",
    "quoted": "scanner/plumbing/french.py",
    "listing": "scanner/plumbing/french.py",
    "date_long": "scanner/plumbing/french.py",
    "percent": "scanner/plumbing/french.py",
    "platform_gate": "scanner/checks/base.py",
    "mentions_board": "scanner/checks/texts.py",
    "AccountOutcome": "scanner/night/outcomes.py",
}


def definitions() -> dict[str, list[str]]:
    """Every module-level name defined in `scanner` (functions, classes, assignments) -> its files."""
    found: dict[str, list[str]] = {}
    for path in sorted(SCANNER.rglob("*.py")):
        where = str(path.relative_to(SCANNER.parent))
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names = [node.target.id]
            else:
                names = []
            for name in names:
                found.setdefault(name, []).append(where)
    return found


def test_each_decision_is_defined_once() -> None:
    defined = definitions()
    assert {name: defined.get(name) for name in ONE_HOME} == {name: [home] for name, home in ONE_HOME.items()}


def test_no_other_module_spells_its_own_no_break_space() -> None:
    for path in SCANNER.rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                assert node.value.value != "\u00a0" or path.name == "french.py", path


def test_account_key_platform_and_handle() -> None:
    assert account_key(Network.FACEBOOK, "@EQV_CSNO ") == ("facebook", "eqv_csno")
    assert account_key("facebook_group", "eqv_csno") == account_key("facebook", "EQV_CSNO")
    assert account_key("x", "eqv") != account_key("instagram", "eqv")


def test_discovery_and_the_registry_agree_on_the_key() -> None:
    link = parse_social_url("https://www.facebook.com/EQV_CSNO")
    assert link is not None and link.key == account_key(Network.FACEBOOK, "@eqv_csno")
