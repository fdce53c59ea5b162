"""One Graph API client for the Facebook and Instagram adapters: pyfacebook, made safe for a night run.

`GraphClient` wraps `pyfacebook.GraphAPI` and adds what an unattended audit needs:

- every failure becomes a `GraphError` carrying the Graph error code and a French
  reason for the report; an expired or revoked token is a `TokenRejected`, raised at
  once (retrying cannot fix it);
- throttling (codes 4, 17, 32, 613) waits and retries, longer as the `X-App-Usage` /
  `X-Business-Use-Case-Usage` percentages grow; 5xx answers, transient codes 1 and 2,
  time-outs, cut connections and unreadable JSON retry with backoff (`RetryBudget`);
- calls are paced when the usage headers report a nearly spent quota;
- the token never appears in a reason, exception or log line: it is sent in the
  `Authorization` header rather than in the query string (pyfacebook's default), and
  every text from below is scrubbed all the same.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import requests
from pyfacebook import FacebookError, GraphAPI, LibraryError

from scanner.platforms.retry import RetryBudget, RetryPolicy
from scanner.plumbing.secrets import scrub

log = logging.getLogger(__name__)

TOKEN_CODES = frozenset({102, 104, 190})
THROTTLE_CODES = frozenset({4, 17, 32, 613})
TRANSIENT_CODES = frozenset({1, 2})
NOT_FOUND_ALIAS = 803
DEFAULT_RETRY = RetryPolicy()
PACE_FROM = 80  # percent of a quota: from here on, calls are spaced out


def is_permission_code(code: int | None) -> bool:
    return code == 10 or (code is not None and 200 <= code <= 299)


class GraphError(Exception):
    """A Graph call that failed for good; `reason` is French, for the report."""

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
        self.message = message  # the platform's own (English) message, scrubbed
        self.outage = outage  # the platform did not answer properly, even after retries


class TokenRejected(GraphError):
    """The access token is expired, revoked or invalid: nothing else will work this run."""


class _Retryable(Exception):
    def __init__(self, problem: str, wait: float | None = None, code: int | None = None):
        super().__init__(problem)
        self.problem, self.wait, self.code = problem, wait, code


class GraphClient:
    def __init__(
        self,
        graph_url: str,
        version: str,
        token: str,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._token = str(token)
        self._retry = retry
        self._sleep = sleep
        self._timeout = timeout
        self._status: int | None = None
        self._api = GraphAPI(
            access_token=self._token,
            version=version,
            base_url=graph_url.rstrip("/") + "/",
            timeout=timeout,
            sleep_on_rate_limit=False,
        )
        # The token travels in a header, not in the query string where pyfacebook puts it,
        # so that no URL (in an exception, or urllib3's debug log) ever carries it.
        self._api.session.headers["Authorization"] = f"OAuth {self._token}"
        self._api.session.hooks["response"].append(self._remember_status)
        self.calls = 0

    # ---------------------------------------------------------------- public calls

    def objects(self, ids: list[str], fields: str) -> dict[str, Any]:
        return self._call(self._api.get_objects, ids=",".join(ids), fields=fields)

    def object(self, object_id: str, fields: str) -> dict[str, Any]:
        return self._call(self._api.get_object, object_id=object_id, fields=fields)

    def connection(self, object_id: str, edge: str, **params: Any) -> dict[str, Any]:
        return self._call(self._api.get_connection, object_id=object_id, connection=edge, **params)

    def usage_percent(self) -> int:
        """The highest quota percentage the last answer reported (app or business use case)."""
        resources = self._api.rate_limit.resources
        percents = [resources["app"].max_percent()]
        for by_type in resources["business"].values():
            percents.extend(header.max_percent() for header in by_type.values())
        return int(max(percents, default=0) or 0)

    def regain_seconds(self) -> float | None:
        """`estimated_time_to_regain_access` (minutes, in the business use case header), in seconds."""
        minutes = [
            header.estimated_time_to_regain_access
            for by_type in self._api.rate_limit.resources["business"].values()
            for header in by_type.values()
            if header.estimated_time_to_regain_access
        ]
        return max(float(m) for m in minutes) * 60 if minutes else None

    def scrub(self, text: str) -> str:
        return scrub(text.replace(self._token, "***"), None) if self._token else scrub(text, None)

    # ---------------------------------------------------------------- retry loop

    def _call(self, method: Callable[..., dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
        budget = RetryBudget(self._retry, self._sleep)
        self._pace()
        while True:
            self._status = None
            self.calls += 1
            try:
                return self._attempt(method, **kwargs)
            except _Retryable as failure:
                log.warning(
                    "Graph call failed (%s), attempt %d", self.scrub(failure.problem), budget.attempt + 1
                )
                if not budget.wait(failure.wait):
                    tries = budget.attempt
                    suffix = "tentative" if tries == 1 else "tentatives"
                    raise GraphError(
                        f"{failure.problem} après {tries} {suffix}", code=failure.code, outage=True
                    ) from None

    def _attempt(self, method: Callable[..., dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
        try:
            data = method(**kwargs, access_token=None)  # None: pyfacebook leaves it out of the URL
        except FacebookError as exc:
            raise self._graph_failure(exc) from None
        except requests.exceptions.JSONDecodeError:
            raise self._bad_answer(unreadable=True) from None
        except requests.Timeout:
            raise _Retryable(f"la plateforme n'a pas répondu dans le délai de {self._timeout:g} s") from None
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            raise _Retryable("la réponse de la plateforme a été interrompue avant la fin") from None
        except requests.ConnectionError:
            raise _Retryable("la connexion à la plateforme a échoué") from None
        except requests.RequestException as exc:
            raise _Retryable(f"la requête vers la plateforme a échoué ({type(exc).__name__})") from None
        except LibraryError:
            # pyfacebook: not JSON (an HTML error page, for instance)
            raise self._bad_answer() from None
        except (ValueError, TypeError, KeyError):
            # invalid JSON, a usage header pyfacebook cannot read, no Content-Type
            raise self._bad_answer(unreadable=True) from None
        if not isinstance(data, dict):
            raise self._bad_answer(unreadable=True)
        if self._status is not None and self._status >= 500:
            raise _Retryable(f"la plateforme a répondu par une erreur {self._status}")
        return data

    def _bad_answer(self, unreadable: bool = False) -> _Retryable:
        if self._status is not None and self._status >= 400:
            return _Retryable(f"la plateforme a répondu par une erreur {self._status}")
        if unreadable:
            return _Retryable("la plateforme a envoyé une réponse illisible (JSON invalide ou incomplet)")
        return _Retryable("la plateforme a envoyé une réponse qui n'est pas du JSON")

    def _graph_failure(self, exc: FacebookError) -> Exception:
        code = _int(getattr(exc, "code", None))
        subcode = _int(getattr(exc, "error_subcode", None))
        message = self.scrub(str(getattr(exc, "message", "")))
        if code in TOKEN_CODES:
            log.error("Graph rejected the access token (code %s, subcode %s)", code, subcode)
            return TokenRejected("jeton refusé", code=code, subcode=subcode, message=message)
        if code in THROTTLE_CODES:
            return _Retryable(
                f"la plateforme limite le nombre d'appels (code {code})", self._throttle_wait(), code
            )
        if code in TRANSIENT_CODES or getattr(exc, "is_transient", False) or (self._status or 0) >= 500:
            problem = f"la plateforme a signalé une erreur temporaire (code {code})"
            if (self._status or 0) >= 500:
                problem = f"la plateforme a répondu par une erreur {self._status}"
            return _Retryable(problem, None, code)
        reason = f"la plateforme a refusé la requête (code {code}) : {message}"
        if is_permission_code(code):
            reason = f"l'application n'a pas la permission de lire ces données (code {code})"
        return GraphError(reason, code=code, subcode=subcode, message=message)

    def _throttle_wait(self) -> float:
        regain = self.regain_seconds()
        if regain:
            return regain
        share = min(100, self.usage_percent()) / 100
        return max(self._retry.backoff(1), self._retry.cap * share)

    def _pace(self) -> None:
        percent = self.usage_percent()
        if percent >= PACE_FROM:
            self._sleep(self._retry.cap * min(100, percent) / 100)

    def _remember_status(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._status = response.status_code


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
