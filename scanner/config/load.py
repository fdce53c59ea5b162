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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml
from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ValidationError

from scanner.checks.catalogue import CATALOGUE
from scanner.checks.publications import CONTENT_CHECKS
from scanner.config.dismissals import DISMISSALS_FILE, Dismissals
from scanner.config.messages import Problem, translate, yaml_problem
from scanner.config.models import Config, Network, Registry, Settings, account_key, bare_handle
from scanner.config.xlsx_layout import COLUMN_RANK, REGISTRY_XLSX, SHEET_RANK
from scanner.config.xlsx_read import XlsxSource, read_workbook
from scanner.config.yaml_lines import Path as YPath
from scanner.config.yaml_lines import format_path, line_of, load_with_lines
from scanner.discovery.sites import parse_social_url
from scanner.plumbing.failures import french_os_error
from scanner.plumbing.french import NBSP, quoted

REGISTRY_FILE = "registry.yaml"
SETTINGS_FILE = "settings.yaml"
M = TypeVar("M", bound=BaseModel)
LOGO_MIN_SIDE = 200  # config/logos/README.md
LOGO_MAX_SIDE = 4096


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


def load_config(
    folder: Path, known_checks: frozenset[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> Config:
    """`environ` given (the command line passes `os.environ`): the variables the settings name
    are checked too (a login whose password variable is unset would see every notice refused)."""
    folder = Path(folder)
    problems: list[Problem] = []
    source = _registry_source(folder, problems)
    settings_source = _read(folder, SETTINGS_FILE, problems)
    registry = _checked_registry(source, folder, known_checks, problems)
    settings = _validate(settings_source, Settings, problems)
    if settings is not None and environ is not None:
        problems += _environment(settings_source, settings, environ)
    dismissals = _dismissals(folder, problems)
    _sort(problems)
    if problems or registry is None or settings is None:
        raise ConfigError(problems)
    return Config(folder=folder, registry=registry, settings=settings, dismissals=dismissals)


def _dismissals(folder: Path, problems: list[Problem]) -> Dismissals:
    """`publications_ignorees.yaml`, when the coordinator keeps one (else nothing is dismissed)."""
    if not (folder / DISMISSALS_FILE).exists():
        return Dismissals()
    parsed = _read(folder, DISMISSALS_FILE, problems)
    if parsed is None:
        return Dismissals()
    raw = parsed.data.get("publications") if isinstance(parsed.data, dict) else None
    for index, item in enumerate(raw if isinstance(raw, list) else []):
        rule = item.get("regle") if isinstance(item, dict) else None
        if rule is not None and rule not in CONTENT_CHECKS:
            problems.append(
                parsed.problem(("publications", index, "regle"), f"règle inconnue {quoted(str(rule))} "
                               f"(règles permises{NBSP}: {', '.join(CONTENT_CHECKS)})")
            )  # fmt: skip
    found = _validate(parsed, Dismissals, problems)
    if found is None:
        return Dismissals()
    return found


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
            p.file == DISMISSALS_FILE,
            p.file,
            SHEET_RANK.get(p.sheet or "", -1),
            p.line or 0,
            COLUMN_RANK.get((p.sheet or "", p.header or ""), -1),
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
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(name, None, "", f"fichier introuvable dans {folder}"))
        return None
    except OSError as exc:
        problems.append(Problem(name, None, "", f"fichier illisible ({french_os_error(exc)})"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.append(
            Problem(name, line, "", f"le fichier n’est pas enregistré en UTF-8 (octet 0x{raw[exc.start]:02X}"
                    f" illisible){NBSP}: enregistrez-le en UTF-8 depuis votre éditeur", column)
        )  # fmt: skip
        return None
    try:
        data, _, yaml_problems = load_with_lines(text, with_lines=False)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        problems.append(
            Problem(name, line, "", f"erreur de syntaxe YAML{NBSP}: {yaml_problem(exc, text)}", column)
        )
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
            parsed.problem(("schools", index, "id"), f"identifiant d'école {quoted(value)} en double")
        )
    for index, value in _duplicates([(i, a.get("id")) for i, a in accounts]):
        problems.append(
            parsed.problem(("accounts", index, "id"), f"identifiant de compte {quoted(value)} en double")
        )
    handles = [(i, _account_key(a)) for i, a in accounts]
    for index, (network, handle) in _duplicates(handles):
        problems.append(
            parsed.problem(
                ("accounts", index, "handle"), f"le compte {network} {quoted(handle)} est déclaré deux fois"
            )
        )
    known = {s.get("id") for _, s in schools}
    for index, account in accounts:
        handle = account.get("handle")
        if isinstance(handle, str) and _looks_like_url(handle):
            problems.append(parsed.problem(("accounts", index, "handle"), _handle_as_url(handle)))
        school = account.get("school")
        if isinstance(school, str) and school not in known:
            problems.append(parsed.problem(("accounts", index, "school"), f"école inconnue {quoted(school)}"))
        for e_index, exception in _entries(account.get("exceptions")):
            check = exception.get("check")
            if isinstance(check, str) and check not in checks:
                path = ("accounts", index, "exceptions", e_index, "check")
                problems.append(parsed.problem(path, f"règle inconnue {quoted(check)}"))
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


def _looks_like_url(handle: str) -> bool:
    bare = handle.strip().lower()
    return "://" in bare or "/" in bare or bare.startswith("www.")


def _handle_as_url(handle: str) -> str:
    """Refused with what to write instead: a URL as handle would be read as a missing account."""
    bare = handle.strip()
    link = parse_social_url(bare if "://" in bare else f"https://{bare}")
    if link is None:
        return (
            f"le compte est écrit comme une adresse Web ({quoted(bare)}){NBSP}: écrivez seulement son nom "
            "d’utilisateur sur la plateforme (par exemple EQVCSNO, ou @EHCSNO sur YouTube)"
        )
    return f"le compte est écrit comme une adresse Web{NBSP}: écrivez seulement {quoted(link.handle)}"


def _environment(parsed: _Parsed | None, settings: Settings, environ: Mapping[str, str]) -> list[Problem]:
    smtp = settings.smtp
    if parsed is None or not smtp.username:
        return []
    if not smtp.password_env:
        return [
            parsed.problem(
                ("smtp", "username"),
                f"un identifiant est donné sans smtp.password_env{NBSP}: nommez la variable d’environnement "
                "qui contient le mot de passe, ou retirez smtp.username si le relais n’exige pas de connexion",
            )
        ]
    if not environ.get(smtp.password_env, "").strip():
        return [
            parsed.problem(
                ("smtp", "password_env"),
                f"la variable d’environnement {smtp.password_env} (le mot de passe de {smtp.username}) n’est "
                f"pas définie pour l’utilisateur qui lance Vigie{NBSP}: sans elle, le relais refuserait chaque "
                "courriel. Définissez-la dans l’environnement du service (cron, systemd)",
            )
        ]
    return []


def _logo_problem(path: Path, written: str) -> str | None:
    if path.is_dir():
        return f"{quoted(written)} est un dossier, pas un fichier d’image{NBSP}: nommez le fichier du logo (PNG ou JPEG)"
    if not path.is_file():
        return f"fichier de logo introuvable ({written}, relatif au dossier de configuration)"
    too_big = f"le logo est une image trop grande ({written}){NBSP}: au plus {LOGO_MAX_SIDE} × {LOGO_MAX_SIDE} pixels"
    try:
        with Image.open(path) as image:
            width, height = image.size
            image.verify()
    except Image.DecompressionBombError:
        return too_big
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return (
            f"le fichier de logo n’est pas une image lisible ({written}){NBSP}: enregistrez-le en PNG ou JPEG"
        )
    if max(width, height) > LOGO_MAX_SIDE:
        return f"{too_big} (celle-ci fait {width} × {height} pixels)"
    if min(width, height) < LOGO_MIN_SIDE:
        return (
            f"le logo est trop petit ({written}, {width} × {height} pixels){NBSP}: au moins "
            f"{LOGO_MIN_SIDE} × {LOGO_MIN_SIDE} pixels, comme le demande config/logos/README.md"
        )
    return None


def _account_key(account: dict) -> tuple[str, str] | None:
    """`account_key` of a raw registry entry, or None when its network or handle is unusable."""
    handle = str(account.get("handle") or "")
    if account.get("network") not in {n.value for n in Network} or not bare_handle(handle):
        return None  # reported by the entry's own validation
    return account_key(account["network"], handle)


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
    return frozenset(CATALOGUE)
