"""YouTube Data API v3 as the sandbox answers it: channels.list and playlistItems.list.

Shapes follow the real API: list responses `{"kind", "etag", "pageInfo", "items"}`, with no
`items` key when a channels.list filter matches nothing (a handle that does not exist);
errors `{"error": {"code", "message", "errors": [{"message", "domain", "reason"}], "status"}}`.
The API key is read from the `key` query parameter or the `X-Goog-Api-Key` header (Google
accepts both). More than 50 ids in one channels.list call is refused with a 400
`invalidFilters` error: Google does not document that body; this one follows its usual shape.

World section `youtube` (`youtube.yaml`):

    valid_keys: [sandbox-youtube-key]
    channels:
      - id: UCsbxEQVBibliothequeCSNO1     # "UC" + 22 characters; uploads playlist is "UU" + the rest
        handle: "@EQVBibliothequeCSNO"    # matched without case, with or without "@"
        title: "École des Quatre-Vents_Bibliothèque_CSNO"
        description: "… https://eqv.csno.ab.ca …"
        published_at: 2021-09-01T12:00:00Z
        country: CA
        thumbnail: https://yt3.sandbox.ggpht.com/eqv-bibliotheque-youtube  # "=s88", "=s240", "=s800" added
        banner: https://yt3.sandbox.ggpht.com/eqv-bibliotheque-youtube-banner
        terminated: false                 # true: answered by no request, like a closed channel
        last_video_days_ago: 20           # resolved against server.now(); or `videos` below
        videos:                           # optional, any order (served in upload order)
          - {id: abcdefghijk, title: "…", days_ago: 20}     # or published_at: <ISO>
          - {id: bcdefghijkl, title: "…", description: "…", days_ago: 2, uploaded_days_ago: 25,
             thumbnail: https://i.sandbox.ytimg.com/vi/bcdefghijkl/maxresdefault.jpg}   # scheduled
          - {id: cdefghijklm, title: "…", private: true}   # not public yet: no videoPublishedAt

Fault knobs read here (endpoints `youtube.channels`, `youtube.playlistItems`):
`quota_exceeded` (403 quotaExceeded), `key_invalid` or `token_expired` (400 API key not valid),
`forbidden` (403 about the resource, not the key: `playlistItemsNotAccessible` on playlistItems,
`channelForbidden` on channels, as listed under "Errors" in
developers.google.com/youtube/v3/docs/playlistItems/list and …/channels/list).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from vigie_sandbox import posts_youtube
from vigie_sandbox.server import Request, Response

_CHANNEL_PARTS = {
    "auditDetails",
    "brandingSettings",
    "contentDetails",
    "contentOwnerDetails",
    "id",
    "localizations",
    "snippet",
    "statistics",
    "status",
    "topicDetails",
}
_PLAYLIST_ITEM_PARTS = {"contentDetails", "id", "snippet", "status"}
_FILTERS = ("categoryId", "forHandle", "forUsername", "id", "managedByMe", "mine")
_QUOTA_MESSAGE = (
    'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">'
    "quota</a>."
)
_KEY_INVALID = "API key not valid. Please pass a valid API key."


def route(request: Request, server) -> Response | None:
    if request.path == "/youtube/v3/channels":
        endpoint, handler = "youtube.channels", _channels
    elif request.path == "/youtube/v3/playlistItems":
        endpoint, handler = "youtube.playlistItems", _playlist_items
    elif request.path == "/youtube/v3/search":
        return None  # vigie_sandbox.youtube_search
    elif request.path.startswith("/youtube/v3/"):
        return Response(404, b"Not Found", {"Content-Type": "text/html; charset=UTF-8"}, "youtube.other")
    else:
        return None
    world = server.world.youtube or {}
    refused = refusal(request, server, world, endpoint)
    if refused is not None:
        return refused
    return handler(request, server, world, endpoint)


def refusal(request: Request, server, world: dict, endpoint: str) -> Response | None:
    """The answer when the key, the quota or the faults refuse this request; None when it may go on."""
    key = request.query.get("key") or request.headers.get("x-goog-api-key")
    if not key:
        message = "The request is missing a valid API key."
        return _error(endpoint, 403, message, "global", "forbidden", "PERMISSION_DENIED")
    if (
        server.faults.take(endpoint, "key_invalid")
        or server.faults.take(endpoint, "token_expired")
        or key not in [str(k) for k in world.get("valid_keys", [])]
    ):
        return _key_invalid(endpoint)
    if server.faults.take(endpoint, "quota_exceeded"):
        return _error(endpoint, 403, _QUOTA_MESSAGE, "youtube.quota", "quotaExceeded", None)
    if server.faults.take(endpoint, "forbidden"):
        if endpoint == "youtube.playlistItems":
            message = "The request is not properly authorized to retrieve the specified playlist."
            return _error(endpoint, 403, message, "youtube.playlistItem", "playlistItemsNotAccessible", None)
        message = "The request might not be properly authorized to retrieve channel information."
        return _error(endpoint, 403, message, "youtube.channel", "channelForbidden", None)
    return None


# ---------------------------------------------------------------- errors in Google's shape


def _error(
    endpoint: str,
    code: int,
    message: str,
    domain: str,
    reason: str,
    status: str | None,
    **where: str,
) -> Response:
    entry = {"message": message, "domain": domain, "reason": reason, **where}
    error: dict[str, Any] = {"code": code, "message": message, "errors": [entry]}
    if status:
        error["status"] = status
    return Response.json({"error": error}, code, endpoint)


def _key_invalid(endpoint: str) -> Response:
    error = {
        "code": 400,
        "message": _KEY_INVALID,
        "errors": [{"message": _KEY_INVALID, "domain": "global", "reason": "badRequest"}],
        "status": "INVALID_ARGUMENT",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "youtube.googleapis.com"},
            },
            {
                "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                "locale": "en-US",
                "message": _KEY_INVALID,
            },
        ],
    }
    return Response.json({"error": error}, 400, endpoint)


def _parts(request: Request, endpoint: str, allowed: set[str]) -> list[str] | Response:
    raw = request.query.get("part")
    if not raw:
        return _error(
            endpoint,
            400,
            "Required parameter: part",
            "global",
            "required",
            None,
            location="part",
            locationType="parameter",
        )
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    for part in parts:
        if part not in allowed:
            return _error(
                endpoint,
                400,
                part,
                "youtube.part",
                "unknownPart",
                None,
                location="part",
                locationType="parameter",
            )
    return parts


def _list(kind: str, items: list[dict], per_page: int, total: int | None = None, **extra: Any) -> dict:
    body: dict[str, Any] = {"kind": f"youtube#{kind}ListResponse", "etag": _etag(items), **extra}
    body["pageInfo"] = {"totalResults": len(items) if total is None else total, "resultsPerPage": per_page}
    return body


def _etag(data: Any) -> str:
    return hashlib.sha1(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:27]


# ---------------------------------------------------------------- channels.list


def _channels(request: Request, server, world: dict, endpoint: str) -> Response:
    parts = _parts(request, endpoint, _CHANNEL_PARTS)
    if isinstance(parts, Response):
        return parts
    given = [name for name in _FILTERS if request.query.get(name)]
    if len(given) != 1:
        message = (
            "A maximum of one of the following filters may be specified: "
            "id, categoryId, mine, managedByMe, forHandle, forUsername."
            if given
            else "No filter selected. Expected one of: forUsername, managedByMe, forHandle, id, mine, categoryId"
        )
        reason, domain = (
            ("invalidCriteria", "youtube.channel")
            if given
            else ("missingRequiredParameter", "youtube.parameter")
        )
        return _error(
            endpoint, 400, message, domain, reason, None, location="parameters.", locationType="other"
        )
    live = [c for c in world.get("channels", []) if not c.get("terminated")]
    if "forHandle" in given:
        wanted = request.query["forHandle"].lstrip("@").lower()
        found = [c for c in live if str(c.get("handle", "")).lstrip("@").lower() == wanted]
        per_page = 5
    elif "id" in given:
        ids = [i for i in request.query["id"].split(",") if i]
        if len(ids) > 50:
            message = "The request specifies an invalid filter parameter."
            return _error(
                endpoint, 400, message, "youtube.parameter", "invalidFilters", None, location="parameters."
            )
        by_id = {str(c["id"]): c for c in live}
        found = [by_id[i] for i in ids if i in by_id]
        per_page = len(found)
    else:
        found, per_page = [], 5
    items = [_channel(c, parts, server) for c in found]
    body = _list("channel", items, per_page)
    if items:
        body["items"] = items
    return Response.json(body, 200, endpoint)


def _channel(channel: dict, parts: list[str], server) -> dict:
    channel_id = str(channel["id"])
    item: dict[str, Any] = {"kind": "youtube#channel", "etag": _etag(channel), "id": channel_id}
    title, description = channel.get("title", ""), channel.get("description", "")
    if "snippet" in parts:
        thumb = channel.get("thumbnail")
        item["snippet"] = {
            "title": title,
            "description": description,
            "customUrl": "@" + str(channel.get("handle", channel_id)).lstrip("@").lower(),
            "publishedAt": _iso(
                _when(channel.get("published_at")) or dt.datetime(2020, 9, 1, 12, tzinfo=dt.UTC)
            ),
            "thumbnails": {
                name: {"url": f"{thumb}=s{size}", "width": size, "height": size}
                for name, size in (("default", 88), ("medium", 240), ("high", 800))
            }
            if thumb
            else {},
            "localized": {"title": title, "description": description},
            "country": channel.get("country", "CA"),
        }
    if "contentDetails" in parts:
        item["contentDetails"] = {"relatedPlaylists": {"likes": "", "uploads": uploads_playlist(channel_id)}}
    if "brandingSettings" in parts:
        branding: dict[str, Any] = {"channel": {"title": title, "description": description, "country": "CA"}}
        if channel.get("banner"):
            branding["image"] = {"bannerExternalUrl": channel["banner"]}
        item["brandingSettings"] = branding
    if "statistics" in parts:
        videos = _videos(channel, server)
        item["statistics"] = {
            "viewCount": str(channel.get("views", 0)),
            "subscriberCount": str(channel.get("subscribers", 0)),
            "hiddenSubscriberCount": False,
            "videoCount": str(len(videos)),
        }
    return item


def uploads_playlist(channel_id: str) -> str:
    return "UU" + channel_id[2:]


# ---------------------------------------------------------------- playlistItems.list


def _playlist_items(request: Request, server, world: dict, endpoint: str) -> Response:
    parts = _parts(request, endpoint, _PLAYLIST_ITEM_PARTS)
    if isinstance(parts, Response):
        return parts
    playlist_id = request.query.get("playlistId", "")
    raw_max = request.query.get("maxResults", "5")
    if not raw_max.isdigit() or int(raw_max) > 50:
        message = f"Invalid value '{raw_max}'. Values must be within the range: [0, 50]"
        return _error(
            endpoint,
            400,
            message,
            "youtube.parameter",
            "invalidParameter",
            None,
            location="maxResults",
            locationType="parameter",
        )
    channel = next(
        (
            c
            for c in world.get("channels", [])
            if uploads_playlist(str(c["id"])) == playlist_id and not c.get("terminated")
        ),
        None,
    )
    if channel is None:
        message = (
            "The playlist identified with the request's <code>playlistId</code> parameter cannot be found."
        )
        return _error(
            endpoint,
            404,
            message,
            "youtube.playlistItem",
            "playlistNotFound",
            None,
            location="playlistId",
            locationType="parameter",
        )
    videos = _videos(channel, server)
    start = posts_youtube.offset(request.query.get("pageToken"))
    if start is None:
        message = "The request specifies an invalid page token."
        return _error(
            endpoint, 400, message, "youtube.parameter", "invalidPageToken", None, location="pageToken"
        )
    page = videos[start : start + int(raw_max)]
    items = [_playlist_item(channel, playlist_id, start + n, video, parts) for n, video in enumerate(page)]
    extra = (
        {"nextPageToken": posts_youtube.page_token(start + len(page))}
        if len(videos) > start + len(page)
        else {}
    )
    if start:
        extra["prevPageToken"] = posts_youtube.page_token(max(0, start - int(raw_max)))
    body = _list("playlistItem", items, int(raw_max), total=len(videos), **extra)
    body["items"] = items
    return Response.json(body, 200, endpoint)


def _playlist_item(channel: dict, playlist_id: str, position: int, video: dict, parts: list[str]) -> dict:
    if video.get("published_at") is None:
        return posts_youtube.private_item(channel, playlist_id, position, video, parts, _etag)
    published = _iso(video["published_at"])
    uploaded = _iso(video["uploaded_at"])
    item: dict[str, Any] = {
        "kind": "youtube#playlistItem",
        "etag": _etag(video),
        "id": f"{playlist_id}.{video['id']}",
    }
    if "snippet" in parts:
        item["snippet"] = {
            "publishedAt": uploaded,  # when it was added to the uploads playlist: its upload
            "channelId": channel["id"],
            "title": video.get("title", ""),
            "description": video.get("description", ""),
            "thumbnails": posts_youtube.thumbnails(video),
            "channelTitle": channel.get("title", ""),
            "playlistId": playlist_id,
            "position": position,
            "resourceId": {"kind": "youtube#video", "videoId": video["id"]},
            "videoOwnerChannelTitle": channel.get("title", ""),
            "videoOwnerChannelId": channel["id"],
        }
    if "contentDetails" in parts:
        item["contentDetails"] = {"videoId": video["id"], "videoPublishedAt": published}
    if "status" in parts:
        item["status"] = {"privacyStatus": "public"}
    return item


def _videos(channel: dict, server) -> list[dict]:
    """The channel's uploads, newest upload first (developers.google.com/youtube/v3/docs/playlistItems:
    the uploads playlist is in upload order), with `published_at` and `uploaded_at` resolved to aware
    datetimes. A video's upload defaults to its publication; `uploaded_days_ago` (or `uploaded_at`)
    earlier than `days_ago` is a video scheduled or kept private, then made public; `private: true`
    is a video not public yet (no publication date)."""
    raw = list(channel.get("videos") or [])
    if not raw and channel.get("last_video_days_ago") is not None:
        raw = [
            {
                "id": f"v{str(channel['id'])[-10:]}",
                "title": "Nouveauté",
                "days_ago": channel["last_video_days_ago"],
            }
        ]
    videos = []
    for video in raw:
        when = _when(video.get("published_at"))
        if when is None:
            when = server.now() - dt.timedelta(days=float(video.get("days_ago", 0)))
        uploaded = _when(video.get("uploaded_at"))
        if uploaded is None and video.get("uploaded_days_ago") is not None:
            uploaded = server.now() - dt.timedelta(days=float(video["uploaded_days_ago"]))
        uploaded = uploaded or when
        videos.append(
            {**video, "published_at": None if video.get("private") else when, "uploaded_at": uploaded}
        )
    return sorted(videos, key=lambda v: v["uploaded_at"], reverse=True)


def _when(value: Any) -> dt.datetime | None:
    """A world date (YAML datetime or ISO string) as an aware datetime."""
    if value is None or value == "":
        return None
    when = (
        value
        if isinstance(value, dt.datetime)
        else dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    )
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
