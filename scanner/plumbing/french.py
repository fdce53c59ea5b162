"""Canadian French for everything people read: Babel `fr_CA` dates and numbers, quotes, lists, typography.

The one home of the French wording helpers (the checks' details, the report, the
e-mails, the command line) and of `NBSP`, the no-break space.

Typography (SPEC.md): no space before `; ! ?`, a no-break space before `:` and
inside « ». `typography` fixes a plain text; `typography_html` fixes only the
text nodes of an HTML body, never tags, attributes or style sheets.
"""

from __future__ import annotations

import datetime as dt
import re
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
_TEXT_NODE = re.compile(r">([^<]+)<")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _local(value: dt.datetime | dt.date, timezone: str | None) -> dt.date | dt.datetime:
    if isinstance(value, dt.datetime) and value.tzinfo is not None and timezone:
        return value.astimezone(ZoneInfo(timezone))
    return value


def date_long(value: dt.datetime | dt.date | None, timezone: str | None = None) -> str:
    """« 24 novembre 2026 » (the local date of an aware datetime)."""
    if value is None:
        return ""
    local = _local(value, timezone)
    return format_date(local.date() if isinstance(local, dt.datetime) else local, "long", locale=LOCALE)


def date_medium(value: dt.datetime | dt.date | None, timezone: str | None = None) -> str:
    """« 24 nov. 2026 »."""
    if value is None:
        return ""
    local = _local(value, timezone)
    return format_date(local.date() if isinstance(local, dt.datetime) else local, "medium", locale=LOCALE)


def date_short(value: dt.datetime | dt.date, timezone: str | None = None) -> str:
    """« 24 nov. », for the chart's axis."""
    local = _local(value, timezone)
    return format_date(local.date() if isinstance(local, dt.datetime) else local, "d MMM", locale=LOCALE)


def time_short(value: dt.datetime, timezone: str | None = None) -> str:
    """« 4 h 03 »."""
    return format_time(_local(value, timezone), "H 'h' mm", locale=LOCALE)


def datetime_long(value: dt.datetime | None, timezone: str | None = None) -> str:
    """« 24 novembre 2026 à 4 h 03 »."""
    if value is None:
        return ""
    return f"{date_long(value, timezone)} à {time_short(value, timezone)}"


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


def capitalize(text: str | None) -> str:
    return text[:1].upper() + text[1:] if text else ""


def typography(text: str) -> str:
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def _nbsp(text: str) -> str:
    return text.replace("&nbsp;", NBSP).replace("&#160;", NBSP).replace("&#xa0;", NBSP)


def typography_html(html: str) -> str:
    """Apply `typography` to the text between tags after `<body`, leaving markup and CSS alone."""
    start = html.find("<body")
    start = 0 if start < 0 else start
    body = _TEXT_NODE.sub(lambda m: ">" + typography(_nbsp(m.group(1))) + "<", html[start:])
    return html[:start] + body
