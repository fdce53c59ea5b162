"""Canadian French for everything people read: Babel `fr_CA` dates and numbers, quotes, lists, typography.

The one home of the French wording helpers (the checks' details, the report, the
e-mails, the command line) and of `NBSP`, the no-break space.

Typography (SPEC.md): no space before `; ! ?`, a no-break space before `:` and
inside « », the apostrophe ’ (never ' in prose). `typography` fixes a plain text; `typography_html` fixes only the
text nodes of an HTML body, never tags, attributes or style sheets.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_decimal, format_percent

LOCALE = "fr_CA"
NBSP = "\u00a0"

_SPACES = "[ \u00a0\u202f\u2009]"
_RULES = (
    (re.compile(_SPACES + r"*([;!?])"), r"\1"),  # no space before ; ! ?
    (re.compile(r"(?<=\S)" + _SPACES + r"*:(?=\s|$)"), NBSP + ":"),  # "mot :" / "mot:" + space -> "mot :"
    (re.compile(r"«" + _SPACES + "*"), "«" + NBSP),
    (re.compile(_SPACES + "*»"), NBSP + "»"),
)
_TOUCHED = re.compile(r"[;!?:«»']")  # a text without any of these is left as it is by `typography`
_APOSTROPHE = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])")  # l'école -> l’école
_WORD = re.compile(r"\S+")
# The text between two tags, when it holds something `typography` or `_nbsp` changes (a text node
# without any of these characters is left as it is: most of a report's nodes, never visited)
_TEXT_NODE = re.compile(r">([^<]*[;!?:«»'&][^<]*)<")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _local(value: dt.datetime | dt.date, timezone: str | None) -> dt.date | dt.datetime:
    if isinstance(value, dt.datetime) and value.tzinfo is not None and timezone:
        return value.astimezone(ZoneInfo(timezone))
    return value


def _format(value: dt.datetime | dt.date, timezone: str | None, pattern: str) -> str:
    """Babel's `fr_CA` date, with « 1er » for the first of a month (Babel writes « 1 »)."""
    local = _local(value, timezone)
    return _day(local.date() if isinstance(local, dt.datetime) else local, pattern)


@lru_cache(maxsize=4096)
def _day(day: dt.date, pattern: str) -> str:
    """One day's words (Babel parses its locale and pattern each call: 10,000 accounts name a
    few hundred distinct days)."""
    text = format_date(day, pattern, locale=LOCALE)
    return "1er" + text[1:] if day.day == 1 and text.startswith("1 ") else text


def date_long(value: dt.datetime | dt.date | None, timezone: str | None = None) -> str:
    """« 24 novembre 2026 », « 1er décembre 2026 » (the local date of an aware datetime)."""
    return "" if value is None else _format(value, timezone, "long")


def date_medium(value: dt.datetime | dt.date | None, timezone: str | None = None) -> str:
    """« 24 nov. 2026 »."""
    return "" if value is None else _format(value, timezone, "medium")


def date_short(value: dt.datetime | dt.date, timezone: str | None = None) -> str:
    """« 24 nov. », for the chart's axis."""
    return _format(value, timezone, "d MMM")


def time_short(value: dt.datetime, timezone: str | None = None) -> str:
    """« 4 h 03 »."""
    return format_time(_local(value, timezone), "H 'h' mm", locale=LOCALE)


def datetime_long(value: dt.datetime | None, timezone: str | None = None) -> str:
    """« 24 novembre 2026 à 4 h 03 »."""
    if value is None:
        return ""
    return f"{date_long(value, timezone)} à {time_short(value, timezone)}"


def local_date(value: dt.datetime, timezone: str | None = None) -> dt.date:
    """The calendar date of an aware datetime where the board is (its `timezone`)."""
    local = _local(value, timezone)
    return local.date() if isinstance(local, dt.datetime) else local


def days_between(
    start: dt.datetime | dt.date, end: dt.datetime | dt.date, timezone: str | None = None
) -> int:
    """Whole calendar days from `start` to `end`, in local dates."""

    def day(value: dt.datetime | dt.date) -> dt.date:
        local = _local(value, timezone)
        return local.date() if isinstance(local, dt.datetime) else local

    return (day(end) - day(start)).days


def number(value: int | float) -> str:
    """« 4 812 » (no-break space as thousands separator)."""
    if type(value) is int:
        return _whole_number(value)
    return format_decimal(value, locale=LOCALE)


@lru_cache(maxsize=4096)
def _whole_number(value: int) -> str:
    """Babel's formatting of a whole number, once per number (a night writes « 1 », « 2 »… thousands of times)."""
    return format_decimal(value, locale=LOCALE)


