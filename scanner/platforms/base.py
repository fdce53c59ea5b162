"""What every platform adapter shares: how calls are made, how time is read, how failure is said.

An adapter is built with its settings and its secret as a value (never the name of an
environment variable it would read itself), talks HTTP only, and never raises for one
account: an account it could not read comes back as `scanner.platforms.snapshot.unverified(...)`.

One place for each of these decisions:

- `CallOptions`: how each call is made (timeout, bounded retry, how to wait, what time it
  is). Adapters never read the wall clock themselves: `options.now()`.
- `parse_time`: every timestamp a platform sends (Graph's `2025-01-15T14:03:00+0000`,
  X's and Google's RFC 3339 `…Z`) becomes an aware UTC datetime, or None.
- Two failures only: `CallFailed` (this call failed for good, after its retries: the
  accounts it was for get `reason`) and `PlatformStopped` (stop asking this platform
  tonight: the token is refused, the quota or the credits are spent, the platform is down;
  every account not read yet gets `reason`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar

from scanner.platforms.retry import RetryPolicy
from scanner.platforms.snapshot import Snapshot, unverified

T = TypeVar("T")
R = TypeVar("R")

NO_CREDENTIALS = "aucun identifiant configuré pour cette plateforme"
EXPIRED_TOKEN = (
    "le jeton d'accès de la plateforme est expiré ou révoqué : "
    "le technicien doit en générer un nouveau et le placer dans la variable d'environnement"
)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class CallOptions:
    """How an adapter makes its calls: one value, given by the wiring (or a test)."""

    timeout: float = 10.0  # seconds, each HTTP request
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], dt.datetime] = utc_now  # the time of the run (aware): snapshots, UTC days
    # Seconds since 1970 as `sleep` experiences them, to compare with a rate-limit reset
    # header: the platforms' windows are real time even when the run's clock is simulated.
    wall: Callable[[], float] = time.time

    def now(self) -> dt.datetime:
        return self.clock()

    def with_overrides(self, **overrides: Any) -> CallOptions:
        """These options with the given fields replaced (None leaves a field as it is)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **given) if given else self


class PlatformAdapter(Protocol):
    platform: str  # "facebook" | "instagram" | "x" | "youtube"

    def fetch(self, handles: Sequence[str]) -> dict[str, Snapshot]:
        """Read these accounts (registry handles); one snapshot per handle given, keyed by it."""
        ...


class Adapter:
    """The constructor every adapter shares: settings, a secret, call options.

    `timeout`, `retry`, `sleep` and `clock` may be given one by one instead of (or over)
    an `options` value.
    """

    platform = ""

    def __init__(
        self,
        settings: Any,
        secret: str | None,
        *,
        options: CallOptions | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ):
        self.settings = settings
        self._secret = secret
        self.options = (options or CallOptions()).with_overrides(
            timeout=timeout, retry=retry, sleep=sleep, clock=clock
        )

    def __repr__(self) -> str:  # never the secret
        return f"{type(self).__name__}(platform={self.platform!r})"

    def night_note(self) -> str | None:
        """What the report and the log should say about this platform's night (French), if anything:
        X's cost, for instance."""
        return None

    def no_credentials(self, handles: Sequence[str]) -> dict[str, Snapshot] | None:
        """Every handle `non_verifiable` when no secret is configured; None otherwise."""
        if self._secret:
            return None
        return {h: unverified(self.platform, h, NO_CREDENTIALS) for h in handles}


class PlatformStopped(Exception):
    """Stop asking this platform tonight (credential refused, quota or credits spent, outage):
    every account not read yet gets `reason`."""

    def __init__(self, reason: str, *, code: int | None = None, subcode: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.subcode = subcode


class CallFailed(Exception):
    """One call failed for good after its retries; the accounts it was for get `reason`.

    `code`/`subcode`/`message` are the platform's own (Graph error codes, HTTP statuses),
    for the adapter to decide what the failure concerns; `outage` says the platform did
    not answer properly even after the retries.
    """

    def __init__(
        self,
        reason: str,
        *,
        code: int | None = None,
        subcode: int | None = None,
        message: str = "",
        outage: bool = False,
    ):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.subcode = subcode
        self.message = message
        self.outage = outage


def optional_text(value: Any) -> str | None:
    """A platform's field as text; None when absent or empty."""
    return str(value) if value not in (None, "") else None


def parse_time(value: Any) -> dt.datetime | None:
    """A platform timestamp as an aware UTC datetime; None when absent or unreadable.

    Graph sends `2025-01-15T14:03:00+0000` (developers.facebook.com/docs/graph-api/guides/
    field-expansion, `created_time`); X and Google send RFC 3339 (`2025-01-15T14:03:00.000Z`).
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    # fromisoformat reads both (Python ≥ 3.11: `Z` and `+0000` included); strptime took a global
    # lock and asked the locale on every call, a convoy when 16 reading threads parse at once
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def first_alone_then(
    function: Callable[[T], R], items: Sequence[T], concurrency: int, name: str = "platform"
) -> list[R]:
    """`function` over `items`, in order: the first alone (a refusal that concerns every call, a
    token, a missing feature, shows at once and the others can stop before asking), then the
    others `concurrency` at a time. An exception raised by any call is raised here."""
    if len(items) <= 1:
        return [function(item) for item in items]
    first = function(items[0])
    with ThreadPoolExecutor(max_workers=min(concurrency, len(items) - 1), thread_name_prefix=name) as pool:
        return [first, *pool.map(function, items[1:])]
