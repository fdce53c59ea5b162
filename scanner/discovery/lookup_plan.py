"""Which look-alike look-ups to make tonight, within the budgets (issue 17, item 2). Pure.

The look-ups are the variant handles (`scanner.discovery.variants`) and the name searches. A
*round* looks every one of them up once in `lookups.every_days` nights; each `lookups.max_*`
budget is for a whole round. Tonight's *share* of a budget is its even part (the remainder
goes, one unit each, to the first nights of the round by date), so any `every_days`
consecutive nights together stay within the budget. Tonight takes, up to that share and to
its pace (a round's work divided by its nights, so the work is spread rather than done on the
first night), the look-ups that are due: never looked up, or looked up a round ago or more,
oldest first, then the most plausible. Accounts already found are not searched again: they
are re-read with the others.

What each look-up costs, as the platforms count it:
- X: `GET /2/users/by?usernames=` takes up to 100 usernames a call (X API v2 reference, « User
  lookup »); the pay-per-use plan bills a read per user returned, so the usernames sent bound
  the night's reads: `max_x_reads` counts usernames.
- YouTube: `channels.list` with `forHandle` costs 1 quota unit per handle, `search.list` 100
  units per name searched (YouTube Data API v3, « Quota calculator »): `max_youtube_units`.
- Instagram: `business_discovery` reads one username per call (Instagram Graph API, « Business
  Discovery »): `max_instagram_calls`.
- Facebook: a username read (`GET /{username}`) or a Pages search (`pages/search?q=`), one
  Graph API call each, both needing Page Public Metadata Access: `max_facebook_searches`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scanner.config.models import YOUTUBE_SEARCH_UNITS, LookupSettings, Registry
from scanner.discovery.variants import PLATFORMS, candidates, lookup_key, name_queries
from scanner.plumbing.french import number, plural

X_USERNAMES_PER_CALL = 100
YOUTUBE_HANDLE_UNITS = 1
HANDLE = "handle"
SEARCH = "search"
SEARCHED_BY_NAME = ("youtube", "facebook")

_NAMES = {"x": "X", "instagram": "Instagram", "youtube": "YouTube", "facebook": "Facebook"}
_UNITS = {
    "x": ("lecture", "lectures"),
    "instagram": ("appel", "appels"),
    "youtube": ("unité de quota", "unités de quota"),
    "facebook": ("recherche", "recherches"),
}
_SETTINGS = {  # the setting of each platform's budget
    "x": "max_x_reads",
    "instagram": "max_instagram_calls",
    "youtube": "max_youtube_units",
    "facebook": "max_facebook_searches",
}


@dataclass(frozen=True)
class Lookup:
    """One thing to look up: a handle, or a name to search, on one platform."""

    platform: str
    kind: str  # HANDLE or SEARCH
    text: str  # the handle (without « @ ») or the name searched
    owner: str  # school id, or "board"
    score: float  # plausibility: the order within the same age

    @property
    def key(self) -> str:
        """Its identity in the history of look-ups: « x:handle:eqv_csn0 »."""
        text = lookup_key(self.platform, self.text) if self.kind == HANDLE else self.text.casefold()
        return f"{self.platform}:{self.kind}:{text}"

    @property
    def cost(self) -> int:
        """In the unit of the platform's budget."""
        if self.platform == "youtube":
            return YOUTUBE_SEARCH_UNITS if self.kind == SEARCH else YOUTUBE_HANDLE_UNITS
        return 1


@dataclass(frozen=True)
class PlatformPlan:
    platform: str
    lookups: tuple[Lookup, ...]
    share: int  # tonight's share of the round's budget
    round_cost: int  # what looking everything up once costs, in the budget's unit
    pace: int  # a round's work divided by its nights
    due: int  # look-ups due tonight (never made, or a round old or more)
    deferred: int  # due, but beyond tonight's share or pace: left for the next nights

    @property
    def spent(self) -> int:
        """What tonight's look-ups cost, in the budget's unit."""
        return sum(lookup.cost for lookup in self.lookups)

    @property
    def calls(self) -> int:
        """HTTP requests to the platform (X batches 100 usernames a call)."""
        if self.platform == "x":
            return math.ceil(len(self.lookups) / X_USERNAMES_PER_CALL)
        return len(self.lookups)

    def batches(self) -> list[tuple[Lookup, ...]]:
        """The look-ups as the requests send them: 100 usernames per X call, one elsewhere."""
        size = X_USERNAMES_PER_CALL if self.platform == "x" else 1
        return [self.lookups[i : i + size] for i in range(0, len(self.lookups), size)]


