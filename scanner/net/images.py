"""Profile pictures and banners, fetched once per run and fingerprinted (§5.f).

`ImageFetcher` asks the safe fetcher for each URL at most once per run, with
`If-None-Match` / `If-Modified-Since` from a small cache kept between runs
(`STATE_DIR/cache/images.json`, written atomically): an avatar that did not change
costs a `304` and no decoding, since the cache keeps its fingerprint. Identical bytes
behind different URLs are fingerprinted once (content hash -> fingerprint).

Images are untrusted: an image content type is required, the size is capped
(`network.max_image_bytes`), and the pixel count is checked from the header before
anything is decoded (decompression bombs); Pillow's own guard is kept on, its
`DecompressionBombWarning` turned into an error.

A picture is identified by its URL without the CDN's signature (`picture_key`): fbcdn.net and
cdninstagram.com sign their URLs (`oh`, `oe`, `_nc_*`) and give the same picture a new URL every
day or so, expiring the old one (403 past `oe`). Keyed on the bare path, a rotated URL of a
picture seen before is one conditional request (a 304), never a second download; the cache
remembers the last URL seen, and a URL whose signature has expired is never asked again.
When Graph gives the picture's `cache_key` (`picture{cache_key}`, kept on the snapshot as
`avatar_key`), that is the picture's identity instead (`identify`): Meta changes it when the
picture changes and not when the URL is signed again, whatever the CDN path looks like.

The same store keeps the bytes of the pictures the report shows beside a logo
(`picture(url)`, in `STATE_DIR/cache/images/` beside `images.json`): platform CDNs
give a changed picture a new URL, so an open logo finding costs one download, not one
a night; a kept picture goes when its URL's entry goes (unseen for 30 days).

`prefetch` starts downloads in the background (as each platform's answers arrive),
`fetch_many` waits for them. Each host has its own workers, `network.concurrency_per_host`
of them (at most `max_workers`): avatars and banners are spread over a few CDN hosts, and
one busy host does not hold up the others.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from PIL import Image

from scanner.checks.base import ImageEvidence
from scanner.net import imaging
from scanner.net.fetch import Fetcher, Once, redact
from scanner.plumbing.atomic_write import write_atomic

logger = logging.getLogger(__name__)

CACHE_VERSION = 1
CACHE_TTL_DAYS = 30  # entries not seen for this long are dropped when saving
LAST_RUN_HOURS = 6  # entries seen within this of the newest one were seen by the last run
MAX_FRESH_DAYS = 7  # however long a CDN says an image stays valid, it is asked again after a week
CACHE_KEY_PREFIX = "cache_key:"  # a picture identified by its platform's key, in the cache


_SIGNATURE = re.compile(r"^(oh|oe|_nc_[a-z0-9_]*)$", re.IGNORECASE)


@functools.lru_cache(maxsize=65_536)  # asked several times per picture a night, under the fetcher's lock
def picture_key(url: str) -> str:
    """The picture's identity: its URL without the CDN's signature parameters (`oh`, `oe`, `_nc_*`)."""
    base, signed, query = url.partition("?")
    if not signed:
        return url
    query = query.partition("#")[0]
    params = query.split("&")
    kept = [p for p in params if not _SIGNATURE.match(p.partition("=")[0])]
    if len(kept) == len(params):
        return url  # not signed: the URL as it is
    return base + ("?" + "&".join(sorted(kept)) if kept else "")


# Hosts and paths whose URL names one version of a picture: a new picture gets a new URL, so the
# bytes behind one URL do not change and a one-day max-age is about the URL, not the picture.
# - X: « This method asynchronously processes the uploaded file before updating the user's profile
#   image URL. You can either update your local cache the next time you request the user's
#   information » (developer.x.com/en/docs/accounts-and-users/manage-account-settings/api-reference/
#   post-account-update_profile_image); the path carries the upload's id
#   (`pbs.twimg.com/profile_images/2284174872/7df3h38zabcvjylnyfe3_normal.png`,
#   developer.x.com/en/docs/accounts-and-users/user-profile-images-and-banners), the banner's path
#   its upload time (`profile_banners/<user id>/<time>`).
# - YouTube: channel pictures and banners are served from yt3.ggpht.com / yt3.googleusercontent.com
#   under an opaque token of the picture (`yt3.ggpht.com/ytc/AMLnZu…=s88-c-k-c0x00ffffff-no-rj` in the
#   recorded bodies of tests/fixtures/recorded/), a new token for a new picture. Not the video
#   thumbnails of i.ytimg.com, whose URL stays the same when the thumbnail is replaced.
_VERSIONED = (
    (re.compile(r"(^|\.)twimg\.com$"), ("/profile_images/", "/profile_banners/")),
    (re.compile(r"^yt3\.(.+\.)?(ggpht|googleusercontent)\.com$"), ("/",)),
)


@functools.lru_cache(maxsize=65_536)
def names_its_picture(url: str) -> bool:
    """True when the URL names one version of a picture (see `_VERSIONED`): no need to ask the CDN
    every day whether the bytes behind it changed; still asked again within MAX_FRESH_DAYS."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return any(hosts.search(host) and parts.path.startswith(paths) for hosts, paths in _VERSIONED)


