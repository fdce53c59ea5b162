"""Does a name present itself as a school's or the board's? Pure; used by `account.unregistered`.

A name resembles « École des Quatre-Vents » when it has
- every *distinctive* word of it (« quatre », « vents »: not « école », « des »), each
  spelled closely enough to be a typo or a variant (« Qautre », « Vent », « 4 »), and
- a word saying what it is (« école », « éc. », « school », the school's acronym or the
  board's suffix; for the board: « conseil », « scolaire », « CS », « CSNO »…),
or when the whole name, glued, contains the target's (« conseilscolairedunordouest »), or
when it carries both the school's acronym and the board's suffix (« ENF CSNO Info », « eqvcsno »),
or, for the board, its acronym as a word (« CSNO Info »).
A distinctive word inside a hyphenated compound with a word of its own makes another name:
« École Sommet-Bleu » is not « École du Sommet » (as « Nord-Est » is not « Nord-Ouest »).

Words, not characters: « Conseil scolaire du Nord-Est » is another board, one word apart
(« est » for « ouest »), while a character-level score puts it at 97 % of « …du Nord-Ouest »,
above most typos. `tests/test_name_likeness.py` holds the labelled names this was set on
(look-alikes, and the real neighbouring boards, schools and town pages that must not match)
and prints the margins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import DamerauLevenshtein

from scanner.checks.unicode_names import fold

# Between two words, 0–100: 100 × (1 − Damerau-Levenshtein distance / longer length), so one
# typo (a letter missing, added, changed or two swapped) in a word of five letters or more
# scores at least 80, while « est »/« ouest » scores 60 and « sud »/« nord » 25.
WORD_SIMILARITY = 70
SCHOOL_WORDS = frozenset({"ecole", "ecoles", "ec", "school"})
BOARD_WORDS = frozenset({"conseil", "scolaire", "cs", "board", "division"})
ARTICLES = frozenset({"du", "des", "de", "la", "le", "les", "l", "d", "et"})
GENERIC = SCHOOL_WORDS | BOARD_WORDS | ARTICLES  # never distinctive
NUMBERS = ("zero", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix")
_CAMEL = re.compile(r"(?<=[a-zà-ÿ])(?=[A-ZÀ-Þ])")
_COMPOUND = re.compile(r"\w+(?:-\w+)+")


@dataclass(frozen=True)
class Target:
    """A name to protect: a school's or the board's, with the words that say what it is."""

    name: str
    kinds: frozenset[str]  # folded words, one of which a look-alike must carry
    tags: frozenset[str] = frozenset()  # acronym + suffix, glued both ways: « enfcsno », « csnoenf »


def words(text: str) -> list[str]:
    """Folded words, camel case split (« ÉcoleDesQuatreVents »), digits as French words."""
    folded = fold(_CAMEL.sub(" ", text)).split()
    return [NUMBERS[int(w)] if w.isdigit() and int(w) < len(NUMBERS) else w for w in folded]


def resembles(name: str, target: Target) -> bool:
    said, meant = words(name), words(target.name)
    if other_compound(name, meant):
        return False
    if "".join(meant) in "".join(said) or target.tags & {*said, *_pairs(said)}:
        return True
    return bool(target.kinds & set(said)) and word_score(said, meant) >= WORD_SIMILARITY


def _pairs(said: list[str]) -> list[str]:
    return [a + b for a, b in zip(said, said[1:], strict=False)]


def other_compound(name: str, meant: list[str]) -> bool:
    """A hyphenated compound of the name joins a distinctive word of the target to a word the
    target does not have (« Sommet-Bleu » for « École du Sommet »)."""
    distinctive = [w for w in meant if w not in GENERIC]
    for compound in _COMPOUND.findall(name):
        parts = words(compound.replace("-", " "))
        known = [p for p in parts if max((_similarity(p, m) for m in meant), default=0) >= WORD_SIMILARITY]
        if known and len(known) < len(parts) and any(p in distinctive for p in known):
            return True
    return False


def word_score(said: list[str], meant: list[str]) -> int:
    """How well the worst-matched distinctive word of `meant` is matched in `said` (0–100)."""
    distinctive = [w for w in meant if w not in GENERIC]
    if not distinctive:
        return 0
    return round(min(max((_similarity(w, s) for s in said), default=0) for w in distinctive))


def _similarity(a: str, b: str) -> float:
    return 100 * DamerauLevenshtein.normalized_similarity(a, b)


def school_target(name: str, acronyms: tuple[str, ...], board_suffix: str) -> Target:
    suffix = fold(board_suffix)
    folded = {fold(a).replace(" ", "") for a in acronyms}
    tags = frozenset({a + suffix for a in folded} | {suffix + a for a in folded})
    return Target(name, SCHOOL_WORDS | folded | {suffix}, tags)


def board_target(name: str, board_suffix: str) -> Target:
    """The board's acronym alone is a tag: « CSNO Info » presents itself as the board's."""
    return Target(name, BOARD_WORDS | {fold(board_suffix)}, frozenset({fold(board_suffix)}))
