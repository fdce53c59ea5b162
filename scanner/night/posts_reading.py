"""The publications stage's reading: what to ask each platform, and one call per platform.

`wanted_for` turns the history's cursor (and the open findings' posts) into a `PostsWanted`;
`read_posts` calls each adapter's `fetch_posts` once, the platforms concurrently, and never
raises for one: a platform that fails gives each of its accounts a French reason.
(`scanner.night.publications` explains the window and why it reaches back.)
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from scanner.config.models import Account, Settings
from scanner.history.posts import RememberedPost
from scanner.platforms.posts import PostsRead, PostsWanted
from scanner.platforms.snapshot import Snapshot

log = logging.getLogger(__name__)

NO_READER = "la lecture des publications n’est pas offerte pour cette plateforme"
CURSOR_MARGIN = dt.timedelta(days=1)  # the overlap of two nights' windows (known posts are skipped)


def wanted_for(
    account: Account,
    snapshot: Snapshot | None,
    cursor: tuple[str | None, dt.datetime] | None,
    open_posts: Sequence[RememberedPost],
    settings: Settings,
    now: dt.datetime,
) -> PostsWanted:
    content = settings.content
    since, since_id = now - dt.timedelta(days=content.first_night_days), None
    if cursor is not None:
        since_id = cursor[0]
        since = min(cursor[1] - CURSOR_MARGIN, now - CURSOR_MARGIN)
    dated = [p.created for p in open_posts if p.created is not None]
    if dated:  # reach back to the oldest post with an open finding: a deleted one is then seen
        since, since_id = min([since, *dated]), None
    return PostsWanted(
        handle=account.handle,
        platform_id=snapshot.platform_id if snapshot is not None else None,
        since=since,
        since_id=since_id,
        limit=content.max_posts_per_account + len(open_posts),
    )


def read_posts(
    adapters: Mapping[str, object], wanted: Mapping[str, list[PostsWanted]]
) -> dict[tuple[str, str], PostsRead]:
    """Each platform's `fetch_posts` once, the platforms concurrently; never raises for one."""

    def read(network: str) -> dict[str, PostsRead]:
        asked = wanted[network]
        adapter = adapters.get(network)
        if adapter is None or not hasattr(adapter, "fetch_posts"):
            return {w.handle: PostsRead(w.handle, reason=NO_READER) for w in asked}
        started = time.monotonic()
        try:
            answer = dict(adapter.fetch_posts(asked))  # type: ignore[union-attr]
        except Exception:  # an adapter bug must not take the other platforms down
            log.exception("reading the publications on %s failed", network)
            reason = "erreur interne de Vigie en lisant les publications de cette plateforme"
            return {w.handle: PostsRead(w.handle, reason=reason) for w in asked}
        log.info(
            "%s: publications of %d account(s) asked, %d post(s) read, %d call(s), %.1f s", network,
            len(asked), sum(len(r.posts) for r in answer.values()), sum(r.calls for r in answer.values()),
            time.monotonic() - started,
        )  # fmt: skip
        return answer

    out: dict[tuple[str, str], PostsRead] = {}
    if not wanted:
        return out
    with ThreadPoolExecutor(max_workers=len(wanted), thread_name_prefix="posts") as pool:
        for network, answer in zip(wanted, pool.map(read, wanted), strict=True):
            for w in wanted[network]:
                out[(network, w.handle)] = answer.get(w.handle) or PostsRead(
                    w.handle, reason="la plateforme n’a rien répondu sur les publications de ce compte"
                )
    return out
