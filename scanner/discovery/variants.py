"""Look-alike handles to search for, from the registry's names and handles (issue 17, item 1). Pure.

For each school and for the board, the official accounts' registered handles, the acronyms,
the website's host and the name's words (number words also as digits) become *stems* (« EQV »,
« Ecole Heritage », « Quatre Vents », « 4 Vents », « csno ab »). Each stem is *decorated* the way people and impostors name an account: the
board's suffix after or before it (« EQV_CSNO », « CSNO_EQV »), « officiel(le) », « page »,
« info », « parents », « ecole » added; then *rendered* with each separator the platform
allows (« eqv.csno », « eqv_csno », « eqvcsno »), accents removed; the most plausible
forms are finally *mutated* one character at a time: look-alike digits and letters
(O/0, l/1/I, rn/m), a letter doubled, dropped or two swapped (« EQV_CSN0 »), or « _ » added
at an end, as when the name was taken.

Each candidate carries a plausibility score (the product of its steps' weights, below), so
the list is ranked, deterministic (ties by length then spelling) and capped per school and
platform. Registered handles are never candidates.

Handle rules, per platform (what a candidate must satisfy to exist at all):
- X: at most 15 characters, letters, digits and « _ », case ignored (X Help Center, « Help with
  username registration »); short names are kept, since old accounts have them.
- Instagram: 1–30 characters, lower-case letters, digits, « . » and « _ »; no « . » first or
  last, never two in a row (Instagram's sign-up rules).
- YouTube handles: 3–30 characters, letters, digits, « _ », « - » and « . », case ignored
  (YouTube Help, « Handle guidelines »; looked up with `channels?forHandle=`).
- Facebook usernames: at least 5 characters (up to 50), letters, digits and « . »; « periods
  and capitalization can't be used to differentiate usernames » (Facebook Help Center,
  « Guidelines for creating a custom username », help/105399436216001): the key ignores both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import product
from urllib.parse import urlsplit

from scanner.checks.unicode_names import fold, strip_accents
from scanner.config.models import Registry

PLATFORMS = ("x", "instagram", "youtube", "facebook")
BOARD = "board"
CAP_PER_PLATFORM = 200  # candidates per school (or board) and platform
QUERIES_PER_OWNER = 4  # name searches per school (or board)
MUTATED_FORMS = 24  # how many of the best forms of each school and platform get one-character mutations

NUMBERS = ("zero", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix")
ARTICLES = frozenset({"du", "des", "de", "la", "le", "les", "l", "d", "et"})
SCHOOL_WORDS = frozenset({"ecole", "ec", "school"})
# Words added to a stem, with their weight after and before it.
DECORATIONS = {
    "officiel": (0.7, 0.35),
    "officielle": (0.6, 0.3),
    "parents": (0.6, 0.55),
    "info": (0.55, 0.45),
    "page": (0.45, 0.4),
}
SEPARATOR_WEIGHTS = {"": 1.0, "_": 0.95, ".": 0.85, "-": 0.8}
MIXED_WEIGHT = 0.9  # two kinds of separators in one handle (« enf_csno.officiel »)
# One-character look-alikes, as impostors use them (both ways), and their weight.
LOOK_ALIKES = (
    ("O", "0"),
    ("o", "0"),
    ("l", "1"),
    ("I", "1"),
    ("i", "1"),
    ("I", "l"),
    ("m", "rn"),
)
LOOK_ALIKE_WEIGHT = 0.6
DOUBLED_WEIGHT = 0.45
DROPPED_WEIGHT = 0.45
SWAPPED_WEIGHT = 0.4
TRAILING_WEIGHT = 0.5
REGISTERED_BOOST = 1.4  # a registered handle, one character off, is the impostor's favourite

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


@dataclass(frozen=True)
class HandleRule:
    """What a handle may look like on one platform, and when two spellings are the same account."""

    separators: tuple[str, ...]
    pattern: re.Pattern[str]  # the whole handle: characters, length, at least one letter, periods
    lower_case: bool = False
    dots_ignored: bool = False

    def valid(self, handle: str) -> bool:
        return self.pattern.fullmatch(handle) is not None

    def key(self, handle: str) -> str:
        """The platform's identity of a handle: case (and, on Facebook, periods) ignored."""
        bare = handle.strip().lstrip("@").casefold()
        return bare.replace(".", "") if self.dots_ignored else bare