def percent(value: float | None) -> str:
    """« 87 % », or an em dash when there is no rate."""
    return "—" if value is None else format_percent(value, locale=LOCALE)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """« 1 nouvelle non-conformité », « 3 nouvelles non-conformités » (French: 0 and 1 are singular)."""
    word = singular if count < 2 else (plural_form or singular + "s")
    return f"{number(count)}{NBSP}{word}"


def quoted(text: object) -> str:
    """« text », with no-break spaces inside the guillemets."""
    return f"«{NBSP}{text}{NBSP}»"


def listing(items: list[str]) -> str:
    """`a`, `a et b`, `a, b et c`."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]


def clean(text: str | None) -> str:
    """Remove control and bidirectional characters from a text a platform or a person supplied."""
    if not text:
        return ""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def one_line(text: str | None) -> str:
    """`clean`, with every run of white space made one space: safe to put on a line of the text part."""
    return " ".join(clean(text).split())


def clause(text: str) -> str:
    """« §5.d » as it is; a named section of DA 142 as « section « Créer un compte » »."""
    text = text.strip()
    return text if text.startswith("§") or text in ("", "—") else f"section «{NBSP}{text}{NBSP}»"


_LOOKALIKE = re.compile(
    r"un caractère d.une autre écriture qui imite une lettre latine"
    + _SPACES
    + r"?:"
    + _SPACES
    + r"?U\+[0-9A-F]{4,6} LETTRE \w+ (?P<script>\w+)[^(«»]*\(ressemble à «"
    + _SPACES
    + r"?(?P<letter>.)"
    + _SPACES
    + r"?»\)"
)
_CODE_POINT = re.compile(_SPACES + r"?:" + _SPACES + r"?U\+[0-9A-F]{4,6} [^;,«»()]*(\([^()]*\))?")
_MEASURE = re.compile(_SPACES + r"?\((?:distance \d+(?:, seuil \d+)?)\)|,? distance \d+(?:, seuil \d+)?")


def plain(detail: str | None) -> str:
    """A finding's detail in words for a principal: no code point, no fingerprint distance.

    « un caractère d’une autre écriture qui imite une lettre latine : U+0421 LETTRE MAJUSCULE
    CYRILLIQUE ES (ressemble à « C ») » -> « une lettre cyrillique qui ressemble au C latin »;
    « (distance 22, seuil 10) » goes. The coordinator's report keeps the technical detail.
    """
    text = one_line(detail)
    text = _LOOKALIKE.sub(
        lambda m: f"une lettre {m['script'].lower()} qui ressemble au {m['letter']} latin", text
    )
    text = _CODE_POINT.sub("", text)
    return _MEASURE.sub("", text).strip()


def capitalize(text: str | None) -> str:
    return text[:1].upper() + text[1:] if text else ""


def curly_apostrophes(text: str) -> str:
    """« l’école », « aujourd’hui »: the typographic apostrophe, except in addresses (e-mail, URL)."""

    def word(match: re.Match) -> str:
        token = match.group(0)
        return token if "@" in token or "://" in token else _APOSTROPHE.sub("’", token)

    return _WORD.sub(word, text) if "'" in text else text


def typography(text: str) -> str:
    if not _TOUCHED.search(text):  # each rule, and the apostrophes, needs one of these characters
        return text
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return curly_apostrophes(text)


_QUOTE = re.compile(r"«[^«»]{0,60}»")
_HOLD = "\x00"  # a space that must not break a line (inside short « … »), restored after wrapping


def wrap(text: str | None, width: int = 76, indent: str = "") -> str:
    """`text` on lines of at most `width` characters, continued lines indented by `indent`.

    Typography first (a no-break space after « and before », before :), and never a break
    inside a short quotation: a line never ends on « nor starts with » or « : ».
    """
    held = _QUOTE.sub(lambda m: m.group(0).replace(" ", _HOLD), typography(one_line(text)))
    lines = textwrap.wrap(held, width=width, break_long_words=False, break_on_hyphens=False)
    return ("\n" + indent).join(lines).replace(_HOLD, " ")


def _nbsp(text: str) -> str:
    text = text.replace("&nbsp;", NBSP).replace("&#160;", NBSP).replace("&#xa0;", NBSP)
    return text.replace("&#39;", "'").replace("&#x27;", "'")  # autoescaped apostrophes, made curly next


def typography_html(html: str) -> str:
    """Apply `typography` to the text between tags after `<body`, leaving markup and CSS alone."""
    start = html.find("<body")
    start = 0 if start < 0 else start
    body = _TEXT_NODE.sub(lambda m: ">" + typography(_nbsp(m.group(1))) + "<", html[start:])
    return html[:start] + body
