"""Conduct (Annexe A « Bon sens », « Protection »): obscenity, insults, and confidential topics.

Two lists beside this module, `data/grossieretes.txt` (curated from a published list;
its source and licence are named at its top) and `data/confidentiel.txt`, with the
context exceptions of `data/exceptions_conduite.txt` (« la chatte de la classe »).
Obscenity is an error; a confidential topic is « à vérifier » (a finding with
`to_check`), for a person to judge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from scanner.publications.findings import ContentFinding, excerpt

CHECK = "content.conduct"
DATA = Path(__file__).resolve().parent / "data"
_VERB_ENDINGS = ("er", "e", "es", "ent", "é", "ée", "és", "ées", "ant", "ez", "ons", "ait", "aient", "ai")
_OTHER_ENDINGS = ("", "s", "x", "e", "es")


@dataclass(frozen=True)
class Lexicon:
    obscene: re.Pattern[str]
    exceptions: re.Pattern[str] | None
    confidential: re.Pattern[str]


def load_lexicon(folder: Path = DATA) -> Lexicon:
    words = _lines(folder / "grossieretes.txt")
    exceptions = _lines(folder / "exceptions_conduite.txt")
    confidential = _lines(folder / "confidentiel.txt")
    return Lexicon(
        obscene=re.compile(_alternation([_inflected(w) for w in words]), re.IGNORECASE),
        exceptions=re.compile("|".join(f"(?:{e})" for e in exceptions), re.IGNORECASE)
        if exceptions
        else None,
        confidential=re.compile(_alternation(confidential), re.IGNORECASE),
    )


def find_conduct(text: str, lexicon: Lexicon) -> list[ContentFinding]:
    """Obscene words (minus their innocent contexts) and confidential topics in `text`."""
    normalised = text.replace("’", "'")
    innocent = [m.span() for m in lexicon.exceptions.finditer(normalised)] if lexicon.exceptions else []
    findings = []
    for match in lexicon.obscene.finditer(normalised):
        if any(start <= match.start() and match.end() <= end for start, end in innocent):
            continue
        findings.append(
            ContentFinding(
                CHECK, "obscenity", excerpt(text, match.start(), match.end()), "mot grossier ou injurieux"
            )
        )
    for match in lexicon.confidential.finditer(normalised):
        findings.append(
            ContentFinding(
                CHECK,
                "confidential",
                excerpt(text, match.start(), match.end()),
                "sujet possiblement confidentiel",
                to_check=True,
            )
        )
    return findings


def _lines(path: Path) -> list[str]:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def _inflected(entry: str) -> str:
    """A regular expression for a lemma and its inflected forms; « = » at the end: as written."""
    if entry.endswith("="):
        return _phrase(entry[:-1].strip())
    if " " in entry:
        head, _, rest = entry.rpartition(" ")
        return _phrase(head) + r"\s+" + _word_forms(rest)
    return _word_forms(entry)


def _word_forms(word: str) -> str:
    if word.endswith("er") and len(word) > 4:
        stem = re.escape(word[:-2])
        return stem + "(?:" + "|".join(_VERB_ENDINGS) + ")"
    base = re.escape(word)
    if word.endswith(("é", "e")):
        return base + "(?:e|s|es)?"
    return base + "(?:" + "|".join(e for e in _OTHER_ENDINGS if e) + ")?"


def _phrase(text: str) -> str:
    return r"\s+".join(re.escape(part) for part in text.split())


def _alternation(patterns: list[str]) -> str:
    return r"(?<![\w-])(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?![\w-])"
