"""Small French wording helpers shared by the checks (dates, quotes, lists)."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date

NBSP = "\u00a0"


def french_date(day: dt.date) -> str:
    """`30 juin 2027`, `1er juillet 2027`: Babel's `fr_CA` long format, « 1er » for the first."""
    text = format_date(day, format="long", locale="fr_CA")
    return "1er" + text[1:] if day.day == 1 and text.startswith("1 ") else text


def quoted(text: str) -> str:
    """« text », with no-break spaces inside the guillemets."""
    return f"«{NBSP}{text}{NBSP}»"


def listing(items: list[str]) -> str:
    """`a`, `a et b`, `a, b et c`."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]
