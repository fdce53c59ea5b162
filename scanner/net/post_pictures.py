"""The pictures of the night's new publications, downloaded once each (DA 142 §3.b).

Through the night's safe fetcher (`scanner.net.fetch`: timeouts, `network.max_image_bytes`,
no private addresses unless the settings allow them, an image content type required), with the
pixel count read from the header before anything is decoded (`images.checked_size`: decompression
bombs) and Pillow's own guard on (`images.guard_pillow`).

A picture is identified by its key (`PublishedPost.picture_keys`, else the URL without its CDN
signature: `images.picture_key`): one picture shared by several posts tonight is downloaded
once. Downloads start a few posts ahead of the one being judged (`start`), and bytes are kept
only until the last post that shows the picture has been judged (`release`): 4,000 pictures
never sit in memory together.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from scanner.net import imaging
from scanner.net.fetch import Fetcher, redact
from scanner.net.images import checked_size, guard_pillow, picture_key
from scanner.platforms.posts import PublishedPost

log = logging.getLogger(__name__)

WORKERS = 8


@dataclass(frozen=True, slots=True)
class Picture:
    key: str
    data: bytes | None = None
    sha256: str | None = None
    error: str | None = None  # French: why it could not be read


def picture_keys(post: PublishedPost, limit: int) -> list[tuple[str, str]]:
    """(key, url) of the post's first `limit` pictures, each picture once."""
    out: dict[str, str] = {}
    for index, url in enumerate(post.picture_urls[:limit]):
        if not url:
            continue
        given = post.picture_keys[index] if index < len(post.picture_keys) else None
        out.setdefault(given or picture_key(url), url)
    return list(out.items())


class PostPictures:
    """Downloads, each picture once, in the background; `take` waits for one and `release` frees it."""

    def __init__(self, fetcher: Fetcher, *, workers: int = WORKERS):
        guard_pillow()
        self.fetcher = fetcher
        self._pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="post-pictures")
        self._lock = threading.Lock()
        self._pending: dict[str, Future[Picture]] = {}
        self._uses: Counter[str] = Counter()
        self.downloads = 0
        self.failures = 0

    def plan(self, pictures: Iterable[tuple[str, str]]) -> None:
        """Count one more post that shows each of these pictures (before any `start`)."""
        with self._lock:
            for key, _url in pictures:
                self._uses[key] += 1

    def start(self, pictures: Iterable[tuple[str, str]]) -> None:
        """Start these downloads in the background, each picture once (the stage starts a few
        posts ahead of the one it judges: the pictures never all sit in memory at once)."""
        with self._lock:
            for key, url in pictures:
                if key not in self._pending and self._uses.get(key, 0) > 0:
                    self._pending[key] = self._pool.submit(self._download, key, url)

    def want(self, pictures: Iterable[tuple[str, str]]) -> None:
        """`plan` and `start` at once."""
        pictures = list(pictures)
        self.plan(pictures)
        self.start(pictures)

    def take(self, keys: Sequence[str]) -> list[Picture]:
        with self._lock:
            futures = [self._pending[key] for key in keys]
        return [future.result() for future in futures]

    def ready(self, keys: Sequence[str]) -> list[bytes]:
        """The bytes of those of these pictures already downloaded (without waiting)."""
        with self._lock:
            futures = [self._pending.get(key) for key in keys]
        return [f.result().data for f in futures if f is not None and f.done() and f.result().data]  # type: ignore[misc]

    def release(self, keys: Sequence[str]) -> None:
        """One post done with these pictures: a picture no other post needs is forgotten."""
        with self._lock:
            for key in keys:
                self._uses[key] -= 1
                if self._uses[key] <= 0:
                    self._pending.pop(key, None)
                    del self._uses[key]

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _download(self, key: str, url: str) -> Picture:
        result = self.fetcher.get(url, max_bytes=self.fetcher.network.max_image_bytes, accept=("image/",))
        if not result.ok or result.status != 200:
            reason = result.error if not result.ok else f"le serveur de l’image répond {result.status}"
            log.info("post picture %s: %s", redact(url), reason)
            with self._lock:
                self.failures += 1
            return Picture(key, error=reason)
        try:
            checked_size(result.body)
        except imaging.ImageError as error:
            with self._lock:
                self.failures += 1
            return Picture(key, error=str(error))
        with self._lock:
            self.downloads += 1
        return Picture(key, result.body, hashlib.sha256(result.body).hexdigest())
