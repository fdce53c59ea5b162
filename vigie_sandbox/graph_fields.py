"""Graph API field expansion, as the sandbox parses it: `a,b.type(large){c,d},e.limit(1){f}`.

Graph's own syntax (developers.facebook.com/docs/graph-api/guides/field-expansion): fields
separated by commas, modifiers `.name(value)`, sub-fields in braces; a syntax error is a
`(#100)` with Graph's message. `GraphFailure` is any error answer of the Graph sandbox.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


class GraphFailure(Exception):
    """An error answer: raised anywhere while building a response."""

    def __init__(self, code: int, message: str, status: int = 400, **extra: Any):
        super().__init__(message)
        self.code, self.message, self.status, self.extra = code, message, status, extra


@dataclass
class FieldSpec:
    name: str
    modifiers: dict[str, str] = field(default_factory=dict)
    children: list[FieldSpec] | None = None


def parse_fields(text: str) -> list[FieldSpec]:
    """`a,b.type(large){c,d},e.limit(1){f}` -> specs; a syntax error is a (#100) like Graph's."""
    specs, pos = _parse_list(text, 0)
    if pos != len(text):
        raise _syntax_error(text, pos)
    return specs


def _parse_list(text: str, pos: int) -> tuple[list[FieldSpec], int]:
    specs: list[FieldSpec] = []
    while True:
        spec, pos = _parse_field(text, pos)
        specs.append(spec)
        pos = _skip_spaces(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        return specs, pos


def _parse_field(text: str, pos: int) -> tuple[FieldSpec, int]:
    pos = _skip_spaces(text, pos)
    match = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(text, pos)
    if not match:
        raise _syntax_error(text, pos)
    spec, pos = FieldSpec(match.group()), match.end()
    while pos < len(text) and text[pos] in ".{":
        if text[pos] == "{":
            if spec.children is not None:
                raise _syntax_error(text, pos)
            spec.children, pos = _parse_list(text, pos + 1)
            if pos >= len(text) or text[pos] != "}":
                raise _syntax_error(text, pos)
            pos += 1
            continue
        modifier = re.compile(r"\.([A-Za-z_]+)\(([^()]*)\)").match(text, pos)
        if not modifier:
            raise _syntax_error(text, pos)
        spec.modifiers[modifier.group(1)] = modifier.group(2).strip()
        pos = modifier.end()
    return spec, pos


def _skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _syntax_error(text: str, pos: int) -> GraphFailure:
    found = text[pos] if pos < len(text) else "end of string"
    return GraphFailure(
        100, f'Syntax error "Expected end of string instead of "{found}"." at character {pos}: {text}'
    )
