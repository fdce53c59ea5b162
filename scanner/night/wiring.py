"""Build the audit's sources from a configuration and secrets: nothing is created at import time.

Production, the demo and the tests all go through `build_sources`; only the settings
(platform URLs, `allow_private_addresses`) and the `resolve` map differ.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from scanner.config.logos import load_logos
from scanner.config.models import Config
from scanner.discovery.sites import crawl
from scanner.net.fetch import Fetcher
from scanner.net.images import ImageFetcher, default_cache_path
from scanner.net.links import LinkChecker
from scanner.night.audit import Sources
from scanner.platforms.base import CallOptions
from scanner.platforms.facebook import FacebookAdapter
from scanner.platforms.instagram import InstagramAdapter
from scanner.platforms.retry import RetryPolicy
from scanner.platforms.x import XAdapter
from scanner.platforms.x_reads import XDayReads, default_path
from scanner.platforms.youtube import YouTubeAdapter
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
    settings = config.settings
    timeout = settings.network.timeout
    retry = retry or RetryPolicy()
    platforms = settings.platforms
    state_dir = config.state_dir
    handle_cache = HandleCache(state_dir / "cache" / "youtube-handles.json")
    x_reads = XDayReads(default_path(state_dir))  # what earlier runs of this UTC day read on X
    options = CallOptions(timeout=timeout, retry=retry).with_overrides(clock=clock)
    app_secret = secrets.facebook_app_secret
    adapters = {
        "facebook": FacebookAdapter(
            platforms.facebook, secrets.facebook_token, app_secret=app_secret, options=options
        ),
        "instagram": InstagramAdapter(
            platforms, secrets.facebook_token, app_secret=app_secret, options=options
        ),
        "x": XAdapter(platforms.x, secrets.x_bearer_token, day_reads=x_reads, options=options),
        "youtube": YouTubeAdapter(
            platforms.youtube, secrets.youtube_api_key, handle_cache=handle_cache, options=options
        ),
    }
    fetcher = Fetcher(settings.network, resolve=resolve)
    # the pictures' freshness (a CDN's max-age) is judged on the run's clock, like everything else
    images = ImageFetcher(fetcher, default_cache_path(state_dir), now=lambda: options.now().timestamp())

    logos = load_logos(config)
    return Sources(
        adapters=adapters,
        images=images,
        links=LinkChecker(fetcher),
        discover=lambda registry: crawl(registry, fetcher),
        logos={key: logo.fingerprint for key, logo in logos.items() if logo.fingerprint is not None},
        official_logos=logos,
        fetch_image=images.picture,
        closers=[images.close, images.save, handle_cache.save, x_reads.save],
    )


def close_sources(sources: Sources) -> None:
    """Persist the caches (image validators, YouTube handles, X's reads of the day) for the next run."""
    for close in sources.closers:
        try:
            close()
        except OSError:
            log.warning("could not save a cache", exc_info=True)


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
