"""Facebook pages through the Graph API: 50 pages per call, roles included.

One `GET /?ids=…&fields=…` reads up to 50 pages with every field the checks use,
the profile picture, the last post and the `roles` edge (field expansion), so n pages
cost ceil(n / 50) calls. When some aliases do not exist, Graph fails
the whole request with `(#803)`, naming them: those become `not_found` and the
others are asked again; when the names cannot be matched, the batch is bisected.
A personal profile in a batch fails it with `(#100) … on node type (User)`: it is
isolated the same way and read with the fields a profile has.

Roles need a page or system-user token, and the page must be managed by it: a
permission error (codes 200–299) fails the whole batch. Code 210 (not a page token) means no page will
tell: the batch, and the following ones, are asked again without roles. Another
permission error (one page not managed by the board) bisects the batch with roles; the
page left alone is read without them. Either way the platform does not tell
(`admins=None`): that is not an error.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

from scanner.config.models import FacebookSettings
from scanner.net.urls import split_free_text_links
from scanner.platforms.base import EXPIRED_TOKEN, NO_CREDENTIALS
from scanner.platforms.graph_client import (
    DEFAULT_RETRY,
    NOT_FOUND_ALIAS,
    GraphClient,
    GraphError,
    TokenRejected,
)
from scanner.platforms.retry import RetryPolicy
from scanner.platforms.snapshot import FetchStatus, PlatformAdmin, Snapshot, unverified

NETWORK = "facebook"
BATCH = 50
PAGE_FIELDS = (
    "id,name,username,about,description,website,emails,category,link,fan_count,followers_count,"
    "picture.type(large){url,is_silhouette},cover{source},posts.limit(1){created_time}"
)
ROLES_FIELD = "roles{id,name,tasks}"
PROFILE_FIELDS = "id,name,link"
NOT_FOUND = "aucune page Facebook ne porte cet identifiant (supprimée, renommée ou jamais créée)"
INVALID = "cet identifiant n'est pas un nom d'utilisateur ni un numéro de page Facebook valide"
ROLES_NEED_PAGE_TOKEN = 210
_ALIAS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_NODE_TYPE = re.compile(r"on node type \((\w+)\)")
_KINDS = {"User": "profile", "Group": "group", "Page": "page"}


class FacebookAdapter:
    platform = NETWORK

    def __init__(
        self,
        settings: FacebookSettings,
        token: str | None,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], dt.datetime] | None = None,
    ):
        self.settings = settings
        self._token = token
        self._timeout = timeout
        self._retry = retry
        self._sleep = sleep
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.calls = 0  # HTTP calls (retries included) of the last fetch: for the night's log

    def fetch(self, handles: Sequence[str]) -> dict[str, Snapshot]:
        wanted = list(dict.fromkeys(handles))
        if not self._token:
            return {h: unverified(NETWORK, h, NO_CREDENTIALS) for h in wanted}
        client = GraphClient(
            self.settings.graph_url,
            self.settings.version,
            self._token,
            timeout=self._timeout,
            retry=self._retry,
            sleep=self._sleep,
        )
        run = _Run(client, self._clock())
        try:
            return self._fetch(run, wanted)
        finally:
            self.calls = client.calls

    def _fetch(self, run: _Run, wanted: list[str]) -> dict[str, Snapshot]:
        for handle in wanted:
            if not _ALIAS.match(handle):
                run.results[handle] = Snapshot(
                    NETWORK, handle, FetchStatus.NOT_FOUND, reason=INVALID, fetched_at=run.now
                )
        askable = [h for h in wanted if h not in run.results]
        try:
            for start in range(0, len(askable), BATCH):
                run.read_batch(askable[start : start + BATCH])
        except TokenRejected:
            pass
        # Only an expired or revoked token leaves handles without a snapshot.
        return {h: run.results.get(h) or unverified(NETWORK, h, EXPIRED_TOKEN) for h in wanted}


class _Run:
    """One `fetch`: the snapshots so far, and why the remaining pages cannot be read."""

    def __init__(self, client: GraphClient, now: dt.datetime):
        self.client = client
        self.now = now
        self.results: dict[str, Snapshot] = {}
        self.stopped: str | None = None  # an outage: the following batches are not asked
        self.roles_readable = True  # False once the token proved not to be a page token

    def read_batch(self, aliases: list[str], roles: bool = True) -> None:
        if not aliases:
            return
        if self.stopped:
            self._fail(aliases, self.stopped)
            return
        roles = roles and self.roles_readable
        try:
            data = self.client.objects(aliases, PAGE_FIELDS + "," + ROLES_FIELD if roles else PAGE_FIELDS)
        except TokenRejected:
            raise
        except GraphError as error:
            if roles and error.code is not None and 200 <= error.code <= 299:
                self._roles_refused(aliases, error)
            else:
                self._batch_failed(aliases, error)
            return
        for alias in aliases:
            node = data.get(alias) or _case_insensitive(data, alias)
            if isinstance(node, dict):
                self.results[alias] = page_snapshot(alias, node, self.now)
            else:
                self.results[alias] = self._not_found(alias)

    def _roles_refused(self, aliases: list[str], error: GraphError) -> None:
        if error.code == ROLES_NEED_PAGE_TOKEN:
            self.roles_readable = False  # the token is not a page token: no page will tell
            self.read_batch(aliases)
        elif len(aliases) == 1:
            self.read_batch(aliases, roles=False)
        else:
            half = len(aliases) // 2
            self.read_batch(aliases[:half])
            self.read_batch(aliases[half:])

    def _batch_failed(self, aliases: list[str], error: GraphError) -> None:
        node_type = _NODE_TYPE.search(error.message) if error.code == 100 else None
        if error.code == NOT_FOUND_ALIAS:
            named = _named_aliases(error.message, aliases)
            if named:
                for alias in named:
                    self.results[alias] = self._not_found(alias)
                self.read_batch([a for a in aliases if a not in named])
                return
            if len(aliases) == 1:
                self.results[aliases[0]] = self._not_found(aliases[0])
                return
        elif node_type and len(aliases) == 1:
            self._read_other_node(aliases[0], node_type.group(1))
            return
        if (error.code == NOT_FOUND_ALIAS or node_type) and len(aliases) > 1:
            half = len(aliases) // 2  # the culprits cannot be named: bisect
            self.read_batch(aliases[:half])
            self.read_batch(aliases[half:])
            return
        if error.outage:
            self.stopped = error.reason
        self._fail(aliases, error.reason)

    def _read_other_node(self, alias: str, node_type: str) -> None:
        """A profile or group where a page was expected: the checks still learn what it is."""
        try:
            node = self.client.object(alias, PROFILE_FIELDS)
        except TokenRejected:
            raise
        except GraphError as error:
            self._fail([alias], error.reason)
            return
        self.results[alias] = Snapshot(
            network=NETWORK,
            handle=alias,
            status=FetchStatus.OK,
            platform_id=_text(node.get("id")),
            name=_text(node.get("name")),
            page_kind=_KINDS.get(node_type, node_type.lower()),
            fetched_at=self.now,
            extra={"link": str(node.get("link", ""))},
        )

    def _fail(self, aliases: list[str], reason: str) -> None:
        for alias in aliases:
            self.results[alias] = unverified(NETWORK, alias, reason)

    def _not_found(self, alias: str) -> Snapshot:
        return Snapshot(NETWORK, alias, FetchStatus.NOT_FOUND, reason=NOT_FOUND, fetched_at=self.now)


def page_snapshot(alias: str, node: dict[str, Any], now: dt.datetime) -> Snapshot:
    picture = (node.get("picture") or {}).get("data") or {}
    posts = (node.get("posts") or {}).get("data") or []
    texts = [
        t.strip() for t in (node.get("about"), node.get("description")) if isinstance(t, str) and t.strip()
    ]
    followers = node.get("followers_count", node.get("fan_count"))
    roles = node.get("roles")
    admins = None
    if isinstance(roles, dict):
        admins = tuple(
            PlatformAdmin(name=str(r.get("name", "")), id=_text(r.get("id")), role=_role(r))
            for r in roles.get("data") or []
            if isinstance(r, dict) and r.get("name")
        )
    return Snapshot(
        network=NETWORK,
        handle=alias,
        status=FetchStatus.OK,
        platform_id=_text(node.get("id")),
        name=_text(node.get("name")),
        username=_text(node.get("username")),
        description="\n\n".join(dict.fromkeys(texts)) or None,
        links=split_free_text_links(node.get("website") if isinstance(node.get("website"), str) else None),
        avatar_url=_text(picture.get("url")),
        avatar_is_silhouette=bool(picture.get("is_silhouette", False)),
        cover_url=_text((node.get("cover") or {}).get("source")),
        category=_text(node.get("category")),
        page_kind="page",
        emails=tuple(str(e) for e in node.get("emails") or () if e),
        last_post_at=parse_graph_time(posts[0].get("created_time")) if posts else None,
        followers=int(followers) if isinstance(followers, int) else None,
        fetched_at=now,
        admins=admins,
        extra={"link": str(node.get("link", ""))},
    )


def parse_graph_time(value: Any) -> dt.datetime | None:
    """Graph's `2025-01-15T14:03:00+0000` (or ISO 8601) as an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _named_aliases(message: str, aliases: list[str]) -> list[str]:
    """The aliases a `(#803) Some of the aliases you requested do not exist: a,b` names."""
    _, _, tail = message.partition("do not exist:")
    names = {n.strip().lower() for n in tail.split(",") if n.strip()}
    return [a for a in aliases if a.lower() in names]


def _case_insensitive(data: dict[str, Any], alias: str) -> Any:
    for key, value in data.items():
        if key.lower() == alias.lower():
            return value
    return None


def _role(entry: dict[str, Any]) -> str | None:
    tasks = entry.get("tasks")
    if isinstance(tasks, list) and tasks:
        return ",".join(str(t) for t in tasks)
    return _text(entry.get("role"))


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