_LETTER = r"(?=.*[A-Za-z])"
_PERIODS = r"(?!\.)(?!.*\.\.)(?!.*\.$)"  # no period first, last, or two in a row
RULES = {
    "x": HandleRule(("", "_"), re.compile(_LETTER + r"[A-Za-z0-9_]{1,15}")),
    "instagram": HandleRule(
        ("", "_", "."), re.compile(_LETTER + _PERIODS + r"[a-z0-9._]{1,30}"), lower_case=True
    ),
    "youtube": HandleRule(("", "_", "-", "."), re.compile(_LETTER + _PERIODS + r"[A-Za-z0-9._-]{3,30}")),
    "facebook": HandleRule(("", "."), re.compile(_LETTER + r"[A-Za-z0-9.]{5,50}"), dots_ignored=True),
}


@dataclass(frozen=True)
class Candidate:
    """A handle worth looking up on one platform, for one school (or the board)."""

    platform: str
    owner: str  # school id, or "board"
    handle: str  # as it would be written, without « @ »
    key: str  # the platform's identity of the handle (see HandleRule.key)
    score: float  # plausibility, 0–1
    how: str  # how it was made, for the log: « EQV + CSNO, O→0 »


@dataclass(frozen=True)
class Stem:
    tokens: tuple[str, ...]
    weight: float
    origin: str


def lookup_key(platform: str, handle: str) -> str:
    return RULES[platform].key(handle)


def candidates(registry: Registry, cap: int = CAP_PER_PLATFORM) -> list[Candidate]:
    """Every owner's ranked candidates on every platform (owners in registry order, then the board)."""
    registered = {
        platform: {
            lookup_key(platform, a.handle) for a in registry.accounts if a.network.platform == platform
        }
        for platform in PLATFORMS
    }
    found = []
    suffix = registry.board.suffix
    for owner, stems in owner_stems(registry):
        for platform in PLATFORMS:
            found += for_platform(platform, owner, stems, suffix, registered[platform], cap)
    return found


def owner_stems(registry: Registry) -> list[tuple[str, list[Stem]]]:
    """The stems of each school, then of the board."""
    board = registry.board
    owners = []
    for school in registry.schools:
        stems = _name_stems(school.name, school=True)
        stems += [Stem((_acronym(a),), 1.0, a) for a in school.acronyms]
        # The official accounts' handles: what impostors copy (a class or club account's handle is
        # registered, so never a candidate, but its look-alikes are not searched: too many, too rare).
        for account in registry.accounts_of(school.id):
            if account.official:
                stems.append(_handle_stem(account.handle, board.suffix, 1.0))
        stems.append(_site_stem(school.website, 0.5))
        owners.append((school.id, _unique_stems(stems)))
    stems = _name_stems(board.name, school=False) + [Stem((board.suffix.upper(),), 1.0, board.suffix)]
    stems.append(_site_stem(board.website, 0.6))
    owners.append((BOARD, _unique_stems(stems)))
    return owners


def for_platform(
    platform: str,
    owner: str,
    stems: list[Stem],
    suffix: str,
    registered: set[str],
    cap: int = CAP_PER_PLATFORM,
) -> list[Candidate]:
    """The `cap` most plausible candidates of one owner on one platform, best first."""
    rule = RULES[platform]
    best: dict[str, tuple[float, str, str]] = {}  # key -> (score, handle, how)

    def keep(handle: str, score: float, how: str) -> None:
        if rule.lower_case:
            handle = handle.lower()
        key = rule.key(handle)
        known = best.get(key)
        if known is not None and (known[0], -len(known[1])) >= (score, -len(handle)):
            return
        if key not in registered and rule.valid(handle):
            best[key] = (score, handle, how)

    forms = sorted(set(_forms(stems, suffix, rule)), key=lambda f: (-f[1], len(f[0]), f[0]))
    floor = None  # once `cap` forms are kept, every later one scoring less is out of the top `cap`
    for handle, score, how in forms:
        if floor is not None and score < floor:
            break
        keep(handle, score, how)
        if floor is None and len(best) >= cap:
            floor = score
    for handle, score, how in forms[:MUTATED_FORMS]:
        boost = (
            REGISTERED_BOOST if rule.key(handle.lower() if rule.lower_case else handle) in registered else 1.0
        )
        for mutated, weight, change in mutations(handle):
            keep(mutated, min(score * weight * boost, 1.0), f"{how}, {change}")
    top = sorted(best.items(), key=lambda item: (-item[1][0], len(item[1][1]), item[1][1]))[:cap]
    ranked = [
        Candidate(platform, owner, handle, key, round(score, 4), how) for key, (score, handle, how) in top
    ]
    return ranked[:cap]


