"""What the night's audit makes (`scanner.night.audit`), and what the later stages read.

A small module of its own, so that history, the report and the orchestration all
read these types without importing the audit (nor each other).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from scanner.checks.base import Context, Discovered, Result
from scanner.discovery.lookups import LookupNight
from scanner.platforms.snapshot import Snapshot


@dataclass(frozen=True, slots=True)
class AccountOutcome:
    """Whether the account's platform answered about it tonight (SPEC.md: *verified*)."""

    id: str
    school: str
    network: str
    verified: bool
    reason: str | None = None  # French, when not verified


@dataclass
class AuditOutcome:
    started_at: dt.datetime
    finished_at: dt.datetime
    accounts: list[AccountOutcome]
    results: list[Result]
    snapshots: dict[str, Snapshot]
    discovered: list[Discovered]
    context: Context
    stats: dict[str, int] = field(default_factory=dict)
    unread_sites: list[tuple[str, str]] = field(default_factory=list)  # (site, French reason)
    notes: tuple[str, ...] = ()  # what the platforms say about the night (X's cost), French
    lookups: LookupNight | None = None  # tonight's look-alike look-ups, if made
    posts: Any = None  # scanner.night.publications.PostsNight: the publications stage's answer

    @property
    def complete(self) -> bool:
        return all(a.verified for a in self.accounts)

    @property
    def discovery_complete(self) -> bool:
        """The search for undeclared accounts read every site: an account not found is not there."""
        return not self.unread_sites
