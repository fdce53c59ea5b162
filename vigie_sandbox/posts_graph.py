"""Publications in the Graph sandbox: a page's `published_posts` (and `posts`, `feed`) and an
Instagram account's `media` through business discovery.

Facebook (developers.facebook.com/docs/graph-api/reference/page/published_posts and
…/reference/post): newest first; fields `id, created_time, message, permalink_url,
full_picture, attachments{media_type, media, url, subattachments}`; an attachment's picture is
`media.image.{src,height,width}`, an album's pictures are its `subattachments` (shapes as in
…/reference/story-attachment/). Time-based and cursor paging (developers.facebook.com/docs/
graph-api/results): `since`/`until` (Unix times), `limit` (25 by default, at most 100), and
`paging.cursors.{before,after}` with `paging.next` while more remain — the recorded body
python-facebook `testdata/facebook/apidata/posts/feed_fields_p1.json` shows `paging.next`.
Reading the posts of a page needs its Page token or the app's Page Public Content Access
(`Access.check_posts`, in `graph_access`).

Instagram (developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/
ig-user/business_discovery, …/reference/ig-media): `media.since(t).after(c).limit(n){…}`,
fields `id, caption, media_type (IMAGE | VIDEO | CAROUSEL_ALBUM), media_url, permalink,
timestamp, children{media_type, media_url}`; the recorded body python-facebook
`testdata/instagram/apidata/discovery/medias_p1.json` has `paging.cursors.after` only (no `next`).

Picture URLs are signed like the profile pictures (`signing`), when the world signs them.

World data (beside the generated posts of `last_post_days_ago`, which stay)::

    pages:
      - id: "100000000000101"
        posts:
          - id: "100000000000101_9001"     # optional: page id + "_9" + position
            days_ago: 3.5                 # before the server's now
            message: "…"
            pictures: [https://scontent.sandbox.fbcdn.net/posts/eqv-sortie.jpg]   # 2+: an album
            link: https://eqv.csno.ab.ca/nouvelles   # optional: a shared link
    accounts:                            # instagram.yaml
      - id: "17841400000000101"
        media:
          - {id: "17900000000000101", days_ago: 4, caption: "…", media_type: IMAGE,
             pictures: [https://scontent.sandbox.cdninstagram.com/posts/eqv-arbre.jpg]}
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from vigie_sandbox.graph_fields import FieldSpec, GraphFailure

POST_FIELDS = {
    "id",
    "created_time",
    "message",
    "permalink_url",
    "full_picture",
    "attachments",
    "status_type",
    "updated_time",
}
ATTACHMENT_FIELDS = {"media_type", "media", "url", "subattachments", "type", "target", "title", "description"}
MEDIA_FIELDS = {
    "id",
    "timestamp",
    "caption",
    "media_type",
    "media_url",
    "permalink",
    "children",
    "like_count",
    "comments_count",
    "username",
}
DEFAULT_LIMIT, MAX_LIMIT = 25, 100
GENERATED_TEXT = "Publication de démonstration"


def page_posts(graph, page: dict[str, Any], children: list[FieldSpec] | None, params: dict[str, str]) -> dict:
    """One page of a Facebook page's posts, newest first, with the fields asked."""
    wanted = children or [FieldSpec("created_time"), FieldSpec("message")]
    for spec in wanted:
        if spec.name not in POST_FIELDS:
            raise _nonexisting(spec.name, "Post")
        if spec.name == "attachments":
            for child in spec.children or []:
                if child.name not in ATTACHMENT_FIELDS:
                    raise _nonexisting(child.name, "StoryAttachment")
    posts = [_full_post(graph, page, post) for post in _page_items(graph, page)]
    window = _window(posts, params, "created_time")
    data = [_pick(p, wanted + [FieldSpec("id")]) for p in window.items]
    if not data:
        return {"data": []}
    base = f"{graph.request.path}?limit={window.limit}"
    return {"data": data, "paging": window.paging(base, with_next=True)}


def ig_media(graph, account: dict[str, Any], spec: FieldSpec) -> dict:
    """An Instagram account's media through business discovery, newest first."""
    for child in spec.children or []:
        if child.name not in MEDIA_FIELDS:
            raise _nonexisting(child.name, "Media")
    items = [_full_media(graph, account, item) for item in _media_items(graph, account)]
    window = _window(items, spec.modifiers, "timestamp")
    wanted = (spec.children or [FieldSpec("id")]) + [FieldSpec("id")]
    data = [_pick(item, wanted) for item in window.items]
    if not data:
        return {"data": []}
    return {"data": data, "paging": window.paging("", with_next=False)}


# ---------------------------------------------------------------- the world's posts, and generated ones


def _page_items(graph, page: dict[str, Any]) -> list[dict[str, Any]]:
    items = []
    for n, post in enumerate(page.get("posts") or []):
        when = graph.now - dt.timedelta(days=float(post.get("days_ago", 0)))
        items.append({**post, "id": str(post.get("id") or f"{page['id']}_9{n + 1:03d}"), "when": when})
    for n, when in enumerate(graph._post_times(page)):
        items.append(
            {"id": f"{page['id']}_{n + 1}", "when": when, "message": GENERATED_TEXT, "generated": n + 1}
        )
    return sorted(items, key=lambda p: p["when"], reverse=True)


