"""The import graph of `scanner`: no circle, imports at the top of each module.

Read from the source (no module is imported): an edge is a module-level `import` or
`from … import` of one of the package's modules (imports under `if TYPE_CHECKING:`
never run and are left out). Inside a function, the package's own modules are never
imported; a standard-library or third-party module only with a comment on the line
or the line above saying why (optional dependency, the offline world loaded for --demo).
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "scanner"
SANDBOX = "vigie_sandbox"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted((ROOT / PACKAGE).rglob("*.py"))}


def targets(node: ast.Import | ast.ImportFrom, known: dict[str, Path]) -> list[str]:
    """The modules an import statement loads (`from a import b` loads `a.b` when `b` is a module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.append(node)
            elif isinstance(node, ast.If) and not is_type_checking(node):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)

    visit(tree.body)
    return found


def function_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            found += [n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))]
    return found


def comment_lines(source: str) -> set[int]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {token.start[0] for token in tokens if token.type == tokenize.COMMENT}


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges[name] = {
            target
            for node in top_level_imports(tree)
            for target in targets(node, known)
            if target in known and target != name
        }
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One circle of imports, as the list of modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_walk_sees_the_package() -> None:
    edges = graph()
    assert len(edges) > 50
    assert "scanner.checks.base" in edges["scanner.checks.runner"]
    assert "scanner.plumbing.french" in edges["scanner.mail.render"]  # `from scanner.plumbing import french`


def test_the_cycle_finder_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_import_circle() -> None:
    assert find_cycle(graph()) is None, " -> ".join(find_cycle(graph()) or [])


def test_no_import_inside_a_function_but_commented_optional_ones() -> None:
    problems = []
    for name, path in modules().items():
        source = path.read_text(encoding="utf-8")
        comments = comment_lines(source)
        for node in function_imports(ast.parse(source)):
            loaded = ", ".join(targets(node, {}))
            if any(t == PACKAGE or t.startswith(PACKAGE + ".") for t in targets(node, {})):
                problems.append(f"{name}:{node.lineno} imports {loaded} inside a function")
            elif not comments & {node.lineno, node.lineno - 1, node.lineno - 2}:
                problems.append(
                    f"{name}:{node.lineno} imports {loaded} inside a function, without saying why"
                )
    assert problems == []


def test_scanner_imports_the_sandbox_only_to_run_the_demo() -> None:
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in top_level_imports(tree):
            assert not any(t.split(".")[0] == SANDBOX for t in targets(node, {})), name
