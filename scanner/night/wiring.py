"""Build the audit's sources from a configuration and secrets: nothing is created at import time.

Production, the demo and the tests all go through `build_sources`; only the settings
(platform URLs, `allow_private_addresses`) and the `resolve` map differ.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from scanner.config.models import Config, Registry
from scanner.net.images import picture_key
from scanner.night.audit import Sources
from scanner.platforms.base import CallOptions
from scanner.platforms.retry import RetryPolicy
from scanner.plumbing.atomic_write import write_atomic
from scanner.plumbing.secrets import Secrets

log = logging.getLogger(__name__)


def build_sources(
    config: Config,
    secrets: Secrets,
    *,
    resolve: Mapping[str, str] | None = None,
    retry: RetryPolicy | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> Sources:
    from scanner.discovery.sites import crawl
    from scanner.net.fetch import Fetcher
    from scanner.net.images import ImageFetcher, default_cache_path
    from scanner.net.links import LinkChecker
    from scanner.platforms.facebook import FacebookAdapter
    from scanner.platforms.instagram import InstagramAdapter
    from scanner.platforms.x import XAdapter
    from scanner.platforms.youtube import YouTubeAdapter

    settings = config.settings
    timeout = settings.network.timeout
    retry = retry or RetryPolicy()
    platforms = settings.platforms
    state_dir = config.state_dir
    handle_cache = HandleCache(state_dir / "cache" / "youtube-handles.json")
    options = CallOptions(timeout=timeout, retry=retry).with_overrides(clock=clock)
    app_secret = secrets.facebook_app_secret
    adapters = {
        "facebook": FacebookAdapter(
            platforms.facebook, secrets.facebook_token, app_secret=app_secret, options=options
        ),
        "instagram": InstagramAdapter(
            platforms, secrets.facebook_token, app_secret=app_secret, options=options
        ),
        "x": XAdapter(platforms.x, secrets.x_bearer_token, options=options),
        "youtube": YouTubeAdapter(
            platforms.youtube, secrets.youtube_api_key, handle_cache=handle_cache, options=options
        ),
    }
    fetcher = Fetcher(settings.network, resolve=resolve)
    # the pictures' freshness (a CDN's max-age) is judged on the run's clock, like everything else
    images = ImageFetcher(fetcher, default_cache_path(state_dir), now=lambda: options.now().timestamp())

    shown = ShownImages(state_dir / "cache" / "report-images", fetcher, settings.network.max_image_bytes)

    return Sources(
        adapters=adapters,
        images=images,
        links=LinkChecker(fetcher),
        discover=lambda registry: crawl(registry, fetcher),
        logos=reference_logos(config),
        fetch_image=shown.get,
        closers=[images.close, images.save, handle_cache.save, shown.prune],
    )


def close_sources(sources: Sources) -> None:
    """Persist the caches (image validators, YouTube handles) for the next night."""
    for close in sources.closers:
        try:
            close()
        except OSError:
            log.warning("could not save a cache", exc_info=True)


def reference_logos(config: Config) -> dict[str, object]:
    """Fingerprints of the official logos: one per school, and "board"."""
    from scanner.net.imaging import ImageError, fingerprint

    registry: Registry = config.registry
    wanted = {"board": registry.board.logo, **{s.id: s.logo for s in registry.schools}}
    logos = {}
    by_file: dict[Path, object] = {}  # schools sharing a logo file: fingerprinted once
    for key, relative in wanted.items():
        path = config.path(relative)
        try:
            if path not in by_file:
                by_file[path] = fingerprint(path.read_bytes())
            logos[key] = by_file[path]
        except (OSError, ImageError):
            log.warning("logo %s unreadable", key)
    return logos


class HandleCache(dict):
    """YouTube @handle -> channel id, remembered between nights in a small JSON file."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                self.update({str(k): str(v) for k, v in data.items()})
        except (OSError, ValueError):
            pass

    def save(self) -> None:
        write_atomic(self.path, json.dumps(dict(self), indent=0, sort_keys=True).encode("utf-8"))


class ShownImages:
    """The avatars shown beside the expected logo in the report, kept on disk by URL.

    Platform CDNs give a changed picture a new URL, so a picture seen before needs no new
    download: an open logo finding costs one download, not one a night (the signature a CDN
    adds to the URL, rotated daily, is not part of the picture's identity: `picture_key`).
    """

    KEEP_DAYS = 30

    def __init__(self, folder: Path, fetcher, max_bytes: int):
        self.folder = folder
        self.fetcher = fetcher
        self.max_bytes = max_bytes

    def get(self, url: str) -> bytes | None:
        # keyed by the picture, not its signed URL: a rotated fbcdn URL is the same picture
        path = self.folder / (hashlib.sha256(picture_key(url).encode()).hexdigest()[:32] + ".img")
        try:
            data = path.read_bytes()
            path.touch()
            return data
        except OSError:
            pass
        answer = self.fetcher.get(url, max_bytes=self.max_bytes, accept=("image/",))
        if not (answer.ok and answer.status == 200):
            return None
        try:
            write_atomic(path, answer.body)  # two findings may show the same picture at once
        except OSError:
            log.warning("could not keep a report image", exc_info=True)
        return answer.body

    def prune(self) -> None:
        cutoff = time.time() - self.KEEP_DAYS * 86400
        for path in self.folder.glob("*.img") if self.folder.is_dir() else ():
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
