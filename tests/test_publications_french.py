"""content.french: Grammalecte reached from .venv, never `conforme` without it; what is never flagged."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from corpus.publications import labelled

from scanner.checks.base import Status
from scanner.checks.publications import content_french
from scanner.publications import dictionary, grammalecte_engine, masking
from scanner.publications.french import FrenchReport, check_french
from scanner.publications.post import Post

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tools():
    return labelled.tools_with_grammalecte()


def test_the_virtual_environment_reaches_debians_grammalecte():
    """`make setup` links Debian's package into .venv; CI installs the package (.ci/run)."""
    if not Path(grammalecte_engine.DEBIAN_PATH).is_dir():
        assert not os.environ.get("CI"), "CI must install python3-grammalecte (.ci/run)"
        pytest.skip("python3-grammalecte is not installed on this machine")
    found = subprocess.run(
        [sys.executable, "-c", "import grammalecte, os; print(os.path.realpath(grammalecte.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert found.startswith(grammalecte_engine.DEBIAN_PATH)
    pth = list(Path(sys.prefix).glob("lib/python3*/site-packages/debian-grammalecte.pth"))
    assert pth, "the .pth file of `make setup` is missing"
    linked = Path(pth[0].read_text().strip())
    assert sorted(p.name for p in linked.iterdir()) == ["grammalecte"]  # nothing else of Debian's leaks in


def test_without_grammalecte_the_check_is_not_verifiable_with_the_command():
    without = dataclasses.replace(labelled.tools(), grammalecte=None)
    verdict = content_french(Post(id="1", text="Les élèves on adoré la sortie."), without)
    assert verdict.outcome.status is Status.NON_VERIFIABLE
    assert "apt-get install python3-grammalecte" in verdict.outcome.detail
    clean = content_french(Post(id="2", text="Bonne rentrée à tous!"), without)
    assert clean.outcome.status is Status.NON_VERIFIABLE  # never conforme


def test_hashtags_mentions_links_and_emoji_are_never_flagged(tools):
    text = (
        "Bravo à nos #Huskiesfrancos et à @ecole_eqv! 🏐🎉 Détails sur https://eqv.csno.ab.ca/nouvelles?id=12 "
        "et www.csno.ab.ca. Écrivez à eqv@csno.ab.ca. #fiertéfrancophone #ÉQV2025 👍🏽"
    )
    report = check_french(text, tools.grammalecte, tools.words, tools.phrases)
    assert report.findings == ()


def test_a_post_of_only_hashtags_links_and_emoji_is_not_read_as_english(tools):
    for text in (
        "#Huskies #fiertéfrancophone 🎉🎉",
        "https://www.csno.ab.ca/ecoles 👍🏽",
        "@ecole_eqv #ÉQV2025",
    ):
        assert not masking.has_words(text)
        report = check_french(text, tools.grammalecte, tools.words, tools.phrases)
        assert report == FrenchReport(findings=(), english=())
        verdict = content_french(Post(id="1", text=text), tools)
        assert verdict.outcome.status is Status.CONFORME
        assert verdict.outcome.detail is None  # before: « passage en anglais : #Huskies #fiertéfrancophone »
    assert masking.has_words("#Huskies bravo!")
    assert masking.has_words("a@b.ca#tag")  # as `mask` reads it: « #tag » glued to the address is prose


def test_english_passages_are_set_aside_and_shown(tools):
    text = "Spirit week starts Monday! Les élèves pourront porter leur pyjama mercredi."
    report = check_french(text, tools.grammalecte, tools.words, tools.phrases)
    assert report.findings == ()
    assert [s.text for s in report.english] == ["Spirit week starts Monday"]
    verdict = content_french(Post(id="1", text=text), tools)
    assert verdict.outcome.status is Status.CONFORME
    assert verdict.outcome.detail == "passage en anglais\u00a0: «\u00a0Spirit week starts Monday\u00a0»"


def test_each_family_comes_with_its_suggestion(tools):
    cases = {
        "Les élèves sont allé au musée.": ("agreement", "allé", "allés"),
        "Nous avons visiter la ferme.": ("participle", "visiter", "visité"),
        "Les enfants mangent des pomme.": ("agreement", "pomme", "pommes"),
        "Merci a tous les bénévoles.": ("homophone", "a", "à"),
        "Les élèves ont visité la bibliotèque.": ("spelling", "bibliotèque", "bibliothèque"),
    }
    for text, (family, word, suggestion) in cases.items():
        [finding] = check_french(text, tools.grammalecte, tools.words, tools.phrases).findings
        assert (finding.family, finding.span.text) == (family, word), text
        assert suggestion in finding.suggestion, (text, finding.suggestion)


def test_the_board_dictionary_accepts_words_and_set_expressions(tools):
    text = "Les élèves ont mangé de la bannique et de la sagamité."
    [finding] = check_french(text, tools.grammalecte, tools.words, tools.phrases).findings
    assert finding.span.text == "sagamité"
    words = tools.words | dictionary.parse("sagamité  # mets autochtone")
    assert check_french(text, tools.grammalecte, words, tools.phrases).findings == ()
    seeded = dictionary.load(ROOT / "config" / "dictionnaire.txt")
    for word in ("courriel", "magasiner", "franco-albertain", "égoportrait", "falher", "annie"):
        assert dictionary.accepts(seeded, word), word
    assert "portes ouvertes" in dictionary.load_phrases(ROOT / "config" / "dictionnaire.txt")


def test_typography_and_capitalised_names_are_not_errors(tools):
    text = (
        "Rendez-vous le 1er octobre : soirée d'information, 18 h. Merci à Mme Bérubé et à Kayden Nakamura !"
    )
    assert check_french(text, tools.grammalecte, tools.words, tools.phrases).findings == ()
