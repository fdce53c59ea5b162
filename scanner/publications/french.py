"""French quality (§2.b.iii): grammar errors by family, spelling, English passages set aside.

Grammalecte with only its error families (agreement, conjugation, participles,
homophones such as a/à, on/ont, ce/se, et/est); typography and style are off.
A word Grammalecte does not know is a spelling error only when it is written in
lower case (a capitalised word is a name), is not in the board's dictionary and
is not an English word. Hashtags, mentions, links and emoji are hidden first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanner.publications import dictionary, language, masking
from scanner.publications.findings import ContentFinding, Span, excerpt
from scanner.publications.french_rules import find_more_errors
from scanner.publications.grammalecte_engine import Grammalecte

CHECK = "content.french"

# Grammalecte's option (the error's `sType`) -> the family Vigie reports.
FAMILIES = {
    "gn": "agreement",
    "ppas": "participle",
    "infi": "participle",
    "conj": "conjugation",
    "imp": "conjugation",
    "vmode": "conjugation",
    "conf": "homophone",
}
SPELLING = "spelling"
FAMILY_LABELS = {
    "agreement": "accord",
    "participle": "participe passé ou infinitif",  # é/er/i confusions
    "conjugation": "conjugaison",
    "homophone": "homophone",
    "spelling": "orthographe",
}
_LETTERS = re.compile(r"^[^\W\d_]+(?:[-'’][^\W\d_]+)*$")


@dataclass(frozen=True)
class FrenchReport:
    findings: tuple[ContentFinding, ...]
    english: tuple[Span, ...] = ()  # « passage en anglais », not errors
    checked: bool = True  # False: Grammalecte is not installed


def check_french(
    text: str, engine: Grammalecte | None, words: frozenset[str], phrases: tuple[str, ...] = ()
) -> FrenchReport:
    """The French errors of one post's text; `words` and `phrases` are the board's dictionary
    (case-folded words, and its set expressions)."""
    if engine is None:
        return FrenchReport(findings=(), checked=False)
    if not masking.has_words(text):
        return FrenchReport(findings=())
    masked = masking.hide_phrases(masking.mask(text), phrases)
    english = language.english_passages(masked)
    prose = masking.blank(masked, [(span.start, span.end) for span in english])
    english_spans = tuple(excerpt(text, span.start, span.end) for span in english)

    findings: list[ContentFinding] = []
    taken: list[tuple[int, int]] = []
    for finding, read in find_more_errors(prose, text):  # Vigie's own rules first (french_rules)
        if not _overlaps(read, taken):
            findings.append(finding)
            taken.append(read)
    for error in sorted(engine.grammar(prose), key=lambda e: e["nStart"]):
        family = family_of(error)
        start, end = error["nStart"], error["nEnd"]
        if family is None or _overlaps((start, end), taken):
            continue
        suggestions = [s for s in error.get("aSuggestions", ()) if s]
        findings.append(
            ContentFinding(
                check=CHECK,
                family=family,
                span=excerpt(text, start, end),
                message=_clean_message(error.get("sMessage", "")),
                suggestion=" ou ".join(suggestions[:2]) or None,
            )
        )
        taken.append((start, end))

    for token in engine.unknown_words(prose):
        start, end = token["nStart"], token["nEnd"]
        word = token["sValue"]
        if _overlaps((start, end), taken):
            continue
        if not _is_checkable_word(word) or dictionary.accepts(words, word):
            continue
        if language.is_english_word(word):
            continue
        suggestions = engine.suggest(word)
        findings.append(
            ContentFinding(
                check=CHECK,
                family=SPELLING,
                span=excerpt(text, start, end),
                message=f"mot inconnu «\u00a0{word}\u00a0»",
                suggestion=" ou ".join(suggestions[:2]) or None,
            )
        )
    findings.sort(key=lambda f: f.span.start if f.span else 0)
    return FrenchReport(findings=tuple(findings), english=english_spans)


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def family_of(error: dict) -> str | None:
    """Vigie's family for a Grammalecte error: a participle or adjective that does not agree with
    its subject (« sont arrivé ») is an agreement error; the other `ppas` ones are é/er confusions."""
    kind = error.get("sType", "")
    if kind == "ppas" and "accord" in error.get("sRuleId", ""):
        return "agreement"
    return FAMILIES.get(kind)


def _is_checkable_word(word: str) -> bool:
    """Lower-case words only: a capitalised word is a name, a word with digits a code."""
    if len(word) < 2 or not _LETTERS.match(word):
        return False
    return word[0].islower()


def _clean_message(message: str) -> str:
    """Grammalecte's message with French quotes (it writes “…”)."""
    return message.replace("“", "«\u00a0").replace("”", "\u00a0»").strip()
