"""Account names as a person reads them: invisible characters, look-alikes, French character names.

Pure. Look-alike detection uses the UTS #39 confusables data shipped by the
`confusable_homoglyphs` package; the script of a character comes from the same
package. Used by the name checks (§5.c–5.e) and the look-alike search.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from confusable_homoglyphs import categories, confusables

# Invisible or direction-changing characters that have no business in an account name.
_INVISIBLE_NAMES = {
    0x00AD: "TRAIT D’UNION CONDITIONNEL",
    0x034F: "GLUON DE GRAPHÈMES",
    0x061C: "MARQUE DE LETTRE ARABE",
    0x115F: "REMPLISSAGE INITIAL HANGÛL",
    0x1160: "REMPLISSAGE MÉDIAL HANGÛL",
    0x180E: "SÉPARATEUR DE VOYELLES MONGOL",
    0x200B: "ESPACE SANS CHASSE",
    0x200C: "ANTILIANT SANS CHASSE",
    0x200D: "LIANT SANS CHASSE",
    0x200E: "MARQUE GAUCHE-À-DROITE",
    0x200F: "MARQUE DROITE-À-GAUCHE",
    0x202A: "ENCHÂSSEMENT GAUCHE-À-DROITE",
    0x202B: "ENCHÂSSEMENT DROITE-À-GAUCHE",
    0x202C: "DÉPILEMENT DE FORMATAGE DIRECTIONNEL",
    0x202D: "FORÇAGE GAUCHE-À-DROITE",
    0x202E: "FORÇAGE DROITE-À-GAUCHE",
    0x2060: "GLUON DE MOTS",
    0x2061: "APPLICATION DE FONCTION",
    0x2062: "MULTIPLICATION INVISIBLE",
    0x2063: "SÉPARATEUR INVISIBLE",
    0x2064: "PLUS INVISIBLE",
    0x2066: "ISOLAT GAUCHE-À-DROITE",
    0x2067: "ISOLAT DROITE-À-GAUCHE",
    0x2068: "ISOLAT DE PREMIER FORT",
    0x2069: "DÉPILEMENT D’ISOLAT DIRECTIONNEL",
    0x2800: "MOTIF BRAILLE VIDE",
    0x3164: "REMPLISSAGE HANGÛL",
    0xFEFF: "ESPACE INSÉCABLE SANS CHASSE",
    0xFFA0: "REMPLISSAGE HANGÛL DEMI-CHASSE",
}
_EMOJI_GLUE = {0x200D, 0xFE0F}  # joiner and emoji presentation selector: fine inside an emoji

_SCRIPTS = {
    "LATIN": "LATINE",
    "CYRILLIC": "CYRILLIQUE",
    "GREEK": "GRECQUE",
    "ARMENIAN": "ARMÉNIENNE",
    "HEBREW": "HÉBRAÏQUE",
    "ARABIC": "ARABE",
    "CHEROKEE": "CHÉROKÉE",
    "COPTIC": "COPTE",
    "GEORGIAN": "GÉORGIENNE",
    "ETHIOPIC": "ÉTHIOPIENNE",
    "RUNIC": "RUNIQUE",
    "GOTHIC": "GOTHIQUE",
    "LISU": "LISU",
}
_FORMS = {
    "FULLWIDTH": "PLEINE CHASSE",
    "HALFWIDTH": "DEMI-CHASSE",
    "MATHEMATICAL BOLD": "MATHÉMATIQUE GRAS",
    "MATHEMATICAL ITALIC": "MATHÉMATIQUE ITALIQUE",
    "MATHEMATICAL": "MATHÉMATIQUE",
}
_LETTER = re.compile(
    r"^(?P<form>[A-Z -]*?)\s*(?P<script>[A-Z]+) (?P<case>CAPITAL|SMALL) LETTER (?P<rest>.+)$"
)
_COMPATIBILITY_TAGS = ("<font>", "<wide>", "<narrow>", "<circle>", "<square>")


@dataclass(frozen=True)
class Suspect:
    """A character of a name that a reader cannot see, or could mistake for another."""

    char: str
    kind: str  # "invisible" | "look-alike" | "other-script" | "compatibility"
    looks_like: str | None = None

    def describe(self) -> str:
        """French: `un caractère … : U+0421 LETTRE MAJUSCULE CYRILLIQUE ES (ressemble à « C »)`."""
        text = french_name(self.char)
        if self.looks_like:
            text += f" (ressemble à «\u00a0{self.looks_like}\u00a0»)"
        return f"{_KIND_LABELS[self.kind]}\u00a0: {text}"


_KIND_LABELS = {
    "invisible": "un caractère invisible",
    "look-alike": "un caractère d’une autre écriture qui imite une lettre latine",
    "other-script": "une lettre d’une autre écriture",
    "compatibility": "une lettre de style (pleine chasse ou mathématique)",
}


def french_name(char: str) -> str:
    """`U+0421 LETTRE MAJUSCULE CYRILLIQUE ES`; an English Unicode name when no translation fits."""
    code = ord(char)
    prefix = f"U+{code:04X}"
    if code in _INVISIBLE_NAMES:
        return f"{prefix} {_INVISIBLE_NAMES[code]}"
    if 0xFE00 <= code <= 0xFE0F:
        return f"{prefix} SÉLECTEUR DE VARIANTE-{code - 0xFE00 + 1}"
    if 0xE0100 <= code <= 0xE01EF:
        return f"{prefix} SÉLECTEUR DE VARIANTE-{code - 0xE0100 + 17}"
    english = unicodedata.name(char, "")
    if not english:
        return f"{prefix} (caractère sans nom Unicode)"
    match = _LETTER.match(english)
    if match and match["script"] in _SCRIPTS:
        case = "MAJUSCULE" if match["case"] == "CAPITAL" else "MINUSCULE"
        text = f"LETTRE {case} {_SCRIPTS[match['script']]} {match['rest']}"
        form = match["form"].strip()
        if form:
            text += " " + _FORMS.get(form, form)
        return f"{prefix} {text}"
    return f"{prefix} (nom Unicode\u00a0: {english})"


def suspects(text: str) -> list[Suspect]:
    """Every invisible, look-alike, other-script or styled letter of `text`, once each, in order."""
    found: dict[str, Suspect] = {}
    for index, char in enumerate(text):
        if char in found:
            continue
        suspect = _suspect(text, index)
        if suspect:
            found[char] = suspect
    return list(found.values())


def _suspect(text: str, index: int) -> Suspect | None:
    char = text[index]
    if ord(char) in _EMOJI_GLUE and _next_to_emoji(text, index):
        return None
    return _char_suspect(char)


@functools.lru_cache(maxsize=4096)
def _char_suspect(char: str) -> Suspect | None:
    """What one character is, whatever its neighbours: names repeat the same few letters."""
    if _is_invisible(char):
        return Suspect(char, "invisible")
    if not char.isalpha() and unicodedata.category(char) != "Nd":
        return None
    if unicodedata.decomposition(char).startswith(_COMPATIBILITY_TAGS):
        return Suspect(char, "compatibility", unicodedata.normalize("NFKC", char))
    script = categories.alias(char)
    if script in ("LATIN", "COMMON", "INHERITED"):
        return None
    latin = _latin_look_alike(char)
    return Suspect(char, "look-alike", latin) if latin else Suspect(char, "other-script")


def _is_invisible(char: str) -> bool:
    code = ord(char)
    if code in _INVISIBLE_NAMES or 0xFE00 <= code <= 0xFE0F or 0xE0000 <= code <= 0xE01EF:
        return True
    return unicodedata.category(char) == "Cf"


def _next_to_emoji(text: str, index: int) -> bool:
    neighbours = text[max(index - 1, 0) : index] + text[index + 1 : index + 2]
    return any(unicodedata.category(c) == "So" for c in neighbours)


def _latin_look_alike(char: str) -> str | None:
    found = confusables.is_confusable(char, greedy=True, preferred_aliases=["latin"])
    for entry in found or ():
        for glyph in entry["homoglyphs"]:
            if all(categories.alias(c) == "LATIN" for c in glyph["c"]):
                return glyph["c"]
    return None


# ---------------------------------------------------------------- comparison


@functools.lru_cache(maxsize=16_384)  # the same names come back for every account of a school
def skeleton(text: str) -> str:
    """The name as it reads: invisible characters dropped, look-alikes and styled letters replaced
    by the Latin letter they imitate. Lets the other name rules judge what a reader sees, so that
    one look-alike character is one finding (name.suffix), not three."""
    replaced = {s.char: ("" if s.kind == "invisible" else (s.looks_like or s.char)) for s in suspects(text)}
    return clean("".join(replaced.get(char, char) for char in text))


def clean(text: str) -> str:
    """NFC, spaces collapsed: the name as displayed, for equality with the declared name."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


@functools.lru_cache(maxsize=16_384)  # the board's and schools' names are folded for every account
def fold(text: str) -> str:
    """NFKC, no accents, lower case, punctuation as spaces: for loose comparison of names."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = unicodedata.normalize("NFKC", bare).casefold()
    return re.sub(r"[\W_]+", " ", bare).strip()


@functools.lru_cache(maxsize=16_384)  # tokens and acronyms recur across accounts
def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))
