"""One night's audit: registry -> platforms (fetch once) -> checks (pure) -> results.

`audit(registry, settings, sources, clock)` takes everything it uses: the tests pass a
real sandbox behind real adapters, the CLI passes adapters pointed at the platforms.
It never raises for one account: what cannot be read is `non_verifiable` with its reason.
History, report and notices come after, in `scanner.night.job`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Protocol

from scanner.checks.base import PENDING, Context, Discovered, ImageEvidence, LinkEvidence
from scanner.checks.runner import evaluate_ahead, evaluate_all
from scanner.config.logos import OfficialLogo
from scanner.config.models import Account, Network, Registry, Settings, account_key
from scanner.discovery.lookups import LookupNight
from scanner.night.outcomes import AccountOutcome, AuditOutcome
from scanner.platforms.base import NO_CREDENTIALS, PlatformAdapter
from scanner.platforms.snapshot import Snapshot, unverified
from scanner.plumbing.progress import Progress

log = logging.getLogger(__name__)

# Handles per adapter call when a platform has more: pictures start as slices answer. The first
# slices are small, so that the first pictures start within a second or two of the reads (a CDN
# host's slots then stay busy while the rest is read: 8,000 Facebook pictures on one host take
# 25 s at 16 at a time and 50 ms each, however early they start); then SLICE at a time.
FIRST_SLICES = (100, 400)
SLICE = 1000


class ImageSource(Protocol):
    def due(self) -> list[str]: ...  # last run's pictures, to be asked again

    def identify(self, pictures: Iterable[tuple[str | None, str | None]]) -> None: ...  # (URL, cache_key)

    def prefetch(self, urls: Sequence[str]) -> None: ...  # start, don't wait

    def fetch_many(
        self, urls: Sequence[str], advance: Callable[[], None] | None = None
    ) -> dict[str, ImageEvidence]: ...  # `advance()` after each picture, for the progress line


class LinkSource(Protocol):
    def check(self, urls: Sequence[str]) -> dict[str, LinkEvidence]: ...


@dataclass
class Sources:
    """What the audit reads the world through. Adapters are keyed by platform name."""

    adapters: Mapping[str, PlatformAdapter]
    images: ImageSource
    links: LinkSource
    discover: Callable[
        [Registry], object
    ]  # a list of candidates, or a `Discovery` (which says what was unread)
    logos: Mapping[str, object]  # school id / "board" -> scanner.net.imaging.Fingerprint
    official_logos: Mapping[str, OfficialLogo] = field(default_factory=dict)  # their files, for the report
    fetch_image: Callable[[str], bytes | None] | None = None  # raw bytes, for the report's side-by-side
    closers: list[Callable[[], None]] = field(default_factory=list)  # save caches when the night is over
    # tonight's look-alike look-ups on the platforms (`scanner.discovery.lookups.run_lookups`), if any
    lookups: Callable[[Registry], LookupNight] | None = None
    fetcher: object | None = None  # scanner.net.fetch.Fetcher: the publications' pictures


def audit(
    registry: Registry,
    settings: Settings,
    sources: Sources,
    clock: Callable[[], dt.datetime],
    after_reads: Callable[[Mapping[str, Snapshot]], None] | None = None,
) -> AuditOutcome:
    """The night's audit. How far it is shows on stderr when stderr is a terminal (an interactive
    run: accounts read, pictures, checks); under cron, the daemon or the tests it writes nothing.

    `after_reads(snapshots)` is told the registry accounts' snapshots as soon as every platform
    is read, before the pictures: the night starts reading the publications there."""
    started = clock()
    # Last night's pictures that must be asked again are revalidated during discovery and
    # the platform reads: on an unchanged world, tonight's pictures are the same URLs.
    sources.images.prefetch(sources.images.due())
    lock = threading.Lock()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="discovery") as side:
        # the schools' websites are searched while the accounts are read; the accounts found
        # there (rarely any) are read once the search is over
        discovering = side.submit(_safe_discover, sources, registry)
        # before the reads: the accounts the look-ups find are read in the same batches as the others
        lookups = _safe_lookups(sources, registry)
        looked_up = lookups.discovered if lookups is not None else []
        wanted = _wanted(registry, looked_up)
        with Progress(sum(len(handles) for handles in wanted.values()), "Comptes lus") as bar:

            def answered(network: str, read: dict[str, Snapshot]) -> None:
                with lock:
                    bar.advance(len(read), item=Network(network).label)
                # a platform's pictures download while the others are still being read
                sources.images.identify((snap.avatar_url, snap.avatar_key) for snap in read.values())
                sources.images.prefetch(_image_urls(read.values()))

            per_network = _fetch_all(sources.adapters, wanted, answered)
            linked, unread_sites = discovering.result()
            discovered = _merged(linked, looked_up)
            extra = {
                network: [h for h in handles if h not in per_network.get(network, {})]
                for network, handles in _wanted(registry, discovered).items()
            }
            extra = {network: handles for network, handles in extra.items() if handles}
            if extra:
                for network, read in _fetch_all(sources.adapters, extra, answered).items():
                    per_network.setdefault(network, {}).update(read)
    snapshots, found = _by_account(registry, discovered, per_network)
    discovered = [replace(d, snapshot=found.get((d.network, d.handle))) for d in discovered]
    if after_reads is not None:
        try:
            after_reads(snapshots)
        except Exception:  # a head start for what comes after the audit, nothing more
            log.exception("after_reads failed")
    every = [*snapshots.values(), *(d.snapshot for d in discovered if d.snapshot)]
    early = Context(
        registry=registry,
        settings=settings,
        now=started,
        snapshots=snapshots,
        images=PENDING,
        links=PENDING,
        logos=sources.logos,
        discovered=tuple(discovered),
    )
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="links") as side:
        # the websites are other hosts than the CDNs: links are checked while images download
        pending_links = side.submit(sources.links.check, _link_urls(snapshots.values()))
        urls = _image_urls(every)
        ahead = evaluate_ahead(early)  # the checks that need neither, while they download
        with Progress(len(urls), "Images") as bar:
            images = sources.images.fetch_many(urls, advance=bar.advance)
        links = pending_links.result()
    stats = getattr(sources.images, "stats", None)
    log.info(
        "pictures: %d asked, %d read (%s); links: %d checked",
        len(urls), sum(1 for e in images.values() if e.fingerprint is not None),
        ", ".join(f"{k} {v}" for k, v in stats().items()) if stats else "-", len(links),
    )  # fmt: skip
    context = replace(early, images=images, links=links)  # the same memo: what was derived stays
    with Progress(len(registry.accounts), "Vérifications") as bar:
        results = evaluate_all(context, advance=bar.advance, ahead=ahead)
    outcomes = [_outcome(account, snapshots.get(account.id)) for account in registry.accounts]
    notes = platform_notes(sources.adapters)
    if lookups is not None:
        summary = lookups.summary()
        notes += tuple(([summary] if summary else []) + lookups.lines)
    return AuditOutcome(
        started,
        clock(),
        outcomes,
        results,
        snapshots,
        discovered,
        context,
        unread_sites=unread_sites,
        notes=notes,
        lookups=lookups,
    )


def platform_notes(adapters: Mapping[str, PlatformAdapter], *, logged: bool = True) -> tuple[str, ...]:
    """Each adapter's note on the night (an adapter without `night_note` has none), logged too."""
    notes = []
    for adapter in adapters.values():
        note = getattr(adapter, "night_note", lambda: None)()
        if note:
            if logged:
                log.info("%s", note)
            notes.append(note)
    return tuple(notes)


