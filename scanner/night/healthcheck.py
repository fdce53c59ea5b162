"""Optional dead-man's switch: pings `settings.healthcheck_url` the healthchecks.io way.

* `start()`   -> `GET {url}/start`  (the run began; healthchecks.io measures its duration)
* `success()` -> `POST {url}`       (the run finished; the body is a short summary)
* `failure()` -> `POST {url}/fail`  (the run failed)

A `rid` query parameter (the run id) ties the three pings of one run together.
A ping never fails the run: it has a short timeout, one attempt, and any
error is logged (without the URL, which holds the check's secret UUID) and
swallowed. With no URL configured every call does nothing.

Exit status 3 (some accounts not verified) is reported as a success with the
status in the body: a platform without credentials is a known, lasting state,
not an outage. Anything else non-zero is a failure.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import requests

from scanner.plumbing.secrets import Secrets, scrub

log = logging.getLogger(__name__)

TIMEOUT = 5.0
MAX_BODY = 10_000  # healthchecks.io keeps the first 100 kB; ours is a summary


class Healthcheck:
    def __init__(
        self,
        url: str | None,
        *,
        run_id: str | None = None,
        timeout: float = TIMEOUT,
        secrets: Secrets | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.url = _valid(url)
        self.run_id = run_id
        self.timeout = timeout
        self.secrets = secrets
        self._session = session

    @property
    def enabled(self) -> bool:
        return self.url is not None

    def start(self) -> bool:
        return self._ping("/start", None)

    def success(self, summary: str = "") -> bool:
        return self._ping("", summary)

    def failure(self, summary: str = "") -> bool:
        return self._ping("/fail", summary)

    def finish(self, exit_status: int, summary: str = "") -> bool:
        """Success for 0 and 3 (see the module doc), failure otherwise; the status leads the body."""
        body = f"exit status {exit_status}" + (f"\n{summary}" if summary else "")
        if exit_status in (0, 3):
            return self.success(body)
        return self.failure(body)

    def _ping(self, suffix: str, body: str | None) -> bool:
        if self.url is None:
            return False
        params = {"rid": self.run_id} if self.run_id else None
        url = self.url + suffix
        try:
            session = self._session or requests
            if body is None:
                response = session.get(url, params=params, timeout=self.timeout)
            else:
                data = scrub(body, self.secrets)[:MAX_BODY].encode("utf-8")
                response = session.post(url, params=params, data=data, timeout=self.timeout)
            ok = response.status_code < 400
            if not ok:
                log.warning("healthcheck ping %r answered HTTP %s", suffix or "/", response.status_code)
            return ok
        except Exception as error:  # never fail the run for a ping
            log.warning("healthcheck ping %r failed: %s", suffix or "/", type(error).__name__)
            return False


def _valid(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        log.warning("healthcheck_url ignored: not an http(s) URL")
        return None
    return url.strip().rstrip("/")


def ping(
    url: str | None,
    kind: str,
    summary: str = "",
    *,
    run_id: str | None = None,
    secrets: Secrets | None = None,
    timeout: float = TIMEOUT,
) -> bool:
    """One ping: `kind` is "start", "success" or "fail". Never raises; False if not delivered."""
    check = Healthcheck(url, run_id=run_id, secrets=secrets, timeout=timeout)
    if kind == "start":
        return check.start()
    if kind == "success":
        return check.success(summary)
    if kind == "fail":
        return check.failure(summary)
    raise ValueError(f"unknown healthcheck ping {kind!r}")
