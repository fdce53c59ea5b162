"""Facebook look-alike look-ups (issue 17): usernames read, and the Pages search by name.

- Usernames: read as pages are (`FacebookAdapter.fetch`: `GET /?ids=a,b,…`, 50 a call; a
  missing alias is `(#803)` and is asked no more), each counted against `max_facebook_searches`.
- Names: `GET /pages/search?q=<name>&fields=id,name,link` (developers.facebook.com/documentation/
  pages-api/search-pages: « An App access token with the Page Public Metadata Access feature … is
  searching for public Page information »). The answer is `{"data": [{"id", "name", "link"}, …]}`.

Both need the feature *Page Public Metadata Access* for the pages the board does not manage
(developers.facebook.com/docs/features-reference/page-public-metadata-access: « allows your app
access to the Pages Search API and to read public data for Pages »). The usernames are read first:
when Facebook answers them with that feature's refusal, no search call is made, and the answer
says why and what to ask for (`refused`, remembered by the planner so that the next nights of the
round make no call either).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scanner.platforms.base import CallFailed, PlatformStopped
from scanner.platforms.facebook_reasons import NO_METADATA_ACCESS
from scanner.platforms.graph_client import is_permission_code
from scanner.platforms.search import Hit, SearchAnswer, answer_for, cannot_search

if TYPE_CHECKING:
    from scanner.discovery.lookup_plan import Lookup
    from scanner.platforms.facebook import FacebookAdapter

SEARCH_FIELDS = "id,name,link"
SEARCH_LIMIT = 25
PROFILE_URL = "https://www.facebook.com/{}"
SEARCH_REFUSED = (
    "Facebook refuse la recherche de pages à l’application, faute de la fonctionnalité Page Public "
    "Metadata Access\u00a0: la demander dans l’examen de l’application Meta (App Review). D’ici là, "
    "les pages Facebook qu’aucun site ne relie ne peuvent pas être cherchées"
)


class FacebookSearcher:
    platform = "facebook"

    def __init__(self, adapter: FacebookAdapter):
        self.adapter = adapter  # its token, app secret and call options

    def __repr__(self) -> str:  # never the token
        return "FacebookSearcher()"

    def search(self, lookups: Sequence[Lookup]) -> SearchAnswer:
        answer = SearchAnswer()
        handles = [lookup for lookup in lookups if lookup.kind == "handle"]
        names = [lookup for lookup in lookups if lookup.kind == "search"]
        if handles:
            snapshots = self.adapter.fetch([lookup.text for lookup in handles])
            answer.calls += self.adapter.calls
            for lookup in handles:
                snapshot = snapshots.get(lookup.text)
                if snapshot is not None and snapshot.reason == NO_METADATA_ACCESS:
                    return self._refused(answer)
                answer_for(answer, lookup, snapshot, PROFILE_URL, self.platform)
        if names:
            self._by_name(names, answer)
        return answer

    def _by_name(self, names: Sequence[Lookup], answer: SearchAnswer) -> None:
        client = self.adapter.graph_client()
        try:
            for lookup in names:
                try:
                    body = client.connection(
                        "pages", "search", q=lookup.text, fields=SEARCH_FIELDS, limit=SEARCH_LIMIT
                    )
                except CallFailed as failed:
                    if is_permission_code(failed.code) or "Public Metadata Access" in failed.message:
                        self._refused(answer)
                        return
                    answer.problem = answer.problem or cannot_search(self.platform, failed.reason)
                    continue
                answer.made.append(lookup.key)
                for page in body.get("data") or []:
                    if isinstance(page, dict) and page.get("id"):
                        handle = _username(page) or str(page["id"])
                        answer.hits.append(
                            Hit(
                                lookup.key,
                                handle,
                                PROFILE_URL.format(handle),
                                page.get("name"),
                                str(page["id"]),
                            )
                        )
        except PlatformStopped as stop:
            answer.problem = cannot_search(self.platform, stop.reason)
        finally:
            answer.calls += client.calls
            client.close()

    def _refused(self, answer: SearchAnswer) -> SearchAnswer:
        answer.refused = True
        answer.problem = SEARCH_REFUSED
        return answer


def _username(page: dict) -> str | None:
    """The username in the page's `link` (« https://www.facebook.com/EcoleHeritageCSNO »), if any."""
    path = [part for part in urlsplit(str(page.get("link") or "")).path.split("/") if part]
    if len(path) == 1 and not path[0].isdigit() and not path[0].endswith(".php"):
        return path[0]
    return None