def signature_expired(url: str, now: float) -> bool:
    """True when the URL's `oe` (hexadecimal expiry) is past: the CDN would answer 403."""
    for key, value in parse_qsl(urlsplit(url).query):
        if key == "oe":
            try:
                return int(value, 16) <= now
            except ValueError:
                return False
    return False


def default_cache_path(state_dir: Path) -> Path:
    return state_dir / "cache" / "images.json"


def guard_pillow() -> None:
    """Pillow refuses decompression bombs: a sane pixel limit, and its warning as an error."""
    Image.MAX_IMAGE_PIXELS = min(Image.MAX_IMAGE_PIXELS or imaging.MAX_PIXELS, imaging.MAX_PIXELS)
    warnings.filterwarnings("error", category=Image.DecompressionBombWarning)


class ImageFetcher:
    def __init__(
        self,
        fetcher: Fetcher,
        cache_path: Path | None = None,
        *,
        max_workers: int = 64,
        now: Callable[[], float] = time.time,
    ):
        self.now = now
        self.fresh = 0  # still fresh per Cache-Control: not asked at all
        guard_pillow()
        self.fetcher = fetcher
        self.cache_path = cache_path
        self.max_workers = max_workers
        self.downloads = 0  # full 200 answers
        self.not_modified = 0  # 304 answers served from the cache
        self.fingerprinted = 0  # images decoded and hashed
        self._lock = threading.Lock()
        self._pools: dict[str, ThreadPoolExecutor] = {}  # per host, created on first use; `close` stops them
        self._pending: dict[str, Future[ImageEvidence]] = {}  # picture key -> its download, this run
        self._identities: dict[str, str] = {}  # URL -> the platform's identity of its picture (cache_key)
        self._per_content: Once[tuple[Any, int, int] | str] = Once()  # sha256 -> (fingerprint, w, h) or error
        self._cache: dict[str, dict[str, Any]] = self._load()
        for key, entry in self._cache.items():  # last run's URLs keep their identity (`due`)
            if key.startswith(CACHE_KEY_PREFIX) and isinstance(entry.get("url"), str):
                self._identities[entry["url"]] = key

    # ---------------------------------------------------------------- public

    def identify(self, pictures: Iterable[tuple[str | None, str | None]]) -> None:
        """(URL, the platform's key of its picture) pairs: Graph's `cache_key` names the picture
        behind every signed URL of it, so a rotated URL is a picture already known."""
        with self._lock:
            for url, key in pictures:
                if url and key:
                    self._identities[url] = CACHE_KEY_PREFIX + key

    def key(self, url: str) -> str:
        """The picture's identity: the platform's key when given, else the URL without its signature."""
        return self._identities.get(url) or picture_key(url)

    def fetch(self, url: str) -> ImageEvidence:
        """The evidence for one image URL; asked of the network once per run, whoever asks."""
        if not url:
            return ImageEvidence(url, error="aucune adresse d'image")
        return self.fetch_many([url])[url]

    def prefetch(self, urls: Iterable[str]) -> None:
        """Start fetching these in the background and return at once: the audit calls this as
        each platform answers, so avatars download while the slower platforms are still read.
        `fetch_many` then waits for what is under way instead of asking again."""
        with self._lock:
            for url in dict.fromkeys(u for u in urls if u):
                key = self.key(url)
                if key not in self._pending:
                    self._pending[key] = self._pool_for(url).submit(self._fetch, url)

    def _pool_for(self, url: str) -> ThreadPoolExecutor:
        """One pool per host, as wide as the host's limit: thousands of pictures queued for one
        CDN never keep the workers from another's (one shared pool would have them all waiting
        for the busy host's turn). Called with the lock held."""
        host = (urlsplit(url).hostname or "").lower()
        pool = self._pools.get(host)
        if pool is None:
            width = min(self.max_workers, self.fetcher.network.concurrency_per_host)
            pool = self._pools[host] = ThreadPoolExecutor(width, thread_name_prefix=f"images-{host}"[:40])
        return pool

    def due(self) -> list[str]:
        """The pictures the last run saw whose freshness has run out: what tonight will most
        likely ask again. Prefetching them when the night starts overlaps their revalidation
        with discovery and the platform reads; on an unchanged world they are exactly tonight's
        pictures, and a picture that changed costs one conditional request for its old URL."""
        with self._lock:
            if not self._cache:
                return []
            last_run = max(entry.get("seen", 0) for entry in self._cache.values())
            now = self.now()
            urls = [
                entry.get("url") or key
                for key, entry in self._cache.items()
                if entry.get("seen", 0) >= last_run - LAST_RUN_HOURS * 3600
                and entry.get("fresh_until", 0) <= now
                and _cached_fingerprint(entry) is not None
            ]
            # a signed URL past its expiry would be refused: tonight's answer brings the new one
            return [url for url in urls if not signature_expired(url, now)]

    def fetch_many(
        self, urls: Iterable[str], advance: Callable[[], None] | None = None
    ) -> dict[str, ImageEvidence]:
        """The evidence for each URL; `advance()` is called as each one is ready (a progress line)."""
        unique = list(dict.fromkeys(u for u in urls if u))
        self.prefetch(unique)
        with self._lock:
            futures = [self._pending[self.key(url)] for url in unique]
        found = gathered(unique, futures, advance, _as_asked)
        self.mark_seen(unique)
        return found

    def on_ready(self, urls: Iterable[str], tell: Callable[[ImageEvidence], None]) -> None:
        """Start these (as `prefetch`) and `tell(evidence)` each one as soon as it is ready, from
        the thread that downloaded it: the pictures' process (`image_process`) answers that way."""
        unique = list(dict.fromkeys(u for u in urls if u))
        self.prefetch(unique)
        with self._lock:
            futures = [(url, self._pending[self.key(url)]) for url in unique]
        for url, future in futures:
            future.add_done_callback(lambda done, url=url: tell(_as_asked(url, done)))

    def mark_seen(self, urls: Iterable[str]) -> None:
        """These pictures were asked for tonight (a picture only prefetched from `due` was not):
        their entries stay in the cache, under the last URL seen (the one `due` asks next time)."""
        now = int(self.now())
        with self._lock:
            for url in urls:
                entry = self._cache.get(self.key(url))
                if entry is not None:
                    entry["seen"] = now
                    entry["url"] = url

    def close(self) -> None:
        """Stop the download threads (idle once `fetch_many` has returned)."""
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)

    def stats(self) -> dict[str, int]:
        return {
            "downloads": self.downloads,
            "not_modified": self.not_modified,
            "fresh": self.fresh,
            "fingerprinted": self.fingerprinted,
        }

    def picture(self, url: str) -> bytes | None:
        """The bytes of a picture the report shows, kept on disk by picture (None when unavailable)."""
        path = self._picture_path(url)
        if path is not None:
            try:
                return path.read_bytes()
            except OSError:
                pass
        result = self.fetcher.get(url, max_bytes=self.fetcher.network.max_image_bytes, accept=("image/",))
        if not (result.ok and result.status == 200):
            return None
        if path is not None:
            try:
                write_atomic(path, result.body)  # two findings may show the same picture at once
            except OSError:
                logger.warning("could not keep a report picture", exc_info=True)
        return result.body

    def save(self) -> None:
        """Write the cache atomically (temporary file, then rename); entries unseen for 30 days go,
        and the kept pictures of URLs no longer in it."""
        if self.cache_path is None:
            return
        cutoff = self.now() - CACHE_TTL_DAYS * 86400
        with self._lock:
            entries = {u: e for u, e in self._cache.items() if e.get("seen", 0) >= cutoff}
        payload = json.dumps(
            {"version": CACHE_VERSION, "entries": entries}, ensure_ascii=False, sort_keys=True
        )
        write_atomic(self.cache_path, payload.encode("utf-8"))
        kept = {self._picture_path(url) for url in entries}
        folder = self.cache_path.with_suffix("")
        for path in folder.glob("*.img") if folder.is_dir() else ():
            if path not in kept:
                path.unlink(missing_ok=True)

    def _picture_path(self, url: str) -> Path | None:
        if self.cache_path is None:
            return None
        # keyed by the picture, not its signed URL: a rotated fbcdn URL is the same picture
        key = self.key(url)
        return self.cache_path.with_suffix("") / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".img")

    # ---------------------------------------------------------------- one URL

    def _fetch(self, url: str) -> ImageEvidence:
        key = self.key(url)
        with self._lock:
            entry = self._cache.get(key)
        cached = _cached_fingerprint(entry)
        if cached is not None and entry is not None and entry.get("fresh_until", 0) > self.now():
            # The CDN said this URL's bytes stay valid (Cache-Control: max-age): no request at all.
            with self._lock:
                self.fresh += 1
            return ImageEvidence(url, cached, width=entry.get("width"), height=entry.get("height"))
        headers = _conditional_headers(entry) if cached is not None else {}
        result = self.fetcher.get(
            url, headers=headers, max_bytes=self.fetcher.network.max_image_bytes, accept=("image/",)
        )
        if result.ok and result.status == 304 and cached is not None and entry is not None:
            with self._lock:
                self.not_modified += 1
                entry["fresh_until"] = self._fresh_until(url, result.headers)
            return ImageEvidence(url, cached, width=entry.get("width"), height=entry.get("height"))
        if not result.ok:
            logger.info("image %s: %s", redact(url), result.error)
            return ImageEvidence(url, error=result.error)
        if result.status != 200:
            return ImageEvidence(url, error=f"le serveur de l'image répond {result.status}")
        with self._lock:
            self.downloads += 1
        return self._fingerprint(url, result.body, result.headers)

    def _fingerprint(self, url: str, data: bytes, headers: Any) -> ImageEvidence:
        digest = hashlib.sha256(data).hexdigest()
        known = self._per_content.get(digest, lambda: self._decode(data))
        if isinstance(known, str):
            return ImageEvidence(url, error=known)
        fingerprint, width, height = known
        key = self.key(url)
        with self._lock:
            previous = self._cache.get(key) or {}
            self._cache[key] = {
                "url": url,
                "etag": headers.get("etag"),
                "last_modified": headers.get("last-modified"),
                "sha256": digest,
                "fingerprint": fingerprint.dumps(),
                "width": width,
                "height": height,
                "seen": previous.get("seen", int(self.now())),  # `fetch_many` says who asked
                "fresh_until": self._fresh_until(url, headers),
            }
        return ImageEvidence(url, fingerprint, width=width, height=height)

    def _fresh_until(self, url: str, headers: Any) -> float:
        return fresh_until(url, headers.get("cache-control"), self.now(), stable=self.key(url) != url)

    def _decode(self, data: bytes) -> tuple[Any, int, int] | str:
        """(fingerprint, width, height), or the French reason the bytes were refused."""
        try:
            width, height = checked_size(data)
            fingerprint = imaging.fingerprint(data)
        except (imaging.ImageError, ValueError) as exc:
            return str(exc)
        with self._lock:
            self.fingerprinted += 1
        return fingerprint, width, height

    def _load(self) -> dict[str, dict[str, Any]]:
        if self.cache_path is None or not self.cache_path.exists():
            return {}
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning("image cache %s unreadable, starting afresh: %s", self.cache_path, exc)
            return {}
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return {}
        entries = data.get("entries")
        return {u: e for u, e in entries.items() if isinstance(e, dict)} if isinstance(entries, dict) else {}