def _safe_discover(sources: Sources, registry: Registry) -> tuple[list[Discovered], list[tuple[str, str]]]:
    """(candidates, sites that could not be read)."""
    try:
        found = sources.discover(registry)
    except Exception:  # discovery is a bonus: never let it spoil the night
        log.exception("discovery failed")
        return [], [("—", "erreur interne de Vigie pendant la recherche")]
    if hasattr(found, "candidates"):
        return list(found.candidates), list(found.unread)
    return list(found), []


def _safe_lookups(sources: Sources, registry: Registry) -> LookupNight | None:
    if sources.lookups is None:
        return None
    try:
        return sources.lookups(registry)
    except Exception:  # the look-ups are a bonus too: the registry's accounts are read all the same
        log.exception("look-ups failed")
        return None


def _merged(linked: list[Discovered], looked_up: list[Discovered]) -> list[Discovered]:
    """The sites' candidates, then the look-ups' that no site links to (a site's link says more)."""
    known = {account_key(d.network, d.handle) for d in linked}
    return linked + [d for d in looked_up if account_key(d.network, d.handle) not in known]


def _fetch_all(
    adapters: Mapping[str, PlatformAdapter],
    wanted: Mapping[str, list[str]],
    answered: Callable[[str, dict[str, Snapshot]], None] = lambda network, read: None,
) -> dict[str, dict[str, Snapshot]]:
    """Every platform read once, concurrently; per platform, its snapshots by handle.

    A platform with many handles is read in slices (FIRST_SLICES, then SLICE at a time; the adapters
    batch within each slice: the calls barely change), and `answered` is told each slice's snapshots
    as soon as they are read: their pictures download while the rest of the platform is read."""

    def tell(network: str, read: dict[str, Snapshot]) -> None:
        try:
            answered(network, read)
        except Exception:  # a head start, nothing more: fetch_many asks again
            log.exception("could not start the downloads for %s", network)

    def read(network: str) -> dict[str, Snapshot]:
        started = time.monotonic()
        handles = wanted[network]
        adapter = adapters.get(network)
        if adapter is None:
            read_ = {h: unverified(network, h, NO_CREDENTIALS) for h in handles}
            tell(network, read_)
            return read_
        read_ = {}
        rest = list(handles)
        sizes = iter(FIRST_SLICES)
        while rest:
            size = next(sizes, SLICE)
            part, rest = rest[:size], rest[size:]
            if read_ and not any(snap.verified for snap in read_.values()):
                part, rest = part + rest, []  # nothing answered: no more slices to spend calls on
            try:
                got = adapter.fetch(part)
            except Exception:  # an adapter bug must not take the other platforms down
                log.exception("adapter %s failed", network)
                got = {
                    h: unverified(network, h, "erreur interne de Vigie en lisant cette plateforme")
                    for h in part
                }
            read_.update(got)
            tell(network, got)
        answered_ = sum(1 for snap in read_.values() if snap.verified)
        log.info(
            "%s: %d account(s) asked, %d answered, %s call(s), %.1f s",
            network, len(handles), answered_, getattr(adapter, "calls", "?"), time.monotonic() - started,
        )  # fmt: skip
        return read_

    with ThreadPoolExecutor(max_workers=max(1, len(wanted))) as pool:
        reads = {network: pool.submit(read, network) for network in wanted}
        return {network: future.result() for network, future in reads.items()}


