"""The DA 142 checks: importing this package registers every check in `catalogue.CATALOGUE`.

`runner.evaluate(account, snapshot, ctx)` applies them to one account,
`runner.evaluate_discovered(ctx)` to the accounts found outside the registry.
"""

from scanner.checks import (  # noqa: F401 - imported for their @check declarations
    account,
    admins,
    content,
    links,
    logos,
    names,
    publications,
    registry_checks,
    unregistered,
)
from scanner.checks.catalogue import CATALOGUE, all_checks
from scanner.checks.runner import evaluate, evaluate_all, evaluate_discovered

__all__ = ["CATALOGUE", "all_checks", "evaluate", "evaluate_all", "evaluate_discovered"]
