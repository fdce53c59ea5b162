"""The machine-readable report (SPEC.md): `STATE_DIR/reports/<run-id>.json`.

The JSON is the `Report` dataclass as it is (field names are the contract), so a
report read back with `load_json` renders again exactly (`archive.preview`).
Times are ISO 8601 with their offset, dates `YYYY-MM-DD`.
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from scanner.report.model import Report


@cache
def _adapter() -> TypeAdapter[Report]:
    return TypeAdapter(Report)


def to_dict(report: Report) -> dict[str, Any]:
    return _adapter().dump_python(report, mode="json")


def from_dict(data: dict[str, Any]) -> Report:
    return _adapter().validate_python(data)


def dumps(report: Report) -> str:
    return json.dumps(to_dict(report), ensure_ascii=False, indent=1)


def write_json(report: Report, path: Path) -> Path:
    """Write atomically (a reader never sees half a report)."""
    write_atomic(path, dumps(report).encode("utf-8"))
    return path


def load_json(path: Path) -> Report:
    return from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
