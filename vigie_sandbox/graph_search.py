"""Graph API `GET /pages/search?q=…&fields=…` as the sandbox answers it (issue 17's Facebook name searches).

developers.facebook.com/documentation/pages-api/search-pages: « Returns a list of Pages that meet
the query's criteria », `{"data": [{"id", "name", "location", "link"}, …]}` with the fields asked
(`fields`), paged with `limit` (25 by default, as Graph's edges). It needs the app feature *Page
Public Metadata Access* (« An App access token with the Page Public Metadata Access feature … is
searching for public Page information »; developers.facebook.com/docs/features-reference/
page-public-metadata-access: « allows your app access to the Pages Search API »). Without it, the
answer is `(#10)` naming the features, the code Meta gives a missing feature (`check_posts`'s body
in `vigie_sandbox.graph_access`). Unpublished pages are never returned. Matching:
`vigie_sandbox.name_search`. Endpoint name `graph.pages_search`.
"""

from __future__ import annotations

from typing import Any

from vigie_sandbox.graph_access import PPCA, PPMA
from vigie_sandbox.graph_fields import FieldSpec, GraphFailure
from vigie_sandbox.name_search import ranked

ENDPOINT = "graph.pages_search"
NO_FEATURE = (
    "(#10) This endpoint requires the 'Page Public Metadata Access' feature or the 'Page Public Content "
    "Access' feature. Refer to https://developers.facebook.com/docs/apps/review/feature#reference-PAGES_ACCESS "
    "for details."
)


def pages_search(graph: Any, fields: list[FieldSpec] | None) -> dict[str, Any]:
    """The answer to `/pages/search` for the `_Graph` request being served."""
    if not graph.access.features & {PPMA, PPCA}:
        raise GraphFailure(10, NO_FEATURE)
    query = graph.request.query.get("q", "")
    if not query.strip():
        raise GraphFailure(100, "(#100) The parameter q is required")
    limit = max(1, min(100, int(graph.request.query.get("limit", "25") or 25)))
    pages = [p for p in graph.facebook.get("pages") or [] if p.get("published", True) is not False]
    found = ranked(query, pages, title_key="name")
    fields = fields or [FieldSpec("id"), FieldSpec("name"), FieldSpec("link")]
    data = [graph.render("Page", page, fields) for page in found[:limit]]
    body: dict[str, Any] = {"data": data}
    if data:
        body["paging"] = {"cursors": {"before": "MAZDZD", "after": f"M{len(data)}ZDZD"}}
    return body
