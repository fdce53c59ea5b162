"""The one table of DA 142 checks: each check is declared once, where its code is.

    @check(
        id="name.suffix", clause="§5.d", severity=Severity.MAJEURE,
        title="…", verifies="…", why="…", fix="…",   # French: the report and docs/regles/ use them
    )
    def name_suffix(account, snapshot, ctx) -> Outcome | None: ...

Conventions every check follows (the runner applies the rest uniformly):

- A check is a pure function `(account, snapshot, ctx) -> Outcome | None`.
- `needs_platform=True`: the runner calls it only with a snapshot whose status
  is OK; otherwise it writes `non_verifiable` (or `manuel` for a Facebook
  group) itself. `needs_platform=False`: the check reads only the registry and
  is called whatever the snapshot (which may be None).
- **Not applicable** (a Facebook check on X, a rule for official pages on a
  class account): the check is *not emitted*. Declare `networks=` for
  network-wide restrictions; return `None` from the function for the rest.
  A check that does not apply never yields `non_conforme`, nor `conforme`.
- `gone_accounts=True`: also called when the platform says the account is gone
  (not found, suspended, private): `account.reachable` reports exactly that.
- `judges=Judges.DISCOVERED`: the check judges the accounts found outside the
  registry, all at once: `(ctx) -> [(Discovered, Outcome)]` over `ctx.discovered`.
- `evidence=PictureEvidence(picture, logo)`: the report shows that picture of the
  account beside the official logo expected, for each `non_conforme`.
- Exceptions raised by a check become `non_verifiable` for that check only.
- `judges=Judges.POSTS` (the `content.*` checks of `scanner.checks.publications`): the
  check judges one publication, `fn(post, tools)`; the per-account runner skips
  it and the publications stage calls it for each new post.

Importing any module of `scanner.checks` runs the package's `__init__`, which
imports every check module: the catalogue is complete before anyone reads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from scanner.checks.base import Check, CheckFn, DiscoveredFn, Judges, PictureEvidence, Severity

# The order of the SPEC table: reports and docs list checks in this order.
ORDER = (
    "permission.on-file",
    "plan.complete",
    "admins.count",
    "admins.teacher",
    "admins.staff",
    "admins.platform",
    "name.suffix",
    "name.official",
    "name.acronym",
    "name.registered",
    "official.unique",
    "account.reachable",
    "account.unregistered",
    "logo.school",
    "logo.board",
    "links.school",
    "links.board",
    "links.alive",
    "description.official",
    "contact.school-email",
    "activity.calendar",
    "facebook.page-kind",
)

CATALOGUE: dict[str, Check] = {}

_REQUIRED_TEXTS = ("title", "verifies", "why", "fix")


def check(
    *,
    id: str,  # noqa: A002 - the SPEC's word
    clause: str,
    severity: Severity,
    title: str,
    verifies: str,
    why: str,
    fix: str,
    needs_platform: bool = True,
    networks: Iterable[str] | None = None,
    judges: Judges = Judges.REGISTERED,
    gone_accounts: bool = False,
    evidence: PictureEvidence | None = None,
) -> Callable[[CheckFn | DiscoveredFn], CheckFn | DiscoveredFn]:
    """Declare and register a check; its texts are validated here, once, at declaration."""
    texts = {"title": title, "verifies": verifies, "why": why, "fix": fix}
    missing = [name for name in _REQUIRED_TEXTS if not texts[name].strip()]
    if missing:
        raise ValueError(f"check {id}: missing text {missing}")
    if id in CATALOGUE:
        raise ValueError(f"check {id} declared twice")

    def register(fn: CheckFn | DiscoveredFn) -> CheckFn | DiscoveredFn:
        CATALOGUE[id] = Check(
            id=id,
            clause=clause,
            severity=severity,
            title=title.strip(),
            verifies=_dedent(verifies),
            why=_dedent(why),
            fix=_dedent(fix),
            needs_platform=needs_platform,
            fn=fn,
            networks=frozenset(networks) if networks is not None else None,
            judges=judges,
            gone_accounts=gone_accounts,
            evidence=evidence,
        )
        return fn

    return register


def all_checks() -> list[Check]:
    """Every declared check, in the SPEC's order (then any added ones, by id)."""
    rank = {check_id: index for index, check_id in enumerate(ORDER)}
    return sorted(CATALOGUE.values(), key=lambda c: (rank.get(c.id, len(ORDER)), c.id))


def get(check_id: str) -> Check:
    all_checks()
    return CATALOGUE[check_id]


def _dedent(text: str) -> str:
    """One paragraph: line breaks and indentation become single spaces (no-break spaces are kept)."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()