def _by_account(
    registry: Registry, discovered: list[Discovered], per_network: Mapping[str, Mapping[str, Snapshot]]
) -> tuple[dict[str, Snapshot], dict[tuple[str, str], Snapshot]]:
    """The registered accounts' snapshots by account id; the discovered ones' by (network, handle)."""
    snapshots = {}
    for account in registry.accounts:
        if account.network is not Network.FACEBOOK_GROUP:
            snapshots[account.id] = per_network.get(account.network.value, {}).get(
                account.handle
            ) or unverified(
                account.network.value, account.handle, "la plateforme n'a rien répondu pour ce compte"
            )
    found = {
        (d.network, d.handle): per_network[d.network][d.handle]
        for d in discovered
        if d.network in per_network and d.handle in per_network[d.network]
    }
    return snapshots, found


def _wanted(registry: Registry, discovered: list[Discovered]) -> dict[str, list[str]]:
    """Per platform, the handles to read (registry's and discovered ones, each once)."""
    wanted: dict[str, list[str]] = defaultdict(list)
    for account in registry.accounts:
        if account.network is not Network.FACEBOOK_GROUP:
            wanted[account.network.value].append(account.handle)
    for candidate in discovered:
        if candidate.network in (n.value for n in Network if n is not Network.FACEBOOK_GROUP):
            wanted[candidate.network].append(candidate.handle)
    return {network: list(dict.fromkeys(handles)) for network, handles in wanted.items()}


def _image_urls(snapshots: list[Snapshot]) -> list[str]:
    urls = []
    for snap in snapshots:
        if snap.ok:
            urls += [u for u in (snap.avatar_url, snap.cover_url) if u]
    return list(dict.fromkeys(urls))


def _link_urls(snapshots) -> list[str]:
    return list(dict.fromkeys(url for snap in snapshots if snap.ok for url in snap.links))


def _outcome(account: Account, snap: Snapshot | None) -> AccountOutcome:
    if account.network is Network.FACEBOOK_GROUP:
        # A Facebook group is verified: its platform checks are `manuel` by design (no API since 2024).
        return AccountOutcome(account.id, account.school, account.network.value, True, None)
    verified = snap is not None and snap.verified
    reason = None if verified else (snap.reason if snap else "non lu")
    return AccountOutcome(account.id, account.school, account.network.value, verified, reason)
