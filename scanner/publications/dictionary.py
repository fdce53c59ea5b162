"""The board's dictionary (`config/dictionnaire.txt`): words the spelling check accepts.

Kept by the coordinator: one word or name a line, `#` starts a comment. Names of
schools, people, teams and places, Canadian French words. A line may hold several
words (« Grande Prairie », « portes ouvertes »): each word is accepted, and the whole is a
set expression that the grammar checker leaves alone. Case and accents are kept as written,
and the lower-case form is accepted too (« Courriel » at the start of a sentence).
"""

from __future__ import annotations

import re
from pathlib import Path

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


def parse(text: str) -> frozenset[str]:
    words: set[str] = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        for word in _WORD.findall(line):
            words.add(word.casefold())
            for part in re.split(r"[-'’]", word):
                if part:
                    words.add(part.casefold())
    return frozenset(words)


def parse_phrases(text: str) -> tuple[str, ...]:
    """The lines of several words (« portes ouvertes », « cabane à sucre »): set expressions the
    grammar checker does not analyse (the longest first)."""
    phrases = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if len(line.split()) > 1:
            phrases.add(" ".join(line.split()))
    return tuple(sorted(phrases, key=lambda p: (-len(p), p)))


def load_phrases(path: Path) -> tuple[str, ...]:
    return parse_phrases(path.read_text(encoding="utf-8")) if path.exists() else ()


def load(path: Path) -> frozenset[str]:
    """The accepted words, case-folded; an absent file accepts nothing more."""
    if not path.exists():
        return frozenset()
    return parse(path.read_text(encoding="utf-8"))


def accepts(words: frozenset[str], word: str) -> bool:
    folded = word.casefold().replace("’", "'")
    return folded in words or folded.replace("'", "’") in words
