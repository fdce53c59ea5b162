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
from typing import Any

from scanner.config.models import FacebookSettings
from scanner.platforms.base import Adapter, CallOptions, PlatformStopped
from scanner.platforms.facebook_page import NETWORK
from scanner.platforms.facebook_posts import FacebookPostsReader
from scanner.platforms.facebook_reasons import INVALID
from scanner.platforms.facebook_tiers import BATCH, ManagedPage, PagesRun
from scanner.platforms.graph_client import GraphClient
from scanner.platforms.snapshot import FetchStatus, Snapshot, unverified

CONCURRENCY = 16  # managed pages read at once, each with its own page token
BATCHES_AT_ONCE = 4  # `?ids=` calls at once (each of 50 pages): Graph counts calls, not their overlap

_ALIAS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


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
        # this night's `/me/accounts` (its pages, and why the others have no admins), read once:
        # the audit reads the pages in slices, and the publications after them
        self._managed: tuple[dict[str, ManagedPage], str] | None = None
        self._managed_lock = threading.Lock()

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
        run = PagesRun(client, self.options)
        try:
            return self._fetch(run, client, wanted)
        finally:
            self.calls = client.calls

    def _managed_pages(self, client: GraphClient) -> dict[str, ManagedPage]:
        """The pages the token manages (`/me/accounts`), for the publications read."""
        return self._managed_of(PagesRun(client, self.options))

    def _managed_of(self, run: PagesRun) -> dict[str, ManagedPage]:
        """`run.managed_pages()`, asked of Graph once a night (a refusal that stops Facebook,
        `PlatformStopped`, is not remembered: the next slice asks again)."""
        with self._managed_lock:
            if self._managed is None:
                pages = run.managed_pages()
                self._managed = (pages, run.not_managed)
            pages, run.not_managed = self._managed
            return pages

    def _fetch(self, run: PagesRun, client: GraphClient, wanted: list[str]) -> dict[str, Snapshot]:
        for handle in wanted:
            if not _ALIAS.match(handle):
                run.results[handle] = run.status(handle, FetchStatus.NOT_FOUND, INVALID)
        askable = [h for h in wanted if h not in run.results]
        stopped = None
        try:
            managed = self._managed_of(run)
            mine = [h for h in askable if _key(h) in managed]
            others = [h for h in askable if _key(h) not in managed]
            batches = [others[start : start + BATCH] for start in range(0, len(others), BATCH)]
            run.read_all_batches(batches, BATCHES_AT_ONCE)
            run.read_all_managed([(h, managed[_key(h)]) for h in mine], self.concurrency)
        except PlatformStopped as stop:
            stopped = stop.reason
        finally:
            client.close()
        return {h: run.results.get(h) or unverified(NETWORK, h, stopped or "") for h in wanted}


def _key(handle: str) -> str:
    return handle.strip().lower()
