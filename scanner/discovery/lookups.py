"""Tonight's look-alike look-ups, made (issue 17, items 2–3): plan, search, remember.

Before the accounts are read, the planner (`scanner.discovery.lookup_plan`) picks tonight's share
of the round on each platform that can be searched; each platform's searcher
(`scanner.platforms.search`) makes the calls; the accounts found that the registry does not know
become `Discovered` candidates (`variant`: the handle or name searched), read with the others in
the same batches and judged by `account.unregistered`, which flags only those that present
themselves as the board's or a school's.

What is remembered between nights (`LookupState`, kept in SQLite by `scanner.history.lookups`):
the night each look-up was last made (the round's progress), the accounts found (re-read every
night, never searched again while they exist), and a platform's refusal (Facebook without *Page
Public Metadata Access*): no call is made to it again before a round has passed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from scanner.checks.base import Discovered
from scanner.config.models import LookupSettings, Registry, account_key
from scanner.discovery import variants
from scanner.discovery.lookup_plan import Lookup, NightPlan, all_lookups, plan_night, shortfalls
from scanner.discovery.variants import PLATFORMS, lookup_key
from scanner.platforms.search import PLATFORM_NAMES, SearchAnswer, Searcher
from scanner.platforms.snapshot import FetchStatus
from scanner.plumbing.atomic_write import write_atomic
from scanner.plumbing.french import plural

log = logging.getLogger(__name__)

# the generator's rules and weights: a change of them makes the kept look-ups of no use
GENERATOR_VERSION = hashlib.sha256(Path(variants.__file__).read_bytes()).hexdigest()[:16]


@dataclass(frozen=True)
class FoundAccount:
    """An account a look-up found, remembered so that later nights re-read it without searching."""

    platform: str
    handle: str  # as the audit reads it
    url: str
    owner: str  # the school (or « board ») whose variant found it
    variant: str  # the handle or the name searched
    first_night: dt.date
    platform_id: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.platform, lookup_key(self.platform, self.handle)

    def discovered(self) -> Discovered:
        return Discovered(
            network=self.platform,
            handle=self.handle,
            url=self.url,
            found_on=f"recherche {PLATFORM_NAMES[self.platform]}",
            school=None,  # no site links it: a look-up found it
            variant=self.variant,
        )


@dataclass(frozen=True)
class Refusal:
    night: dt.date
    reason: str  # French


@dataclass
class LookupState:
    history: dict[str, dt.date] = field(default_factory=dict)  # look-up key -> night last made
    found: dict[tuple[str, str], FoundAccount] = field(default_factory=dict)
    refusals: dict[str, Refusal] = field(default_factory=dict)  # platform -> its last refusal


@dataclass
class PlatformNight:
    planned: int = 0  # look-ups tonight
    spent: int = 0  # in the budget's unit
    calls: int = 0
    units: int = 0  # YouTube: quota units spent
    found: int = 0  # new accounts found


@dataclass
class LookupNight:
    plan: NightPlan
    state: LookupState  # after tonight's look-ups (saved with the night)
    discovered: list[Discovered]  # every found account to read tonight: new and remembered
    platforms: dict[str, PlatformNight]
    lines: list[str]  # French, for the report: what could not be searched, and why
    seconds: float = 0.0

    def after_reading(self, discovered: Iterable[Discovered]) -> LookupState:
        """The state to save: found accounts the platform now says are gone are forgotten (searched
        again in a later round, should they come back)."""
        gone = {
            account_key(d.network, d.handle)
            for d in discovered
            if d.variant and d.snapshot is not None and d.snapshot.status is FetchStatus.NOT_FOUND
        }
        found = {k: f for k, f in self.state.found.items() if account_key(f.platform, f.handle) not in gone}
        return replace(self.state, found=found)

    def summary(self) -> str | None:
        """One French line: what tonight's look-ups did (none: nothing searched)."""
        parts = []
        for platform, night in self.platforms.items():
            if night.planned:
                what = plural(night.planned, "recherche")
                found = f", {plural(night.found, 'compte trouvé', 'comptes trouvés')}" if night.found else ""
                parts.append(f"{PLATFORM_NAMES[platform]} {what}{found}")
        if not parts:
            return None
        return "Recherche de comptes semblables cette nuit\u00a0: " + ", ".join(parts)


