"""The sandbox's open web: the board's and schools' websites, and the platforms' image CDNs.

Requests are matched by `Host` header (the fetcher's `resolve` map sends them here).
Endpoint names for faults and the request log: `web.page` (websites), `media` (images).

`web.yaml` (the `web` section of a `World`):

    sites:
      eh.csno.ab.ca:                      # host, as in the Host header
        /:                                # path -> page
          title: École Héritage
          links:                          # rendered as <a href> (a string, or {href, text})
            - https://www.facebook.com/EcoleHeritageCSNO
        /ancien-site: {status: 404}
        /vieux: {redirect: /, status: 301}   # Location, relative or absolute
        /brut: {html: "<html>…</html>", content_type: text/html, headers: {X-Any: value}}
        /sans-head: {head_status: 405}     # a server that refuses HEAD (GET answers 200)
        "*": {title: Page}                # any other path (without it: 404)
    media:
      cdn.example.test:                   # host -> path -> image (see vigie_sandbox.images)
        /logo.jpg: {source: logos/eqv.png, size: 96, format: jpeg, quality: 70}
        /brut.gz: {source: bomb.gz, raw: true, content_type: text/html, headers: {Content-Encoding: gzip}}
    accounts:                             # images by CDN convention (CDN_CONVENTIONS below)
      eqv-x: {network: x, avatar: logos/eqv.png, banner: logos/csno.png,
              avatar_options: {circle: true}}

Images carry a stable `ETag` (hash of the bytes) and `Last-Modified` (the source file's
time); `If-None-Match` / `If-Modified-Since` that match get a `304` with no body.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import threading
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

from vigie_sandbox import images, signing
from vigie_sandbox.server import Request, Response

# network -> kind -> [(host, path template, transforms)]; `{id}` is the account id.
# Other worlds (facebook.yaml, x.yaml…) put these URLs in their profiles.
CDN_CONVENTIONS: dict[str, dict[str, list[tuple[str, str, dict[str, Any]]]]] = {
    "facebook": {
        "avatar": [
            ("scontent.sandbox.fbcdn.net", "/{id}.jpg", {"size": 320, "format": "jpeg", "quality": 85})
        ],
        "banner": [
            (
                "scontent.sandbox.fbcdn.net",
                "/{id}-cover.jpg",
                {"width": 820, "height": 312, "format": "jpeg", "quality": 85},
            )
        ],
    },
    "instagram": {
        "avatar": [
            ("scontent.sandbox.cdninstagram.com", "/{id}.jpg", {"size": 320, "format": "jpeg", "quality": 80})
        ],
    },
    "x": {
        "avatar": [
            (
                "pbs.sandbox.twimg.com",
                "/profile_images/{id}_normal.jpg",
                {"size": 48, "format": "jpeg", "quality": 85},
            ),
            (
                "pbs.sandbox.twimg.com",
                "/profile_images/{id}.jpg",
                {"size": 400, "format": "jpeg", "quality": 90},
            ),
        ],
        "banner": [
            (
                "pbs.sandbox.twimg.com",
                "/profile_banners/{id}/1500x500",
                {"width": 1500, "height": 500, "format": "jpeg", "quality": 85},
            )
        ],
    },
    "youtube": {
        "avatar": [
            ("yt3.sandbox.ggpht.com", f"/{{id}}=s{side}", {"size": side, "format": "jpeg", "quality": 90})
            for side in (88, 240, 800)
        ],
        "banner": [
            (
                "yt3.sandbox.ggpht.com",
                "/{id}-banner",
                {"width": 2048, "height": 1152, "format": "jpeg", "quality": 85},
            )
        ],
    },
}

_HTML = "text/html; charset=utf-8"


def media_urls(network: str, account_id: str) -> dict[str, list[str]]:
    """The sandbox image URLs of one account by convention: {"avatar": [...], "banner": [...]}."""
    return {
        kind: [f"https://{host}{path.format(id=account_id)}" for host, path, _ in entries]
        for kind, entries in CDN_CONVENTIONS.get(network, {}).items()
    }


def route(request: Request, server: Any) -> Response | None:
    web = server.world.web or {}
    site = (web.get("sites") or {}).get(request.host)
    if site is not None:
        return _page(request, site)
    index = _media_index(web)
    entry = index.get((request.host, request.path))
    if entry is not None:
        refused = signing.refusal(request.path, request.query, server.now())
        if refused:
            return Response(403, refused.encode(), {"Content-Type": "text/plain"}, "media")
        return _image(request, server.world.assets, entry)
    if any(host == request.host for host, _ in index):
        return Response(404, b"Not Found", {"Content-Type": "text/plain"}, "media")
    return None


# ---------------------------------------------------------------- websites


def _page(request: Request, site: dict[str, Any]) -> Response:
    path = request.path or "/"
    alternative = path.rstrip("/") if path.endswith("/") and path != "/" else path + "/"
    page = site.get(path, site.get(alternative, site.get("*")))
    if page is None:
        page = {"status": 404}
    status = int(page.get("status", 200))
    if request.method == "HEAD" and "head_status" in page:  # servers that refuse HEAD
        status = int(page["head_status"])
    if "redirect" in page:
        status = status if 300 <= status < 400 else 301
        return Response(status, b"", {"Location": str(page["redirect"]), "Content-Type": _HTML}, "web.page")
    body = page["html"] if "html" in page else _render(page, status)
    headers = {"Content-Type": page.get("content_type", _HTML), **(page.get("headers") or {})}
    return Response(status, str(body).encode("utf-8"), headers, "web.page")


def _render(page: dict[str, Any], status: int) -> str:
    default = "Page introuvable" if status == 404 else "Page"
    title = html.escape(str(page.get("title", default)))
    items = []
    for link in page.get("links") or ():
        href, text = (link, link) if isinstance(link, str) else (link["href"], link.get("text", link["href"]))
        items.append(f'<li><a href="{html.escape(str(href))}">{html.escape(str(text))}</a></li>')
    text = f"<p>{html.escape(str(page['text']))}</p>" if page.get("text") else ""
    return (
        f'<!DOCTYPE html><html lang="fr-CA"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1>{text}<ul>{''.join(items)}</ul></body></html>"
    )


# ---------------------------------------------------------------- media

_INDEX_LOCK = threading.Lock()
_INDEXES: dict[int, tuple[dict[str, Any], dict[tuple[str, str], dict[str, Any]]]] = {}


def _media_index(web: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(host, path) -> media entry, explicit `media` plus `accounts` by convention; built once per world."""
    with _INDEX_LOCK:
        cached = _INDEXES.get(id(web))
        if cached is not None and cached[0] is web:
            return cached[1]
        index: dict[tuple[str, str], dict[str, Any]] = {}
        for account_id, account in (web.get("accounts") or {}).items():
            index.update(_convention_entries(str(account_id), account))
        for host, paths in (web.get("media") or {}).items():
            for path, entry in (paths or {}).items():
                index[(host.lower(), path)] = entry
        if len(_INDEXES) > 32:
            _INDEXES.clear()
        _INDEXES[id(web)] = (web, index)
        return index


