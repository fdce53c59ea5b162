"""YouTube (Data API v3) through `requests`: handles to channel ids, channels, last upload.

Calls, for n channels: one `channels.list?forHandle=` per handle the first night, with
every part the checks read (the handle → channel id map is kept in `handle_cache`, which
the caller persists between runs), or `channels.list?id=` 50 ids at a time once the ids
are known; then one `playlistItems.list` per channel (its uploads playlist, newest first,
one item) for the date of the last video. A cached id that the API no longer returns, or
whose handle changed, is resolved again.

The per-handle and per-channel calls go `concurrency` at a time (one `requests.Session`
per thread), after a first one asked alone: a refused key or a spent quota stops the run
after one call, and every call after a stop is not sent.

The API key travels in the `X-Goog-Api-Key` header, which Google accepts like the `key`
query parameter, so that it never appears in a URL, a log line or an exception message.
The Data API does not expose a channel's "links" section: links are read from the
description.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Callable, MutableMapping, Sequence
from typing import Any

import requests

from scanner.config.models import YouTubeSettings
from scanner.net.api_session import environment_read_once
from scanner.net.urls import split_free_text_links
from scanner.platforms.base import (
    Adapter,
    CallFailed,
    CallOptions,
    PlatformStopped,
    first_alone_then,
    parse_time,
)
from scanner.platforms.retry import RetryBudget
from scanner.platforms.snapshot import FetchStatus, Snapshot, unverified
from scanner.platforms.youtube_posts import YouTubePostsReader
from scanner.plumbing.secrets import scrub

log = logging.getLogger(__name__)

BATCH = 50
CONCURRENCY = 16  # per-handle and per-channel calls in flight at once
CHANNEL_PARTS = "snippet,brandingSettings,contentDetails"
_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
# Reasons that say the key itself is refused (developers.google.com/youtube/v3/docs/errors,
# "Core API errors", and the `details[].reason` of google.rpc.ErrorInfo): every call would fail.
# `forbidden` is not among them: it concerns the resource asked (a private uploads playlist, a
# channel closed or suspended), so it fails that call only.
_KEY_REASONS = {
    "keyInvalid",
    "keyExpired",
    "accessNotConfigured",
    "ipRefererBlocked",
    "API_KEY_INVALID",
    "API_KEY_SERVICE_BLOCKED",
    "API_KEY_HTTP_REFERRER_BLOCKED",
    "API_KEY_IP_ADDRESS_BLOCKED",
    "SERVICE_DISABLED",
}
# Where a channel resource carries its banner: `brandingSettings.image.bannerExternalUrl` is the
# documented property today (developers.google.com/youtube/v3/docs/channels#brandingSettings.image);
# older recorded bodies (python-youtube's testdata) carry `bannerImageUrl` and its variants.
_BANNER_KEYS = ("bannerExternalUrl", "bannerImageUrl", "bannerTabletHdImageUrl", "bannerTvHighImageUrl")
_QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}
_RETRY_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "backendError", "internalError"}

# Reasons the coordinator reads (Canadian French, no-break space before the colon).
NOT_FOUND = "YouTube indique qu'aucune chaîne ne porte ce nom d'utilisateur (@…)"
QUOTA = (
    "le quota quotidien de l'API YouTube est épuisé (code 403 «\u00a0quotaExceeded\u00a0»)\u00a0: "
    "il se renouvelle à minuit, heure du Pacifique"
)
UNAVAILABLE = "YouTube n'a pas répondu correctement malgré plusieurs tentatives (panne ou délai dépassé)"
REJECTED = "YouTube a refusé la requête (code {status})"
FORBIDDEN = "YouTube refuse l'accès à cette ressource (code 403 «\u00a0{reasons}\u00a0»)"
NO_BANNER = (
    "YouTube n'a renvoyé aucune bannière pour cette chaîne\u00a0: vérifiez à l'œil sur la chaîne "
    "que sa bannière montre le logo du CSNO"
)


def key_rejected_reason(env_name: str) -> str:
    return (
        "YouTube a refusé la clé d'API (invalide, expirée ou restreinte)\u00a0: le technicien doit la vérifier "
        f"dans la console Google Cloud et la placer dans la variable d'environnement {env_name}"
    )


class YouTubeAdapter(YouTubePostsReader, Adapter):
    platform = "youtube"

    def __init__(
        self,
        settings: YouTubeSettings,
        api_key: str | None,
        *,
        handle_cache: MutableMapping[str, str] | None = None,
        concurrency: int = CONCURRENCY,
        options: CallOptions | None = None,
        **overrides: Any,
    ):
        super().__init__(settings, api_key, options=options, **overrides)
        self.concurrency = concurrency
        self._key = api_key
        self.handle_cache: MutableMapping[str, str] = {} if handle_cache is None else handle_cache
        self._base = settings.api_url.rstrip("/") + "/youtube/v3/"
        self.calls = 0  # HTTP calls (retries included): for the night's log (threads: approximate)

    def __repr__(self) -> str:
        return f"YouTubeAdapter(api_url={self.settings.api_url!r})"

    # ---------------------------------------------------------------- public

    def fetch(self, handles: Sequence[str]) -> dict[str, Snapshot]:
        none = self.no_credentials(handles)
        if none is not None:
            return none
        self._now = self.options.now()
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._stopped: str | None = None
        snapshots: dict[str, Snapshot] = {}
        try:
            channels = self._channels(handles, snapshots)
            built = self._map(lambda item: self._snapshot(*item), list(channels.items()))
            snapshots.update(zip(channels, built, strict=True))
        except PlatformStopped as stop:
            for handle in handles:
                snapshots.setdefault(handle, unverified(self.platform, handle, stop.reason))
        finally:
            for session in self._sessions:
                session.close()
        return {h: snapshots[h] for h in handles}

    def _map(self, function: Callable[[Any], Any], items: list) -> list:
        """`function` over `items`: the first alone, the others `concurrency` at a time."""
        return first_alone_then(function, items, self.concurrency, "youtube")

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = environment_read_once(requests.Session(), self._base)
            session.headers["X-Goog-Api-Key"] = self._key or ""
            self._sessions.append(session)
        return session

    # ---------------------------------------------------------------- handles -> channels

    def _channels(self, handles: Sequence[str], snapshots: dict[str, Snapshot]) -> dict[str, dict]:
        """Each handle's channel resource; handles not found or not read go into `snapshots`."""
        cached = {h for h in handles if cache_key(h) in self.handle_cache}
        resolved: dict[str, dict] = {}  # channel id -> the item its forHandle call returned
        asked = [h for h in handles if h not in snapshots]
        found = self._map(lambda h: self._channel_id(h, snapshots, resolved), asked)
        ids = {h: i for h, i in zip(asked, found, strict=True) if i}
        items = self._read_ids(sorted(set(ids.values()) - set(resolved)), ids, snapshots)
        items.update(resolved)
        stale = [
            h for h, i in ids.items() if h in cached and h not in snapshots and not _matches(h, items.get(i))
        ]
        if stale:
            for handle in stale:
                self.handle_cache.pop(cache_key(handle), None)
                ids[handle] = self._channel_id(handle, snapshots, resolved)
            items.update(resolved)
            fresh = sorted({ids[h] for h in stale if ids[h] and ids[h] not in items})
            items.update(self._read_ids(fresh, ids, snapshots))
        result = {}
        for handle, channel_id in ids.items():
            if handle in snapshots:
                continue
            if channel_id in items:
                result[handle] = items[channel_id]
            else:
                snapshots[handle] = self._found_nothing(handle)
        return result

    def _channel_id(
        self, handle: str, snapshots: dict[str, Snapshot], resolved: dict[str, dict]
    ) -> str | None:
        handle_clean = handle.strip()
        if _CHANNEL_ID.match(handle_clean):
            return handle_clean
        key = cache_key(handle)
        if key in self.handle_cache:
            return self.handle_cache[key]
        try:
            answer = self._get("channels", {"part": CHANNEL_PARTS, "forHandle": key})
        except CallFailed as failed:
            snapshots[handle] = unverified(self.platform, handle, failed.reason)
            return None
        items = (answer or {}).get("items") or []
        if not items:
            snapshots[handle] = self._found_nothing(handle)
            return None
        channel_id = str(items[0]["id"])
        self.handle_cache[key] = channel_id
        resolved[channel_id] = items[0]
        return channel_id

    def _read_ids(
        self, ids: list[str], by_handle: dict[str, str | None], snapshots: dict[str, Snapshot]
    ) -> dict:
        items: dict[str, dict] = {}
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            try:
                answer = self._get("channels", {"part": CHANNEL_PARTS, "id": ",".join(chunk)}) or {}
            except CallFailed as failed:
                for handle, channel_id in by_handle.items():
                    if channel_id in chunk:
                        snapshots[handle] = unverified(self.platform, handle, failed.reason)
                continue
            items.update({str(item["id"]): item for item in answer.get("items") or []})
        return items

    # ---------------------------------------------------------------- snapshots

    def _found_nothing(self, handle: str) -> Snapshot:
        return Snapshot(self.platform, handle, FetchStatus.NOT_FOUND, reason=NOT_FOUND, fetched_at=self._now)

    def _snapshot(self, handle: str, channel: dict) -> Snapshot:
        snippet = channel.get("snippet") or {}
        uploads = ((channel.get("contentDetails") or {}).get("relatedPlaylists") or {}).get("uploads")
        try:
            last_video = self._last_video(uploads) if uploads else None
        except CallFailed as failed:
            return unverified(self.platform, handle, failed.reason)
        thumbnails = snippet.get("thumbnails") or {}
        avatar = next((thumbnails[s]["url"] for s in ("high", "medium", "default") if s in thumbnails), None)
        image = (channel.get("brandingSettings") or {}).get("image") or {}
        banner = next((str(image[k]) for k in _BANNER_KEYS if image.get(k)), None)
        description = snippet.get("description") or ""
        return Snapshot(
            network=self.platform,
            handle=handle,
            status=FetchStatus.OK,
            platform_id=str(channel["id"]),
            name=snippet.get("title"),
            username=(snippet.get("customUrl") or "").lstrip("@") or None,
            description=description,
            links=split_free_text_links(description),
            avatar_url=avatar,
            cover_url=banner,
            category="channel",
            last_post_at=last_video,
            fetched_at=self._now,
            withheld={} if banner else {"cover_url": NO_BANNER},
            extra={
                "links_source": "description",
                **({"country": snippet["country"]} if snippet.get("country") else {}),
            },
        )

    def _last_video(self, playlist_id: str) -> dt.datetime | None:
        params = {"part": "snippet,contentDetails", "playlistId": playlist_id, "maxResults": "1"}
        answer = self._get("playlistItems", params, missing_ok=True)
        items = (answer or {}).get("items") or []
        if not items:
            return None  # no upload yet, or no uploads playlist
        details, snippet = items[0].get("contentDetails") or {}, items[0].get("snippet") or {}
        # The uploads playlist is ordered by upload date; `contentDetails.videoPublishedAt` is when
        # the video was published (developers.google.com/youtube/v3/docs/playlistItems), the date
        # the calendar check wants; `snippet.publishedAt` is when it was added to the playlist.
        return parse_time(details.get("videoPublishedAt") or snippet.get("publishedAt"))

    # ---------------------------------------------------------------- HTTP

    def _get(self, resource: str, params: dict[str, str], missing_ok: bool = False) -> dict | None:
        """One GET with bounded retries; None for a 404 when `missing_ok`."""
        budget = RetryBudget(self.options.retry, self.options.sleep)
        while True:
            if self._stopped:
                raise PlatformStopped(self._stopped)
            self.calls += 1
            try:
                response = self._session().get(
                    self._base + resource, params=params, timeout=self.options.timeout
                )
                if response.status_code == 200:
                    return response.json()
                self._raise_for_error(response, missing_ok)
                if response.status_code == 404:
                    return None
            except (requests.RequestException, ValueError) as exc:  # timeouts, resets, bad JSON
                log.warning("youtube: %s", self._scrub(f"{type(exc).__name__}: {exc}"))
            if not budget.wait():
                raise CallFailed(UNAVAILABLE)

    def _raise_for_error(self, response: requests.Response, missing_ok: bool) -> None:
        """Raise for answers that no retry can fix; return for those worth retrying (and 404s)."""
        status = response.status_code
        reasons = google_reasons(response)
        log.warning("youtube: HTTP %s %s", status, ",".join(sorted(reasons)) or "-")
        if reasons & _QUOTA_REASONS:
            self._stopped = QUOTA
            raise PlatformStopped(QUOTA)
        if reasons & _KEY_REASONS or "API key" in _message(response):
            self._stopped = key_rejected_reason(self.settings.api_key_env)
            raise PlatformStopped(self._stopped)
        if status == 404 and missing_ok:
            return
        if status >= 500 or status == 429 or reasons & _RETRY_REASONS:
            return
        if status == 403 and reasons:
            raise CallFailed(FORBIDDEN.format(reasons=", ".join(sorted(reasons))), code=403)
        raise CallFailed(REJECTED.format(status=status), code=status)

    def _scrub(self, text: str) -> str:
        if self._key:
            text = text.replace(self._key, "***")
        return scrub(text, None)


def cache_key(handle: str) -> str:
    """`@handle`, lower case: how handles are matched (YouTube handles ignore case)."""
    return "@" + handle.strip().lstrip("@").lower()


def google_reasons(response: requests.Response) -> set[str]:
    """`errors[].reason` and `details[].reason` of a Google error body (empty if not JSON)."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        return set()
    if not isinstance(error, dict):
        return set()
    entries = list(error.get("errors") or []) + list(error.get("details") or [])
    return {str(e["reason"]) for e in entries if isinstance(e, dict) and e.get("reason")}


def _message(response: requests.Response) -> str:
    try:
        return str((response.json().get("error") or {}).get("message", ""))
    except (ValueError, AttributeError):
        return ""


def _matches(handle: str, channel: dict | None) -> bool:
    """False when the cached channel is gone or now answers to another handle."""
    if channel is None:
        return False
    if _CHANNEL_ID.match(handle.strip()):
        return True
    custom = str((channel.get("snippet") or {}).get("customUrl") or "")
    return not custom or cache_key(custom) == cache_key(handle)
