"""The uploads playlist's details the publications read needs, in the YouTube sandbox.

developers.google.com/youtube/v3/docs/playlistItems: `snippet.publishedAt` is when the item
was added to the playlist (for the uploads playlist, the upload), `contentDetails.
videoPublishedAt` when the video became public; `snippet.thumbnails` has up to five sizes
(`default`, `medium`, `high`, `standard`, `maxres`). Paging by `pageToken` (opaque; an
unknown one is a 400 `invalidPageToken`, listed under "Errors" of playlistItems/list).
A video not public yet shows to an API key as « Private video » with no publication date
(python-youtube's recorded `playlist_items_paged_1.json` carries the same item keys).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

SIZES = {
    "default": (120, 90),
    "medium": (320, 180),
    "high": (480, 360),
    "standard": (640, 480),
    "maxres": (1280, 720),
}


def thumbnails(video: dict[str, Any]) -> dict[str, Any]:
    url = video.get("thumbnail")
    if not url:
        return {}
    return {name: {"url": f"{url}?s={name}", "width": w, "height": h} for name, (w, h) in SIZES.items()}


def private_item(
    channel: dict, playlist_id: str, position: int, video: dict, parts: list[str], etag: Callable[[Any], str]
) -> dict:
    item: dict[str, Any] = {
        "kind": "youtube#playlistItem",
        "etag": etag(video),
        "id": f"{playlist_id}.{video['id']}",
    }
    if "snippet" in parts:
        item["snippet"] = {
            "publishedAt": video["uploaded_at"].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "channelId": channel["id"],
            "title": "Private video",
            "description": "This video is private.",
            "thumbnails": {},
            "channelTitle": channel.get("title", ""),
            "playlistId": playlist_id,
            "position": position,
            "resourceId": {"kind": "youtube#video", "videoId": video["id"]},
        }
    if "contentDetails" in parts:
        item["contentDetails"] = {"videoId": video["id"]}
    if "status" in parts:
        item["status"] = {"privacyStatus": "private"}
    return item


def page_token(offset: int) -> str:
    return "EA" + base64.urlsafe_b64encode(f"PT:{offset}".encode()).decode().rstrip("=")


def offset(token: str | None) -> int | None:
    if not token:
        return 0
    try:
        raw = token[2:] + "=" * (-len(token[2:]) % 4)
        text = base64.urlsafe_b64decode(raw.encode()).decode()
    except ValueError:
        return None
    return int(text[3:]) if token.startswith("EA") and text.startswith("PT:") and text[3:].isdigit() else None
