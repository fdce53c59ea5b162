"""Facebook pages' publications: `GET /{page-id}/published_posts`, per page, with the right token.

developers.facebook.com/docs/graph-api/reference/page/published_posts: the edge needs a Page
access token of a page the board manages (`/me/accounts` gives them, as for the roles), or the
app's *Page Public Content Access* feature for any other page. Without either, the page gets
`facebook_reasons.NO_CONTENT_ACCESS` (the first refusal naming the feature spares the other
pages a call). Each call asks `since` (a Unix time: time-based paging, developers.facebook.com/
docs/graph-api/results) and `limit`, and follows `paging.cursors.after` while `paging.next` is
there, until the account's `limit`.

Pictures on Meta's CDN are signed (`oh`, `oe`) and rotate: each picture's identity is its URL
without the signature (`scanner.net.images.picture_key`), as for the profile pictures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scanner.platforms.base import NO_CREDENTIALS, CallFailed, PlatformStopped, first_alone_then, parse_time
from scanner.platforms.facebook_reasons import HIDDEN_PAGE, NEEDS_APPSECRET_PROOF, NO_CONTENT_ACCESS
from scanner.platforms.graph_client import GraphClient, needs_proof
from scanner.platforms.posts import PostsRead, PostsWanted, PublishedPost
from scanner.platforms.posts_window import PostsWindow, distinct_pictures, unread

POST_FIELDS = (
    "message,created_time,permalink_url,full_picture,attachments{media_type,media,url,subattachments}"
)
PAGE_SIZE = 100  # Graph's largest `limit` on a page's posts edges
NO_PAGE_ID = "la page n'a pas pu être lue cette nuit\u00a0: ses publications non plus"


class FacebookPostsReader:
    """`fetch_posts` for `FacebookAdapter` (which gives `_managed_pages` and `graph_client`)."""

    def fetch_posts(self, wanted: Sequence[PostsWanted]) -> dict[str, PostsRead]:
        wanted = list(wanted)
        if not self._secret:
            return {w.handle: unread(w, NO_CREDENTIALS) for w in wanted}
        client = self.graph_client()
        try:
            try:
                managed = self._managed_pages(client)
            except PlatformStopped as stop:
                return {w.handle: unread(w, stop.reason) for w in wanted}
            run = _PostsRun(client, managed)
            return run.read_all(wanted, self.concurrency)
        finally:
            client.close()


class _PostsRun:
    def __init__(self, client: GraphClient, managed: dict[str, Any]):
        self.client = client
        self.managed = managed
        self.content_access = True  # False once Graph said the app lacks Page Public Content Access
        self.stopped: str | None = None

    def read_all(self, wanted: list[PostsWanted], concurrency: int) -> dict[str, PostsRead]:
        results: dict[str, PostsRead] = {}
        askable = []
        for one in wanted:
            if not one.platform_id:
                results[one.handle] = unread(one, NO_PAGE_ID)
            else:
                askable.append(one)
        # a page the token does not manage first, alone: a refusal that concerns every such page
        # (the feature missing) or every page (the token) shows after one call
        askable.sort(key=lambda w: self._page(w) is not None)
        read = first_alone_then(self.read, askable, concurrency, "facebook-posts")
        results.update(zip([w.handle for w in askable], read, strict=True))
        return {w.handle: results[w.handle] for w in wanted}

    def read(self, wanted: PostsWanted) -> PostsRead:
        if self.stopped:
            return unread(wanted, self.stopped)
        page = self._page(wanted)
        if page is None and not self.content_access:
            return unread(wanted, NO_CONTENT_ACCESS)
        client = self.client.for_token(page.token) if page is not None else self.client.copy()
        window = PostsWindow(wanted)
        try:
            return self._walk(client, wanted, window, managed=page is not None)
        except PlatformStopped as stop:
            self.stopped = stop.reason
            return window.failed(stop.reason)
        finally:
            client.close()

    def _page(self, wanted: PostsWanted) -> Any:
        """The managed page (with its Page token) this account is, if the token manages it."""
        return self.managed.get(str(wanted.platform_id).lower()) or self.managed.get(
            wanted.handle.strip().lower()
        )

    def _walk(
        self, client: GraphClient, wanted: PostsWanted, window: PostsWindow, managed: bool
    ) -> PostsRead:
        after = None
        while True:
            params: dict[str, Any] = {
                "fields": POST_FIELDS,
                "since": int(wanted.since.timestamp()),
                "limit": window.page_size(PAGE_SIZE),
            }
            if after:
                params["after"] = after
            window.calls += 1
            try:
                answer = client.connection(str(wanted.platform_id), "published_posts", **params)
            except CallFailed as error:
                return window.failed(self._reason(error, managed))
            for item in answer.get("data") or []:
                if isinstance(item, dict) and not window.offer(post_from(wanted.handle, item)):
                    break
            if window.done:
                return window.result()
            paging = answer.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
            if not after:
                return window.result()

    def _reason(self, error: CallFailed, managed: bool) -> str:
        if needs_proof(error):
            raise PlatformStopped(NEEDS_APPSECRET_PROOF, code=100)
        if error.code == 10 and "Public Content Access" in error.message and not managed:
            self.content_access = False
            return NO_CONTENT_ACCESS
        if error.code == 100 and (error.subcode == 33 or "reviewable feature" in error.message):
            return HIDDEN_PAGE
        return error.reason


def post_from(handle: str, item: dict[str, Any]) -> PublishedPost:
    """One Graph post: its text, link and pictures (the full picture, then the attachments')."""
    urls = [item.get("full_picture")]
    for attachment in (item.get("attachments") or {}).get("data") or []:
        if not isinstance(attachment, dict):
            continue
        urls.append(_image(attachment))
        for sub in (attachment.get("subattachments") or {}).get("data") or []:
            if isinstance(sub, dict):
                urls.append(_image(sub))
    pictures, keys = distinct_pictures(urls)
    return PublishedPost(
        network="facebook",
        handle=handle,
        id=str(item.get("id", "")),
        created=parse_time(item.get("created_time")),
        text=str(item.get("message") or ""),
        permalink=str(item["permalink_url"]) if item.get("permalink_url") else None,
        picture_urls=pictures,
        picture_keys=keys,
    )


def _image(attachment: dict[str, Any]) -> str | None:
    image = (attachment.get("media") or {}).get("image") or {}
    return image.get("src") if isinstance(image, dict) else None
