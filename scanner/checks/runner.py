"""Apply the catalogue to one account, uniformly, so that check functions stay short.

The rules live here, once: what happens when the platform did not answer, when
the account is gone, for Facebook groups (no API), for the coordinator's
exceptions, and when a check function fails (one bad account never spoils
the run).
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from scanner.checks.base import Check, Context, Outcome, Result, Status
from scanner.checks.catalogue import all_checks
from scanner.checks.texts import french_date
from scanner.config.models import Account, AccountException, Network
from scanner.platforms.snapshot import FetchStatus, Snapshot

log = logging.getLogger(__name__)

REACHABLE = "account.reachable"
UNREGISTERED = "account.unregistered"

NO_SNAPSHOT = "aucune donnée de la plateforme pour ce compte"
GROUP_NO_API = "Les groupes Facebook n’ont plus d’API depuis avril 2024\u00a0: vérifiez à la main"
CHECK_FAILED = "erreur interne de Vigie pendant cette vérification (consignée dans le journal)"
_UNREACHABLE = {
    FetchStatus.NOT_FOUND: "compte introuvable",
    FetchStatus.SUSPENDED: "compte suspendu",
    FetchStatus.PRIVATE: "compte privé",
}


def evaluate(account: Account, snapshot: Snapshot | None, ctx: Context) -> list[Result]:
    """One result per applicable check of the catalogue (never `account.unregistered`, nor the
    checks judged post by post: `scanner.checks.publications`)."""
    results = []
    for check in all_checks():
        if check.id == UNREGISTERED or check.per_post or not check.applies_to(account):
            continue
        outcome = _outcome(check, account, snapshot, ctx)
        if outcome is None:
            continue
        outcome = _apply_exceptions(check, account, outcome, ctx)
        results.append(
            Result(account=account.id, check=check.id, status=outcome.status, detail=outcome.detail)
        )
    return results


def evaluate_all(ctx: Context) -> list[Result]:
    """Every registered account (snapshots from `ctx.snapshots`), then the discovered ones."""
    results: list[Result] = []
    for account in ctx.registry.accounts:
        results.extend(evaluate(account, ctx.snapshots.get(account.id), ctx))
    results.extend(evaluate_discovered(ctx))
    return results


def evaluate_discovered(ctx: Context) -> list[Result]:
    """`account.unregistered` over `ctx.discovered`: ids `decouvert:<network>:<handle>`."""
    from scanner.checks.unregistered import assess

    results = []
    for item, outcome in assess(ctx):
        results.append(
            Result(
                account=discovered_id(item.network, item.handle),
                check=UNREGISTERED,
                status=outcome.status,
                detail=outcome.detail,
            )
        )
    return results


def discovered_id(network: str, handle: str) -> str:
    return f"decouvert:{network}:{handle.lstrip('@')}"


# ---------------------------------------------------------------- rules


def _outcome(check: Check, account: Account, snapshot: Snapshot | None, ctx: Context) -> Outcome | None:
    if check.needs_platform:
        blocked = platform_gate(account, snapshot, reachable=check.id == REACHABLE)
        if blocked is not None:
            return blocked
    try:
        return check.fn(account, snapshot, ctx)
    except Exception:  # one failing check must not spoil the account, nor the run
        log.exception("check %s failed on account %s", check.id, account.id)
        return Outcome(Status.NON_VERIFIABLE, CHECK_FAILED)


def platform_gate(account: Account, snapshot: Snapshot | None, *, reachable: bool = False) -> Outcome | None:
    """The outcome of a platform check that cannot look at the live account, or None when it can.

    `account.reachable` itself goes through when the platform answered « gone ».
    """
    if account.network is Network.FACEBOOK_GROUP:
        return Outcome(Status.MANUEL, GROUP_NO_API)
    if snapshot is None:
        return Outcome(Status.NON_VERIFIABLE, NO_SNAPSHOT)
    if snapshot.status is FetchStatus.ERROR:
        return Outcome(Status.NON_VERIFIABLE, snapshot.reason or NO_SNAPSHOT)
    if snapshot.status is not FetchStatus.OK and not reachable:
        return Outcome(Status.NON_VERIFIABLE, _UNREACHABLE.get(snapshot.status, "compte inaccessible"))
    return None


def _apply_exceptions(check: Check, account: Account, outcome: Outcome, ctx: Context) -> Outcome:
    if outcome.status is not Status.NON_CONFORME:
        return outcome
    today = board_today(ctx)
    for exception in account.exceptions:
        if exception.check == check.id and exception.until >= today:
            return Outcome(Status.DEROGATION, derogation_detail(exception, outcome))
    return outcome


def derogation_detail(exception: AccountException, outcome: Outcome) -> str:
    text = f"dérogation jusqu’au {french_date(exception.until)}\u00a0: {exception.reason}"
    if outcome.detail:
        text += f" (constat\u00a0: {outcome.detail})"
    return text


def board_today(ctx: Context) -> dt.date:
    """The date of the run in the board's time zone (an exception valid « until » that day inclusive)."""
    now = ctx.now if ctx.now.tzinfo else ctx.now.replace(tzinfo=dt.UTC)
    return now.astimezone(ZoneInfo(ctx.settings.timezone)).date()
