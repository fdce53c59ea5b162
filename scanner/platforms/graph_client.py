"""One Graph API client for the Facebook and Instagram adapters: pyfacebook, made safe for a night run.

`GraphClient` wraps `pyfacebook.GraphAPI` and adds what an unattended audit needs, in the
vocabulary of `scanner.platforms.base`:

- a refused token is a `PlatformStopped`, raised at once (retrying cannot fix it), except
  `(#190)` without a subcode that says the call "must be called with a Page Access Token":
  that is a token of the wrong kind for this one call (a `CallFailed` with code 190), not
  an expired one (developers.facebook.com/docs/graph-api/guides/error-handling: code 190
  with subcodes 458–467 for the token's state);
- every other failure is a `CallFailed` carrying the Graph code, subcode and message;
  after its retries, a platform that did not answer properly is a `PlatformStopped`;
- throttling (codes 4, 17, 32, 613, and the business-use-case codes 80001 for a Page,
  80002 for an Instagram account: developers.facebook.com/docs/graph-api/overview/rate-limiting)
  waits and retries, as long as `estimated_time_to_regain_access` says or longer as the
  usage percentages grow, bounded by the retry policy; 5xx answers, transient codes 1 and 2,
  time-outs, cut connections and unreadable JSON retry with backoff (`RetryBudget`);
- the usage headers (`X-App-Usage`, `X-Business-Use-Case-Usage`, `X-Page-Usage`) are read
  here, tolerating keys this client does not know (Meta adds them without notice); calls are
  paced when they report a nearly spent quota;
- `appsecret_proof` (HMAC-SHA256 of the token with the app secret) is sent with every call
  when an app secret is given (developers.facebook.com/docs/graph-api/securing-requests);
- the token never appears in a reason, exception or log line: it is sent in the
  `Authorization` header rather than in the query string (pyfacebook's default), and
  every text from below is scrubbed all the same.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable
from typing import Any

import requests
from pyfacebook import FacebookError, GraphAPI, LibraryError

from scanner.net.api_session import environment_read_once
from scanner.platforms.base import EXPIRED_TOKEN, CallFailed, CallOptions, PlatformStopped
from scanner.platforms.retry import RetryBudget
from scanner.plumbing.secrets import scrub

log = logging.getLogger(__name__)

TOKEN_CODES = frozenset({102, 104, 190})
THROTTLE_CODES = frozenset({4, 17, 32, 613, 80001, 80002})
TRANSIENT_CODES = frozenset({1, 2})
NOT_FOUND_ALIAS = 803
PACE_FROM = 80  # percent of a quota: from here on, calls are spaced out
USAGE_HEADERS = ("x-app-usage", "x-business-use-case-usage", "x-page-usage", "x-ad-account-usage")
_PERCENT_KEYS = ("call_count", "total_cputime", "total_time", "call_volume", "cpu_time", "acc_id_util_pct")
WRONG_TOKEN_KIND = re.compile(r"(?i)must be called with a (page|user) access token")


def is_permission_code(code: int | None) -> bool:
    return code == 10 or (code is not None and 200 <= code <= 299)


def is_wrong_token_kind(failure: CallFailed) -> bool:
    """`(#190)` without a subcode, "must be called with a Page Access Token": this call needs another token."""
    return failure.code == 190 and failure.subcode is None and bool(WRONG_TOKEN_KIND.search(failure.message))


def needs_proof(error: CallFailed) -> bool:
    """`(#100) … require an appsecret_proof argument`, or, recorded in python-facebook's testdata
    (error.json): `(#100) Pages Public Content Access requires either app secret proof or an app token`."""
    message = error.message.lower()
    return error.code == 100 and ("appsecret_proof" in message or "app secret proof" in message)


def appsecret_proof(token: str, app_secret: str) -> str:
    return hmac.new(app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()


class _Proof(requests.auth.AuthBase):
    """Adds `appsecret_proof` to every request's query string (it is not a secret: an HMAC of the token)."""

    def __init__(self, proof: str):
        self.proof = proof

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        # appended as it is (a hexadecimal HMAC needs no quoting): `prepare_url` would parse and
        # quote the whole URL again, on each of a night's thousands of Graph calls
        url = request.url or ""
        request.url = f"{url}{'&' if '?' in url else '?'}appsecret_proof={self.proof}"
        return request


