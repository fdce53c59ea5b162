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


# libyaml when PyYAML was built with it (ten times faster on a large registry), else pure Python.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TextDatesLoader(_BaseLoader):
    """A safe loader that leaves dates as text: pydantic parses them, so `2025-13-45` is a located
    validation error instead of a crash inside PyYAML."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_with_lines(text: str) -> tuple[object, dict[Path, int], list[YamlProblem]]:
    """Parse `text` once (the node tree gives the lines, then the data); raise `yaml.YAMLError`."""
    loader = _TextDatesLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    lines: dict[Path, int] = {}
    problems: list[YamlProblem] = []
    if node is not None:
        _walk(node, (), lines, problems)
    return data, lines, problems


def _walk(node: yaml.Node, path: Path, lines: dict[Path, int], problems: list[YamlProblem]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                problems.append(
                    YamlProblem(key_node.start_mark.line + 1, (*path, key), f"clé «\u00a0{key}\u00a0» en double")
                )
            seen.add(key)
            # A key's line is where the key is written (the value may start on the next line).
            _walk(value_node, (*path, key), lines, problems)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, problems)


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
