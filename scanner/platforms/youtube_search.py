"""YouTube look-alike look-ups (issue 17): handles with `channels.list?forHandle=`, names with `search.list`.

- `GET /youtube/v3/channels?part=id,snippet&forHandle=@x`: the channel that has this handle, or
  a list without `items` (developers.google.com/youtube/v3/docs/channels/list, `forHandle`).
  1 quota unit (developers.google.com/youtube/v3/determine_quota_cost: channels.list 1).
- `GET /youtube/v3/search?part=snippet&type=channel&q=<school name>&maxResults=25`: channels
  matching the name, each item `{"id": {"kind": "youtube#channel", "channelId"}, "snippet":
  {"channelId", "title", "description", …}}` (developers.google.com/youtube/v3/docs/search/list
  and …/docs/search#resource). 100 quota units a call (same quota page: search.list 100).

Every request is charged, even a refused one (« All API requests, including invalid requests,
incur a quota cost of at least one point »): `units` counts what was sent. A spent quota or a
refused key stops the search for the night (the audit's own reads then say the same); any
other failure leaves that look-up due for another night. The key travels in `X-Goog-Api-Key`.
Like the adapter's reads, the calls go `concurrency` at a time after a first one asked alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import requests

from scanner.net.api_session import environment_read_once
from scanner.platforms.base import CallOptions
from scanner.platforms.retry import RetryBudget
from scanner.platforms.search import Hit, SearchAnswer, cannot_search
from scanner.platforms.youtube import CONCURRENCY, QUOTA, google_reasons, key_rejected_reason

if TYPE_CHECKING:
    from scanner.config.models import YouTubeSettings
    from scanner.discovery.lookup_plan import Lookup

log = logging.getLogger(__name__)

HANDLE_UNITS = 1
SEARCH_UNITS = 100
SEARCH_RESULTS = 25
_QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}
_KEY_REASONS = {"keyInvalid", "keyExpired", "accessNotConfigured", "API_KEY_INVALID", "SERVICE_DISABLED"}


class _Stop(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class YouTubeSearcher:
    platform = "youtube"

    def __init__(
        self,
        settings: YouTubeSettings,
        api_key: str,
        options: CallOptions | None = None,
        concurrency: int = CONCURRENCY,
    ):
        self.settings = settings
        self.concurrency = concurrency
        self.options = options or CallOptions()
        self._base = settings.api_url.rstrip("/") + "/youtube/v3/"
        self._key = api_key

    def search(self, lookups: Sequence[Lookup]) -> SearchAnswer:
        """The first look-up alone (a refused key or a spent quota stops the night after one call),
        the others `concurrency` at a time, one session per thread; none is sent after a stop."""
        answer = SearchAnswer()
        local = threading.local()
        sessions: list[requests.Session] = []
        lock = threading.Lock()

        def one(lookup: Lookup) -> None:
            if answer.problem:
                return
            session = getattr(local, "session", None)
            if session is None:
                session = local.session = environment_read_once(requests.Session(), self._base)
                session.headers["X-Goog-Api-Key"] = self._key
                with lock:
                    sessions.append(session)
            mine = SearchAnswer()
            try:
                (self._by_name if lookup.kind == "search" else self._by_handle)(session, lookup, mine)
            except _Stop as stop:
                mine.problem = cannot_search(self.platform, stop.reason)
            with lock:
                answer.made += mine.made
                answer.hits += mine.hits
                answer.calls += mine.calls
                answer.units += mine.units
                answer.problem = answer.problem or mine.problem

        try:
            if lookups:
                one(lookups[0])
            if len(lookups) > 1:
                with ThreadPoolExecutor(self.concurrency, thread_name_prefix="youtube-search") as pool:
                    list(pool.map(one, lookups[1:]))
        finally:
            for session in sessions:
                session.close()
        return answer

    def _by_handle(self, session: requests.Session, lookup: Lookup, answer: SearchAnswer) -> None:
        handle = "@" + lookup.text.lstrip("@")
        body = self._get(
            session, "channels", {"part": "id,snippet", "forHandle": handle}, HANDLE_UNITS, answer
        )
        if body is None:
            return
        answer.made.append(lookup.key)
        for item in body.get("items") or []:
            snippet = item.get("snippet") or {}
            url = f"https://www.youtube.com/{handle}"
            answer.hits.append(Hit(lookup.key, handle, url, snippet.get("title"), item.get("id")))
            break

    def _by_name(self, session: requests.Session, lookup: Lookup, answer: SearchAnswer) -> None:
        params = {"part": "snippet", "type": "channel", "q": lookup.text, "maxResults": str(SEARCH_RESULTS)}
        body = self._get(session, "search", params, SEARCH_UNITS, answer)
        if body is None:
            return
        answer.made.append(lookup.key)
        for item in body.get("items") or []:
            ident = item.get("id") or {}
            snippet = item.get("snippet") or {}
            channel = ident.get("channelId") or snippet.get("channelId")
            if ident.get("kind", "youtube#channel") == "youtube#channel" and channel:
                url = f"https://www.youtube.com/channel/{channel}"
                answer.hits.append(Hit(lookup.key, str(channel), url, snippet.get("title"), str(channel)))

    def _get(
        self,
        session: requests.Session,
        resource: str,
        params: dict[str, str],
        units: int,
        answer: SearchAnswer,
    ) -> dict | None:
        """The answer's body, or None when this look-up failed for tonight; raises _Stop for the night."""
        budget = RetryBudget(self.options.retry, self.options.sleep)
        while True:
            answer.calls += 1
            answer.units += units
            try:
                response = session.get(self._base + resource, params=params, timeout=self.options.timeout)
                if response.status_code == 200:
                    body = response.json()
                    return body if isinstance(body, dict) else None
                reasons = google_reasons(response)
                if reasons & _QUOTA_REASONS:
                    raise _Stop(QUOTA)
                if reasons & _KEY_REASONS:
                    raise _Stop(key_rejected_reason(self.settings.api_key_env))
                log.warning(
                    "youtube search: HTTP %s %s", response.status_code, ",".join(sorted(reasons)) or "-"
                )
                if response.status_code < 500 and response.status_code != 429:
                    return None
            except (requests.RequestException, ValueError) as exc:
                log.warning("youtube search: %s", type(exc).__name__)
            if not budget.wait():
                return None
