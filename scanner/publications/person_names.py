"""A person's full name in a student context (§3.b): « Léa Tremblay, élève de 6e année, a 11 ans ».

spaCy's French model (`fr_core_news_sm`, a pip package: nothing is downloaded at run
time) finds the names; only its tokenizer, tok2vec and NER run. A name counts when:
- it has at least two capitalised words (a first name alone does not identify);
- it is not a staff title and a surname (« Mme Dubé », « M. Roy »);
- the greeting words the model takes for names are dropped first (« Joyeux », « Bravo »…);
- it is not a staff member of the registry (`staff`);
- its sentence has a student context (« élève », « 6e année », « anniversaire », « 11 ans », « né le »…).
The model runs only on posts where a student context appears at all.
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


@cache
def load_model() -> Any:
    """spaCy's small French model, with only what names need (about 1 s to load, once).

    spaCy is imported here, not at the top: its import alone costs about a second, which only
    the night that reads posts should pay (every `import scanner.checks` would otherwise).
    """
    import spacy  # lazy: a second to import, paid only by the night that reads posts

    return spacy.load(MODEL, exclude=["parser", "lemmatizer", "morphologizer", "attribute_ruler", "senter"])


def student_names(
    text: str, nlp: Any, staff: Iterable[str] = (), places: Iterable[str] = ()
) -> list[ContentFinding]:
    """Full names of people in a sentence with a student context; `places` are the board dictionary's
    names of several words (places, schools): the model's « LOC » among them are not people."""
    if not STUDENT_CONTEXT.search(text):
        return []
    staff_names = {_fold(name) for name in staff}
    known_places = {_fold(name) for name in places}
    findings = []
    for sentence in _SENTENCE.finditer(text):
        chunk = sentence.group()
        if not STUDENT_CONTEXT.search(chunk):
            continue
        doc = nlp(chunk)
        for ent in doc.ents:
            if ent.label_ not in {"PER", "LOC", "MISC"}:
                continue
            before = doc[ent.start - 1].text.casefold() if ent.start else ""
            if before in _NAMED_THING_BEFORE:
                continue
            words = _name_words([token.text for token in ent])
            if words is None or _fold(" ".join(words)) in staff_names:
                continue
            if ent.label_ != "PER" and (
                _fold(" ".join(words)) in known_places
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