def _forms(stems: list[Stem], suffix: str, rule: HandleRule) -> Iterable[tuple[str, float, str]]:
    """Every decorated stem, rendered with every separator the platform allows: one inside the stem
    (« Ecole_Heritage », « EcoleHeritage »), and one in each gap between the stem and what is added
    (« EcoleHeritage_CSNO », « enf_csno.officiel »)."""
    tag = suffix.upper()
    separators = ("",) if rule.dots_ignored else rule.separators  # Facebook: periods do not count
    for stem in stems:
        inside = separators if len(stem.tokens) > 1 else ("",)
        for parts, weight, how in _decorated(stem, tag):
            for gaps in product(separators, repeat=len(parts) - 1):
                for joiner in inside:
                    if "" in gaps and (joiner or any(gaps)):  # « EQV_CSNOparents »: glued after a separator
                        continue
                    if gaps and joiner and joiner not in gaps:  # « Ecole.Heritage_CSNO »: nobody writes that
                        continue
                    texts = [joiner.join(part) for part in parts]
                    handle = texts[0] + "".join(g + t for g, t in zip(gaps, texts[1:], strict=True))
                    used = {*gaps, joiner} if len(stem.tokens) > 1 else set(gaps)
                    score = stem.weight * weight * min((SEPARATOR_WEIGHTS[g] for g in used), default=1.0)
                    yield handle, score * (MIXED_WEIGHT if len(used - {""}) > 1 else 1.0), how


def _decorated(stem: Stem, tag: str) -> Iterable[tuple[tuple[tuple[str, ...], ...], float, str]]:
    """The stem alone and with what people add to it, as parts: ((Ecole, Heritage), (CSNO,))."""
    base = stem.tokens
    has_tag = tag.casefold() in {t.casefold() for t in base}
    yield (base,), 0.9, stem.origin
    if not has_tag:
        yield (base, (tag,)), 1.0, f"{stem.origin} + {tag}"
        yield ((tag,), base), 0.6, f"{tag} + {stem.origin}"
    for word, (after, before) in DECORATIONS.items():
        yield (base, (word,)), after, f"{stem.origin} + {word}"
        yield ((word,), base), before, f"{word} + {stem.origin}"
        if not has_tag:
            yield (base, (tag,), (word,)), after * 0.9, f"{stem.origin} + {tag} + {word}"
            yield ((word,), base, (tag,)), before * 0.9, f"{word} + {stem.origin} + {tag}"
    if base[0].casefold() not in SCHOOL_WORDS and not has_tag:
        yield (("Ecole",), base), 0.6, f"ecole + {stem.origin}"
        yield (("Ecole",), base, (tag,)), 0.55, f"ecole + {stem.origin} + {tag}"


