"""« Exactly expected.yaml »: the planted non-conformities of the CSNO demo world, and nothing else.

Reusable by any test that audits the demo world (by hand-built snapshots, or end to end):

    from helpers_expected import assert_matches_expected
    assert_matches_expected(outcome.results)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

from scanner.checks.base import Result, Severity, Status
from scanner.checks.catalogue import get

EXPECTED = Path(__file__).resolve().parents[1] / "vigie_sandbox" / "worlds" / "csno" / "expected.yaml"
UNREGISTERED = "account.unregistered"


def expected() -> dict:
    return yaml.safe_load(EXPECTED.read_text(encoding="utf-8"))


def pairs(section: dict[str, list[str]] | None) -> set[tuple[str, str]]:
    return {(account, check) for account, checks in (section or {}).items() for check in checks}


def found(results: Iterable[Result], status: Status) -> set[tuple[str, str]]:
    """(account, check) pairs with this status; info-level checks are not findings."""
    return {
        (r.account, r.check)
        for r in results
        if r.status is status and r.check != UNREGISTERED and get(r.check).severity is not Severity.INFO
    }


def discovered(results: Iterable[Result]) -> set[tuple[str, str]]:
    out = set()
    for r in results:
        if r.check == UNREGISTERED and r.status is Status.NON_CONFORME:
            _, network, handle = r.account.split(":", 2)
            out.add((network, handle.casefold()))
    return out


def assert_matches_expected(
    results: Iterable[Result], *, allow_unverifiable: bool = False, looked_up: bool = False
) -> None:
    """`looked_up`: the night made the look-alike look-ups, so their finds (« looked_up ») are expected too."""
    results = list(results)
    plan = expected()
    problems = []
    for label, status, section in (
        ("non conforme", Status.NON_CONFORME, plan.get("non_conforme")),
        ("dérogation", Status.DEROGATION, plan.get("derogation")),
    ):
        got, want = found(results, status), pairs(section)
        problems += [f"{label} en trop: {p}" for p in sorted(got - want)]
        problems += [f"{label} manquant: {p}" for p in sorted(want - got)]
    wanted = (plan.get("discovered") or []) + ((plan.get("looked_up") or []) if looked_up else [])
    want_discovered = {(d["network"], d["handle"].casefold()) for d in wanted}
    got_discovered = discovered(results)
    problems += [f"découvert en trop: {d}" for d in sorted(got_discovered - want_discovered)]
    problems += [f"découvert manquant: {d}" for d in sorted(want_discovered - got_discovered)]
    if not allow_unverifiable:
        problems += [
            f"non vérifiable: {(r.account, r.check)} {r.detail}"
            for r in results
            if r.status is Status.NON_VERIFIABLE
        ]
    assert not problems, "\n".join(problems)
