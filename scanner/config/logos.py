"""The official logos the registry names (the board's and each school's): read once a night.

Each comes with its bytes (shown in the report beside a picture that should be it)
and its fingerprint (what the logo checks compare pictures with).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from scanner.config.models import Config
from scanner.net.imaging import Fingerprint, ImageError, fingerprint

log = logging.getLogger(__name__)

BOARD = "board"


@dataclass(frozen=True)
class OfficialLogo:
    data: bytes
    fingerprint: Fingerprint | None  # None: a file Pillow cannot read (the checks say so)


def load_logos(config: Config) -> dict[str, OfficialLogo]:
    """One logo per school id, and `"board"`; a missing file is left out (with a warning)."""
    registry = config.registry
    wanted = {BOARD: registry.board.logo, **{s.id: s.logo for s in registry.schools}}
    logos: dict[str, OfficialLogo] = {}
    by_file: dict[Path, OfficialLogo] = {}  # schools sharing a logo file: read and fingerprinted once
    for key, relative in wanted.items():
        path = config.path(relative)
        if path not in by_file:
            try:
                data = path.read_bytes()
            except OSError:
                log.warning("logo %s unreadable", key)
                continue
            try:
                by_file[path] = OfficialLogo(data, fingerprint(data))
            except ImageError:
                log.warning("logo %s is not an image", key)
                by_file[path] = OfficialLogo(data, None)
        logos[key] = by_file[path]
    return logos