def mutations(handle: str) -> Iterable[tuple[str, float, str]]:
    """One-character changes: look-alikes, a letter doubled, dropped, or two letters swapped, and
    the « _ » added at an end when the name was taken (« EcoleHeritage_ »)."""
    yield handle + "_", TRAILING_WEIGHT, "_ ajouté"
    yield "_" + handle, TRAILING_WEIGHT * 0.8, "_ ajouté devant"
    for index, char in enumerate(handle):
        for a, b in LOOK_ALIKES:
            for old, new in ((a, b), (b, a)):
                if handle.startswith(old, index):
                    yield handle[:index] + new + handle[index + len(old) :], LOOK_ALIKE_WEIGHT, f"{old}→{new}"
        if char.isalpha():
            yield handle[: index + 1] + handle[index:], DOUBLED_WEIGHT, f"{char} doublé"
            yield handle[:index] + handle[index + 1 :], DROPPED_WEIGHT, f"{char} omis"
        if (
            index + 1 < len(handle)
            and handle[index + 1].isalpha()
            and char.isalpha()
            and char != handle[index + 1]
        ):
            swapped = handle[:index] + handle[index + 1] + char + handle[index + 2 :]
            yield swapped, SWAPPED_WEIGHT, f"{char}{handle[index + 1]} inversés"


def name_queries(registry: Registry, per_owner: int = QUERIES_PER_OWNER) -> list[tuple[str, str]]:
    """(owner, text) searched by name (YouTube `search.list`, Facebook Pages search), best first:
    the name as written, with the board's suffix, without accents, the acronym with the suffix."""
    board = registry.board
    owners = [(school.id, school.name, school.acronyms) for school in registry.schools]
    owners.append((BOARD, board.name, (board.suffix,)))
    queries = []
    for owner, name, acronyms in owners:
        texts = [name, f"{name} {board.suffix}", strip_accents(name)]
        texts += [f"{strip_accents(a)} {board.suffix}" for a in acronyms if fold(a) != fold(board.suffix)]
        unique = list(dict.fromkeys(texts))  # the name without accents may be the name itself
        queries += [(owner, text) for text in unique[:per_owner]]
    return queries


# ---------------------------------------------------------------- stems


def _name_stems(name: str, *, school: bool) -> list[Stem]:
    """« École des Quatre-Vents » → Ecole Des Quatre Vents, Ecole Quatre Vents, Quatre Vents."""
    words = [w.capitalize() for w in fold(name).split()]
    meaningful = [w for w in words if w.casefold() not in ARTICLES]
    distinctive = [w for w in meaningful if w.casefold() not in SCHOOL_WORDS]
    stems = [Stem(tuple(words), 0.9, name), Stem(tuple(meaningful), 0.85, name)]
    if distinctive:
        stems.append(Stem(tuple(distinctive), 0.85 if school else 0.3, name))
        digits = tuple(
            str(NUMBERS.index(w.casefold())) if w.casefold() in NUMBERS else w for w in distinctive
        )
        if digits != tuple(distinctive):  # « Quatre Vents » → « 4 Vents »
            stems.append(Stem(digits, 0.7, name))
    if not school and len(meaningful) > 2:  # « Conseil scolaire » shortened: « CS Nord Ouest »
        stems.append(Stem(("CS", *meaningful[2:]), 0.6, name))
    return stems


def _handle_stem(handle: str, suffix: str, weight: float) -> Stem:
    """A registered handle without the board's suffix: « EQV_CSNO » → EQV, « EcoleHeritageCSNO » → Ecole Heritage."""
    bare = handle.lstrip("@")
    tail = re.compile(rf"[\W_]*{re.escape(suffix)}$", re.IGNORECASE)
    if not tail.sub("", bare):  # the handle is the suffix itself
        return Stem((bare,), weight, bare)
    stripped = tail.sub("", bare)
    tokens = tuple(t for t in re.split(r"[\W_]+", _CAMEL.sub(" ", stripped)) if t)
    return Stem(tokens or (stripped,), weight, bare)


def _site_stem(website: str, weight: float) -> Stem:
    """« https://eqv.csno.ab.ca » → eqv csno ab (the host without « www » and the top-level domain)."""
    labels = [label for label in (urlsplit(website).hostname or "").split(".") if label != "www"]
    return Stem(tuple(labels[:-1] or labels), weight, urlsplit(website).hostname or website)


def _acronym(text: str) -> str:
    return fold(text).replace(" ", "").upper()


def _unique_stems(stems: list[Stem]) -> list[Stem]:
    best: dict[tuple[str, ...], Stem] = {}
    for stem in stems:
        key = tuple(t.casefold() for t in stem.tokens)
        if key and (key not in best or stem.weight > best[key].weight):
            best[key] = stem
    return list(best.values())
