"""A few rules of Vigie's own for errors Grammalecte 2.1 lets through (measured on the corpus).

Each is a narrow pattern with a sure fix, written for school news: a plural subject
right before « son », « qui a », « ce sont + participle »; an interjection before « a »
(« Merci a tous »); « et » between a subject and a state (« L'école et fermée »);
« nous somme »; « si vous voulait ». The match's group « bad » is the error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanner.publications.findings import ContentFinding, excerpt

CHECK = "content.french"
_PLURAL_SUBJECT = r"(?:\b(?:[Ll]es|[Nn]os|[Vv]os|[Cc]es|[Ll]eurs|[Dd]es|[Ii]ls|[Ee]lles)\s+(?:[\w-]+s\s+)?)"
_STATE = (
    r"(?:très|trop|tellement|vraiment|déjà|enfin|toujours|maintenant|fermée?|ouverte?|annulée?|reportée?|"
    r"prête?|terminée?|arrivée?|complète?|complet|de\s+retour|fière?|heureuse|heureux)"
)


@dataclass(frozen=True)
class Rule:
    family: str
    pattern: re.Pattern[str]
    suggestion: str
    message: str


_AFTER_MODAL = (
    r"(?:pu|dû|su|voulu|pouvoir|devoir|vouloir|savoir|peut|peuvent|pourra|pourront|doit|doivent|veut|veulent|"
    r"va|vont|allons|allez|faut)"
)
_IRREGULAR_PARTICIPLE = (
    r"(?:découvert|ouvert|offert|couvert|souffert|pris|appris|compris|mis|promis|écrit|fini|choisi|réussi|"
    r"reçu|venu|sorti|parti|dormi|rempli|lu|vu)"
)
_ADVERB_NOT_ADJECTIVE = r"(?!(?:souvent|longtemps|maintenant|pendant|avant|cependant|autant|tant)\b)"

RULES = (
    Rule(
        "homophone",
        re.compile(
            r"(?i)\b(?:merci|bienvenue|bravo|félicitations|rendez-vous|bonne\s+chance|longue\s+vie)\s+(?P<bad>a)\b(?!\s*(?:eu|été|fait)\b)"
        ),
        "à",
        "Confusion probable\u00a0: pour la préposition, écrivez «\u00a0à\u00a0».",
    ),
    Rule(
        "homophone",
        re.compile(
            _PLURAL_SUBJECT
            + r"(?P<bad>son)\s+(?:[\w-]+\s+)?(?:très|trop|tous|toutes|bien|si|vraiment|déjà|fiers|fières|prêts|prêtes|heureux|heureuses|contents|contentes|ravis|ravies|allés|allées|arrivés|arrivées|partis|parties)\b"
        ),
        "sont",
        "Confusion probable\u00a0: le verbe être s'écrit «\u00a0sont\u00a0».",
    ),
    Rule(
        "homophone",
        re.compile(
            r"(?:^|(?<=[.!?]\s)|(?<=\n))(?:L['’]|Le\s+|La\s+|Ce\s+|Cette\s+|Notre\s+|Votre\s+|Leur\s+)[\w-]+\s+(?P<bad>et)\s+"
            + _STATE
            + r"\b"
        ),
        "est",
        "Confusion probable\u00a0: le verbe être s'écrit «\u00a0est\u00a0».",
    ),
    Rule(
        "homophone",
        re.compile(
            _PLURAL_SUBJECT
            + r"(?P<bad>ce)\s+sont\s+(?:bien\s+|beaucoup\s+|très\s+bien\s+)?\w+(?:és|ées|is|ies|us|ues)\b"
        ),
        "se",
        "Confusion probable\u00a0: devant un verbe pronominal, écrivez «\u00a0se\u00a0».",
    ),
    Rule(
        "homophone",
        re.compile(r"\b(?P<bad>on)\s+(?!a\b|était\b|est\b)[\w-]+é(?:e|s|es)?\b"),
        "ont",
        "Confusion probable\u00a0: devant un participe passé, l’auxiliaire avoir s’écrit «\u00a0ont\u00a0».",
    ),
    Rule(
        "homophone",
        re.compile(
            r"\b(?:peut|peuvent|pourra|pourront|pouvez|doit|doivent|devez|voulez|veut|veulent|allez|vont|va|venez|invitée?s?|bienvenue?s?)\s+(?:[a-zé]+(?:er|ir|re)\s+)?(?P<bad>a)\s+(?:la|l['’]|nos|vos|leurs?|ces|un|une|des|cette|notre|votre)\b"
        ),
        "à",
        "Confusion probable\u00a0: pour la préposition, écrivez «\u00a0à\u00a0».",
    ),
    Rule(
        "agreement",
        re.compile(r"\b(?P<bad>grand-parents)\b"),
        "grands-parents",
        "Accord\u00a0: «\u00a0grands-parents\u00a0» (les deux mots au pluriel).",
    ),
    Rule(
        "agreement",
        re.compile(
            _PLURAL_SUBJECT
            + r"(?:très|trop|si|vraiment|plus|tellement)\s+"
            + _ADVERB_NOT_ADJECTIVE
            + r"(?P<bad>[a-zéèêàâîôûç-]+(?:ant|if|al|ique|ible|able))\b"
        ),
        "pluriel",
        "Accord\u00a0: l’adjectif s’accorde avec le nom au pluriel.",
    ),
    Rule(
        "participle",
        re.compile(r"\b" + _AFTER_MODAL + r"\s+(?P<bad>" + _IRREGULAR_PARTICIPLE + r")\b"),
        "infinitif",
        "Après ce verbe, il faut l’infinitif, pas le participe passé.",
    ),
    Rule(
        "conjugation",
        re.compile(r"\b[Nn]ous\s+(?P<bad>somme)\b(?:\s+[\w-]+)?"),
        "sommes",
        "Conjugaison erronée\u00a0: «\u00a0nous sommes\u00a0».",
    ),
    Rule(
        "conjugation",
        re.compile(r"(?i)\b(?:si|quand|lorsque|comme|que|où)\s+vous\s+(?P<bad>\w+ait)\b"),
        "-iez",
        "Conjugaison erronée\u00a0: avec «\u00a0vous\u00a0», le verbe se termine par «\u00a0-iez\u00a0».",
    ),
    Rule(
        "conjugation",
        re.compile(
            r"\b(?:[Ll]es|[Nn]os|[Vv]os|[Cc]es|[Ll]eurs)\s+[\w-]+s\s+qui\s+(?P<bad>a|est|était|avait|va|fait)\b"
        ),
        "pluriel",
        "Conjugaison erronée\u00a0: le sujet est au pluriel.",
    ),
)


def find_more_errors(prose: str, text: str) -> list[tuple[ContentFinding, tuple[int, int]]]:
    """Errors found by Vigie's rules in `prose` (the masked text), each with the passage its rule
    read (Grammalecte's errors inside it are the same error seen from the other side)."""
    found = []
    for rule in RULES:
        for match in rule.pattern.finditer(prose):
            start, end = match.span("bad")
            finding = ContentFinding(
                CHECK, rule.family, excerpt(text, start, end), rule.message, rule.suggestion
            )
            found.append((finding, match.span()))
    return found
