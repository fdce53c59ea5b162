"""Facebook pages through the Graph API, read in tiers so that one refusal voids only its tier.

Meta's access model (developers.facebook.com/docs/pages-api/overview and
developers.facebook.com/docs/features-reference/page-public-content-access):

1. `GET /me/accounts` (permission `pages_show_list`): the pages the token manages, each
   with its Page access token. One call (100 pages a page of results).
2. Public fields of the pages the token does not manage, 50 per `GET /?ids=…` call
   (feature *Page Public Metadata Access*), with `posts.limit(1)` while the app has
   *Page Public Content Access*: the first refusal naming that feature drops the posts
   for the night (their last post is then `withheld`, naming the feature) and the batch
   is asked again without them.
3. Each managed page, once, with its own Page token: public fields, last post and `roles`.
   `roles` leaves out the people who manage the page through Business Manager: the
   snapshot says so (`admins_partial`), so that a declared admin missing from it is not
   called absent on that basis alone.

A per-object error in a batch (an unpublished, restricted or deleted page: `(#100)
… does not exist, cannot be loaded due to missing permissions…`, subcode 33; an unknown
alias `(#803)`; a profile where a page was expected) fails the whole `?ids=` call without
naming the page. Its pages are then asked again each on its own, all in one Graph batch request
(developers.facebook.com/docs/graph-api/making-multiple-requests: up to 50 operations, each
answered with its own status): one extra call, whatever the number of culprits, the culprit
gets its own reason and every other page is read. Should Graph refuse batch requests, the
pages are split in halves instead. `(#803)` names the missing aliases: those are `not_found`
at once and the others asked again.

`appsecret_proof` is sent with every call when `platforms.facebook.app_secret_env` names
a variable that holds the app secret (computed per token: the page tokens have their own).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from scanner.config.models import FacebookSettings
from scanner.net.urls import split_free_text_links
from scanner.platforms.base import Adapter, CallFailed, CallOptions, PlatformStopped, parse_time
from scanner.platforms.facebook_posts import FacebookPostsReader
from scanner.platforms.facebook_reasons import (  # the reasons, also read as facebook.HIDDEN_PAGE…
    BUSINESS_PEOPLE_LEFT_OUT,
    HIDDEN_OR_NO_METADATA_ACCESS,
    HIDDEN_PAGE,
    INVALID,
    NEEDS_APPSECRET_PROOF,
    NO_CONTENT_ACCESS,
    NO_METADATA_ACCESS,
    NO_PAGE_LIST,
    NOT_FOUND,
    NOT_MANAGED,
    ROLES_REFUSED,
)
from scanner.platforms.graph_client import (
    NOT_FOUND_ALIAS,
    GraphClient,
    is_permission_code,
    is_wrong_token_kind,
    needs_proof,
)
from scanner.platforms.snapshot import FetchStatus, PlatformAdmin, Snapshot, unverified

NETWORK = "facebook"
BATCH = 50
ACCOUNTS_PAGE = 100  # /me/accounts results per call (Graph's largest `limit` for this edge)
CONCURRENCY = 16  # managed pages read at once, each with its own page token
PUBLIC_FIELDS = (
    "id,name,username,about,description,website,emails,category,link,fan_count,followers_count,"
    "picture.type(large){url,is_silhouette,cache_key},cover{id,source}"
)
POSTS_FIELD = "posts.limit(1){created_time}"
ROLES_FIELD = "roles{id,name,tasks}"
ACCOUNTS_FIELDS = "id,username,access_token"
PROFILE_FIELDS = "id,name,link"

_ALIAS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_NODE_TYPE = re.compile(r"on node type \((\w+)\)")
_KINDS = {"User": "profile", "Group": "group", "Page": "page"}


@dataclass(frozen=True)
class ManagedPage:
    id: str
    token: str


class FacebookAdapter(FacebookPostsReader, Adapter):
    platform = NETWORK

    def __init__(
        self,
        settings: FacebookSettings,
        token: str | None,
        *,
        app_secret: str | None = None,
        concurrency: int = CONCURRENCY,
        options: CallOptions | None = None,
        **overrides: Any,
    ):
        super().__init__(settings, token, options=options, **overrides)
        self._app_secret = app_secret
        self.concurrency = concurrency
        self.calls = 0  # HTTP calls (retries included) of the last fetch: for the night's log

    def graph_client(self) -> GraphClient:
        """A client for this night's Graph calls: the board's token, with `appsecret_proof` when
        an app secret is configured (profiles, publications and look-ups all go through one)."""
        return GraphClient(
            self.settings.graph_url,
            self.settings.version,
            self._secret or "",
            self.options,
            app_secret=self._app_secret,
        )

    def fetch(self, handles: Sequence[str]) -> dict[str, Snapshot]:
        wanted = list(dict.fromkeys(handles))
        none = self.no_credentials(wanted)
        if none is not None:
            return none
        client = self.graph_client()
        run = _Run(client, self.options)
        try:
            return self._fetch(run, client, wanted)
        finally:
            self.calls = client.calls

    def _managed_pages(self, client: GraphClient) -> dict[str, ManagedPage]:
        """The pages the token manages (`/me/accounts`), for the publications read."""
        return _Run(client, self.options).managed_pages()

    def _fetch(self, run: _Run, client: GraphClient, wanted: list[str]) -> dict[str, Snapshot]:
        for handle in wanted:
            if not _ALIAS.match(handle):
                run.results[handle] = run.status(handle, FetchStatus.NOT_FOUND, INVALID)
        askable = [h for h in wanted if h not in run.results]
        stopped = None
        try:
            managed = run.managed_pages()
            mine = [h for h in askable if _key(h) in managed]
            others = [h for h in askable if _key(h) not in managed]
            for start in range(0, len(others), BATCH):
                run.read_batch(others[start : start + BATCH])
            run.read_all_managed([(h, managed[_key(h)]) for h in mine], self.concurrency)
        except PlatformStopped as stop:
            stopped = stop.reason
        finally:
            client.close()
        return {h: run.results.get(h) or unverified(NETWORK, h, stopped or "") for h in wanted}


def _key(handle: str) -> str:
    return handle.strip().lower()


def _object_or_feature(error: CallFailed) -> bool:
    """`(#100) Object does not exist, cannot be loaded due to missing permission or reviewable
    feature…` (python-facebook's testdata/base/error_data.json): one page hidden, or the features
    missing; Graph does not say which."""
    return error.code == 100 and "reviewable feature" in error.message


class _Run:
    """One `fetch`: the snapshots so far, and what the token proved it may read."""

    def __init__(self, client: GraphClient, options: CallOptions):
        self.client = client
        self.now = options.now()
        self.results: dict[str, Snapshot] = {}
        self.posts_readable = True  # False once the app proved not to have Page Public Content Access
        self.not_managed = NOT_MANAGED  # why the pages outside /me/accounts have no admins
        self.last_call_answered = False  # the last batch call was answered with its pages
        self.batches_answered = 0
        self._lock = threading.Lock()
        self.refused_alone = 0  # pages refused one by one with the ambiguous (#100)
        self.each_refused = False  # Graph refused a batch request: halves instead

    # -------------------------------------------------------- tier 1: which pages the token manages

    def managed_pages(self) -> dict[str, ManagedPage]:
        """Lower-case id and username -> the page and its token, from `/me/accounts`."""
        managed: dict[str, ManagedPage] = {}
        after = None
        while True:
            params: dict[str, Any] = {"fields": ACCOUNTS_FIELDS, "limit": ACCOUNTS_PAGE}
            if after:
                params["after"] = after
            try:
                answer = self.client.connection("me", "accounts", **params)
            except CallFailed as failed:
                if needs_proof(failed):
                    raise PlatformStopped(NEEDS_APPSECRET_PROOF, code=100) from None
                # a page token, an app token, or no pages_show_list: no page is known as managed
                if is_permission_code(failed.code):
                    self.not_managed = NO_PAGE_LIST
                return managed
            for page in answer.get("data") or []:
                if isinstance(page, dict) and page.get("id") and page.get("access_token"):
                    entry = ManagedPage(str(page["id"]), str(page["access_token"]))
                    managed[entry.id.lower()] = entry
                    if page.get("username"):
                        managed[str(page["username"]).lower()] = entry
            paging = answer.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
            if not after:
                return managed

    # -------------------------------------------------------- tier 2: pages the token does not manage

    def read_batch(self, aliases: list[str], known_to_fail: bool = False) -> None:
        """Public fields of these pages in one call; a per-object error bisects the batch."""
        if not aliases:
            return
        if known_to_fail and len(aliases) > 1:
            self._bisect(aliases)
            return
        fields = PUBLIC_FIELDS + ("," + POSTS_FIELD if self.posts_readable else "")
        try:
            data = self.client.objects(aliases, fields)
        except CallFailed as error:
            self.last_call_answered = False
            self._batch_failed(aliases, error)
            return
        self.last_call_answered = True
        self.batches_answered += 1
        for alias in aliases:
            self._store(alias, data.get(alias) or _case_insensitive(data, alias))

    def _store(self, alias: str, node: Any) -> None:
        if isinstance(node, dict):
            snapshot = page_snapshot(alias, node, self.now)
            withheld = {"admins": self.not_managed}
            if not self.posts_readable:
                withheld["last_post_at"] = NO_CONTENT_ACCESS
            self.results[alias] = replace(snapshot, withheld=withheld)
        else:
            self.results[alias] = self._not_found(alias)

    def _read_each(self, aliases: list[str]) -> None:
        """The batch failed for some page in it, unnamed: every page asked on its own, all in one
        call (a Graph batch request), so the culprits fail alone at the cost of one extra call.
        When the batch request itself is refused, the pages are split in halves instead."""
        if self.each_refused:
            self._bisect(aliases)
            return
        fields = quote(PUBLIC_FIELDS + ("," + POSTS_FIELD if self.posts_readable else ""), safe="")
        try:
            answers = self.client.each([f"{quote(alias, safe='')}?fields={fields}" for alias in aliases])
        except CallFailed:
            self.each_refused = True
            self._bisect(aliases)
            return
        failed = {a: r for a, r in zip(aliases, answers, strict=True) if isinstance(r, CallFailed)}
        if len(failed) < len(aliases):
            self.batches_answered += 1  # some pages answered: the app may read pages
        for alias, answer in zip(aliases, answers, strict=True):
            if alias not in failed:
                self._store(alias, answer)
        without_posts = [a for a, e in failed.items() if _no_content_access(e)] if self.posts_readable else []
        if without_posts:
            # the feature is missing: no page's posts this night; the pages refused only for
            # their posts are read again together, the others keep their own reasons
            self.posts_readable = False
            self.read_batch(without_posts)
        for alias, error in failed.items():
            if alias not in without_posts:
                self._batch_failed([alias], error)

    def _bisect(self, aliases: list[str]) -> None:
        """The batch failed for some page in it: the first half asked; when it passes, the other
        half is known to hold the culprit and is split at once, without being asked whole."""
        half = len(aliases) // 2
        calls = self.client.calls
        self.read_batch(aliases[:half])
        first_half_answered = self.client.calls == calls + 1 and self.last_call_answered
        self.read_batch(aliases[half:], known_to_fail=first_half_answered)

    def _batch_failed(self, aliases: list[str], error: CallFailed) -> None:
        if _no_content_access(error) and self.posts_readable:
            self.posts_readable = False  # the feature is missing: no page's posts this night
            self.read_batch(aliases)
            return
        if error.code == 10 and "Public Metadata Access" in error.message:
            self._fail(aliases, NO_METADATA_ACCESS)  # every page outside /me/accounts: no more calls
            return
        if needs_proof(error):
            raise PlatformStopped(NEEDS_APPSECRET_PROOF, code=100)
        ambiguous = _object_or_feature(error)
        if ambiguous and not self.batches_answered and self.refused_alone >= 2:
            # two pages refused alone and no batch answered: the features are missing, not the pages
            self._fail(aliases, NO_METADATA_ACCESS)
            for alias, snap in self.results.items():
                if snap.reason == HIDDEN_OR_NO_METADATA_ACCESS:
                    self.results[alias] = unverified(NETWORK, alias, NO_METADATA_ACCESS)
            return
        node_type = _NODE_TYPE.search(error.message) if error.code == 100 else None
        hidden = error.code == 100 and (error.subcode == 33 or ambiguous)
        if error.code == NOT_FOUND_ALIAS:
            named = _named_aliases(error.message, aliases)
            if named:
                for alias in named:
                    self.results[alias] = self._not_found(alias)
                self.read_batch([a for a in aliases if a not in named])
                return
        if (error.code == NOT_FOUND_ALIAS or node_type or hidden) and len(aliases) > 1:
            self._read_each(aliases)  # the culprits cannot be named
            return
        if error.code == NOT_FOUND_ALIAS:
            self.results[aliases[0]] = self._not_found(aliases[0])
        elif node_type:
            self._read_other_node(aliases[0], node_type.group(1))
        elif hidden:
            self.refused_alone += 1
            self._fail(aliases, HIDDEN_OR_NO_METADATA_ACCESS if ambiguous else HIDDEN_PAGE)
        else:
            self._fail(aliases, error.reason)

    def _read_other_node(self, alias: str, node_type: str) -> None:
        """A profile or group where a page was expected: the checks still learn what it is."""
        try:
            node = self.client.object(alias, PROFILE_FIELDS)
        except CallFailed as error:
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

    # -------------------------------------------------------- tier 3: managed pages, with their tokens

    def read_all_managed(self, pages: list[tuple[str, ManagedPage]], concurrency: int) -> None:
        """Each managed page once: the first alone (a refusal that concerns them all shows at once,
        and stops the rest), then `concurrency` at a time."""
        if not pages:
            return
        self.read_managed(*pages[0])
        if len(pages) > 1:
            with ThreadPoolExecutor(min(concurrency, len(pages) - 1), thread_name_prefix="facebook") as pool:
                for future in [pool.submit(self.read_managed, alias, page) for alias, page in pages[1:]]:
                    future.result()  # a PlatformStopped of any page stops the fetch

    def read_managed(self, alias: str, page: ManagedPage) -> None:
        """One call with the page's own token: everything, roles included."""
        client = self.client.for_token(page.token)
        tiers = [  # the fields asked, and what is withheld when only they could be read
            (f"{PUBLIC_FIELDS},{POSTS_FIELD},{ROLES_FIELD}", {}),
            (f"{PUBLIC_FIELDS},{POSTS_FIELD}", {"admins": ROLES_REFUSED}),
            (PUBLIC_FIELDS, {"admins": ROLES_REFUSED, "last_post_at": NO_CONTENT_ACCESS}),
        ]
        try:
            for fields, withheld in tiers:
                try:
                    node = client.object(page.id, fields)
                except CallFailed as error:
                    if is_permission_code(error.code) or is_wrong_token_kind(error):
                        continue  # a part is refused: the page is asked again without it
                    self._fail([alias], HIDDEN_PAGE if error.subcode == 33 else error.reason)
                    return
                snapshot = page_snapshot(alias, node, self.now)
                if snapshot.admins is not None:
                    snapshot = replace(snapshot, admins_partial=BUSINESS_PEOPLE_LEFT_OUT)
                self.results[alias] = replace(snapshot, withheld=dict(withheld))
                return
            self._fail([alias], ROLES_REFUSED)
        finally:
            with self._lock:
                self.client.calls += client.calls
            client.close()

    # -------------------------------------------------------- helpers

    def _fail(self, aliases: list[str], reason: str) -> None:
        for alias in aliases:
            self.results[alias] = unverified(NETWORK, alias, reason)

    def status(self, alias: str, status: FetchStatus, reason: str) -> Snapshot:
        return Snapshot(NETWORK, alias, status, reason=reason, fetched_at=self.now)

    def _not_found(self, alias: str) -> Snapshot:
        return self.status(alias, FetchStatus.NOT_FOUND, NOT_FOUND)


def page_snapshot(alias: str, node: dict[str, Any], now: Any) -> Snapshot:
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
        avatar_key=_text(picture.get("cache_key")),
        cover_url=_text((node.get("cover") or {}).get("source")),
        category=_text(node.get("category")),
        page_kind="page",
        emails=tuple(str(e) for e in node.get("emails") or () if e),
        last_post_at=parse_time(posts[0].get("created_time")) if posts else None,
        last_post_id=_text(posts[0].get("id")) if posts else None,  # Graph returns an edge's ids unasked
        followers=int(followers) if isinstance(followers, int) else None,
        fetched_at=now,
        admins=admins,
        extra={"link": str(node.get("link", ""))},
    )


def _named_aliases(message: str, aliases: list[str]) -> list[str]:
    """The aliases a `(#803) Some of the aliases you requested do not exist: a,b` names."""
    _, _, tail = message.partition("do not exist:")
    names = {n.strip().lower() for n in tail.split(",") if n.strip()}
    return [a for a in aliases if a.lower() in names]


def _no_content_access(error: CallFailed) -> bool:
    return error.code == 10 and "Public Content Access" in error.message


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