@dataclass(frozen=True)
class NightPlan:
    night: dt.date
    platforms: Mapping[str, PlatformPlan]

    def lookups(self) -> list[Lookup]:
        return [lookup for plan in self.platforms.values() for lookup in plan.lookups]

    def x_cost_bound(self, price_per_read: float) -> float:
        """The most tonight's X look-ups can cost: every username sent found and billed."""
        return self.platforms["x"].spent * price_per_read if "x" in self.platforms else 0.0


def all_lookups(registry: Registry) -> list[Lookup]:
    """Every variant handle on its platform and every name search, from the registry."""
    found = [Lookup(c.platform, HANDLE, c.handle, c.owner, c.score) for c in candidates(registry)]
    queries = name_queries(registry)
    for platform in SEARCHED_BY_NAME:
        found += [
            Lookup(platform, SEARCH, text, owner, 1.0 - 0.01 * rank)
            for rank, (owner, text) in _ranked(queries)
        ]
    return found


def budget(settings: LookupSettings, platform: str) -> int:
    """A round's budget for one platform, in its unit."""
    return getattr(settings, _SETTINGS[platform])


def night_share(total: int, every_days: int, night: dt.date) -> int:
    """Tonight's part of a round's budget: any `every_days` consecutive nights sum to `total`."""
    base, extra = divmod(total, every_days)
    return base + (1 if night.toordinal() % every_days < extra else 0)


def plan_night(
    lookups: Iterable[Lookup],
    settings: LookupSettings,
    night: dt.date,
    history: Mapping[str, dt.date] | None = None,
    found: Iterable[tuple[str, str]] = (),
    platforms: Iterable[str] = PLATFORMS,
) -> NightPlan:
    """Tonight's look-ups per platform. `history`: look-up key → the night it was last made;
    `found`: (platform, handle) of accounts already found, re-read rather than searched;
    `platforms`: those that can be searched tonight (credentials, permissions)."""
    history = history or {}
    known = {(platform, lookup_key(platform, handle)) for platform, handle in found}
    by_platform: dict[str, list[Lookup]] = {platform: [] for platform in platforms}
    seen: set[str] = set()
    for lookup in lookups:
        if lookup.platform not in by_platform or lookup.key in seen:
            continue
        seen.add(lookup.key)
        if lookup.kind == HANDLE and (lookup.platform, lookup_key(lookup.platform, lookup.text)) in known:
            continue
        by_platform[lookup.platform].append(lookup)
    plans = {
        platform: _plan_platform(platform, items, settings, night, history)
        for platform, items in by_platform.items()
    }
    return NightPlan(night, plans)


def record(history: Mapping[str, dt.date], plan: NightPlan) -> dict[str, dt.date]:
    """The history after tonight's look-ups were made."""
    return {**history, **{lookup.key: plan.night for lookup in plan.lookups()}}


def _plan_platform(
    platform: str,
    items: list[Lookup],
    settings: LookupSettings,
    night: dt.date,
    history: Mapping[str, dt.date],
) -> PlatformPlan:
    days = settings.every_days
    share = night_share(budget(settings, platform), days, night)
    round_cost = sum(item.cost for item in items)
    pace = math.ceil(round_cost / days)
    allowance = min(share, pace)
    due = [item for item in items if _due(item, night, days, history)]
    due.sort(key=lambda item: (history.get(item.key, dt.date.min), -item.score, item.key))
    chosen, spent = [], 0
    for item in due:
        if spent + item.cost <= allowance:
            chosen.append(item)
            spent += item.cost
    return PlatformPlan(platform, tuple(chosen), share, round_cost, pace, len(due), len(due) - len(chosen))


def shortfalls(plan: NightPlan, settings: LookupSettings) -> list[str]:
    """French, for the report: one line per platform whose budget does not cover a round."""
    lines = []
    for platform, part in plan.platforms.items():
        have = budget(settings, platform)
        if 0 < have < part.round_cost:
            singular, several = _UNITS[platform]
            lines.append(
                f"Recherche de comptes semblables sur {_NAMES[platform]}\u00a0: un tour de "
                f"{plural(settings.every_days, 'nuit')} demande {plural(part.round_cost, singular, several)}, "
                f"le budget en permet {number(have)}; les autres recherches attendent les tours suivants. "
                f"Pour tout couvrir, portez «\u00a0lookups.{_SETTINGS[platform]}\u00a0» à {number(part.round_cost)}."
            )
    return lines


def _due(item: Lookup, night: dt.date, every_days: int, history: Mapping[str, dt.date]) -> bool:
    last = history.get(item.key)
    return last is None or (night - last).days >= every_days


def _ranked(queries: list[tuple[str, str]]) -> Iterable[tuple[int, tuple[str, str]]]:
    """Each owner's queries numbered from 0, in order: the first of every owner comes first."""
    rank_of: dict[str, int] = {}
    for owner, text in queries:
        rank = rank_of.get(owner, 0)
        rank_of[owner] = rank + 1
        yield rank, (owner, text)
