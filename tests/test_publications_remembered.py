"""What the night's tools remember so as not to read the same thing twice, and what they never skip."""

from __future__ import annotations

from dataclasses import replace

import pytest
from corpus.publications import labelled

from scanner.checks.publications import TEXT_CHECKS, assess_post
from scanner.publications import person_names, post
from scanner.publications.person_names import known_names, student_names
from scanner.publications.post import Post

SHARED = "Joyeux anniversaire à Mia Lavoie qui a 9 ans aujourd'hui! Les élèves on adoré la fête."


class Counting:
    """spaCy's pipeline, counting the texts it reads."""

    def __init__(self, nlp):
        self.nlp = nlp
        self.read: list[str] = []

    def __call__(self, text, *args, **kwargs):
        self.read.append(text)
        return self.nlp(text, *args, **kwargs)


@pytest.fixture
def tools():
    return replace(labelled.tools_with_grammalecte(), nlp=Counting(labelled.tools().nlp))


def test_the_same_text_on_two_accounts_is_read_once_with_the_same_verdicts(tools):
    first = assess_post(Post(id="eqv_1", text=SHARED), tools)
    second = assess_post(Post(id="bea_7", text=SHARED), tools)
    assert first == second
    assert {v.check for v in first} == set(TEXT_CHECKS)
    assert {v.check: v.outcome.status.value for v in first} == {
        "content.french": "non_conforme",
        "content.personal-info": "non_conforme",
        "content.conduct": "conforme",
    }
    assert len(tools.nlp.read) == 1  # the model read the shared text once
    fresh = replace(tools, nlp=Counting(tools.nlp.nlp))  # other tools (another night): their own memory
    assert fresh.remembered == {}
    assert assess_post(Post(id="eqv_1", text=SHARED), fresh) == first


def test_the_memory_is_bounded_and_forgotten(tools, monkeypatch):
    monkeypatch.setattr(post, "REMEMBERED", 4)
    for number in range(5):
        assess_post(Post(id=str(number), text=f"Bonne semaine à tous, groupe {number}."), tools)
    assert len(tools.remembered) == 4
    assert ("content.french", "Bonne semaine à tous, groupe 4.") in tools.remembered
    assert ("content.french", "Bonne semaine à tous, groupe 0.") not in tools.remembered
    tools.grammalecte.suggest("biblioteque")
    assert "biblioteque" in tools.grammalecte.suggestions
    tools.forget()
    assert tools.remembered == {} and tools.grammalecte.suggestions == {}


def test_a_words_suggestions_are_looked_for_once(tools):
    engine = tools.grammalecte
    engine.forget()
    found = engine.suggest("biblioteque")
    assert "bibliothèque" in found
    found.append("altered by a caller")
    assert engine.suggest("biblioteque") == engine.suggestions["biblioteque"] != found


def test_the_model_reads_only_sentences_that_can_hold_a_full_name(tools):
    text = "Bravo à notre élève de 6e année pour son prix! Joyeux anniversaire à Léa Roy, qui a 8 ans."
    found = student_names(text, tools.nlp, tools.staff, tools.places)
    assert [f.span.text for f in found] == ["Léa Roy"]
    assert [t.strip() for t in tools.nlp.read] == [
        "Joyeux anniversaire à Léa Roy, qui a 8 ans."
    ]  # not the first


def test_staff_names_are_folded_once_as_the_check_compares_them():
    assert known_names(["Julie Côté", "Rémi GAUTHIER (direction)"]) == {"julie côté", "rémi gauthier"}
    text = "Joyeux anniversaire à Rémi Gauthier, notre enseignant de 6e année, qui a 40 ans!"
    nlp = labelled.tools().nlp
    assert student_names(text, nlp, known_names(["Rémi Gauthier (direction)"])) == []
    assert person_names.known_names([]) == frozenset()
