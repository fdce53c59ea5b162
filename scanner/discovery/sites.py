"""Accounts the board's and schools' websites link to but the registry does not know (§5.h, §2.c).

Each site (the board's, then each school's) is read from its home page, plus the pages
of the same site that the home page links to (one level deep, at most `max_pages` pages
per site). Every social-media account linked from those pages (links, image maps, and
the Facebook page plug-in in an `<iframe>`) is compared with the registry; the ones not
in it come back as `Discovered` candidates. The audit then reads them through the
platform adapters, and the `account.unregistered` check decides whether they present
themselves as the board's or a school's.

`parse_social_url` and `social_links` are pure and usable elsewhere.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from bs4 import BeautifulSoup, SoupStrainer

from scanner.checks.base import Discovered
from scanner.config.models import Registry, account_key
from scanner.net.fetch import Fetcher, redact
from scanner.net.urls import is_web_url, matches_site, normalise

logger = logging.getLogger(__name__)

MAX_PAGES_PER_SITE = 20
HTML_TYPES = ("text/html", "application/xhtml+xml")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# First path segments that are not accounts (share buttons, log-in, hashtags, posts…).
_FACEBOOK_RESERVED = _words(
    """sharer sharer.php share share.php dialog login login.php logout.php recover signup reg r.php l.php
    hashtag plugins tr watch photo photo.php photos permalink.php story.php video.php videos reel reels
    stories events help policies privacy legal business marketplace gaming ads settings home.php search
    notifications messages friends bookmarks places ajax media public about terms cookies"""
)
_INSTAGRAM_RESERVED = _words(
    "p reel reels tv explore accounts direct about legal developer web emails challenge oauth"
)
_X_RESERVED = _words(
    """intent share home search hashtag i login signup explore settings messages notifications tos privacy
    compose account logout download about jobs"""
)
_NOT_PAGES = re.compile(
    r"(?i)\.(pdf|docx?|xlsx?|pptx?|odt|ods|zip|rar|7z|jpe?g|png|gif|webp|svg|ico|mp3|mp4|mov|avi|webm|ics|css|js|xml)$"
)


@dataclass(frozen=True)
class SocialLink:
    network: str  # facebook | facebook_group | instagram | x | youtube
    handle: str  # as in the registry: page username or id, IG/X username, "@handle" or channel id
    url: str  # a canonical profile URL

    @property
    def key(self) -> tuple[str, str]:
        """Compared case-insensitively, `@` ignored; pages and groups share Facebook's namespace."""
        return account_key(self.network, self.handle)


def parse_social_url(url: str) -> SocialLink | None:
    """The account a URL points to, or None (share/intent/login/hashtag links, posts of nobody…)."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https", ""):
        return None
    segments = [unquote(s) for s in parts.path.split("/") if s]
    query = parse_qs(parts.query)
    if _is_host(host, "facebook.com", "fb.com"):
        return _facebook(segments, query)
    if _is_host(host, "instagram.com", "instagr.am"):
        return _instagram(segments)
    if _is_host(host, "x.com", "twitter.com"):
        return _x(segments)
    if _is_host(host, "youtube.com"):
        return _youtube(segments)
    return None


def _is_host(host: str, *domains: str) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _facebook(segments: list[str], query: dict[str, list[str]]) -> SocialLink | None:
    if not segments:
        return None
    first = segments[0].lower()
    if first == "profile.php":
        ident = (query.get("id") or [""])[0]
        return _fb("facebook", ident) if ident.isdigit() else None
    if first == "plugins" and query.get(
        "href"
    ):  # the page plug-in: <iframe src=".../plugins/page.php?href=...">
        inner = parse_social_url(query["href"][0])
        return inner if inner and inner.network.startswith("facebook") else None
    if first == "groups" and len(segments) > 1:
        return _fb("facebook_group", segments[1])
    if first == "pages":
        ids = [s for s in segments[1:] if s.isdigit()]
        return _fb("facebook", ids[-1]) if ids else None
    if first == "people" and len(segments) > 2 and segments[2].isdigit():
        return _fb("facebook", segments[2])
    if first == "pg" and len(segments) > 1:
        return _fb("facebook", segments[1])
    if first in _FACEBOOK_RESERVED or first.endswith(".php") or not re.fullmatch(r"[\w.\-]+", first):
        return None
    return _fb("facebook", segments[0])


def _fb(network: str, handle: str) -> SocialLink | None:
    if not handle:
        return None
    if network == "facebook_group":
        return SocialLink(network, handle, f"https://www.facebook.com/groups/{handle}")
    return SocialLink(network, handle, f"https://www.facebook.com/{handle}")


def _instagram(segments: list[str]) -> SocialLink | None:
    if not segments:
        return None
    user = segments[1] if segments[0].lower() == "stories" and len(segments) > 1 else segments[0]
    if user.lower() in _INSTAGRAM_RESERVED or not re.fullmatch(r"[A-Za-z0-9._]{1,30}", user):
        return None
    return SocialLink("instagram", user, f"https://www.instagram.com/{user}/")


def _x(segments: list[str]) -> SocialLink | None:
    if not segments:
        return None
    user = segments[0].lstrip("@")
    if user.lower() in _X_RESERVED or not re.fullmatch(r"\w{1,15}", user, re.ASCII):
        return None
    return SocialLink("x", user, f"https://x.com/{user}")


def _youtube(segments: list[str]) -> SocialLink | None:
    if not segments:
        return None
    first = segments[0]
    if first.startswith("@") and len(first) > 1:
        return SocialLink("youtube", first, f"https://www.youtube.com/{first}")
    if first.lower() in ("channel", "c", "user") and len(segments) > 1:
        return SocialLink("youtube", segments[1], f"https://www.youtube.com/{first.lower()}/{segments[1]}")
    return None


# only the tags that link (and <base>, which says where relative links start) are built: a school's
# home page has hundreds of others, which cost a third of the parse and are never looked at
_LINKING_TAGS = SoupStrainer(["a", "area", "iframe", "base"])


def social_links(html: bytes | str, base_url: str) -> tuple[list[SocialLink], list[str]]:
    """(social accounts linked, every other absolute http(s) link) of one HTML page."""
    soup = BeautifulSoup(html, "html.parser", parse_only=_LINKING_TAGS)
    base_tag = soup.find("base", href=True)
    base = urljoin(base_url, str(base_tag["href"])) if base_tag else base_url
    social: list[SocialLink] = []
    others: list[str] = []
    for tag in soup.find_all(["a", "area", "iframe"]):
        target = tag.get("src") if tag.name == "iframe" else tag.get("href")
        if not target or not isinstance(target, str):
            continue
        absolute = urljoin(base, target.strip()).split("#", 1)[0]
        if not is_web_url(absolute):
            continue
        account = parse_social_url(absolute)
        if account is not None:
            social.append(account)
        elif tag.name != "iframe":
            others.append(absolute)
    return social, others


# ---------------------------------------------------------------- crawling


@dataclass(frozen=True)
class Site:
    url: str
    school: str | None  # None: the board's site


@dataclass
class Discovery:
    candidates: list[Discovered] = field(default_factory=list)
    pages: int = 0  # pages read
    errors: list[tuple[str, str]] = field(default_factory=list)  # (page, French reason)
    unread: list[tuple[str, str]] = field(default_factory=list)  # (site, French reason): home page unreadable

    @property
    def complete(self) -> bool:
        """Every site's home page was read: an account not found is not linked from them."""
        return not self.unread


