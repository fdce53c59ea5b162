"""What a platform said about an account's publications: the contract between the adapters
that read posts and the publications stage that judges them (DA 142 §2.b.iii, §3.b, Annexe A).

An adapter that can read publications offers `fetch_posts(wanted) -> {handle: PostsRead}`
(`PostReader`). Like `fetch`, it never raises for one account: an account whose posts could
not be read comes back with `reason` (French, naming what is missing and how to get it),
and the content checks are `non_verifiable` for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class PostsWanted:
    """One account's publications to read tonight."""

    handle: str  # as in the registry (the key of the answer)
    platform_id: str | None  # from tonight's snapshot (Graph page id, IG user id, X user id, channel id)
    since: dt.datetime  # nothing older (first night: now − content.first_night_days)
    since_id: str | None = None  # the newest post already read (the history's cursor), if any
    limit: int = 50  # at most this many posts for this account tonight


@dataclass(frozen=True, slots=True)
class PublishedPost:
    """One publication as the platform sent it (pictures not downloaded yet)."""

    network: str
    handle: str
    id: str  # the platform's own id (Graph post id, IG media id, tweet id, video id)
    created: dt.datetime | None  # aware UTC
    text: str  # message / caption / tweet text / video title + description
    permalink: str | None
    picture_urls: tuple[str, ...] = ()  # full pictures, thumbnails for videos
    picture_keys: tuple[str | None, ...] = ()  # identity of each picture when its URL is signed


@dataclass(frozen=True, slots=True)
class PostsRead:
    """An account's new publications, newest first, and where to start next night."""

    handle: str
    posts: tuple[PublishedPost, ...] = ()
    cursor: str | None = None  # the newest post id read (next night's `since_id`); None: keep the old one
    reason: str | None = None  # French: why they could not be read (then `posts` is empty)
    truncated: bool = False  # more posts than `limit`: the oldest were left unread
    calls: int = 0  # calls this account's publications cost tonight

    @property
    def read(self) -> bool:
        return self.reason is None


class PostReader(Protocol):
    platform: str

    def fetch_posts(self, wanted: Sequence[PostsWanted]) -> dict[str, PostsRead]:
        """One `PostsRead` per handle wanted, keyed by it."""
        ...
