"""Read YAML while remembering where each value stands, so errors can name the line.

`load_with_lines(text)` returns the data and an index from a path such as
`("accounts", 3, "admins", 0, "email")` to its 1-based line. Duplicate keys, which
PyYAML silently accepts, are reported as problems.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlProblem:
    line: int | None
    path: Path
    message: str  # French


_STR = "tag:yaml.org,2002:str"

# libyaml when PyYAML was built with it (ten times faster on a large registry), else pure Python.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TextDatesLoader(_BaseLoader):
    """A safe loader that leaves dates as text: pydantic parses them, so `2025-13-45` is a located
    validation error instead of a crash inside PyYAML."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_with_lines(
    text: str, *, with_lines: bool = True
) -> tuple[object, dict[Path, int], list[YamlProblem]]:
    """Parse `text` from the parser's events (no node tree is kept: a large registry stays small);
    raise `yaml.YAMLError` on a syntax error. `with_lines=False` skips the line index, which is
    only needed to locate problems. Duplicate keys are always reported, with their line."""
    loader = _TextDatesLoader(text)
    lines: dict[Path, int] = {}
    problems: list[YamlProblem] = []
    try:
        loader.get_event()  # StreamStart
        data = None
        if not loader.check_event(yaml.StreamEndEvent):
            loader.get_event()  # DocumentStart
            data = _Builder(loader, lines if with_lines else None, problems).value(())
            loader.get_event()  # DocumentEnd
        if not loader.check_event(yaml.StreamEndEvent):
            event = loader.get_event()
            raise yaml.composer.ComposerError(
                "expected a single document in the stream",
                None,
                "but found another document",
                event.start_mark,
            )
    finally:
        loader.dispose()
    return data, lines, problems


class _Builder:
    """Python values straight from parser events, with the safe constructors for scalars."""

    def __init__(self, loader, lines: dict[Path, int] | None, problems: list[YamlProblem]):
        self.loader = loader
        self.lines = lines
        self.problems = problems
        self.anchors: dict[str, object] = {}

    def value(self, path: Path) -> object:
        event = self.loader.get_event()
        if self.lines is not None:
            self.lines.setdefault(path, event.start_mark.line + 1)
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                raise yaml.composer.ComposerError(
                    None, None, f"found undefined alias {event.anchor}", event.start_mark
                )
            return self.anchors[event.anchor]
        if isinstance(event, yaml.ScalarEvent):
            result = self._scalar(event)
        elif isinstance(event, yaml.SequenceStartEvent):
            result = []
            while not self.loader.check_event(yaml.SequenceEndEvent):
                result.append(self.value((*path, len(result))))
            self.loader.get_event()
        else:  # MappingStartEvent
            result = self._mapping(path)
        if getattr(event, "anchor", None):
            self.anchors[event.anchor] = result
        return result

    def _mapping(self, path: Path) -> dict:
        result: dict = {}
        while not self.loader.check_event(yaml.MappingEndEvent):
            key_line = self.loader.peek_event().start_mark.line + 1
            key = self._key()
            name = str(key)
            if key in result:
                self.problems.append(
                    YamlProblem(key_line, (*path, name), f"clé «\u00a0{name}\u00a0» en double")
                )
            result[key] = self.value((*path, name))
            if self.lines is not None:
                # A key's line is where the key is written (the value may start on the next line).
                self.lines[(*path, name)] = key_line
        self.loader.get_event()
        return result

    def _key(self) -> object:
        event = self.loader.get_event()
        if isinstance(event, yaml.ScalarEvent):
            return self._scalar(event)
        raise yaml.constructor.ConstructorError(
            "while constructing a mapping", None, "found a key that is not a plain value", event.start_mark
        )

    def _scalar(self, event) -> object:
        tag = event.tag
        if tag is None or tag == "!":
            # a quoted scalar is a string whatever it looks like (PyYAML's `resolve` says so too,
            # after its look-ups); a plain one is matched against the implicit types
            plain = event.implicit[0]
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit) if plain else _STR
        if tag == _STR:
            return event.value  # what the safe constructor gives for a string, without a node
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        constructor = self.loader.yaml_constructors.get(tag) or self.loader.yaml_constructors[None]
        return constructor(self.loader, node)


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of `path`, or of its nearest ancestor written in the file."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def format_path(path: Path) -> str:
    """`("accounts", 3, "admins", 0, "email")` -> `accounts[3].admins[0].email`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text
