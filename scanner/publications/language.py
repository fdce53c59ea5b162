"""English passages set aside: shown as « passage en anglais », never checked as French.

Lingua (`lingua-language-detector`, its models inside the wheel, nothing downloaded)
told to choose between French and English only. A segment (a sentence, a line, a
clause after « : ») is English when Lingua gives English at least `ENGLISH_AT_LEAST`:
a French sentence taken for English is only left unchecked, an English one taken for
French would be reported full of « errors », so the doubt goes to English.
"""

from __future__ import annotations

import re
from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from scanner.publications.findings import Span

ENGLISH_AT_LEAST = 0.6
WARM_UP = "Spirit week starts Monday, les élèves"
WORD_ENGLISH_AT_LEAST = 0.7  # one unknown word alone (« cool » 0.76, « week » 0.95; « bibliotheque » 0.16)
_SEGMENT = re.compile(r"[^.!?\n:;«»()\"“”]+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@cache
def detector() -> LanguageDetector:
    """French or English, built once per process, its models (78 MB) read now by a first question:
    half a second that belongs to loading the tools, not to the first post (Lingua's preloading
    option would read 14 MB more). The night calls it once it has posts to judge."""
    built = LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH).build()
    built.compute_language_confidence_values(WARM_UP)
    return built


def english_confidence(text: str) -> float:
    for value in detector().compute_language_confidence_values(text):
        if value.language == Language.ENGLISH:
            return value.value
    return 0.0


def english_passages(text: str) -> list[Span]:
    """The segments of `text` (already masked) that are in English."""
    found = []
    for match in _SEGMENT.finditer(text):
        segment = match.group()
        if len(_WORD.findall(segment)) < 2:
            continue
        if english_confidence(segment) >= ENGLISH_AT_LEAST:
            start = match.start() + (len(segment) - len(segment.lstrip()))
            end = match.end() - (len(segment) - len(segment.rstrip()))
            found.append(Span(start, end, text[start:end]))
    return found


def is_english_word(word: str) -> bool:
    return english_confidence(word) >= WORD_ENGLISH_AT_LEAST
