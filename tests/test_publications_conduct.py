"""content.conduct: inflected forms, innocent contexts, confidential topics to check; and the checks'
place in the catalogue (declared once, judged per post, never per account)."""

from __future__ import annotations

from pathlib import Path

from checks_factory import account, context, good_snapshot

from scanner.checks.catalogue import all_checks
from scanner.checks.runner import evaluate
from scanner.publications.conduct import DATA, find_conduct, load_lexicon

LEXICON = load_lexicon()


def found(text):
    return [(f.family, f.span.text) for f in find_conduct(text, LEXICON)]


def test_inflected_forms_are_found():
    assert found("Quelle bande de connards!") == [("obscenity", "connards")]
    assert found("Ils ont crissé leur camp.") == [("obscenity", "crissé")]
    assert found("Tabarnak qu'il fait froid.") == [("obscenity", "Tabarnak")]
    assert found("Arrêtez de nous emmerder.") == [("obscenity", "emmerder")]


def test_innocent_contexts_are_not_obscene():
    for text in (
        "La chatte de la classe a eu trois chatons.",
        "Le cul-de-sac derrière l'école est fermé.",
        "Du chili con carne au dîner!",
        "Le concours de dessin, la conférence et le concert.",
        "Nos élèves ont bien travaillé : quel bordereau bien rempli!",
    ):
        assert found(text) == [], text


def test_confidential_topics_are_to_check():
    [finding] = find_conduct("Une poursuite judiciaire a été intentée.", LEXICON)
    assert (finding.family, finding.to_check) == ("confidential", True)
    assert found("Les élèves ont goûté l'avocat et la mangue.") == []
    assert found("Élection du conseil étudiant jeudi!") == []


def test_the_list_names_its_source_and_licence():
    head = (DATA / "grossieretes.txt").read_text(encoding="utf-8")[:1200]
    assert "LDNOOBW" in head and "CC BY 4.0" in head
    assert Path(DATA / "confidentiel.txt").exists()


def test_content_checks_are_declared_per_post_and_never_run_per_account():
    content = [c for c in all_checks() if c.id.startswith("content.")]
    assert sorted(c.id for c in content) == [
        "content.conduct", "content.faces", "content.french", "content.personal-info"
    ]  # fmt: skip
    assert all(c.per_post and c.networks == {"facebook", "instagram", "x", "youtube"} for c in content)
    acc = account("eqv-facebook")
    snapshot = good_snapshot(acc)
    results = evaluate(acc, snapshot, context({acc.id: snapshot}))
    assert results and not [r for r in results if r.check.startswith("content.")]
