"""docs/regles/ is generated from the check declarations and kept honest by this test."""

from __future__ import annotations

from scanner.checks.catalogue import ORDER, all_checks
from scanner.docs_gen import DOCS, SECTIONS, problems, render


def test_every_spec_check_is_declared_once():
    ids = [check.id for check in all_checks()]
    assert ids[: len(ORDER)] == list(ORDER)
    assert len(ids) == len(set(ids))


def test_every_check_has_its_french_sections():
    for check in all_checks():
        page = render(check)
        for heading in SECTIONS:
            assert f"## {heading}" in page, (check.id, heading)
        for text in (check.title, check.verifies, check.why, check.fix):
            assert text.strip(), check.id
            assert " ;" not in text and " !" not in text and " ?" not in text, (check.id, text)
            assert " :" not in text.replace("\u00a0:", ""), (check.id, text)


def test_pages_are_present_and_fresh():
    issues = problems(DOCS)
    assert not issues, "\n".join(issues) + "\n-> python -m scanner.docs_gen"
