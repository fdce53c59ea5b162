"""A sandbox world: plain data (YAML files in one folder, or dicts built by a test or benchmark).

Each section is read only by its own route module, which documents its shape:

| file / key       | read by                      |
| ---------------- | ---------------------------- |
| `facebook.yaml`  | `vigie_sandbox.graph`      | pages, groups, users, roles, posts
| `instagram.yaml` | `vigie_sandbox.graph`      | business accounts for business_discovery
| `x.yaml`         | `vigie_sandbox.twitter`    | users and tweets
| `youtube.yaml`   | `vigie_sandbox.youtube`    | channels, uploads
| `web.yaml`       | `vigie_sandbox.web`        | websites (host -> pages) and media (images)

`assets` is the folder that relative image sources are read from (the demo world uses
the configuration's logos, transformed, as the accounts' profile pictures).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SECTIONS = ("facebook", "instagram", "x", "youtube", "web")
DEMO_WORLD = Path(__file__).parent / "worlds" / "csno"


@dataclass
class World:
    facebook: dict[str, Any] = field(default_factory=dict)
    instagram: dict[str, Any] = field(default_factory=dict)
    x: dict[str, Any] = field(default_factory=dict)
    youtube: dict[str, Any] = field(default_factory=dict)
    web: dict[str, Any] = field(default_factory=dict)
    assets: Path | None = None

    @classmethod
    def load(cls, folder: Path, assets: Path | None = None) -> World:
        sections = {}
        for name in SECTIONS:
            path = folder / f"{name}.yaml"
            sections[name] = yaml.safe_load(path.read_text(encoding="utf-8")) or {} if path.exists() else {}
        return cls(**sections, assets=assets)

    @classmethod
    def demo(cls) -> World:
        """The CSNO demo world, with the configuration's logos as image sources."""
        return cls.load(DEMO_WORLD, assets=Path(__file__).resolve().parents[1] / "config")
