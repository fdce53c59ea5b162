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
from zoneinfo import ZoneInfo

from scanner.config.logos import load_logos
from scanner.config.models import Config, Registry
from scanner.discovery.lookups import LookupNight, cached_lookups, run_lookups
from scanner.discovery.sites import crawl
from scanner.history.lookups import load_lookup_state
from scanner.history.store import History
from scanner.net.fetch import Fetcher
from scanner.net.image_process import ImageProcess
from scanner.net.images import default_cache_path
from scanner.net.links import LinkChecker
from scanner.night.audit import Sources
from scanner.platforms.base import CallOptions, utc_now
from scanner.platforms.facebook import FacebookAdapter
from scanner.platforms.facebook_search import FacebookSearcher
from scanner.platforms.instagram import InstagramAdapter
from scanner.platforms.retry import RetryPolicy
from scanner.platforms.search import AccountReadSearcher
from scanner.platforms.x import XAdapter
from scanner.platforms.x_reads import XDayReads, default_path
from scanner.platforms.youtube import YouTubeAdapter
from scanner.platforms.youtube_search import YouTubeSearcher
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
    images = ImageProcess(
        settings.network,
        default_cache_path(state_dir),
        resolve=resolve,
        now=lambda: options.now().timestamp(),
    )

    logos = load_logos(config)
    searchers = build_searchers(config, secrets, adapters, options)
    now = clock or utc_now

    def lookups(registry: Registry) -> LookupNight:
        with History.in_state_dir(state_dir) as history:
            state = load_lookup_state(history)
        night = now().astimezone(ZoneInfo(settings.timezone)).date()
        made = cached_lookups(registry, state_dir / "cache" / "lookups.json")
        return run_lookups(registry, settings.lookups, state, searchers, night, lookups=made)

    return Sources(
        adapters=adapters,
        images=images,
        links=LinkChecker(fetcher),
        discover=lambda registry: crawl(registry, fetcher),
        logos={key: logo.fingerprint for key, logo in logos.items() if logo.fingerprint is not None},
        official_logos=logos,
        fetch_image=images.picture,
        # the pictures' process ends once its cache is saved
        closers=[images.close, images.save, images.stop, handle_cache.save, x_reads.save],
        lookups=lookups if searchers else None,
        fetcher=fetcher,
    )


def build_searchers(config: Config, secrets: Secrets, adapters: Mapping, options: CallOptions) -> dict:
    """The look-alike searchers of the platforms whose credentials are configured (and budget not 0)."""
    settings = config.settings
    budgets = settings.lookups
    searchers: dict = {}
    if secrets.x_bearer_token and budgets.max_x_reads:
        searchers["x"] = AccountReadSearcher(adapters["x"], "https://x.com/{}")
    if secrets.facebook_token and budgets.max_instagram_calls:
        searchers["instagram"] = AccountReadSearcher(adapters["instagram"], "https://www.instagram.com/{}/")
    if secrets.youtube_api_key and budgets.max_youtube_units:
        searchers["youtube"] = YouTubeSearcher(settings.platforms.youtube, secrets.youtube_api_key, options)
    if secrets.facebook_token and budgets.max_facebook_searches:
        searchers["facebook"] = FacebookSearcher(adapters["facebook"])
    return searchers


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