def _media_items(graph, account: dict[str, Any]) -> list[dict[str, Any]]:
    items = []
    for n, media in enumerate(account.get("media") or []):
        when = graph.now - dt.timedelta(days=float(media.get("days_ago", 0)))
        items.append(
            {**media, "id": str(media.get("id") or f"{account.get('id')}9{n + 1:03d}"), "when": when}
        )
    for n, when in enumerate(graph._post_times(account)):
        items.append({"id": f"{account.get('id')}{n + 1:02d}", "when": when, "media_type": "IMAGE"})
    return sorted(items, key=lambda m: m["when"], reverse=True)


def _full_post(graph, page: dict[str, Any], post: dict[str, Any]) -> dict[str, Any]:
    alias = page.get("username") or page["id"]
    number = post.get("generated") or post["id"].rpartition("_")[2]
    full: dict[str, Any] = {
        "id": post["id"],
        "created_time": _graph_time(post["when"]),
        "updated_time": _graph_time(post["when"]),
        "permalink_url": f"https://www.facebook.com/{alias}/posts/{number}",
        "status_type": "added_photos" if post.get("pictures") else "mobile_status_update",
    }
    if post.get("message"):
        full["message"] = str(post["message"])
    pictures = [graph._signed(str(u)) for u in post.get("pictures") or []]
    attachments = []
    if pictures:
        full["full_picture"] = pictures[0]
        if len(pictures) == 1:
            attachments.append(_attachment("photo", pictures[0], full["permalink_url"]))
        else:
            album = _attachment("album", pictures[0], full["permalink_url"])
            album["subattachments"] = {
                "data": [_attachment("photo", u, full["permalink_url"]) for u in pictures]
            }
            attachments.append(album)
    if post.get("link"):
        attachments.append({"media_type": "link", "type": "share", "url": str(post["link"])})
    if attachments:
        full["attachments"] = {"data": attachments}
    return full


def _attachment(kind: str, src: str, url: str) -> dict[str, Any]:
    return {
        "media_type": kind,
        "type": kind,
        "media": {"image": {"height": 720, "src": src, "width": 720}},
        "url": url,
    }


def _full_media(graph, account: dict[str, Any], media: dict[str, Any]) -> dict[str, Any]:
    kind = str(media.get("media_type") or "IMAGE")
    pictures = [graph._signed(str(u)) for u in media.get("pictures") or []]
    code = base64.urlsafe_b64encode(media["id"].encode()).decode().rstrip("=")[-11:]
    full: dict[str, Any] = {
        "id": media["id"],
        "timestamp": _graph_time(media["when"]),
        "media_type": kind,
        "permalink": f"https://www.instagram.com/p/{code}/",
        "username": account.get("username"),
        "like_count": 0,
        "comments_count": 0,
    }
    if media.get("caption"):
        full["caption"] = str(media["caption"])
    if kind == "VIDEO":
        full["media_url"] = f"https://scontent.sandbox.cdninstagram.com/videos/{media['id']}.mp4"
    elif pictures:
        full["media_url"] = pictures[0]
    if kind == "CAROUSEL_ALBUM":
        children = [
            {"id": f"{media['id']}{n}", "media_type": "IMAGE", "media_url": url}
            for n, url in enumerate(pictures)
        ]
        full["children"] = {"data": children}
    return full


# ---------------------------------------------------------------- paging


class _Window:
    def __init__(self, items: list[dict], start: int, limit: int, total: int):
        self.items, self.start, self.limit, self.total = items, start, limit, total

    def paging(self, base: str, with_next: bool) -> dict[str, Any]:
        end = self.start + len(self.items)
        paging: dict[str, Any] = {"cursors": {"before": _cursor(self.start), "after": _cursor(end)}}
        if with_next and end < self.total:
            paging["next"] = f"https://graph.facebook.com{base}&after={_cursor(end)}"
        return paging


def _window(items: list[dict[str, Any]], params: dict[str, str], time_field: str) -> _Window:
    since, until = _unix(params.get("since")), _unix(params.get("until"))
    kept = [
        i
        for i in items
        if (since is None or _parse(i[time_field]) >= since)
        and (until is None or _parse(i[time_field]) <= until)
    ]
    raw = str(params.get("limit") or DEFAULT_LIMIT)
    if not raw.isdigit():
        raise GraphFailure(100, f"(#100) The parameter limit must be an integer: {raw}")
    limit = max(1, min(MAX_LIMIT, int(raw)))
    start = _offset(params.get("after"))
    return _Window(kept[start : start + limit], start, limit, len(kept))


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"cursor:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except ValueError:
        raise GraphFailure(100, "(#100) Invalid cursor") from None
    if not text.startswith("cursor:") or not text[7:].isdigit():
        raise GraphFailure(100, "(#100) Invalid cursor")
    return int(text[7:])


def _unix(value: str | None) -> float | None:
    if value in (None, ""):
        return None
    text = str(value)
    if text.lstrip("-").isdigit():
        return float(text)
    try:  # Graph also takes strtotime-like dates
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise GraphFailure(100, f"(#100) Invalid time: {text}") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).timestamp()


def _parse(graph_time: str) -> float:
    return dt.datetime.fromisoformat(graph_time).timestamp()  # `+0000` read since Python 3.11


def _graph_time(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _pick(data: dict[str, Any], children: list[FieldSpec] | None) -> dict[str, Any]:
    if children is None:
        return dict(data)
    out = {}
    for child in children:
        if child.name not in data:
            continue
        value = data[child.name]
        if child.children is not None and isinstance(value, dict) and isinstance(value.get("data"), list):
            value = {"data": [_pick(v, child.children) for v in value["data"]]}
        out[child.name] = value
    return out


def _nonexisting(name: str, node_type: str) -> GraphFailure:
    return GraphFailure(100, f"(#100) Tried accessing nonexisting field ({name}) on node type ({node_type})")
