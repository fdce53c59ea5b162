"""What every platform adapter offers the audit: read many accounts at once, return snapshots.

An adapter is built with its settings and its secret as a value (never the name of an
environment variable it would read itself), talks HTTP only, and never raises for one
account: an account it could not read comes back as `scanner.platforms.snapshot.unverified(...)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from scanner.platforms.snapshot import Snapshot

NO_CREDENTIALS = "aucun identifiant configuré pour cette plateforme"
EXPIRED_TOKEN = (
    "le jeton d'accès de la plateforme est expiré ou révoqué : "
    "le technicien doit en générer un nouveau et le placer dans la variable d'environnement"
)


class PlatformAdapter(Protocol):
    platform: str  # "facebook" | "instagram" | "x" | "youtube"

    def fetch(self, handles: Sequence[str]) -> dict[str, Snapshot]:
        """Read these accounts (registry handles); one snapshot per handle given, keyed by it."""
        ...


class PlatformStopped(Exception):
    """No call to this platform can succeed in this run (credential refused, quota spent):
    every account not read yet gets `reason`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class CallFailed(Exception):
    """One call failed for good after its retries; the accounts it was for get `reason`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