def _convention_entries(account_id: str, account: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, variants in CDN_CONVENTIONS.get(account["network"], {}).items():
        source = account.get(kind)
        if not source:
            continue
        overrides = account.get(f"{kind}_options") or {}
        for host, path, transforms in variants:
            entries[(host, path.format(id=account_id))] = {"source": source, **transforms, **overrides}
    return entries


def _image(request: Request, assets: Path | None, entry: dict[str, Any]) -> Response:
    source = Path(entry["source"])
    if not source.is_absolute():
        if assets is None:
            raise ValueError(f"relative media source {source} but the world has no assets folder")
        source = assets / source
    stat = source.stat()
    data, content_type = images.render(source, images.spec_key(entry), stat.st_mtime_ns)
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    modified = dt.datetime.fromtimestamp(int(stat.st_mtime), dt.UTC)
    headers = {
        **(entry.get("headers") or {}),
        "ETag": etag,
        "Last-Modified": format_datetime(modified, usegmt=True),
        "Cache-Control": "max-age=86400",
    }
    if _not_modified(request.headers, etag, modified):
        return Response(304, b"", headers, "media")
    return Response(200, data, {"Content-Type": content_type, **headers}, "media")


def _not_modified(headers: dict[str, str], etag: str, modified: dt.datetime) -> bool:
    if "if-none-match" in headers:
        tags = [t.strip().removeprefix("W/") for t in headers["if-none-match"].split(",")]
        return "*" in tags or etag in tags
    since = headers.get("if-modified-since")
    if since:
        try:
            return modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False
