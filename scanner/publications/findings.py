"""What an analyser found in one post: a passage, why, and (when there is one) the fix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A passage of the post's text: offsets into the original text (Python string indices)."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class ContentFinding:
    """One problem in one post.

    `family` is stable and English (`agreement`, `phone`, `obscenity`…): the corpus, the
    routing and the dismissals key on it. `message` and `suggestion` are French.
    `to_check` marks what a person must look at (a confidential topic) rather than an error.
    """

    check: str  # content.french, content.personal-info, content.faces, content.conduct
    family: str
    span: Span | None
    message: str  # French
    suggestion: str | None = None  # French, or the corrected word
    to_check: bool = False


def excerpt(text: str, start: int, end: int) -> Span:
    return Span(start, end, text[start:end])
