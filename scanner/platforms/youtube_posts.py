"""YouTube channels' publications: the new videos of each channel's uploads playlist.

Calls (1 quota unit each, developers.google.com/youtube/v3/determine_quota_cost): the
channels' uploads playlists by `channels.list?part=contentDetails&id=…`, 50 channels a call
(`contentDetails.relatedPlaylists.uploads`), then `playlistItems.list` per channel, 50 items
a page, `pageToken` from `nextPageToken`.

Order (developers.google.com/youtube/v3/docs/playlistItems): the uploads playlist is ordered
by upload date — `snippet.publishedAt` is when the video was added to it — while
`contentDetails.videoPublishedAt` is when the video became public. A video uploaded early and
scheduled (or kept private, then made public) sits among older uploads with a recent
publication date. So the walk never stops on a publication date: a video is new when it was
published since `since` and after the cursor video's publication; the walk stops once the
uploads are older than `since` by `SCHEDULED_LOOKBACK` (a video scheduled further ahead is
missed), or past the limit. A video not public yet has no `videoPublishedAt`: left out.
The cursor is the most recently published video read.

Text: the title and the description; picture: the best thumbnail.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from typing import Any

from scanner.net.images import picture_key
from scanner.platforms.base import NO_CREDENTIALS, CallFailed, PlatformStopped, parse_time
from scanner.platforms.posts import PostsRead, PostsWanted, PublishedPost
from scanner.platforms.posts_window import unread

BATCH = 50
PAGE_SIZE = 50  # playlistItems' largest maxResults
SCHEDULED_LOOKBACK = dt.timedelta(days=30)
THUMBNAILS = ("maxres", "standard", "high", "medium", "default")
NO_CHANNEL_ID = "la chaîne YouTube n'a pas pu être lue cette nuit\u00a0: ses vidéos non plus"
NO_UPLOADS = "YouTube n'a renvoyé aucune liste des vidéos mises en ligne pour cette chaîne"


class YouTubePostsReader:
    """`fetch_posts` for `YouTubeAdapter` (its `_get`, `_map`, sessions and options)."""

    def fetch_posts(self, wanted: Sequence[PostsWanted]) -> dict[str, PostsRead]:
        wanted = list(wanted)
        if not self._secret:
            return {w.handle: unread(w, NO_CREDENTIALS) for w in wanted}
        self._now = self.options.now()
        self._local = threading.local()
        self._sessions = []
        self._stopped = None
        results: dict[str, PostsRead] = {}
        try:
            askable = [w for w in wanted if w.platform_id]
            for item in wanted:
                if not item.platform_id:
                    results[item.handle] = unread(item, NO_CHANNEL_ID)
            playlists = self._uploads_playlists(askable, results)
            todo = [w for w in askable if w.handle not in results]
            read = self._map(lambda w: self._read_uploads(w, playlists.get(str(w.platform_id))), todo)
            results.update(zip([w.handle for w in todo], read, strict=True))
        except PlatformStopped as stop:
            for item in wanted:
                results.setdefault(item.handle, unread(item, stop.reason))
        finally:
            for session in self._sessions:
                session.close()
        return {w.handle: results[w.handle] for w in wanted}

    def _uploads_playlists(self, wanted: list[PostsWanted], results: dict[str, PostsRead]) -> dict[str, str]:
        ids = sorted({str(w.platform_id) for w in wanted})
        playlists: dict[str, str] = {}
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            try:
                answer = self._get("channels", {"part": "contentDetails", "id": ",".join(chunk)}) or {}
            except CallFailed as failed:
                for item in wanted:
                    if str(item.platform_id) in chunk:
                        results[item.handle] = unread(item, failed.reason)
                continue
            for channel in answer.get("items") or []:
                details = (channel.get("contentDetails") or {}).get("relatedPlaylists") or {}
                if details.get("uploads"):
                    playlists[str(channel.get("id"))] = str(details["uploads"])
        return playlists

    def _read_uploads(self, wanted: PostsWanted, playlist_id: str | None) -> PostsRead:
        if not playlist_id:
            return unread(wanted, NO_UPLOADS)
        candidates: list[tuple[dt.datetime, PublishedPost]] = []
        floor: dt.datetime | None = None  # the cursor video's publication, once met
        oldest_upload = wanted.since - SCHEDULED_LOOKBACK
        page_token, calls = None, 0
        while True:
            params = {
                "part": "snippet,contentDetails",
                "playlistId": playlist_id,
                "maxResults": str(PAGE_SIZE),
            }
            if page_token:
                params["pageToken"] = page_token
            calls += 1
            try:
                answer = self._get("playlistItems", params, missing_ok=True) or {}
            except (CallFailed, PlatformStopped) as failed:  # a stop: no call after it (`_stopped`)
                return PostsRead(handle=wanted.handle, reason=failed.reason, calls=calls)
            stop = False
            for item in answer.get("items") or []:
                uploaded, published, post = video_post(wanted.handle, item)
                if post is None:
                    continue
                if wanted.since_id and post.id == wanted.since_id:
                    floor = published
                elif published is not None and published >= wanted.since:
                    candidates.append((published, post))
                if uploaded is not None and uploaded < oldest_upload:
                    stop = True
                    break
            enough = len(candidates) > wanted.limit and (floor is not None or not wanted.since_id)
            page_token = answer.get("nextPageToken")
            if stop or enough or not page_token:
                break
        new = sorted(
            (c for c in candidates if floor is None or c[0] > floor), key=lambda c: c[0], reverse=True
        )
        posts = tuple(post for _, post in new[: wanted.limit])
        return PostsRead(
            handle=wanted.handle,
            posts=posts,
            cursor=posts[0].id if posts else None,
            truncated=len(new) > wanted.limit,
            calls=calls,
        )


def video_post(
    handle: str, item: dict[str, Any]
) -> tuple[dt.datetime | None, dt.datetime | None, PublishedPost | None]:
    """(upload date, publication date, post) of a playlist item; no post for a video not public."""
    snippet = item.get("snippet") or {}
    details = item.get("contentDetails") or {}
    video_id = details.get("videoId") or (snippet.get("resourceId") or {}).get("videoId")
    uploaded = parse_time(snippet.get("publishedAt"))
    # Recorded bodies asked with part=snippet only carry no contentDetails: the playlist date then
    published = parse_time(details.get("videoPublishedAt")) if details else uploaded
    if not video_id or published is None:
        return uploaded, None, None
    thumbnails = snippet.get("thumbnails") or {}
    thumbnail = next(
        (
            thumbnails[n]["url"]
            for n in THUMBNAILS
            if isinstance(thumbnails.get(n), dict) and thumbnails[n].get("url")
        ),
        None,
    )
    title, description = str(snippet.get("title") or ""), str(snippet.get("description") or "")
    urls = (str(thumbnail),) if thumbnail else ()
    post = PublishedPost(
        network="youtube",
        handle=handle,
        id=str(video_id),
        created=published,
        text="\n\n".join(t for t in (title, description) if t),
        permalink=f"https://www.youtube.com/watch?v={video_id}",
        picture_urls=urls,
        picture_keys=tuple(picture_key(u) for u in urls),
    )
    return uploaded, published, post
