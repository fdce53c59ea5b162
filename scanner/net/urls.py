"""URLs as the checks compare them: normalised, parsed out of free text, matched to a website.

Pure functions, no network. Used by the adapters (Facebook's free-text `website`
field) and by the link checks (§5.g).
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}

# A URL in free text: with a scheme, or a bare host with a dot and a known-looking TLD.
_FREE_URL = re.compile(
    r"""(?xi)
    (?<![@\w.-])                                  # not the tail of an e-mail or a longer word
    (
      (?:https?://)[^\s<>"'()\[\]{},;]+           # with a scheme
    |
      (?:www\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}  # bare host
      (?![\w.-]*@)                                 # not the local part of an e-mail (jean.roy@…)
      (?::\d{1,5})?(?:/[^\s<>"'()\[\]{},;]*)?
    )
    """
)
_TRAILING = ".,;:!?»)'\""


def split_free_text_links(text: str | None) -> tuple[str, ...]:
    """Every URL in a free-text field, scheme added where missing (`www.x.ca` -> `http://www.x.ca`).

    Facebook's `website` field is free text: "www.csno.ab.ca eqv.csno.ab.ca", or URLs
    separated by spaces, commas or new lines. E-mail addresses are not links.
    """
    if not text:
        return ()
    found: list[str] = []
    for match in _FREE_URL.finditer(text):
        candidate = match.group(1).rstrip(_TRAILING)
        if not candidate:
            continue
        if not re.match(r"(?i)https?://", candidate):
            candidate = "http://" + candidate
        if candidate not in found:
            found.append(candidate)
    return tuple(found)


def is_web_url(url: str) -> bool:
    """Only http(s) URLs with a host are links Vigie follows or shows as clickable."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def normalise(url: str) -> str:
    """A comparable form: https, lower-case host without `www.`, no default port,
    no trailing slash, no fragment; the query is kept. A URL without scheme gets one.
    """
    url = url.strip()
    if not re.match(r"(?i)^[a-z][a-z0-9+.-]*://", url):
        url = "http://" + url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").strip().lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if scheme in _DEFAULT_PORTS:
        scheme = "https"
        if port in _DEFAULT_PORTS.values():
            port = None
    netloc = host if port is None else f"{host}:{port}"
    # Spaces before a dropped fragment (« 0 #x ») would be stripped by the next call: drop them now.
    path = re.sub(r"[/\s]+$", "", re.sub(r"/{2,}", "/", parts.path))
    return urlunsplit((scheme, netloc, path, parts.query.rstrip(), ""))


@functools.lru_cache(maxsize=65_536)  # the link checks ask it for every profile link and website
def host_and_path(url: str) -> tuple[str, str]:
    parts = urlsplit(normalise(url))
    return parts.netloc, parts.path


def matches_site(url: str, website: str) -> bool:
    """True when `url` is on `website`: same host (ignoring `www.`/scheme/port), path under its path."""
    host, path = host_and_path(url)
    site_host, site_path = host_and_path(website)
    if host != site_host:
        return False
    if not site_path:
        return True
    return path == site_path or path.startswith(site_path + "/")
