"""Reading Facebook pages in tiers (`scanner.platforms.facebook` explains the access model):
which pages the token manages (`/me/accounts`), the others 50 per `?ids=` call with bisection of a
batch that one page spoils, and each managed page with its own page token."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from scanner.platforms.base import CallFailed, CallOptions, PlatformStopped, first_alone_then, optional_text
from scanner.platforms.facebook_page import NETWORK, page_snapshot
from scanner.platforms.facebook_reasons import (
    BUSINESS_PEOPLE_LEFT_OUT,
    HIDDEN_OR_NO_METADATA_ACCESS,
    HIDDEN_PAGE,
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
from scanner.platforms.snapshot import FetchStatus, Snapshot, unverified

BATCH = 50
ACCOUNTS_PAGE = 100  # /me/accounts results per call (Graph's largest `limit` for this edge)
PUBLIC_FIELDS = (
    "id,name,username,about,description,website,emails,category,link,fan_count,followers_count,"
    "picture.type(large){url,is_silhouette,cache_key},cover{id,source}"
)
POSTS_FIELD = "posts.limit(1){created_time}"
ROLES_FIELD = "roles{id,name,tasks}"
ACCOUNTS_FIELDS = "id,username,access_token"
PROFILE_FIELDS = "id,name,link"

_NODE_TYPE = re.compile(r"on node type \((\w+)\)")
_KINDS = {"User": "profile", "Group": "group", "Page": "page"}


@dataclass(frozen=True)
class ManagedPage:
    id: str
    token: str


def _object_or_feature(error: CallFailed) -> bool:
    """`(#100) Object does not exist, cannot be loaded due to missing permission or reviewable
    feature…` (python-facebook's testdata/base/error_data.json): one page hidden, or the features
    missing; Graph does not say which."""
    return error.code == 100 and "reviewable feature" in error.message


class PagesRun:
    """One `fetch`: the snapshots so far, and what the token proved it may read."""

    def __init__(self, client: GraphClient, options: CallOptions):
        self._client = client
        self._local = threading.local()  # a batch worker's own client (its own connection) and state
        self.now = options.now()
        self.results: dict[str, Snapshot] = {}
        self.posts_readable = True  # False once the app proved not to have Page Public Content Access
        self.not_managed = NOT_MANAGED  # why the pages outside /me/accounts have no admins
        self.batches_answered = 0
        self._lock = threading.Lock()
        self.refused_alone = 0  # pages refused one by one with the ambiguous (#100)
        self.each_refused = False  # Graph refused a batch request: halves instead

    @property
    def client(self) -> GraphClient:
        """The night's client, or in a batch worker that worker's copy (its own connection)."""
        return getattr(self._local, "client", None) or self._client

    @property
    def last_call_answered(self) -> bool:
        """Whether this thread's last batch call was answered with its pages (bisection reads it)."""
        return getattr(self._local, "answered", False)

    @last_call_answered.setter
    def last_call_answered(self, value: bool) -> None:
        self._local.answered = value

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

    def read_all_batches(self, batches: list[list[str]], at_once: int) -> None:
        """Every batch once: the first alone (a refusal that concerns every page, a missing feature,
        shows at once and the others are asked without it), then `at_once` at a time, each worker
        with its own copy of the client; a bad page bisects only its own batch."""
        copies: list[GraphClient] = []
        main = threading.get_ident()

        def one(batch: list[str]) -> None:
            if threading.get_ident() != main and getattr(self._local, "client", None) is None:
                self._local.client = self._client.copy()  # a worker's own connection
                with self._lock:
                    copies.append(self._local.client)
            self.read_batch(batch)

        try:  # a PlatformStopped of any batch stops the fetch
            first_alone_then(one, batches, at_once, "facebook-batches")
        finally:
            for copy in copies:
                with self._lock:
                    self._client.calls += copy.calls
                copy.close()

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
            platform_id=optional_text(node.get("id")),
            name=optional_text(node.get("name")),
            page_kind=_KINDS.get(node_type, node_type.lower()),
            fetched_at=self.now,
            extra={"link": str(node.get("link", ""))},
        )

    # -------------------------------------------------------- tier 3: managed pages, with their tokens

    def read_all_managed(self, pages: list[tuple[str, ManagedPage]], concurrency: int) -> None:
        """Each managed page once: the first alone (a refusal that concerns them all shows at once,
        and stops the rest), then `concurrency` at a time."""
        # a PlatformStopped of any page stops the fetch
        first_alone_then(lambda item: self.read_managed(*item), pages, concurrency, "facebook")

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
                self._client.calls += client.calls
            client.close()

    # -------------------------------------------------------- helpers

    def _fail(self, aliases: list[str], reason: str) -> None:
        for alias in aliases:
            self.results[alias] = unverified(NETWORK, alias, reason)

    def status(self, alias: str, status: FetchStatus, reason: str) -> Snapshot:
        return Snapshot(NETWORK, alias, status, reason=reason, fetched_at=self.now)

    def _not_found(self, alias: str) -> Snapshot:
        return self.status(alias, FetchStatus.NOT_FOUND, NOT_FOUND)


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
