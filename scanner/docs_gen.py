"""Generate `docs/regles/<id>.md`, one French page per DA 142 check, from its declaration.

    python -m scanner.docs_gen            # write the pages (and the index)
    python -m scanner.docs_gen --check    # exit 1 if a page is missing or stale

`tests/test_docs_regles.py` runs the same comparison: a check declared
without its sections, or a page not regenerated after a change, fails.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scanner.checks.base import GENERIC_SUPPORT, Check
from scanner.checks.catalogue import all_checks
from scanner.plumbing.french import NBSP

DOCS = Path(__file__).resolve().parents[1] / "docs" / "regles"
SECTIONS = ("Ce que vérifie la règle", "Pourquoi", "Comment corriger")
SEVERITY_LABELS = {"critique": "critique", "majeure": "majeure", "mineure": "mineure", "info": "information"}
_HEADER = "<!-- Page générée par `python -m scanner.docs_gen` depuis la déclaration de la règle, ne pas modifier à la main. -->"


def render(check: Check) -> str:
    """The Markdown page of one check."""
    lines = [
        _HEADER,
        "",
        f"# `{check.id}`{NBSP}: {check.title}",
        "",
        f"- **Article de la DA 142**{NBSP}: {check.clause}",
        f"- **Gravité**{NBSP}: {SEVERITY_LABELS[check.severity.value]}",
        f"- **Réseaux**{NBSP}: {_networks(check)}",
        f"- **Données de la plateforme**{NBSP}: {'oui' if check.needs_platform else 'non (registre seulement)'}",
        "",
    ]
    for heading, text in zip(
        SECTIONS, (check.verifies, check.why, check.fix_for(GENERIC_SUPPORT)), strict=True
    ):
        lines += [f"## {heading}", "", text, ""]
    return "\n".join(lines)


def render_index(checks: list[Check]) -> str:
    lines = [
        _HEADER,
        "",
        "# Règles de la DA 142 vérifiées par Vigie",
        "",
        "| règle | article | gravité | titre |",
        "| --- | --- | --- | --- |",
    ]
    for check in checks:
        lines.append(
            f"| [`{check.id}`]({check.id}.md) | {check.clause} | "
            f"{SEVERITY_LABELS[check.severity.value]} | {check.title} |"
        )
    return "\n".join(lines) + "\n"


def expected_pages() -> dict[str, str]:
    """File name -> content of every page that should exist."""
    checks = all_checks()
    pages = {f"{check.id}.md": render(check) for check in checks}
    pages["README.md"] = render_index(checks)
    return pages


def problems(folder: Path = DOCS) -> list[str]:
    """Missing sections, missing or stale pages, pages of checks that no longer exist."""
    found = []
    for check in all_checks():
        for heading, text in zip(SECTIONS, (check.verifies, check.why, check.fix), strict=True):
            if not text.strip():
                found.append(f"{check.id}: section «\u00a0{heading}\u00a0» vide")
    expected = expected_pages()
    for name, content in expected.items():
        path = folder / name
        if not path.exists():
            found.append(f"{name}: page manquante")
        elif path.read_text(encoding="utf-8") != content:
            found.append(f"{name}: page périmée (relancez python -m scanner.docs_gen)")
    if folder.exists():
        for path in sorted(folder.glob("*.md")):
            if path.name not in expected:
                found.append(f"{path.name}: page d'une règle qui n'existe plus")
    return found


def write(folder: Path = DOCS) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in expected_pages().items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
            written.append(path)
    return written


def _networks(check: Check) -> str:
    if check.networks is None:
        return "tous"
    return ", ".join(sorted(check.networks))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate docs/regles/ from the check declarations.")
    parser.add_argument("--check", action="store_true", help="only report missing or stale pages")
    args = parser.parse_args(argv)
    if args.check:
        issues = problems()
        for issue in issues:
            print(issue)
        return 1 if issues else 0
    for path in write():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
