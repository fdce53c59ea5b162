"""Load and validate a configuration folder, collecting every problem, each located.

`load_config(folder)` returns a `Config` or raises `ConfigError`, whose `problems`
are French messages such as
`registry.yaml, ligne 41, accounts[3].admins[0].email : adresse courriel invalide`.
The registry is `registry.yaml` or `registre.xlsx` (never both): a workbook is read by
`xlsx_read` into the YAML's shape and goes through the same models and cross-checks, its
problems located by sheet, row and column.
No network call is made here: a wrong file stops the run before any.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from scanner.config.messages import Problem, translate
from scanner.config.models import Config, Registry, Settings
from scanner.config.xlsx_layout import COLUMN_RANK, REGISTRY_XLSX, SHEET_RANK
from scanner.config.xlsx_read import XlsxSource, read_workbook
from scanner.config.yaml_lines import Path as YPath
from scanner.config.yaml_lines import format_path, line_of, load_with_lines

REGISTRY_FILE = "registry.yaml"
SETTINGS_FILE = "settings.yaml"
NBSP = "\u00a0"
M = TypeVar("M", bound=BaseModel)

__all__ = [
    "REGISTRY_FILE",
    "REGISTRY_XLSX",
    "SETTINGS_FILE",
    "ConfigError",
    "Problem",
    "load_config",
    "load_registry",
]


class ConfigError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class _Parsed:
    file: str
    data: object
    text: str
    _lines: dict[YPath, int] | None = None

    @property
    def lines(self) -> dict[YPath, int]:
        """Where each value stands: computed only when a problem must be located (a second parse)."""
        if self._lines is None:
            self._lines = load_with_lines(self.text)[1]
        return self._lines

    def problem(self, path: YPath, message: str) -> Problem:
        return Problem(self.file, line_of(self.lines, path), format_path(path), message)


def load_config(folder: Path, known_checks: frozenset[str] | None = None) -> Config:
    folder = Path(folder)
    problems: list[Problem] = []
    source = _registry_source(folder, problems)
    settings_source = _read(folder, SETTINGS_FILE, problems)
    registry = _checked_registry(source, folder, known_checks, problems)
    settings = _validate(settings_source, Settings, problems)
    _sort(problems)
    if problems or registry is None or settings is None:
        raise ConfigError(problems)
    return Config(folder=folder, registry=registry, settings=settings)


def load_registry(folder: Path, known_checks: frozenset[str] | None = None) -> Registry:
    """The registry alone (`registry.yaml` or `registre.xlsx`), for `registry export`."""
    folder = Path(folder)
    problems: list[Problem] = []
    registry = _checked_registry(_registry_source(folder, problems), folder, known_checks, problems)
    _sort(problems)
    if problems or registry is None:
        raise ConfigError(problems)
    return registry


def _checked_registry(
    source: _Parsed | XlsxSource | None,
    folder: Path,
    known_checks: frozenset[str] | None,
    problems: list[Problem],
) -> Registry | None:
    registry = _validate(source, Registry, problems)
    if source is not None:
        problems += _cross_check(source, folder, known_checks or _catalogue_ids())
    return registry


def _sort(problems: list[Problem]) -> None:
    """Registry first, then settings; in a workbook sheet by sheet, row by row, column by column."""
    problems.sort(
        key=lambda p: (
            p.file == SETTINGS_FILE,
            p.file,
            SHEET_RANK.get(p.sheet or "", -1),
            p.line or 0,
            COLUMN_RANK.get((p.sheet or "", p.column or ""), -1),
        )
    )


def _registry_source(folder: Path, problems: list[Problem]) -> _Parsed | XlsxSource | None:
    """`registry.yaml` or `registre.xlsx`, whichever the folder holds: never both."""
    yaml_path, xlsx_path = folder / REGISTRY_FILE, folder / REGISTRY_XLSX
    if yaml_path.exists() and xlsx_path.exists():
        newer, older = (
            (xlsx_path, yaml_path)
            if xlsx_path.stat().st_mtime >= yaml_path.stat().st_mtime
            else (yaml_path, xlsx_path)
        )
        message = (
            f"{REGISTRY_FILE} et {REGISTRY_XLSX} sont tous deux dans {folder}{NBSP}: le registre doit être "
            f"l’un ou l’autre. Gardez {newer.name} (le plus récemment modifié) et retirez {older.name} "
            f"du dossier, ou l’inverse si c’est {older.name} qui est à jour"
        )
        problems.append(Problem(REGISTRY_FILE, None, "", message))
        return None
    if xlsx_path.exists():
        return read_workbook(xlsx_path, problems)
    if not yaml_path.exists():
        message = f"fichier introuvable dans {folder} (le registre est {REGISTRY_FILE} ou {REGISTRY_XLSX})"
        problems.append(Problem(REGISTRY_FILE, None, "", message))
        return None
    return _read(folder, REGISTRY_FILE, problems)


def _read(folder: Path, name: str, problems: list[Problem]) -> _Parsed | None:
    path = folder / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(name, None, "", f"fichier introuvable dans {folder}"))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(name, None, "", f"fichier illisible ({exc.__class__.__name__})"))
        return None
    try:
        data, _, yaml_problems = load_with_lines(text, with_lines=False)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or "syntaxe YAML invalide"
        problems.append(Problem(name, line, "", f"erreur de syntaxe YAML ({what})"))
        return None
    parsed = _Parsed(name, data, text)
    problems += [Problem(name, p.line, format_path(p.path), p.message) for p in yaml_problems]
    if not isinstance(data, dict):
        problems.append(Problem(name, 1, "", "le fichier doit contenir des clés et des valeurs"))
        return None
    return parsed


def _validate(parsed: _Parsed | XlsxSource | None, model: type[M], problems: list[Problem]) -> M | None:
    if parsed is None:
        return None
    try:
        return model.model_validate(parsed.data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            problem = parsed.problem(_clean_loc(error["loc"]), translate(error))
            if problem is not None:  # None: a workbook's missing column, already reported once
                problems.append(problem)
        return None


def _clean_loc(loc: tuple) -> YPath:
    # pydantic adds the tag of the failing union member or "function-after[...]": keep YAML keys only.
    return tuple(p for p in loc if isinstance(p, int) or not (isinstance(p, str) and "[" in p))


def _cross_check(parsed: _Parsed | XlsxSource, folder: Path, checks: frozenset[str]) -> list[Problem]:
    """Checks across entries, on the raw data so they run even when some entries are malformed."""
    data = parsed.data if isinstance(parsed.data, dict) else {}
    schools = _entries(data.get("schools"))
    accounts = _entries(data.get("accounts"))
    problems: list[Problem] = []
    for index, value in _duplicates([(i, s.get("id")) for i, s in schools]):
        problems.append(
            parsed.problem(("schools", index, "id"), f"identifiant d'école {_q(value)} en double")
        )
    for index, value in _duplicates([(i, a.get("id")) for i, a in accounts]):
        problems.append(
            parsed.problem(("accounts", index, "id"), f"identifiant de compte {_q(value)} en double")
        )
    handles = [
        (i, (a.get("network"), str(a.get("handle") or "").lstrip("@").casefold() or None))
        for i, a in accounts
    ]
    for index, (network, handle) in _duplicates(handles):
        problems.append(
            parsed.problem(
                ("accounts", index, "handle"), f"le compte {network} {_q(handle)} est déclaré deux fois"
            )
        )
    known = {s.get("id") for _, s in schools}
    for index, account in accounts:
        school = account.get("school")
        if isinstance(school, str) and school not in known:
            problems.append(parsed.problem(("accounts", index, "school"), f"école inconnue {_q(school)}"))
        for e_index, exception in _entries(account.get("exceptions")):
            check = exception.get("check")
            if isinstance(check, str) and check not in checks:
                path = ("accounts", index, "exceptions", e_index, "check")
                problems.append(parsed.problem(path, f"règle inconnue {_q(check)}"))
    logos = [
        (
            ("board", "logo"),
            (data.get("board") or {}).get("logo") if isinstance(data.get("board"), dict) else None,
        )
    ]
    logos += [(("schools", i, "logo"), s.get("logo")) for i, s in schools]
    for path, relative in logos:
        if isinstance(relative, str) and relative:
            logo = Path(relative)
            message = _logo_problem(logo if logo.is_absolute() else folder / logo, relative)
            if message:
                problems.append(parsed.problem(path, message))
    return [problem for problem in problems if problem is not None]


def _entries(value: object) -> list[tuple[int, dict]]:
    """The (index, mapping) entries of a YAML list, skipping malformed ones (reported elsewhere)."""
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _q(value: object) -> str:
    return f"«{NBSP}{value}{NBSP}»"


def _logo_problem(path: Path, written: str) -> str | None:
    from PIL import Image, UnidentifiedImageError

    if not path.is_file():
        return f"fichier de logo introuvable ({written}, relatif au dossier de configuration)"
    try:
        with Image.open(path) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return f"le fichier de logo n'est pas une image lisible ({written})"
    return None


def _duplicates(values: list[tuple[int, object]]) -> list[tuple[int, object]]:
    """(index, value) of every repeated occurrence after the first; None values are not compared."""
    counts: Counter = Counter()
    repeated = []
    for index, value in values:
        if value is None or (isinstance(value, tuple) and None in value):
            continue
        counts[value] += 1
        if counts[value] > 1:
            repeated.append((index, value))
    return repeated


def _catalogue_ids() -> frozenset[str]:
    from scanner.checks.catalogue import CATALOGUE

    return frozenset(CATALOGUE)
