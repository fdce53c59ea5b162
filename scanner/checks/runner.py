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


def evaluate(account: Account, snapshot: Snapshot | None, ctx: Context) -> list[Result]:
    """One result per applicable check of the registered accounts."""
    results = []
    for check in all_checks():
        if check.judges is not Judges.REGISTERED or not check.applies_to(account):
            continue
        outcome = _outcome(check, account, snapshot, ctx)
        if outcome is None:
            continue
        outcome = _apply_exceptions(check, account, outcome, ctx)
        results.append(
            Result(account=account.id, check=check.id, status=outcome.status, detail=outcome.detail)
        )
    return results


def evaluate_all(ctx: Context, advance: Callable[[], None] | None = None) -> list[Result]:
    """Every registered account (snapshots from `ctx.snapshots`), then the discovered ones.

    `advance()` is called after each registered account (a progress line)."""
    results: list[Result] = []
    for account in ctx.registry.accounts:
        results.extend(evaluate(account, ctx.snapshots.get(account.id), ctx))
        if advance is not None:
            advance()
    results.extend(evaluate_discovered(ctx))
    return results


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