def fresh_until(url: str, cache_control: str | None, now: float, *, stable: bool | None = None) -> float:
    """When to ask for `url` again: `now` + the CDN's `max-age`; 0 (ask next time) for
    `no-cache`, `no-store` or no max-age.

    A max-age longer than MAX_FRESH_DAYS is cut to between 75 % and 100 % of it, the
    fraction fixed per URL: pictures first seen on the same night do not all come due
    on the same later night (10,000 revalidations at once), and a picture changed
    behind an unchanged URL is seen within a week.

    A signed URL (fbcdn, cdninstagram) is kept like a long max-age whatever its own: its
    one-day max-age and daily signature are about the URL, not the bytes. Behind one CDN path
    the bytes do not change (a new picture gets a new path, as Graph's `cache_key` does), so
    a rotated signature needs no request; the picture is still asked again within the week.
    `stable`: the picture has an identity of its own (a signed URL, or Graph's `cache_key`);
    by default, whether the URL is signed. A URL that names one version of its picture (X's
    profile images and banners, YouTube's channel pictures: `names_its_picture`) is kept the
    same way: a changed picture comes with a new URL, downloaded the night it appears.
    """
    control = (cache_control or "").lower()
    if "no-cache" in control or "no-store" in control:
        return 0
    match = re.search(r"max-age=(\d+)", control)
    if not match:
        return 0
    cap = MAX_FRESH_DAYS * 86400
    stable = (picture_key(url) != url if stable is None else stable) or names_its_picture(url)
    seconds = cap if stable else int(match.group(1))
    if seconds > cap * 3 // 4:
        spread = int.from_bytes(hashlib.sha256(url.encode()).digest()[:2]) / 65535  # 0..1, stable
        seconds = min(seconds, int(cap * (0.75 + 0.25 * spread)))
    return now + seconds


