"""Instagram accounts through the Graph API's business discovery, with the Facebook token.

`GET /{ig_user_id}?fields=business_discovery.username(x){…}` reads another
professional account from the board's own Instagram professional account
(`platforms.instagram.ig_user_id`), one username per call: that is the API's
minimum. A personal account and a missing one give the same answer
(code 110, subcode 2207013): the reason says both. Instagram has no cover.

The first username is asked alone (a refused token or a wrong business account stops
the run after one call); the others `concurrency` at a time, one `GraphClient` per
thread, each pacing itself on the usage headers it reads.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from scanner.config.models import PlatformSettings
from scanner.net.urls import split_free_text_links
from scanner.platforms.base import (
    Adapter,
    CallFailed,
    CallOptions,
    PlatformStopped,
    optional_text,
    parse_time,
)
from scanner.platforms.graph_client import GraphClient, is_permission_code
from scanner.platforms.instagram_posts import InstagramPostsReader
from scanner.platforms.instagram_reasons import (  # also read as instagram.NOT_FOUND…
    BAD_BUSINESS_ACCOUNT,
    INVALID,
    NO_BUSINESS_ACCOUNT,
    NOT_FOUND,
    USER_NOT_FOUND_CODE,
    USER_NOT_FOUND_SUBCODE,
)
from scanner.platforms.snapshot import FetchStatus, Snapshot, unverified

NETWORK = "instagram"
PROFILE_FIELDS = "id,username,name,biography,website,profile_picture_url,followers_count,media_count,media.limit(1){timestamp}"
_USERNAME = re.compile(r"^[A-Za-z0-9._]{1,30}$")
CONCURRENCY = 16  # business_discovery calls in flight at once


class InstagramAdapter(InstagramPostsReader, Adapter):
    platform = NETWORK

    def __init__(
        self,
        settings: PlatformSettings,
        token: str | None,
        *,
        app_secret: str | None = None,
        concurrency: int = CONCURRENCY,
        options: CallOptions | None = None,
        **overrides: Any,
    ):
        super().__init__(settings, token, options=options, **overrides)
        self.concurrency = concurrency
        self._app_secret = app_secret
        self.calls = 0  # HTTP calls (retries included) of the last fetch: for the night's log

    def fetch(self, handles: Sequence[str]) -> dict[str, Snapshot]:
        wanted = list(dict.fromkeys(handles))
        none = self.no_credentials(wanted)
        if none is not None:
            return none
        ig_user_id = self.settings.instagram.ig_user_id
        if not ig_user_id:
            return {h: unverified(NETWORK, h, NO_BUSINESS_ACCOUNT) for h in wanted}
        facebook = self.settings.facebook
        local = threading.local()
        clients: list[GraphClient] = []

        def client() -> GraphClient:
            if not hasattr(local, "client"):
                local.client = GraphClient(
                    facebook.graph_url,
                    facebook.version,
                    self._secret,
                    self.options,
                    app_secret=self._app_secret,
                )
                clients.append(local.client)
            return local.client

        now = self.options.now()
        stopped: list[str] = []  # once the platform or the set-up fails, the rest is not asked

        def one(handle: str) -> Snapshot:
            if stopped:
                return unverified(NETWORK, handle, stopped[0])
            username = handle.strip().lstrip("@")
            if not _USERNAME.match(username):
                return Snapshot(NETWORK, handle, FetchStatus.NOT_FOUND, reason=INVALID, fetched_at=now)
            try:
                return self._read(client(), ig_user_id, handle, username, now)
            except PlatformStopped as stop:
                stopped.append(stop.reason)
                return unverified(NETWORK, handle, stop.reason)
            except CallFailed as error:
                snapshot = unverified(NETWORK, handle, self._reason(error))
                if _about_the_asker(error):
                    stopped.append(snapshot.reason or "")
                return snapshot

        results: dict[str, Snapshot] = {}
        pending = list(wanted)
        while pending:  # one at a time until a call was made: it proves the token and the set-up
            handle = pending.pop(0)
            results[handle] = one(handle)
            if _USERNAME.match(handle.strip().lstrip("@")):
                break
        if pending:
            workers = min(self.concurrency, len(pending))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="instagram") as pool:
                results.update(zip(pending, pool.map(one, pending), strict=True))
        self.calls = sum(c.calls for c in clients)
        return {h: results[h] for h in wanted}

    def _read(
        self, client: GraphClient, ig_user_id: str, handle: str, username: str, now: dt.datetime
    ) -> Snapshot:
        fields = f"business_discovery.username({username}){{{PROFILE_FIELDS}}}"
        try:
            data = client.object(ig_user_id, fields)
        except CallFailed as error:
            if error.code == USER_NOT_FOUND_CODE or error.subcode == USER_NOT_FOUND_SUBCODE:
                return Snapshot(NETWORK, handle, FetchStatus.NOT_FOUND, reason=NOT_FOUND, fetched_at=now)
            raise
        profile = data.get("business_discovery")
        if not isinstance(profile, dict):
            raise CallFailed("la plateforme a répondu sans les données du compte (business_discovery absent)")
        return account_snapshot(handle, profile, now)

    @staticmethod
    def _reason(error: CallFailed) -> str:
        if _about_the_asker(error):
            return BAD_BUSINESS_ACCOUNT
        return error.reason


def _about_the_asker(error: CallFailed) -> bool:
    """Errors that concern the configured account or the token's rights, not the account asked about."""
    return (error.code == 100 and error.subcode == 33) or is_permission_code(error.code)


def account_snapshot(handle: str, profile: dict[str, Any], now: dt.datetime) -> Snapshot:
    website = profile.get("website") if isinstance(profile.get("website"), str) else None
    biography = profile.get("biography") if isinstance(profile.get("biography"), str) else None
    links = tuple(dict.fromkeys(split_free_text_links(website) + split_free_text_links(biography)))
    media = (profile.get("media") or {}).get("data") or []
    followers = profile.get("followers_count")
    extra = {}
    if isinstance(profile.get("media_count"), int):
        extra["media_count"] = str(profile["media_count"])
    return Snapshot(
        network=NETWORK,
        handle=handle,
        status=FetchStatus.OK,
        platform_id=optional_text(profile.get("id")),
        name=optional_text(profile.get("name")),
        username=optional_text(profile.get("username")),
        description=biography or None,
        links=links,
        avatar_url=optional_text(profile.get("profile_picture_url")),
        category="professionnel",
        emails=(),
        last_post_at=parse_time(media[0].get("timestamp")) if media else None,
        last_post_id=optional_text(media[0].get("id")) if media else None,
        followers=followers if isinstance(followers, int) else None,
        fetched_at=now,
        extra=extra,
    )
