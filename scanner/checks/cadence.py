"""The declared calendar of a usage plan (§5.b), read as a publication period in days.

`quotidien | hebdomadaire | mensuel | ponctuel`, or free text such as « deux fois
par semaine », « 3 fois par semaine », « chaque mois », « aux deux semaines ».
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from scanner.checks.unicode_names import fold
from scanner.config.models import ActivitySettings

_NUMBERS = {
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
}
_UNITS = {
    "jour": 1,
    "semaine": 7,
    "mois": 31,
    "trimestre": 92,
    "session": 150,
    "semestre": 150,
    "annee": 365,
    "an": 365,
}
_KEYWORDS = (
    (r"\bponctuel|\bau besoin\b|\bselon les (?:evenements|activites|besoins)\b|\boccasionnel", None),
    (r"\bquotidien|\bchaque jour\b|\btous les jours\b|\bjournalier", 1),
    (r"\bbihebdomadaire\b", 14),
    (r"\bhebdomadaire|\bchaque semaine\b|\btoutes les semaines\b", 7),
    (r"\bbimensuel", 15),
    (r"\bmensuel|\bchaque mois\b|\btous les mois\b", 31),
    (r"\btrimestriel|\bchaque trimestre\b", 92),
    (r"\bannuel|\bchaque annee\b", 365),
)
_TIMES_PER = re.compile(r"(?P<n>\d+|[a-z]+) fois par (?P<unit>[a-z]+)")
_EVERY_N = re.compile(r"(?:aux|toutes les|tous les|chaque) (?P<n>\d+|[a-z]+) (?P<unit>[a-z]+?)s?\b")


@dataclass(frozen=True)
class Cadence:
    """`period` days between publications; None: occasional (ponctuel), no threshold."""

    text: str
    period: float | None


def parse(text: str | None) -> Cadence | None:
    """The cadence of a declared calendar, or None when it cannot be understood."""
    if not text or not text.strip():
        return None
    folded = fold(text)
    for pattern, period in _KEYWORDS:
        if re.search(pattern, folded):
            return Cadence(text, period)
    match = _TIMES_PER.search(folded)
    if match and _number(match["n"]) and _unit(match["unit"]):
        return Cadence(text, _unit(match["unit"]) / _number(match["n"]))
    match = _EVERY_N.search(folded)
    if match and _number(match["n"]) and _unit(match["unit"]):
        return Cadence(text, _unit(match["unit"]) * _number(match["n"]))
    return None


def allowed_days(cadence: Cadence, settings: ActivitySettings) -> int | None:
    """Days allowed since the last publication (settings.activity), None for ponctuel.

    The named calendars use their setting; a free-text period takes the setting of the
    smallest named calendar that covers it, scaled up past a month.
    """
    period = cadence.period
    if period is None:
        return settings.ponctuel
    if period <= 1:
        return settings.quotidien
    if period <= 7:
        return settings.hebdomadaire
    if period <= 31:
        weekly_rate = settings.hebdomadaire / 7
        return min(settings.mensuel, max(settings.hebdomadaire, math.ceil(period * weekly_rate)))
    return math.ceil(settings.mensuel * period / 31)


def _number(word: str) -> int | None:
    if word.isdigit():
        return int(word) or None
    return _NUMBERS.get(word)


def _unit(word: str) -> int | None:
    word = word.rstrip("s") if word not in ("mois",) else word
    return _UNITS.get(word)
