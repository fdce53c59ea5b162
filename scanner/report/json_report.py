"""The machine-readable report (SPEC.md): `STATE_DIR/reports/<run-id>.json`.

The JSON is the `Report` dataclass as it is (field names are the contract), so a
report read back with `load_json` renders again exactly (`archive.preview`).
Times are ISO 8601 with their offset, dates `YYYY-MM-DD`. `results` (200,000 entries
for 10,000 accounts) comes last, one entry per line, serialised piece by piece.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from scanner.plumbing.atomic_write import write_atomic_chunks
from scanner.report.model import Report, ResultEntry

RESULTS_PER_CHUNK = 5_000


@cache
def _adapter() -> TypeAdapter[Report]:
    return TypeAdapter(Report)


@cache
def _entry() -> TypeAdapter[ResultEntry]:
    return TypeAdapter(ResultEntry)


def to_dict(report: Report) -> dict[str, Any]:
    return _adapter().dump_python(report, mode="json")


def from_dict(data: dict[str, Any]) -> Report:
    return _adapter().validate_python(data)


def dumps(report: Report) -> str:
    return encode(report).decode("utf-8")


def encode(report: Report) -> bytes:
    return b"".join(encode_chunks(report))


def encode_chunks(report: Report) -> Iterator[bytes]:
    """UTF-8 JSON in pieces: the report without `results` serialised by pydantic's core straight
    to bytes (no Python dict of the whole report in between), then `results` a few thousand
    entries at a time, one per line (10,000 accounts: the file never whole in memory)."""
    head = _adapter().dump_json(report, indent=1, exclude={"results"})
    yield head.removesuffix(b"\n}") + b',\n "results": ['
    entry = _entry()
    for start in range(0, len(report.results), RESULTS_PER_CHUNK):
        lines = (entry.dump_json(e) for e in report.results[start : start + RESULTS_PER_CHUNK])
        yield (b"\n" if start == 0 else b",\n") + b",\n".join(lines)
    yield b"\n ]\n}" if report.results else b"]\n}"


def write_json(report: Report, path: Path) -> Path:
    """Write atomically (a reader never sees half a report)."""
    write_atomic_chunks(path, encode_chunks(report))
    return path


def load_json(path: Path) -> Report:
    return from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
