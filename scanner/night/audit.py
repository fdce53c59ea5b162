"""One night's audit: registry -> platforms (fetch once) -> checks (pure) -> results.

`audit(registry, settings, sources, clock)` takes everything it uses: the tests pass a
real sandbox behind real adapters, the CLI passes adapters pointed at the platforms.
It never raises for one account: what cannot be read is `non_verifiable` with its reason.
History, report and notices come after, in `scanner.night.job`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from typing import Protocol

from scanner.checks.base import Context, Discovered, ImageEvidence, LinkEvidence, Result
from scanner.config.models import Account, Network, Registry, Settings
from scanner.history.store import AccountOutcome
from scanner.platforms.base import PlatformAdapter
from scanner.platforms.snapshot import Snapshot, unverified

log = logging.getLogger(__name__)


class ImageSource(Protocol):
    def due(self) -> list[str]: ...  # last run's pictures, to be asked again

    def prefetch(self, urls: Sequence[str]) -> None: ...  # start, don't wait

    def fetch_many(self, urls: Sequence[str]) -> dict[str, ImageEvidence]: ...


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
    fetch_image: Callable[[str], bytes | None] | None = None  # raw bytes, for the report's side-by-side
    closers: list[Callable[[], None]] = field(default_factory=list)  # save caches when the night is over


@dataclass
class AuditOutcome:
    started_at: dt.datetime
    finished_at: dt.datetime
    accounts: list[AccountOutcome]
    results: list[Result]
    snapshots: dict[str, Snapshot]
    discovered: list[Discovered]
    context: Context
    stats: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # what the platforms say about the night (X's cost), French
    unread_sites: list[tuple[str, str]] = field(default_factory=list)  # (site, French reason)

    @property
    def complete(self) -> bool:
        return all(a.verified for a in self.accounts)

    @property
    def discovery_complete(self) -> bool:
        """The search for undeclared accounts read every site: an account not found is not there."""
        return not self.unread_sites


def audit(
    registry: Registry, settings: Settings, sources: Sources, clock: Callable[[], dt.datetime]
) -> AuditOutcome:
    from scanner.checks.runner import evaluate, evaluate_discovered

    started = clock()
    # Last night's pictures that must be asked again are revalidated during discovery and
    # the platform reads: on an unchanged world, tonight's pictures are the same URLs.
    sources.images.prefetch(sources.images.due())
    discovered, unread_sites = _safe_discover(sources, registry)
    snapshots, found = _fetch_all(
        registry,
        discovered,
        sources.adapters,
        # a platform's pictures download while the others are still being read
        answered=lambda read: sources.images.prefetch(_image_urls(read.values())),
    )
    discovered = [replace(d, snapshot=found.get((d.network, d.handle))) for d in discovered]
    every = [*snapshots.values(), *(d.snapshot for d in discovered if d.snapshot)]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="links") as side:
        # the websites are other hosts than the CDNs: links are checked while images download
        pending_links = side.submit(sources.links.check, _link_urls(snapshots.values()))
        images = sources.images.fetch_many(_image_urls(every))
        links = pending_links.result()
    stats = getattr(sources.images, "stats", None)
    log.info(
        "pictures: %d asked, %d read (%s); links: %d checked",
        len(_image_urls(every)), sum(1 for e in images.values() if e.fingerprint is not None),
        ", ".join(f"{k} {v}" for k, v in stats().items()) if stats else "-", len(links),
    )  # fmt: skip
    context = Context(
        registry=registry,
        settings=settings,
        now=started,
        snapshots=snapshots,
        images=images,
        links=links,
        logos=sources.logos,
        discovered=tuple(discovered),
    )
    results: list[Result] = []
    for account in registry.accounts:
        results += evaluate(account, snapshots.get(account.id), context)
    results += evaluate_discovered(context)
    outcomes = [_outcome(account, snapshots.get(account.id)) for account in registry.accounts]
    notes = _platform_notes(sources.adapters)
    return AuditOutcome(
        started, clock(), outcomes, results, snapshots, discovered, context, unread_sites=unread_sites, notes=notes
    )


def _platform_notes(adapters: Mapping[str, PlatformAdapter]) -> tuple[str, ...]:
    """Each adapter's note on the night (an adapter without `night_note` has none), logged too."""
    notes = []
    for adapter in adapters.values():
        note = getattr(adapter, "night_note", lambda: None)()
        if note:
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


def _fetch_all(
    registry: Registry,
    discovered: list[Discovered],
    adapters: Mapping[str, PlatformAdapter],
    answered: Callable[[dict[str, Snapshot]], None] = lambda read: None,
) -> tuple[dict[str, Snapshot], dict[tuple[str, str], Snapshot]]:
    """Every platform read once, concurrently: registry handles and discovered ones in the same batches.

    `answered` is told each platform's snapshots as soon as that platform is read."""
    wanted: dict[str, list[str]] = defaultdict(list)
    for account in registry.accounts:
        if account.network is not Network.FACEBOOK_GROUP:
            wanted[account.network.value].append(account.handle)
    for candidate in discovered:
        if candidate.network in (n.value for n in Network if n is not Network.FACEBOOK_GROUP):
            wanted[candidate.network].append(candidate.handle)

    def read(network: str) -> dict[str, Snapshot]:
        started = time.monotonic()
        handles = list(dict.fromkeys(wanted[network]))
        adapter = adapters.get(network)
        if adapter is None:
            from scanner.platforms.base import NO_CREDENTIALS

            return {h: unverified(network, h, NO_CREDENTIALS) for h in handles}
        try:
            read_ = adapter.fetch(handles)
        except Exception:  # an adapter bug must not take the other platforms down
            log.exception("adapter %s failed", network)
            read_ = {
                h: unverified(network, h, "erreur interne de Vigie en lisant cette plateforme")
                for h in handles
            }
        answered = sum(1 for snap in read_.values() if snap.verified)
        log.info(
            "%s: %d account(s) asked, %d answered, %s call(s), %.1f s",
            network, len(handles), answered, getattr(adapter, "calls", "?"), time.monotonic() - started,
        )  # fmt: skip
        return read_

    per_network: dict[str, dict[str, Snapshot]] = {}
    with ThreadPoolExecutor(max_workers=max(1, len(wanted))) as pool:
        reads = {pool.submit(read, network): network for network in wanted}
        for done in as_completed(reads):
            per_network[reads[done]] = done.result()
            try:
                answered(per_network[reads[done]])
            except Exception:  # a head start, nothing more: fetch_many asks again
                log.exception("could not start the downloads for %s", reads[done])
    snapshots = {}
    for account in registry.accounts:
        if account.network is not Network.FACEBOOK_GROUP:
            snapshots[account.id] = per_network[account.network.value].get(account.handle) or unverified(
                account.network.value, account.handle, "la plateforme n'a rien répondu pour ce compte"
            )
    found = {
        (d.network, d.handle): per_network[d.network][d.handle]
        for d in discovered
        if d.network in per_network and d.handle in per_network[d.network]
    }
    return snapshots, found


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
