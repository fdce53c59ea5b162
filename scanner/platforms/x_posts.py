"""X accounts' publications: `GET /2/users/:id/tweets`, one account at a time, paged.

docs.x.com/x-api/posts/user-posts-timeline-by-user-id (the `/2/users/:id/tweets` reference):
newest first, `max_results` 5 to 100, `pagination_token` from `meta.next_token`; `since_id`
(only posts newer than the history's cursor) and `start_time` (the first night's window);
`exclude=retweets,replies` keeps what the account itself published; pictures come by
`expansions=attachments.media_keys` in `includes.media` (`url` for a photo,
`preview_image_url` for a video or a GIF).

Every post returned is charged ($0.005, docs.x.com/x-api/getting-started/pricing; the same
post again within a UTC day is free): the adapter's `cost` counts them with the users, so the
night's note says what the publications cost. Credits used up or the monthly cap stop X for
the night (the adapter's `_call` raises them): every account not read yet gets that reason.
An account X does not show (`errors` in a 200 answer) gets its own reason.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Sequence
from typing import Any

import tweepy

from scanner.net.images import picture_key
from scanner.platforms.base import NO_CREDENTIALS, CallFailed, PlatformStopped, first_alone_then, parse_time
from scanner.platforms.posts import PostsRead, PostsWanted, PublishedPost
from scanner.platforms.posts_window import PostsWindow, unread

log = logging.getLogger(__name__)

TWEET_FIELDS = ["created_at", "text", "attachments", "lang"]
MEDIA_FIELDS = ["url", "preview_image_url", "type"]
# timelines asked at once: one account's timeline is one call, 50 ms to 300 ms away; X counts the
# calls in its 15-minute window (1,500 a window, per app, for this endpoint), not their overlap
TIMELINES_AT_ONCE = 4
PAGE_SIZE = 100  # X's largest `max_results` on a user's timeline
SMALLEST_PAGE = 5  # and its smallest
NO_USER_ID = "le compte X n'a pas pu être lu cette nuit\u00a0: ses publications non plus"
HIDDEN = "X ne montre pas les publications de ce compte (protégé, suspendu ou supprimé)"


class XPostsReader:
    """`fetch_posts` for `XAdapter` (its `_client`, `_call`, `cost` and options)."""

    def fetch_posts(self, wanted: Sequence[PostsWanted]) -> dict[str, PostsRead]:
        wanted = list(wanted)
        if not self._secret:
            return {w.handle: unread(w, NO_CREDENTIALS) for w in wanted}
        stopped: list[str] = []  # credits used up, cap reached, token refused: the rest are not asked
        local = threading.local()
        clients: list[tweepy.Client] = []

        def one(item: PostsWanted) -> PostsRead:
            if stopped:
                return unread(item, stopped[0])
            if not (item.platform_id or "").isdigit():
                return unread(item, NO_USER_ID)
            if not hasattr(local, "client"):  # one session per worker: requests' are not shared
                local.client = self._client()
                clients.append(local.client)
            window = PostsWindow(item)
            try:
                return self._walk_timeline(local.client, item, window)
            except PlatformStopped as stop:
                stopped.append(stop.reason)
                return window.failed(stop.reason)

        try:  # the first alone: a refusal that concerns every account shows at once
            read = first_alone_then(one, wanted, TIMELINES_AT_ONCE, "x-posts")
        finally:
            for client in clients:
                client.session.close()
        if self.cost.posts:
            log.info("x: %s after the publications (estimate)", self.cost.french())
        return {w.handle: r for w, r in zip(wanted, read, strict=True)}

    def _walk_timeline(self, client: tweepy.Client, wanted: PostsWanted, window: PostsWindow) -> PostsRead:
        token = None
        username = wanted.handle.strip().lstrip("@")
        while True:
            params: dict[str, Any] = {
                "exclude": ["retweets", "replies"],
                "tweet_fields": TWEET_FIELDS,
                "expansions": ["attachments.media_keys"],
                "media_fields": MEDIA_FIELDS,
                "max_results": max(SMALLEST_PAGE, window.page_size(PAGE_SIZE)),
                "start_time": _rfc3339(wanted.since),
            }
            if wanted.since_id:
                params["since_id"] = wanted.since_id
            if token:
                params["pagination_token"] = token
            window.calls += 1
            try:
                response = self._call(
                    lambda p=params: client.get_users_tweets(str(wanted.platform_id), user_auth=False, **p)
                )
            except CallFailed as failed:
                return window.failed(failed.reason)
            tweets = [t.data for t in response.data or []]
            now = self.options.now().astimezone(dt.UTC).date()
            self.cost.count(now, [], [str(t.get("id")) for t in tweets])
            if not tweets and response.errors:
                return window.failed(HIDDEN)
            media = {
                str(m.data.get("media_key")): m.data
                for m in (response.includes or {}).get("media") or []
                if hasattr(m, "data")
            }
            for tweet in tweets:
                if not window.offer(tweet_post(wanted.handle, username, tweet, media)):
                    break
            if window.done:
                return window.result()
            token = (response.meta or {}).get("next_token")
            if not token:
                return window.result()


def _rfc3339(when: dt.datetime) -> str:
    """X wants `YYYY-MM-DDTHH:mm:ssZ`, without fractions of a second."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tweet_post(handle: str, username: str, tweet: dict[str, Any], media: dict[str, dict]) -> PublishedPost:
    keys = ((tweet.get("attachments") or {}).get("media_keys")) or []
    urls: list[str] = []
    for key in keys:
        item = media.get(str(key)) or {}
        url = item.get("url") if item.get("type") == "photo" else item.get("preview_image_url")
        if url and url not in urls:
            urls.append(str(url))
    tweet_id = str(tweet.get("id", ""))
    return PublishedPost(
        network="x",
        handle=handle,
        id=tweet_id,
        created=parse_time(tweet.get("created_at")),
        text=str(tweet.get("text") or ""),
        permalink=f"https://x.com/{username}/status/{tweet_id}",
        picture_urls=tuple(urls),
        picture_keys=tuple(picture_key(u) for u in urls),
    )
