"""`python run_audit.py registry export --xlsx FILE | --yaml FILE`: the registry, wherever it is kept
(`registry.yaml` or `registre.xlsx`), written in the other form. A round trip loses nothing but
the YAML's comments: the parsed registry is the same.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path, PurePath

import yaml

from scanner.checks.catalogue import all_checks
from scanner.config.models import Registry
from scanner.config.xlsx_write import RuleInfo, write_workbook

YAML_HEADER = (
    "# Registre des comptes approuvés (Formulaires DA 142), tenu par la coordonnatrice des\n"
    "# communications. Écrit par « python run_audit.py registry export --yaml ».\n\n"
)
# Small mappings and lists read best on one line: {name: …, email: …}, [ÉQV].
_FLOW_KEYS = frozenset({"coordinator", "direction_generale", "technician", "principal", "permission"})
_FLOW_LISTS = frozenset({"email_domains", "acronyms"})


def rules() -> list[RuleInfo]:
    """The DA 142 checks a derogation may name, in the report's order."""
    return [RuleInfo(check.id, check.clause, check.title) for check in all_checks()]


def export_xlsx(registry: Registry, path: Path) -> None:
    write_workbook(registry, path, rules())


def export_yaml(registry: Registry, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(registry_yaml(registry), encoding="utf-8")


def registry_yaml(registry: Registry) -> str:
    data = _plain(registry.model_dump())
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
    return YAML_HEADER + body


class _Flow(dict):
    pass


class _FlowList(list):
    pass


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True))
_Dumper.add_representer(
    _FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)


def _plain(value: object, key: str = "") -> object:
    """Plain YAML values: no None, no empty list or section, enums and paths as text."""
    if isinstance(value, dict):
        items = {k: _plain(v, k) for k, v in value.items()}
        items = {k: v for k, v in items.items() if v is not None and v != [] and v != {}}
        return _Flow(items) if key in _FLOW_KEYS or key == "admins" else items
    if isinstance(value, list | tuple):
        items = [_plain(item, "admins" if key == "admins" else "") for item in value]
        return _FlowList(items) if key in _FLOW_LISTS else items
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, PurePath):
        return value.as_posix()
    return value
