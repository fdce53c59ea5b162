"""A post as the analysers see it, and the tools they share (loaded once per night)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.publications import conduct, dictionary, grammalecte_engine, person_names
from scanner.publications.conduct import Lexicon
from scanner.publications.faces import FaceReport
from scanner.publications.grammalecte_engine import Grammalecte
from scanner.publications.personal_info import normalise_number

DICTIONARY_FILE = "dictionnaire.txt"
REMEMBERED = 12_000  # text checks' verdicts a night keeps: 4,000 texts, a few MB


@dataclass(frozen=True)
class Post:
    """One publication: its text and its pictures' bytes (already fetched, size-capped)."""

    id: str
    text: str = ""
    permalink: str | None = None
    pictures: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class ContentTools:
    """What the analysers need, loaded once: engines, lists, and the board's published facts."""

    grammalecte: Grammalecte | None
    words: frozenset[str]  # the board dictionary, case-folded
    phrases: tuple[str, ...]  # its set expressions (lines of several words)
    nlp: Any  # spaCy's French pipeline
    lexicon: Lexicon
    allowed_numbers: frozenset[str] = frozenset()  # E.164: the schools' and the board's numbers
    board_domains: tuple[str, ...] = ()
    staff: frozenset[str] = frozenset()  # staff names from the registry (not students), folded once
    places: frozenset[str] = frozenset()  # the dictionary's names of several words, folded once
    # where pictures are looked at: `faces.detect_faces` in this process when None, or a worker
    # process's (`face_pool.FacePool.detect`, the night's)
    detect_faces: Callable[[bytes], FaceReport] | None = None
    # the text checks' verdicts per (check, text), for this night's tools only (`remember`)
    remembered: dict[tuple[str, str], Any] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def remember(self, key: tuple[str, str], verdict: Any) -> None:
        """Keep a text check's verdict: the same text on another account (an announcement shared by
        several schools) is not read again. The oldest is forgotten past `REMEMBERED`."""
        if len(self.remembered) >= REMEMBERED:
            del self.remembered[next(iter(self.remembered))]
        self.remembered[key] = verdict

    def forget(self) -> None:
        """Forget the remembered verdicts and spelling suggestions (the benchmark's cold reading)."""
        self.remembered.clear()
        if self.grammalecte is not None:
            self.grammalecte.forget()


def load_tools(
    config_dir: Path,
    *,
    published_numbers: Iterable[str] = (),
    board_domains: Iterable[str] = (),
    staff: Iterable[str] = (),
    registry_words: Iterable[str] = (),
) -> ContentTools:
    """Load Grammalecte (None when absent), the dictionary, spaCy's model and the word lists."""
    words = dictionary.load(config_dir / DICTIONARY_FILE) | dictionary.parse("\n".join(registry_words))
    phrases = dictionary.load_phrases(config_dir / DICTIONARY_FILE)
    numbers = frozenset(n for n in (normalise_number(x) for x in published_numbers) if n)
    return ContentTools(
        grammalecte=grammalecte_engine.load(),
        words=words,
        phrases=phrases,
        nlp=person_names.load_model(),
        lexicon=conduct.load_lexicon(),
        allowed_numbers=numbers,
        board_domains=tuple(board_domains),
        staff=person_names.known_names(staff),
        places=person_names.known_names(phrases),
    )