def checked_size(data: bytes) -> tuple[int, int]:
    """Width and height read from the header only; too many pixels is refused before decoding."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise imaging.ImageError("image trop grande (bombe de décompression)") from exc
    except (OSError, SyntaxError, EOFError) as exc:
        raise imaging.ImageError("image illisible") from exc
    if width * height > imaging.MAX_PIXELS:
        raise imaging.ImageError(f"image trop grande ({width}\u00a0×\u00a0{height} pixels)")
    return width, height


def gathered(
    urls: list[str],
    futures: list[Future[ImageEvidence]],
    advance: Callable[[], None] | None,
    take: Callable[[str, Future[ImageEvidence]], ImageEvidence] = lambda _url, future: future.result(),
) -> dict[str, ImageEvidence]:
    """Each URL's evidence, waited for in order; `advance()` as each one is there."""
    found = {}
    for url, future in zip(urls, futures, strict=True):
        found[url] = take(url, future)
        if advance is not None:
            advance()
    return found


def _as_asked(url: str, future: Future[ImageEvidence]) -> ImageEvidence:
    """The evidence for `url` (another URL of the same picture may have been the one downloaded)."""
    try:
        evidence = future.result()
    except CancelledError:  # `close` while it waited: a picture of `due` that tonight did not ask
        return ImageEvidence(url, error="téléchargement annulé")
    except Exception:  # a bug in one download must not spoil the night's other pictures
        logger.exception("image %s", redact(url))
        return ImageEvidence(url, error="erreur interne de Vigie en lisant cette image")
    return evidence if evidence.url == url else replace(evidence, url=url)


def _cached_fingerprint(entry: dict[str, Any] | None) -> Any | None:
    if not entry or not entry.get("fingerprint"):
        return None
    try:
        return imaging.Fingerprint.loads(entry["fingerprint"])
    except (ValueError, TypeError):
        return None  # another version of the fingerprint: fetch it again


def _conditional_headers(entry: dict[str, Any] | None) -> dict[str, str]:
    headers = {}
    if entry and entry.get("etag"):
        headers["If-None-Match"] = entry["etag"]
    if entry and entry.get("last_modified"):
        headers["If-Modified-Since"] = entry["last_modified"]
    return headers
