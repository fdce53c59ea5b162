"""What a platform said about one account, frozen: the only input of the checks.

Adapters in `scanner.platforms` build these; nothing downstream talks to a platform.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class FetchStatus(StrEnum):
    OK = "ok"  # the platform answered with the account
    NOT_FOUND = "not_found"  # the platform answered: no such account (a finding)
    SUSPENDED = "suspended"  # the platform answered: suspended (a finding)
    PRIVATE = "private"  # the platform answered: exists but not public (a finding)
    ERROR = "error"  # the platform could not be asked or did not answer: not verified

    @property
    def verified(self) -> bool:
        return self is not FetchStatus.ERROR


@dataclass(frozen=True, slots=True)
class PlatformAdmin:
    """Somebody the platform says manages the account (Graph `roles` edge, for instance)."""

    name: str
    id: str | None = None
    email: str | None = None
    role: str | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    network: str  # scanner.config.models.Network value
    handle: str  # as declared in the registry (or as discovered)
    status: FetchStatus
    reason: str | None = None  # French, for the coordinator, when status is not OK
    platform_id: str | None = None
    name: str | None = None  # the live display name
    username: str | None = None  # the live username / vanity / @handle, without "@"
    description: str | None = None
    links: tuple[str, ...] = ()  # expanded absolute URLs (never t.co), in profile order
    avatar_url: str | None = None  # full-size profile picture
    avatar_is_silhouette: bool = False  # Facebook default picture
    cover_url: str | None = None  # cover / banner
    category: str | None = None  # Facebook page category, YouTube/IG kind…
    page_kind: str | None = None  # facebook: "page" | "group" | "profile"
    emails: tuple[str, ...] = ()  # contact addresses the platform shows
    admins: tuple[PlatformAdmin, ...] | None = None  # None: the platform does not tell
    last_post_at: dt.datetime | None = None  # aware UTC
    last_post_id: str | None = None  # the platform's id of that latest post, when it says
    followers: int | None = None
    fetched_at: dt.datetime | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # Fields the platform did not tell for want of a permission or a feature (field name ->
    # French reason naming what is missing and how to get it): the checks that read them are
    # `non_verifiable` with that reason rather than judging an absence.
    withheld: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # When `admins` is known to leave people out (Facebook's `roles` edge omits those who
    # manage the page through Business Manager): who is left out, in French.
    admins_partial: str | None = None
    avatar_key: str | None = None  # the picture's identity when its URL is signed (Graph `cache_key`)

    @property
    def verified(self) -> bool:
        return self.status.verified

    @property
    def ok(self) -> bool:
        return self.status is FetchStatus.OK


def unverified(network: str, handle: str, reason: str) -> Snapshot:
    """The platform could not be asked (no credentials, expired token, outage): French reason."""
    return Snapshot(network=network, handle=handle, status=FetchStatus.ERROR, reason=reason)
