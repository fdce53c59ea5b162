"""One Facebook page as Graph describes it (`?ids=` or a page token's answer) -> a `Snapshot`."""

from __future__ import annotations

from typing import Any

from scanner.net.urls import split_free_text_links
from scanner.platforms.base import optional_text, parse_time
from scanner.platforms.snapshot import FetchStatus, PlatformAdmin, Snapshot

NETWORK = "facebook"


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
            PlatformAdmin(name=str(r.get("name", "")), id=optional_text(r.get("id")), role=_role(r))
            for r in roles.get("data") or []
            if isinstance(r, dict) and r.get("name")
        )
    return Snapshot(
        network=NETWORK,
        handle=alias,
        status=FetchStatus.OK,
        platform_id=optional_text(node.get("id")),
        name=optional_text(node.get("name")),
        username=optional_text(node.get("username")),
        description="\n\n".join(dict.fromkeys(texts)) or None,
        links=split_free_text_links(node.get("website") if isinstance(node.get("website"), str) else None),
        avatar_url=optional_text(picture.get("url")),
        avatar_is_silhouette=bool(picture.get("is_silhouette", False)),
        avatar_key=optional_text(picture.get("cache_key")),
        cover_url=optional_text((node.get("cover") or {}).get("source")),
        category=optional_text(node.get("category")),
        page_kind="page",
        emails=tuple(str(e) for e in node.get("emails") or () if e),
        last_post_at=parse_time(posts[0].get("created_time")) if posts else None,
        last_post_id=optional_text(posts[0].get("id"))
        if posts
        else None,  # Graph returns an edge's ids unasked
        followers=int(followers) if isinstance(followers, int) else None,
        fetched_at=now,
        admins=admins,
        extra={"link": str(node.get("link", ""))},
    )


def _role(entry: dict[str, Any]) -> str | None:
    tasks = entry.get("tasks")
    if isinstance(tasks, list) and tasks:
        return ",".join(str(t) for t in tasks)
    return optional_text(entry.get("role"))