class Usage:
    """What the last answer's usage headers said: the highest percentage, the longest wait asked."""

    def __init__(self) -> None:
        self.percent = 0
        self.regain_minutes: float | None = None

    def read(self, headers: Any) -> None:
        percents: list[float] = []
        regains: list[float] = []
        for name in USAGE_HEADERS:
            raw = headers.get(name)
            if not raw:
                continue
            try:
                value = json.loads(raw)
            except ValueError:
                log.warning("Graph sent an unreadable %s header", name)
                continue
            for entry in _usage_entries(value):
                percents.extend(_number(entry.get(k)) for k in _PERCENT_KEYS if _number(entry.get(k)))
                regain = _number(entry.get("estimated_time_to_regain_access"))
                if regain:
                    regains.append(regain)
        self.percent = int(max(percents, default=0))
        self.regain_minutes = max(regains) if regains else None


def _usage_entries(value: Any) -> list[dict]:
    """The percentage objects of a usage header: `{…}` (app, page) or `{id: [{…}, …]}` (business use case)."""
    if isinstance(value, dict) and any(k in value for k in _PERCENT_KEYS):
        return [value]
    entries = []
    if isinstance(value, dict):
        for item in value.values():
            for entry in item if isinstance(item, list) else [item]:
                if isinstance(entry, dict):
                    entries.append(entry)
    return entries


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


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
        options: CallOptions | None = None,
        *,
        app_secret: str | None = None,
    ):
        options = options or CallOptions()
        self._token = str(token)
        self._app_secret = app_secret
        self._retry = options.retry
        self._sleep = options.sleep
        self._timeout = options.timeout
        self._status: int | None = None
        self._graph_url, self._version = graph_url, version
        self.usage = Usage()
        self._api = GraphAPI(
            access_token=self._token,
            version=version,
            base_url=graph_url.rstrip("/") + "/",
            timeout=self._timeout,
            sleep_on_rate_limit=False,
        )
        # The token travels in a header, not in the query string where pyfacebook puts it,
        # so that no URL (in an exception, or urllib3's debug log) ever carries it.
        self._api.session.headers["Authorization"] = f"OAuth {self._token}"
        if app_secret:
            # pyfacebook computes the proof only from a token in the query string: added here instead
            self._api.session.auth = _Proof(appsecret_proof(self._token, app_secret))
        self._api.session.hooks["response"].append(self._remember_status)
        environment_read_once(self._api.session, graph_url)
        self.calls = 0

    def for_token(self, token: str) -> GraphClient:
        """A client for another token (a page's), with the same options, app secret and call count."""
        options = CallOptions(timeout=self._timeout, retry=self._retry, sleep=self._sleep)
        other = GraphClient(self._graph_url, self._version, token, options, app_secret=self._app_secret)
        other.usage = self.usage
        return other

    def copy(self) -> GraphClient:
        """Another client for the same token (its own connection, for another thread)."""
        return self.for_token(self._token)

    def close(self) -> None:
        self._api.session.close()

    # ---------------------------------------------------------------- public calls

    def objects(self, ids: list[str], fields: str) -> dict[str, Any]:
        return self._call(self._api.get_objects, ids=",".join(ids), fields=fields)

    def each(self, relative_urls: list[str]) -> list[dict[str, Any] | CallFailed]:
        """Several GETs in one HTTP call, each answered on its own: Graph's batch requests
        (developers.facebook.com/docs/graph-api/making-multiple-requests, `POST /?batch=[…]`, at
        most 50). Each operation gives its object, or the `CallFailed` of its own error; a refused
        token stops the platform as any call does."""
        operations = [{"method": "GET", "relative_url": url} for url in relative_urls]
        answer = self._call(self._post_batch, batch=json.dumps(operations, separators=(",", ":")))
        return [self._operation(item) for item in answer["data"]]

    def object(self, object_id: str, fields: str) -> dict[str, Any]:
        return self._call(self._api.get_object, object_id=object_id, fields=fields)

    def node(self, object_id: str, **params: Any) -> dict[str, Any]:
        """`GET /{object_id}?…` with other parameters than `fields` (`debug_token?input_token=`)."""
        return self._call(self._api.get_object, object_id=object_id, **params)

    def connection(self, object_id: str, edge: str, **params: Any) -> dict[str, Any]:
        return self._call(self._api.get_connection, object_id=object_id, connection=edge, **params)

    def usage_percent(self) -> int:
        """The highest quota percentage the last answer reported (app, page or business use case)."""
        return self.usage.percent

    def regain_seconds(self) -> float | None:
        """`estimated_time_to_regain_access` (minutes, in the usage headers), in seconds."""
        return self.usage.regain_minutes * 60 if self.usage.regain_minutes else None

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
                    # down, or throttled past the policy: the next calls would fare no better
                    raise PlatformStopped(
                        f"{failure.problem} après {tries} {suffix}", code=failure.code
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
            # invalid JSON, no Content-Type
            raise self._bad_answer(unreadable=True) from None
        if not isinstance(data, dict):
            raise self._bad_answer(unreadable=True)
        if self._status is not None and self._status >= 500:
            raise _Retryable(f"la plateforme a répondu par une erreur {self._status}")
        return data

    def _post_batch(self, batch: str, access_token: None = None) -> dict[str, Any]:
        url = f"{self._graph_url.rstrip('/')}/{self._version}/"
        response = self._api.session.post(
            url, params={"batch": batch, "include_headers": "false"}, timeout=self._timeout
        )
        data = response.json()
        if isinstance(data, dict) and "error" in data:
            raise FacebookError(data)
        if not isinstance(data, list):
            raise ValueError("a batch answer is a list")
        return {"data": data}

    def _operation(self, item: Any) -> dict[str, Any] | CallFailed:
        """One operation's answer: its body, or why it failed (null: Graph did not complete it)."""
        if not isinstance(item, dict):
            return CallFailed("la plateforme n'a pas terminé cette lecture dans le lot")
        try:
            body = json.loads(item.get("body") or "null")
        except ValueError:
            body = None
        if item.get("code") == 200 and isinstance(body, dict) and "error" not in body:
            return body
        if not (isinstance(body, dict) and isinstance(body.get("error"), dict)):
            return CallFailed(f"la plateforme a répondu par une erreur {item.get('code')}")
        failure = self._graph_failure(FacebookError(body))
        if isinstance(failure, PlatformStopped):
            raise failure
        if isinstance(failure, _Retryable):  # throttled or transient for this object alone
            return CallFailed(failure.problem, code=failure.code)
        return failure

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
        if code == 190 and subcode is None and WRONG_TOKEN_KIND.search(message):
            reason = (
                "ce jeton n'est pas un jeton de page : la page doit être lue avec le jeton de page du conseil"
            )
            return CallFailed(reason, code=code, message=message)
        if code in TOKEN_CODES:
            log.error("Graph rejected the access token (code %s, subcode %s)", code, subcode)
            return PlatformStopped(EXPIRED_TOKEN, code=code, subcode=subcode)
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
        return CallFailed(reason, code=code, subcode=subcode, message=message)

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
        self.usage.read(response.headers)
        # pyfacebook parses these headers too, into dataclasses that fail on a key they do not
        # know: this client has read them, pyfacebook need not.
        for name in USAGE_HEADERS:
            response.headers.pop(name, None)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
