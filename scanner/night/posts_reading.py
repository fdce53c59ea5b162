"""The publications stage's reading: what to ask each platform, and one call per platform.

`wanted_for` turns the history's cursor (and the open findings' posts) into a `PostsWanted`;
`plan_posts` decides, account by account, what is asked and what is not (a profile that dates
its last post before the window has nothing new); `read_posts` calls each adapter's
`fetch_posts` once, the platforms concurrently, and never raises for one: a platform that
fails gives each of its accounts a French reason. `ReadAhead` starts that reading as soon as
the profiles are read, while the audit downloads their pictures and checks them.
(`scanner.night.publications` explains the window and why it reaches back.)
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from scanner.checks.publications import NETWORKS
from scanner.config.models import Account, Config, Registry, Settings
from scanner.history.posts import RememberedPost
from scanner.history.store import History
from scanner.platforms.posts import PostsRead, PostsWanted
from scanner.platforms.snapshot import Snapshot

log = logging.getLogger(__name__)

NO_READER = "la lecture des publications n’est pas offerte pour cette plateforme"
CURSOR_MARGIN = dt.timedelta(days=1)  # the overlap of two nights' windows (known posts are skipped)
NEVER_READ = dt.datetime.min.replace(tzinfo=dt.UTC)  # sorts an account never read before the others

# Platforms whose profile dates the latest publication as tonight's reading would: Graph's
# `posts.limit(1)` and Instagram's `media.limit(1)` are newest first by publication time, X's
# `most_recent_tweet_id` is the newest post of any kind. Not YouTube: its uploads playlist is in
# upload order, and a video uploaded weeks ago and published (scheduled) tonight sits below the
# first item that dates the profile (developers.google.com/youtube/v3/docs/playlistItems).
PROFILE_DATES_LATEST = frozenset({"facebook", "instagram", "x"})

Answers = dict[tuple[str, str], PostsRead]  # (network, handle) -> what the platform said


@dataclass
class PostsPlan:
    """Tonight's reading, decided once: who is asked what, who is not asked and why."""

    now: dt.datetime
    open_posts: Mapping[str, list[RememberedPost]]  # account id -> its posts with an open finding
    asked: dict[str, PostsWanted] = field(default_factory=dict)  # account id -> its window
    wanted: dict[str, list[PostsWanted]] = field(default_factory=dict)  # network -> windows to ask
    quiet: Answers = field(default_factory=dict)  # nothing new by the profile: answered without a call
    profile_unread: list[Account] = field(default_factory=list)  # no profile tonight: no posts either


def eligible(registry: Registry) -> list[Account]:
    """The registry accounts whose publications can be read (a Facebook group has no API)."""
    return [a for a in registry.accounts if a.network.value in NETWORKS]


def nothing_new(snap: Snapshot, wanted: PostsWanted, open_posts: Sequence[RememberedPost]) -> bool:
    """The profile read tonight shows that the account's latest publication is the last one read,
    or dates it before the window: there is nothing new to read, and no call is spent on it (night
    after night, most accounts). Not when the date is unknown (withheld for want of a feature, or
    no publication at all: the reader then says why), nor when a post with an open finding must
    be seen still there or gone, nor on a platform whose profile may date an older publication
    than the latest (YouTube)."""
    if snap.network not in PROFILE_DATES_LATEST or open_posts:
        return False
    if snap.last_post_id is not None and snap.last_post_id == wanted.since_id:
        return True  # the latest post is the one last night's reading ended on
    return snap.last_post_at is not None and snap.last_post_at < wanted.since


def plan_posts(
    registry: Registry,
    snapshots: Mapping[str, Snapshot],
    cursors: Mapping[str, tuple[str | None, dt.datetime]],
    open_posts: Mapping[str, list[RememberedPost]],
    settings: Settings,
    now: dt.datetime,
) -> PostsPlan:
    plan = PostsPlan(now, open_posts)
    # The accounts whose posts have waited longest are asked first (never read, then the oldest
    # read): when a platform stops answering part-way through the night (X's timeline allows
    # 1,500 calls per 15 minutes), the accounts left unread are the first asked the next night,
    # not the same ones night after night.
    accounts = eligible(registry)
    for account in sorted(accounts, key=lambda a: cursors[a.id][1] if a.id in cursors else NEVER_READ):
        snap = snapshots.get(account.id)
        if snap is None or not snap.verified:
            plan.profile_unread.append(account)
            continue
        remembered = open_posts.get(account.id, ())
        w = wanted_for(account, snap, cursors.get(account.id), remembered, settings, now)
        plan.asked[account.id] = w
        if nothing_new(snap, w, remembered):
            plan.quiet[(account.network.value, account.handle)] = PostsRead(account.handle)
        else:
            plan.wanted.setdefault(account.network.value, []).append(w)
    return plan


class ReadAhead:
    """The publications read while the profile audit downloads its pictures and checks them:
    `start(snapshots)` as soon as the profiles are read (the audit's `after_reads`), `result()`
    when the stage judges. `prepare` (the content tools: Grammalecte, spaCy's model, seconds of
    loading) runs beside the reading when there is something to read, and `prepared()` gives it.
    Never raises: a reading that failed to start is done by the stage."""

    def __init__(
        self,
        config: Config,
        adapters: Mapping[str, object],
        clock: Callable[[], dt.datetime],
        prepare: Callable[[], object] | None = None,
    ):
        self.config = config
        self.adapters = adapters
        self.clock = clock
        self._prepare = prepare
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="posts-ahead")
        self._started: tuple[PostsPlan, Future[Answers]] | None = None
        self._prepared: Future[object] | None = None

    def start(self, snapshots: Mapping[str, Snapshot]) -> None:
        settings = self.config.settings
        try:
            with History.in_state_dir(self.config.state_dir, rollback=True) as history:
                cursors, open_posts = history.cursors(), history.open_posts()
            plan = plan_posts(self.config.registry, snapshots, cursors, open_posts, settings, self.clock())
        except Exception:  # the stage reads them itself, later
            log.exception("the publications could not be read ahead")
            return
        self._started = (plan, self._pool.submit(read_posts, self.adapters, plan.wanted))
        if self._prepare is not None and plan.wanted:
            self._prepared = self._pool.submit(self._prepare)

    def result(self) -> tuple[PostsPlan, Answers] | None:
        if self._started is None:
            return None
        plan, answers = self._started
        return plan, answers.result()

    def prepared(self) -> object | None:
        """What `prepare` gave, or None when it did not run or failed (the stage then does it)."""
        if self._prepared is None:
            return None
        try:
            return self._prepared.result()
        except Exception:
            log.exception("preparing the publications' tools ahead failed")
            return None

    def close(self) -> None:
        self._pool.shutdown(wait=True)


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


def read_posts(adapters: Mapping[str, object], wanted: Mapping[str, list[PostsWanted]]) -> Answers:
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
