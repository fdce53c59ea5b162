"""Hide what is not prose before checking French: hashtags, mentions, links, addresses, emoji.

Offsets are kept (every hidden character is replaced by one character), so that
what the checkers report still points into the original text. Hashtags and
mentions, links and e-mail addresses become a capitalised word of the same length
(a name to the grammar checker, so that « Bravo à nos #Huskies pour… » and
« écrivez à eqv@csno.ab.ca pour… » still parse); emoji become spaces.
"""

from __future__ import annotations

import re
from functools import cache

URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>«»]+")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
MENTION = re.compile(r"(?<![\w@])@[\w.]*\w")
HASHTAG = re.compile(r"(?<![\w#])#\w+")
# Emoji, pictographs, dingbats, flags, variation selectors and joiners, keycaps.
EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U00002300-\U000023ff\U00002b00-\U00002bff"
    "\U0000fe00-\U0000fe0f\U0000200d\U000020e3\U0001f1e6-\U0001f1ff\U000e0020-\U000e007f]"
)
_LETTER = re.compile(r"[^\W\d_]")


def _as_name(match: re.Match[str]) -> str:
    return "X" + "x" * (len(match.group()) - 1)


def _as_spaces(match: re.Match[str]) -> str:
    return " " * len(match.group())


def mask(text: str) -> str:
    """The text with links, addresses, mentions, hashtags and emoji hidden; same length."""
    masked = URL.sub(_as_name, text)
    masked = EMAIL.sub(_as_name, masked)
    masked = MENTION.sub(_as_name, masked)
    masked = HASHTAG.sub(_as_name, masked)
    masked = EMOJI.sub(_as_spaces, masked)
    assert len(masked) == len(text)
    return masked


def has_words(text: str) -> bool:
    """Whether a letter is left once links, addresses, mentions, hashtags and emoji are set aside: a
    post of only « #Huskies 🎉 https://… » has nothing for the French checks to read."""
    for pattern in (URL, EMAIL, MENTION, HASHTAG):  # as `mask` hides them, with digits for letters
        text = pattern.sub(lambda match: "0" * len(match.group()), text)
    return _LETTER.search(text) is not None


def hide_phrases(text: str, phrases: tuple[str, ...]) -> str:
    """Set expressions of the board's dictionary become one name-like word each (same length)."""
    for pattern in _phrase_patterns(phrases):
        text = pattern.sub(_as_name, text)
    return text


@cache
def _phrase_patterns(phrases: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """Compiled once per dictionary (not looked up in `re`'s cache per post, which Grammalecte's
    patterns overflow)."""
    return tuple(
        re.compile(
            r"(?<!\w)" + r"\s+".join(re.escape(word) for word in phrase.split()) + r"(?!\w)", re.IGNORECASE
        )
        for phrase in phrases
    )


def blank(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with the given passages replaced by spaces (same length)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)