def sites_of(registry: Registry) -> list[Site]:
    sites = [Site(registry.board.website, None)]
    sites += [Site(school.website, school.id) for school in registry.schools]
    unique: dict[str, Site] = {}
    for site in sites:
        unique.setdefault(normalise(site.url), site)
    return list(unique.values())


def discover(
    registry: Registry, fetcher: Fetcher, *, max_pages: int = MAX_PAGES_PER_SITE
) -> list[Discovered]:
    """The accounts the sites link to that the registry does not list (snapshot left to the audit)."""
    return crawl(registry, fetcher, max_pages=max_pages).candidates


def crawl(registry: Registry, fetcher: Fetcher, *, max_pages: int = MAX_PAGES_PER_SITE) -> Discovery:
    known = {account_key(a.network, a.handle) for a in registry.accounts}
    sites = sites_of(registry)
    with ThreadPoolExecutor(max_workers=min(8, len(sites)), thread_name_prefix="discovery") as pool:
        crawled = list(pool.map(lambda site: _crawl_site(fetcher, site, max_pages), sites))
    discovery = Discovery()
    found: dict[tuple[str, str], Discovered] = {}
    for site, (links, pages, errors) in zip(sites, crawled, strict=True):
        discovery.pages += pages
        discovery.errors += errors
        if not pages:
            discovery.unread.append((site.url, errors[0][1] if errors else "erreur"))
        for link, page in links:
            if link.key in known:
                continue
            previous = found.get(link.key)
            if previous is None or (previous.school is None and site.school is not None):
                found[link.key] = Discovered(link.network, link.handle, link.url, page, site.school)
    discovery.candidates = list(found.values())
    for page, reason in discovery.errors:
        logger.warning("discovery: %s: %s", redact(page), reason)
    logger.info(
        "discovery: %d site(s), %d page(s) read, %d site(s) unreadable, %d candidate(s)",
        len(sites),
        discovery.pages,
        len(discovery.unread),
        len(discovery.candidates),
    )
    return discovery


def _crawl_site(
    fetcher: Fetcher, site: Site, max_pages: int
) -> tuple[list[tuple[SocialLink, str]], int, list[tuple[str, str]]]:
    """(social links with the page they are on, pages read, errors) for one site."""
    home = _home_url(site.url)
    links: list[tuple[SocialLink, str]] = []
    errors: list[tuple[str, str]] = []
    page = _read(fetcher, home, errors)
    if page is None:
        return links, 0, errors
    final_home, social, others = page
    links += [(s, final_home) for s in social]
    seen = {normalise(home), normalise(final_home)}
    queue = []
    for url in others:
        key = normalise(url)
        if key in seen or not matches_site(url, site.url) or _NOT_PAGES.search(urlsplit(url).path):
            continue
        seen.add(key)
        queue.append(url)
    pages = 1
    for url in queue[: max(0, max_pages - 1)]:
        page = _read(fetcher, url, errors)
        pages += 1
        if page is not None:
            links += [(s, page[0]) for s in page[1]]
    return links, pages, errors


def _read(
    fetcher: Fetcher, url: str, errors: list[tuple[str, str]]
) -> tuple[str, list[SocialLink], list[str]] | None:
    result = fetcher.get(url, accept=HTML_TYPES)
    if not result.ok:
        errors.append((url, result.error or "erreur"))
        return None
    if result.status != 200:
        errors.append((url, f"la page répond {result.status}"))
        return None
    social, others = social_links(result.body, result.final_url)
    return result.final_url, social, others


def _home_url(website: str) -> str:
    parts = urlsplit(website.strip())
    return website.strip() if parts.path else website.strip() + "/"
