"""Signed CDN picture URLs, as Meta's CDNs serve them: a new signature every day, 403 once expired.

fbcdn.net and cdninstagram.com URLs carry `oh` (a hash over the path and the expiry), `oe`
(the expiry, hexadecimal seconds since 1970) and `_nc_*` parameters (cache and routing hints,
`_nc_cat`, `_nc_sid`, `_nc_ohc`…), as in the recorded Graph answers of python-facebook's
`testdata/` (github.com/sns-sdks/python-facebook, e.g. `picture.data.url`). Past `oe`, the CDN
answers 403 "URL signature expired"; a wrong `oh`, 403 "Bad URL hash" (what the CDN says to
clients that keep an old URL, as reported in developers.facebook.com community threads).

The sandbox signs a picture for the world's current UTC day: it expires two days later, so a
URL seen tonight still works tomorrow and is refused after; each day's answer carries a new URL
for the same bytes. `cache_key` (Graph's `ProfilePictureSource.cache_key`,
developers.facebook.com/docs/graph-api/reference/profile-picture-source) stays the same as long
as the picture does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from urllib.parse import urlsplit

_KEY = b"sandbox-cdn-signing-key"
LIFETIME_DAYS = 2


def sign(url: str, now: dt.datetime) -> str:
    """`url` (unsigned) with today's `_nc_*`, `oh` and `oe`."""
    day = now.astimezone(dt.UTC).date()
    expiry = int(dt.datetime.combine(day + dt.timedelta(days=LIFETIME_DAYS), dt.time(), dt.UTC).timestamp())
    path = urlsplit(url).path
    ohc = hashlib.sha256(f"{path}{day}".encode()).hexdigest()[:11]
    oe = f"{expiry:X}"
    return f"{url}?_nc_cat=104&_nc_sid=7206a8&_nc_ohc={ohc}&_nc_ht={urlsplit(url).hostname}&oh=00_{_hash(path, oe)}&oe={oe}"


def on_edge(url: str, host: str) -> str:
    """The same picture served by another edge of the CDN. fbcdn and cdninstagram URLs name the
    edge (point of presence) that serves them, `scontent-yyz1-1.cdninstagram.com`,
    `scontent-iad3-1.xx.fbcdn.net`, `scontent-sin6-1.xx.fbcdn.net` in URLs published on the web,
    and `_nc_ht` repeats it: the same picture may come from another host another day, while
    Graph's `cache_key` stays the same."""
    parts = urlsplit(url)
    return parts._replace(netloc=host).geturl()


def cache_key(url: str) -> str:
    """The picture's identity, the same whatever its signature (Graph's `cache_key`)."""
    return "cb" + hashlib.sha256(urlsplit(url).path.encode()).hexdigest()[:20]


def refusal(path: str, query: dict[str, str], now: dt.datetime) -> str | None:
    """Why the CDN refuses this signed request (None: it serves it, or it is not signed)."""
    oe = query.get("oe")
    if oe is None:
        return None
    try:
        expiry = int(oe, 16)
    except ValueError:
        return "Bad URL timestamp"
    if query.get("oh") != f"00_{_hash(path, oe)}":
        return "Bad URL hash"
    if expiry <= now.timestamp():
        return "URL signature expired"
    return None


def _hash(path: str, oe: str) -> str:
    return hmac.new(_KEY, f"{path}|{oe}".encode(), hashlib.sha256).hexdigest()[:32]
