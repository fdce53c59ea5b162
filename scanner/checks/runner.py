"""Apply the catalogue to one account, uniformly, so that check functions stay short.

The rules live here, once: what happens when the platform did not answer, when
the account is gone, for Facebook groups (no API), for the coordinator's
exceptions, and when a check function fails (one bad account never spoils
the run). Which accounts a check judges, and whether it reads gone accounts,
the check declares (`@check(judges=…, gone_accounts=…)`): no check id is tested here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from scanner.checks.base import (
    Check,
    Context,
    Judges,
    NotReady,
    Outcome,
    Result,
    Status,
    board_today,
    platform_gate,
)
from scanner.checks.catalogue import all_checks
from scanner.config.models import Account, AccountException, bare_handle
from scanner.platforms.snapshot import Snapshot
from scanner.plumbing.french import NBSP, date_long

log = logging.getLogger(__name__)

CHECK_FAILED = "erreur interne de Vigie pendant cette vérification (consignée dans le journal)"


_LATER = object()  # in `evaluate_ahead`'s lists: this check looked at pictures or links


def evaluate(
    account: Account,
    snapshot: Snapshot | None,
    ctx: Context,
    ahead: list[object] | None = None,
    checks: _Applicable | None = None,
) -> list[Result]:
    """One result per applicable check of the registered accounts. `ahead`: this account's
    results judged while the downloads went on (`evaluate_ahead`), in the catalogue's order."""
    results = []
    for index, check in enumerate((checks or _Applicable())(account)):
        result = ahead[index] if ahead is not None else _LATER
        if result is _LATER:
            result = _result(check, account, snapshot, ctx)
        if result is not None:
            results.append(result)
    return results


def evaluate_ahead(ctx: Context) -> dict[str, list[object]]:
    """The registered accounts' checks judged before the pictures and links have arrived (the
    context's are `PENDING`): per account, its applicable checks' results in the catalogue's
    order, `_LATER` where a check looked at them. The audit runs this while they download, and
    `evaluate_all` finishes what it left."""
    ahead = {}
    applicable = _Applicable()
    for account in ctx.registry.accounts:
        snapshot = ctx.snapshots.get(account.id)
        found: list[object] = []
        for check in applicable(account):
            try:
                found.append(_result(check, account, snapshot, ctx))
            except NotReady:
                found.append(_LATER)
        ahead[account.id] = found
    return ahead


def evaluate_all(
    ctx: Context,
    advance: Callable[[], None] | None = None,
    ahead: dict[str, list[object]] | None = None,
) -> list[Result]:
    """Every registered account (snapshots from `ctx.snapshots`), then the discovered ones;
    `ahead` (from `evaluate_ahead` on the same accounts) saves judging again what it judged.

    `advance()` is called after each registered account (a progress line)."""
    results: list[Result] = []
    applicable = _Applicable()
    for account in ctx.registry.accounts:
        early = ahead.get(account.id) if ahead is not None else None
        results.extend(evaluate(account, ctx.snapshots.get(account.id), ctx, early, applicable))
        if advance is not None:
            advance()
    results.extend(evaluate_discovered(ctx))
    return results


class _Applicable:
    """The checks that judge a registered account, in the catalogue's order: per platform (what
    `Check.applies_to` looks at), from one reading of the catalogue per pass."""

    def __init__(self) -> None:
        self._registered = [c for c in all_checks() if c.judges is Judges.REGISTERED]
        self._per_network: dict[str, list[Check]] = {}

    def __call__(self, account: Account) -> list[Check]:
        network = account.network.value
        found = self._per_network.get(network)
        if found is None:
            found = self._per_network[network] = [c for c in self._registered if c.applies_to(account)]
        return found


def _result(check: Check, account: Account, snapshot: Snapshot | None, ctx: Context) -> Result | None:
    outcome = _outcome(check, account, snapshot, ctx)
    if outcome is None:
        return None
    outcome = _apply_exceptions(check, account, outcome, ctx)
    return Result(account=account.id, check=check.id, status=outcome.status, detail=outcome.detail)


def evaluate_discovered(ctx: Context) -> list[Result]:
    """The checks of the discovered accounts over `ctx.discovered`: ids `decouvert:<network>:<handle>`."""
    results = []
    for check in all_checks():
        if check.judges is not Judges.DISCOVERED:
            continue
        try:
            judged = list(check.fn(ctx))
        except Exception:  # one failing check must not spoil the run
            log.exception("check %s failed on the discovered accounts", check.id)
            continue
        for item, outcome in judged:
            results.append(
                Result(
                    account=discovered_id(item.network, item.handle),
                    check=check.id,
                    status=outcome.status,
                    detail=outcome.detail,
                )
            )
    return results


def discovered_id(network: str, handle: str) -> str:
    """The report's id of a discovered account (its case kept; the checks see one per `account_key`)."""
    return f"decouvert:{network}:{bare_handle(handle)}"


# ---------------------------------------------------------------- rules


def _outcome(check: Check, account: Account, snapshot: Snapshot | None, ctx: Context) -> Outcome | None:
    if check.needs_platform:
        blocked = platform_gate(account, snapshot, gone=check.gone_accounts)
        if blocked is not None:
            return blocked
    try:
        return check.fn(account, snapshot, ctx)
    except NotReady:  # pictures or links still downloading: judged once they are here
        raise
    except Exception:  # one failing check must not spoil the account, nor the run
        log.exception("check %s failed on account %s", check.id, account.id)
        return Outcome(Status.NON_VERIFIABLE, CHECK_FAILED)


def _apply_exceptions(check: Check, account: Account, outcome: Outcome, ctx: Context) -> Outcome:
    if outcome.status is not Status.NON_CONFORME:
        return outcome
    today = board_today(ctx)
    for exception in account.exceptions:
        if exception.check == check.id and exception.until >= today:
            return Outcome(Status.DEROGATION, derogation_detail(exception, outcome))
    return outcome


def derogation_detail(exception: AccountException, outcome: Outcome) -> str:
    text = f"dérogation jusqu’au {date_long(exception.until)}{NBSP}: {exception.reason}"
    if outcome.detail:
        text += f" (constat{NBSP}: {outcome.detail})"
    return text
