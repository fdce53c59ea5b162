"""Findings: a non-conformity remembered across nights, and how one night changes it.

Pure: `transition` takes the stored row and tonight's result; `scanner.history.store` stores
what it returns.

Finding states (SPEC.md, « The machine-readable report »). *Failing* means a
`non_conforme` result, whatever the check's severity. For each (account, check):

- failing tonight, not open before -> `new` (`first_seen` is tonight). A finding
  that was resolved and fails again later is a new occurrence: `new` again, a new
  `first_seen`, `occurrence` + 1 (same stable id);
- failing tonight, open before -> `open` (`first_seen` kept);
- `conforme` or `derogation` tonight, open before -> `resolved` (a granted
  exception lifts the finding; if it expires and the account still fails, that is
  a new occurrence);
- `non_verifiable` or `manuel` tonight -> nothing changes: an open finding keeps
  its state, `first_seen` and last failing `detail`, and is reported with
  tonight's status and `reason`; none is opened or resolved;
- an open finding whose account left the registry (or whose school did), or a
  discovered account no longer found by a search that ran to the end, is
  `retired`: shown once to the coordinator as such, never counted as resolved,
  never good news to a principal (`retirements`). A registry that loses more than
  half of its accounts from one night to the next retires nothing that night (a
  truncated file is more likely than a real purge): those findings stay open and
  are retired the next night only if the registry still lacks their accounts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from scanner.checks.base import PostRef, Result, Status


class FindingState(StrEnum):
    NEW = "new"
    OPEN = "open"
    RESOLVED = "resolved"
    RETIRED = "retired"  # its account left the registry (or is no longer found): not resolved


@dataclass(frozen=True, slots=True)
class Finding:
    """A non-conformity remembered across nights, as it stands after tonight's run."""

    id: str  # stable for the (account, check) pair
    account: str
    check: str
    status: Status  # tonight's result for the pair
    state: FindingState
    first_seen: dt.datetime  # first night of this occurrence
    last_seen: dt.datetime  # last night it was seen non_conforme
    resolved_at: dt.datetime | None = None
    detail: str | None = None  # what is wrong (the last failing detail, when not judged tonight)
    occurrence: int = 1
    reason: str | None = None  # why it was not judged tonight (status non_verifiable or manuel)
    post: PostRef | None = None  # a content finding's publication: keyed by (account, check, post id)

    @property
    def key(self) -> tuple[str, str, str]:
        return self.account, self.check, self.post.id if self.post else ""


def finding_id(account: str, check: str, post: str = "") -> str:
    """Stable id of the (account, check) pair, or of the (account, check, post id) triple."""
    key = f"{account}\0{check}" + (f"\0{post}" if post else "")
    return hashlib.sha256(key.encode()).hexdigest()[:16]


DISCOVERED_PREFIX = "decouvert:"  # scanner.checks.runner.discovered_id
RETIRED_STATUS = "retired"  # findings.last_status of a retired finding
RETIRED_REASON = "compte retiré du registre ou qui n'est plus trouvé"


def retirements(
    open_accounts: set[str],
    registry: set[str],
    judged_tonight: set[str],
    previous_registry: set[str],
    *,
    discovery_complete: bool,
) -> tuple[set[str], set[str]]:
    """(accounts whose open findings are retired tonight, registry accounts held back).

    `open_accounts`: accounts with an open finding; `registry`: tonight's registry
    accounts; `judged_tonight`: accounts with a result tonight (discovered ones
    included); `previous_registry`: the registry accounts of the last night recorded.
    """
    gone = {a for a in open_accounts if a not in registry and a not in judged_tonight}
    discovered = {a for a in gone if a.startswith(DISCOVERED_PREFIX)}
    left = gone - discovered
    lost = previous_registry - registry
    held: set[str] = set()
    if previous_registry and len(lost) * 2 > len(previous_registry):
        held = left
        left = set()
    return left | (discovered if discovery_complete else set()), held


def transition(row: Mapping | None, result: Result, now: dt.datetime) -> Finding | None:
    """Tonight's finding for one (account, check), given its stored row (the rules above)."""
    is_open = row is not None and row["resolved_at"] is None
    failing = result.status is Status.NON_CONFORME
    if not is_open and not failing:
        return None
    key = {
        "id": finding_id(*result.key),
        "account": result.account,
        "check": result.check,
        "post": result.post,
    }
    if is_open:
        first_seen = dt.datetime.fromisoformat(row["first_seen"])
        last_seen = now if failing else dt.datetime.fromisoformat(row["last_seen"])
        occurrence = row["occurrence"]
    else:
        first_seen = last_seen = now
        occurrence = row["occurrence"] + 1 if row is not None else 1
    lifted = is_open and result.status in (Status.CONFORME, Status.DEROGATION)
    judged = failing or lifted
    return Finding(
        **key,
        status=result.status,
        state=FindingState.RESOLVED if lifted else FindingState.OPEN if is_open else FindingState.NEW,
        first_seen=first_seen,
        last_seen=last_seen,
        resolved_at=now if lifted else None,
        detail=result.detail if judged else row["detail"],
        occurrence=occurrence,
        reason=None if judged else result.detail,
    )
