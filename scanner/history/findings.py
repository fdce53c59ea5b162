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
- open findings of accounts no longer in the run (removed from the registry) are
  closed silently: `record_run` expects every account of the registry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from scanner.checks.base import Result, Status


class FindingState(StrEnum):
    NEW = "new"
    OPEN = "open"
    RESOLVED = "resolved"


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


def finding_id(account: str, check: str) -> str:
    return hashlib.sha256(f"{account}\0{check}".encode()).hexdigest()[:16]


def transition(row: Mapping | None, result: Result, now: dt.datetime) -> Finding | None:
    """Tonight's finding for one (account, check), given its stored row (the rules above)."""
    is_open = row is not None and row["resolved_at"] is None
    failing = result.status is Status.NON_CONFORME
    key = {"id": finding_id(result.account, result.check), "account": result.account, "check": result.check}
    if not is_open and not failing:
        return None
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
