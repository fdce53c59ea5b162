"""How a DA 142 check is declared, what it returns, and what it may look at.

A check is declared once, with its id, clause, severity and French texts, next
to its detection code (the Ruff model). Checks are pure: they see the account,
its snapshot and a `Context` built beforehand by the I/O stages; no network,
no SQL, no clock (the time of the run is `Context.now`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from scanner.config.models import Account, Network, Registry, Settings
from scanner.platforms.snapshot import FetchStatus, Snapshot


class Status(StrEnum):
    CONFORME = "conforme"
    NON_CONFORME = "non_conforme"
    NON_VERIFIABLE = "non_verifiable"
    MANUEL = "manuel"
    DEROGATION = "derogation"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.CONFORME: "conforme",
    Status.NON_CONFORME: "non conforme",
    Status.NON_VERIFIABLE: "non vérifiable",
    Status.MANUEL: "vérification manuelle",
    Status.DEROGATION: "dérogation",
}


class Severity(StrEnum):
    CRITIQUE = "critique"
    MAJEURE = "majeure"
    MINEURE = "mineure"
    INFO = "info"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a check function returns: a status and a French detail."""

    status: Status
    detail: str | None = None


def conforme(detail: str | None = None) -> Outcome:
    return Outcome(Status.CONFORME, detail)


def non_conforme(detail: str) -> Outcome:
    return Outcome(Status.NON_CONFORME, detail)


def non_verifiable(reason: str) -> Outcome:
    return Outcome(Status.NON_VERIFIABLE, reason)


def manuel(detail: str) -> Outcome:
    return Outcome(Status.MANUEL, detail)


@dataclass(frozen=True, slots=True)
class ImageEvidence:
    """An image fetched by the I/O stage: its fingerprint (`scanner.net.imaging`) or why it is missing."""

    url: str
    fingerprint: Any | None = None  # scanner.net.imaging.Fingerprint
    error: str | None = None  # French
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class LinkEvidence:
    """A link checked once per run by the I/O stage."""

    url: str
    alive: bool | None  # None: not checked (not allowed, no network)
    status_code: int | None = None
    final_url: str | None = None
    error: str | None = None  # French


@dataclass(frozen=True)
class Discovered:
    """An account found outside the registry (linked from a website, or a look-alike look-up)."""

    network: str
    handle: str
    url: str
    found_on: str  # the page or the look-up that revealed it
    school: str | None  # the school whose site linked it, if any
    snapshot: Snapshot | None = None
    variant: str | None = None  # the look-alike handle or name a look-up searched to find it


@dataclass(frozen=True)
class Context:
    registry: Registry
    settings: Settings
    now: dt.datetime  # aware, the time of the run
    snapshots: Mapping[str, Snapshot] = field(default_factory=dict)  # account id -> snapshot
    images: Mapping[str, ImageEvidence] = field(default_factory=dict)  # url -> evidence
    links: Mapping[str, LinkEvidence] = field(default_factory=dict)  # normalised url -> evidence
    logos: Mapping[str, Any] = field(default_factory=dict)  # school id, or "board" -> Fingerprint
    discovered: tuple[Discovered, ...] = ()
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """Something derived from the whole registry, computed once per run (not once per account)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


class NotReady(Exception):
    """A check looked at pictures or links still downloading (`PENDING`): it is judged later."""


class _Pending(Mapping[str, Any]):
    """The context's pictures and links while they download: any look raises `NotReady`, so the
    checks that need neither can be judged in the meantime (`runner.evaluate_ahead`)."""

    def __getitem__(self, key: str) -> Any:
        raise NotReady(key)

    def __iter__(self) -> Iterator[str]:
        raise NotReady()

    def __len__(self) -> int:
        raise NotReady()


PENDING: Mapping[str, Any] = _Pending()


SUPPORT = "{soutien}"  # in a `fix`: the person to ask for technical help (`Check.fix_for`)
GENERIC_SUPPORT = "la technicienne ou le technicien informatique du CSNO"


def support_contact(board) -> str:
    """Who a `fix` sends people to: the registry's technician, else the coordinator, by name."""
    if board.technician is not None:
        return f"{board.technician.name} ({board.technician.email})"
    return f"{board.coordinator.name}, coordonnatrice des communications ({board.coordinator.email})"


# A check returns None when it does not apply to this account: nothing is emitted.
CheckFn = Callable[[Account, Snapshot | None, Context], Outcome | None]
# A check of the discovered accounts judges them all at once: one outcome per account it reports.
DiscoveredFn = Callable[[Context], Iterable[tuple[Discovered, Outcome]]]


