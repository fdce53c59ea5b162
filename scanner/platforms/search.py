"""Look-alike look-ups on the platforms (issue 17): what every searcher answers, and the searchers
that ask a platform's ordinary account read whether a handle exists.

A searcher is given tonight's look-ups of one platform (`scanner.discovery.lookup_plan.Lookup`:
a handle, or a name to search) and answers which of them got an answer (`made`: found or not,
they are not due again this round), the accounts found (`hits`), the HTTP calls made, and, when
part of the search could not be done, why (French, for the coordinator and the technician).

- X: `GET /2/users/by?usernames=` takes up to 100 usernames a call and returns the users that
  exist; the missing ones come back in `errors` as `resource-not-found` (docs.x.com/x-api/users/
  lookup, « User lookup by usernames »). X bills a read per user returned ($0.010,
  docs.x.com/x-api/getting-started/pricing): the adapter's own `XCost` counts them, so the night's
  X cost in the report includes the look-ups. This is `XAdapter.fetch`, the same call as the
  registered accounts' read.
- Instagram: `business_discovery.username(x)` reads one username per call
  (developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/
  business_discovery); a missing or personal account is error 110/2207013. This is
  `InstagramAdapter.fetch`, with its usage-header pacing and throttling back-off (codes 4, 17,
  32, 613, 80002, `scanner.platforms.graph_client`).

YouTube's look-ups are `scanner.platforms.youtube_search`, Facebook's `scanner.platforms.facebook_search`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from scanner.platforms.snapshot import FetchStatus, Snapshot

if TYPE_CHECKING:
    from scanner.discovery.lookup_plan import Lookup
    from scanner.platforms.instagram import InstagramAdapter
    from scanner.platforms.x import XAdapter

EXISTS = (FetchStatus.OK, FetchStatus.PRIVATE)
PLATFORM_NAMES = {"x": "X", "instagram": "Instagram", "youtube": "YouTube", "facebook": "Facebook"}


@dataclass(frozen=True)
class Hit:
    """An account a look-up found: how the audit reads it (`handle`), and its address."""

    key: str  # the look-up's key (`Lookup.key`)
    handle: str
    url: str
    name: str | None = None
    platform_id: str | None = None  # the platform's id: one account found under two handles is one


@dataclass
class SearchAnswer:
    made: list[str] = field(default_factory=list)  # keys of the look-ups answered (found or not)
    hits: list[Hit] = field(default_factory=list)
    calls: int = 0  # HTTP requests (retries included)
    units: int = 0  # YouTube quota units spent (every request is charged, even a refused one)
    problem: str | None = None  # French: what could not be searched tonight, and why
    refused: bool = False  # the platform refused this kind of search for want of a permission


class Searcher(Protocol):
    platform: str

    def search(self, lookups: Sequence[Lookup]) -> SearchAnswer: ...


def cannot_search(platform: str, reason: str) -> str:
    """« La recherche de comptes semblables sur X n'a pas pu être faite cette nuit : … »."""
    return (
        f"La recherche de comptes semblables sur {PLATFORM_NAMES[platform]} n’a pas pu être faite "
        f"cette nuit\u00a0: {reason}"
    )


class AccountReadSearcher:
    """X and Instagram: the adapter's account read says, per handle, whether the account exists."""

    def __init__(self, adapter: XAdapter | InstagramAdapter, profile_url: str):
        self.adapter = adapter
        self.platform = adapter.platform
        self.profile_url = profile_url  # « https://x.com/{} »

    def search(self, lookups: Sequence[Lookup]) -> SearchAnswer:
        answer = SearchAnswer()
        handles = [lookup.text for lookup in lookups]
        before = self.adapter.calls
        snapshots = self.adapter.fetch(handles)
        # X counts its calls over the adapter's life, Instagram per read
        answer.calls = self.adapter.calls - before if self.platform == "x" else self.adapter.calls
        for lookup in lookups:
            answer_for(answer, lookup, snapshots.get(lookup.text), self.profile_url, self.platform)
        return answer


def answer_for(
    answer: SearchAnswer, lookup: Lookup, snapshot: Snapshot | None, profile_url: str, platform: str
) -> None:
    """Count one handle's read: made when the platform answered, a hit when the account exists."""
    if snapshot is None:
        return
    if not snapshot.verified:
        if answer.problem is None and snapshot.reason:
            answer.problem = cannot_search(platform, snapshot.reason)
        return
    answer.made.append(lookup.key)
    if snapshot.status in EXISTS:
        handle = snapshot.username or lookup.text
        answer.hits.append(
            Hit(lookup.key, handle, profile_url.format(handle), snapshot.name, snapshot.platform_id)
        )
