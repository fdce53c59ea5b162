"""Instagram accounts' publications through business discovery, one account per call.

`GET /{ig_user_id}?fields=business_discovery.username(x){media.since(t).limit(n){…}}`
(developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/
business_discovery): the media of another professional account, newest first, with the
cursor of the next page in `media.paging.cursors.after` (asked again with `.after(cursor)`).
Recorded in python-facebook's testdata (`instagram/apidata/discovery/medias_p1.json`): the
`paging` of a page of media carries only `cursors`, no `next`; a page shorter than asked is
the last.

Pictures: an `IMAGE`'s `media_url`; a `CAROUSEL_ALBUM`'s children (`VIDEO` children and
videos left out: their `media_url` is a video file). URLs on Instagram's CDN are signed:
each picture's identity is its URL without the signature (`picture_key`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scanner.platforms.base import NO_CREDENTIALS, CallFailed, PlatformStopped, first_alone_then, parse_time
from scanner.platforms.graph_client import GraphClient
from scanner.platforms.instagram_reasons import (
    BAD_BUSINESS_ACCOUNT,
    NO_BUSINESS_ACCOUNT,
    NOT_FOUND,
    USER_NOT_FOUND_CODE,
    USER_NOT_FOUND_SUBCODE,
)
from scanner.platforms.posts import PostsRead, PostsWanted, PublishedPost
from scanner.platforms.posts_window import PostsWindow, distinct_pictures, unread

MEDIA_FIELDS = "caption,media_type,media_url,permalink,timestamp,children{media_type,media_url}"
PAGE_SIZE = 50


class InstagramPostsReader:
    """`fetch_posts` for `InstagramAdapter` (its settings, token, options and `_reason`)."""

    def fetch_posts(self, wanted: Sequence[PostsWanted]) -> dict[str, PostsRead]:
        wanted = list(wanted)
        if not self._secret:
            return {w.handle: unread(w, NO_CREDENTIALS) for w in wanted}
        ig_user_id = self.settings.instagram.ig_user_id
        if not ig_user_id:
            return {w.handle: unread(w, NO_BUSINESS_ACCOUNT) for w in wanted}
        stopped: list[str] = []

        def one(item: PostsWanted) -> PostsRead:
            if stopped:
                return unread(item, stopped[0])
            facebook = self.settings.facebook
            client = GraphClient(
                facebook.graph_url, facebook.version, self._secret, self.options, app_secret=self._app_secret
            )
            window = PostsWindow(item)
            try:
                return self._walk_media(client, ig_user_id, item, window)
            except PlatformStopped as stop:
                stopped.append(stop.reason)
                return window.failed(stop.reason)
            except CallFailed as error:
                reason = NOT_FOUND if _not_found(error) else self._reason(error)
                if reason == BAD_BUSINESS_ACCOUNT:
                    stopped.append(reason)
                return window.failed(reason)
            finally:
                client.close()

        # the first alone: it proves the token and the business account
        read = first_alone_then(one, wanted, self.concurrency, "instagram-posts")
        return {w.handle: r for w, r in zip(wanted, read, strict=True)}

    def _walk_media(
        self, client: GraphClient, ig_user_id: str, wanted: PostsWanted, window: PostsWindow
    ) -> PostsRead:
        username = wanted.handle.strip().lstrip("@")
        after = None
        while True:
            size = window.page_size(PAGE_SIZE)
            modifiers = f".since({int(wanted.since.timestamp())})"
            if after:
                modifiers += f".after({after})"
            fields = (
                f"business_discovery.username({username}){{media{modifiers}.limit({size}){{{MEDIA_FIELDS}}}}}"
            )
            window.calls += 1
            data = client.object(ig_user_id, fields)
            media = (data.get("business_discovery") or {}).get("media") or {}
            items = [m for m in media.get("data") or [] if isinstance(m, dict)]
            for item in items:
                if not window.offer(media_post(wanted.handle, item)):
                    break
            if window.done:
                return window.result()
            after = ((media.get("paging") or {}).get("cursors") or {}).get("after")
            if not after or len(items) < size:
                return window.result()


def _not_found(error: CallFailed) -> bool:
    return error.code == USER_NOT_FOUND_CODE or error.subcode == USER_NOT_FOUND_SUBCODE


def media_post(handle: str, item: dict[str, Any]) -> PublishedPost:
    kind = str(item.get("media_type") or "")
    urls: list[str] = []
    if kind == "CAROUSEL_ALBUM":
        children = (item.get("children") or {}).get("data") or []
        urls = [
            str(c["media_url"])
            for c in children
            if isinstance(c, dict) and c.get("media_url") and c.get("media_type") != "VIDEO"
        ]
    elif kind != "VIDEO" and item.get("media_url"):
        urls = [str(item["media_url"])]
    pictures, keys = distinct_pictures(urls)
    return PublishedPost(
        network="instagram",
        handle=handle,
        id=str(item.get("id", "")),
        created=parse_time(item.get("timestamp")),
        text=str(item.get("caption") or ""),
        permalink=str(item["permalink"]) if item.get("permalink") else None,
        picture_urls=pictures,
        picture_keys=keys,
    )