def cached_lookups(registry: Registry, path: Path | None) -> list[Lookup]:
    """`all_lookups(registry)`, kept in `path` between nights: they change only with the registry's
    names, handles, acronyms and websites (a 500-school registry's take about 30 s of CPU to make)."""
    key = _registry_key(registry)
    if path is not None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("key") == key:
                return [Lookup(*row) for row in data["lookups"]]
        except (OSError, ValueError, TypeError, KeyError):
            pass  # absent, unreadable or of another version: made again
    made = all_lookups(registry)
    if path is not None:
        rows = [[lk.platform, lk.kind, lk.text, lk.owner, lk.score] for lk in made]
        try:
            write_atomic(path, json.dumps({"key": key, "lookups": rows}, ensure_ascii=False).encode("utf-8"))
        except OSError:
            log.warning("could not keep the look-ups in %s", path)
    return made


def _registry_key(registry: Registry) -> str:
    """What the look-ups are made from, hashed (with the generator's version: its module's source)."""
    board = registry.board
    parts = {
        "board": [board.name, board.suffix, board.website],
        "schools": [[s.id, s.name, list(s.acronyms), s.website] for s in registry.schools],
        "accounts": [[a.network.value, a.handle, a.school, a.official] for a in registry.accounts],
        "generator": GENERATOR_VERSION,
    }
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


def run_lookups(
    registry: Registry,
    settings: LookupSettings,
    state: LookupState,
    searchers: Mapping[str, Searcher],
    night: dt.date,
    *,
    clock: Callable[[], float] = time.monotonic,
    lookups: list[Lookup] | None = None,
) -> LookupNight:
    """Tonight's share of the round on every platform with a searcher (credentials configured).
    `lookups`: the round's look-ups when already made (`cached_lookups`); else made here."""
    started = clock()
    lines: list[str] = []
    history = dict(state.history)
    refusals = dict(state.refusals)
    found = dict(state.found)
    searchable = []
    for platform in PLATFORMS:
        if platform not in searchers:
            continue
        refusal = refusals.get(platform)
        if refusal is not None and (night - refusal.night).days < settings.every_days:
            lines.append(refusal.reason)  # no call before a round has passed: the answer would be the same
            continue
        searchable.append(platform)
    plan = plan_night(
        all_lookups(registry) if lookups is None else lookups,
        settings,
        night,
        history,
        found=[(f.platform, f.handle) for f in found.values()],
        platforms=searchable,
    )
    lines += shortfalls(plan, settings)
    registered = {account_key(a.network, a.handle) for a in registry.accounts}
    by_key = {lookup.key: lookup for lookup in plan.lookups()}
    ids = {(f.platform, f.platform_id) for f in found.values() if f.platform_id}
    nights: dict[str, PlatformNight] = {}
    for platform, part in plan.platforms.items():
        tonight = nights[platform] = PlatformNight(planned=len(part.lookups), spent=part.spent)
        if not part.lookups:
            continue
        answer = _search(searchers[platform], part.lookups)
        tonight.calls, tonight.units = answer.calls, answer.units
        for key in answer.made:
            history[key] = night
        if answer.refused:
            refusals[platform] = Refusal(night, answer.problem or "")
        else:
            refusals.pop(platform, None)
        if answer.problem:
            lines.append(answer.problem)
        # a handle found says more than a name searched: one account found both ways keeps its handle
        for hit in sorted(answer.hits, key=lambda h: ":search:" in h.key):
            lookup = by_key.get(hit.key)
            account = FoundAccount(platform, hit.handle, hit.url, lookup.owner if lookup else "board",
                                   lookup.text if lookup else hit.handle, night, hit.platform_id)  # fmt: skip
            if account_key(platform, hit.handle) in registered or account.key in found:
                continue
            if hit.platform_id and (platform, hit.platform_id) in ids:  # the same account, another handle
                continue
            found[account.key] = account
            ids.add((platform, hit.platform_id))
            tonight.found += 1
    new_state = LookupState(history, found, refusals)
    discovered = [account.discovered() for account in found.values()]
    result = LookupNight(plan, new_state, discovered, nights, lines, clock() - started)
    log.info(
        "look-ups: %s; %d account(s) found so far, %.1f s",
        ", ".join(f"{p} {n.planned} planned, {n.calls} call(s), {n.found} new" for p, n in nights.items())
        or "none",
        len(found),
        result.seconds,
    )
    return result


def _search(searcher: Searcher, lookups) -> SearchAnswer:
    try:
        return searcher.search(lookups)
    except Exception:  # a searcher's bug must not spoil the night: tonight's look-ups stay due
        log.exception("look-ups on %s failed", searcher.platform)
        return SearchAnswer(
            problem=f"La recherche de comptes semblables sur {PLATFORM_NAMES[searcher.platform]} a échoué "
            "(erreur interne de Vigie)\u00a0: elle sera reprise la nuit suivante"
        )
