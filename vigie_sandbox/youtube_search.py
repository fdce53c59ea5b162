"""YouTube Data API v3 `search.list` as the sandbox answers it, for channels (issue 17's name searches).

`GET /youtube/v3/search?part=snippet&type=channel&q=…&maxResults=…` (developers.google.com/youtube/
v3/docs/search/list): a `youtube#searchListResponse` whose items are `youtube#searchResult`
resources `{"id": {"kind": "youtube#channel", "channelId"}, "snippet": {"publishedAt", "channelId",
"title", "description", "thumbnails", "channelTitle", "liveBroadcastContent", "publishTime"}}`
(developers.google.com/youtube/v3/docs/search#resource). `maxResults` is 0–50, default 5 (the
list page); a value outside is a 400 `invalidMaxResults`, in Google's usual error shape (the body
itself is not documented). Only
`type=channel` is modelled (the worlds hold no searchable videos): another type answers no items.
Matching: `vigie_sandbox.name_search`. Key, quota and fault knobs as `vigie_sandbox.youtube`
(endpoint `youtube.search`); each request is logged, so a test can count the 100-unit calls.
"""

from __future__ import annotations

from typing import Any

from vigie_sandbox.name_search import ranked
from vigie_sandbox.server import Request, Response
from vigie_sandbox.youtube import _error, _etag, _parts, refusal

ENDPOINT = "youtube.search"


def route(request: Request, server) -> Response | None:
    if request.path != "/youtube/v3/search":
        return None
    world = server.world.youtube or {}
    refused = refusal(request, server, world, ENDPOINT)
    if refused is not None:
        return refused
    parts = _parts(request, ENDPOINT, {"snippet", "id"})
    if isinstance(parts, Response):
        return parts
    try:
        per_page = int(request.query.get("maxResults", "5"))
    except ValueError:
        per_page = -1
    if not 0 <= per_page <= 50:
        message = "Invalid value for maxResults: it must be between 0 and 50."
        return _error(
            ENDPOINT, 400, message, "youtube.parameter", "invalidMaxResults", None, location="maxResults"
        )
    live = [c for c in world.get("channels", []) if not c.get("terminated")]
    kinds = {t.strip() for t in request.query.get("type", "video,channel,playlist").split(",")}
    found = ranked(request.query.get("q", ""), live) if "channel" in kinds else []
    items = [_result(channel, parts) for channel in found[:per_page]]
    body: dict[str, Any] = {
        "kind": "youtube#searchListResponse",
        "etag": _etag(items),
        "regionCode": "CA",
        "pageInfo": {"totalResults": len(found), "resultsPerPage": per_page},
        "items": items,
    }
    return Response.json(body, 200, ENDPOINT)


def _result(channel: dict, parts: list[str]) -> dict:
    channel_id = str(channel["id"])
    item: dict[str, Any] = {
        "kind": "youtube#searchResult",
        "etag": _etag(channel),
        "id": {"kind": "youtube#channel", "channelId": channel_id},
    }
    if "snippet" in parts:
        thumb = channel.get("thumbnail")
        published = str(channel.get("published_at") or "2020-09-01T12:00:00Z")
        item["snippet"] = {
            "publishedAt": published,
            "channelId": channel_id,
            "title": channel.get("title", ""),
            "description": channel.get("description", "")[:160],
            "thumbnails": {"default": {"url": f"{thumb}=s88"}, "high": {"url": f"{thumb}=s800"}}
            if thumb
            else {},
            "channelTitle": channel.get("title", ""),
            "liveBroadcastContent": "none",
            "publishTime": published,
        }
    return item