class Judges(StrEnum):
    """What a check judges: the registry's accounts (`CheckFn`), those found outside it
    (`DiscoveredFn`), or publications one by one (`scanner.checks.publications`)."""

    REGISTERED = "registered"
    DISCOVERED = "discovered"
    POSTS = "posts"


@dataclass(frozen=True, slots=True)
class PictureEvidence:
    """What a picture check shows beside its finding: the account's picture and the logo it should be."""

    picture: str  # "avatar" (profile picture) or "cover" (banner): see `picture_url`
    logo: str  # "school" (the account's school's logo) or "board" (the CSNO's)


def picture_url(snapshot: Snapshot | None, picture: str) -> str | None:
    """The URL of the account's "avatar" or "cover" picture, as the platform showed it."""
    if snapshot is None:
        return None
    return {"avatar": snapshot.avatar_url, "cover": snapshot.cover_url}[picture]


@dataclass(frozen=True)
class Check:
    id: str
    clause: str  # "§5.d", "Créer un compte"
    severity: Severity
    title: str  # French, short
    verifies: str  # « Ce que vérifie la règle »
    why: str  # « Pourquoi »
    fix: str  # « Comment corriger »: a principal can act on it
    needs_platform: bool  # True: needs the live account (manuel for Facebook groups)
    fn: CheckFn | DiscoveredFn = field(compare=False, repr=False)
    networks: frozenset[str] | None = None  # None: every network; else the networks it applies to
    judges: Judges = Judges.REGISTERED
    gone_accounts: bool = False  # True: also called when the platform says the account is gone
    evidence: PictureEvidence | None = None  # the pictures the report shows beside a finding

    @property
    def per_post(self) -> bool:
        """Judged post by post by the publications stage, never per account."""
        return self.judges is Judges.POSTS

    def fix_for(self, support: str) -> str:
        """`fix` with `{soutien}` (who gives technical help) replaced by a person or a role."""
        return self.fix.replace(SUPPORT, support)

    def applies_to(self, account: Account) -> bool:
        return self.networks is None or account.network.value in self.networks


@dataclass(frozen=True, slots=True)
class PostRef:
    """The publication a content verdict is about (DA 142 §2.b.iii, §3.b, Annexe A)."""

    id: str  # the platform's own id
    permalink: str | None = None


@dataclass(frozen=True, slots=True)
class Result:
    """One status for one (account, check) in one run; a content check's is for one (account, check, post)."""

    account: str
    check: str
    status: Status
    detail: str | None = None
    post: PostRef | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """(account, check, post id or ""): what a finding is keyed on."""
        return self.account, self.check, self.post.id if self.post else ""


# ---------------------------------------------------------------- shared by the runner and the checks

NO_SNAPSHOT = "aucune donnée de la plateforme pour ce compte"
GROUP_NO_API = "Les groupes Facebook n’ont plus d’API depuis avril 2024\u00a0: vérifiez à la main"
_UNREACHABLE = {
    FetchStatus.NOT_FOUND: "compte introuvable",
    FetchStatus.SUSPENDED: "compte suspendu",
    FetchStatus.PRIVATE: "compte privé",
}


def platform_gate(account: Account, snapshot: Snapshot | None, *, gone: bool = False) -> Outcome | None:
    """The outcome of a platform check that cannot look at the live account, or None when it can.

    `gone=True` (a check declared with `gone_accounts`) goes through when the platform answered « gone ».
    """
    if account.network is Network.FACEBOOK_GROUP:
        return Outcome(Status.MANUEL, GROUP_NO_API)
    if snapshot is None:
        return Outcome(Status.NON_VERIFIABLE, NO_SNAPSHOT)
    if snapshot.status is FetchStatus.ERROR:
        return Outcome(Status.NON_VERIFIABLE, snapshot.reason or NO_SNAPSHOT)
    if snapshot.status is not FetchStatus.OK and not gone:
        return Outcome(Status.NON_VERIFIABLE, _UNREACHABLE.get(snapshot.status, "compte inaccessible"))
    return None


def board_today(ctx: Context) -> dt.date:
    """The date of the run in the board's time zone (an exception valid « until » that day inclusive)."""
    now = ctx.now if ctx.now.tzinfo else ctx.now.replace(tzinfo=dt.UTC)
    return now.astimezone(ZoneInfo(ctx.settings.timezone)).date()
