"""The one HTTP client Vigie uses for the open web: websites, profile links, avatars.

Everything fetched here comes from addresses that strangers type into social-media
profiles, so each request is bounded and checked:

- only `http`/`https`; credentials in a URL are dropped;
- every name is resolved right before its request, every address it resolves to must
  pass `scanner.net.addresses` (unless `allow_private_addresses`), and the request then
  connects to the address that was checked (no second look-up: DNS rebinding);
- redirects are followed here, one hop at a time (at most 5, loops detected), each hop
  checked like the first;
- connect/read timeouts and a total deadline; a size cap enforced while streaming;
- a content-type check when the caller asks for one;
- at most `concurrency_per_host` requests at once to one host, from any number of threads.

Failures come back as values (`FetchResult.error`, in French), never as exceptions.
`resolve` maps host names (or `*`) to `127.0.0.1:PORT`, like `curl --resolve`: the demo and
the tests reach "https://eqv.csno.ab.ca" on the loopback sandbox, over plain HTTP, with the
original `Host` header.

The wire is urllib3's, without requests on top: a night asks 18,000 pictures at 10,000 accounts,
and requests' per-call machinery (preparing the URL again, cookies, hooks, the adapter) cost
more CPU than urllib3's own call (0.5 ms against 0.15 ms a picture on the loopback sandbox).
Connections are pooled per address connected to and, for HTTPS, per name checked.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import certifi
import urllib3
import urllib3.exceptions
from requests.utils import requote_uri  # as requests sent untrusted paths: spaces, accents

from scanner.config.models import NetworkSettings
from scanner.net import addresses

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_CHUNK = 64 * 1024
POOL_MAXSIZE = 128  # kept-alive connections per address: every host behind it at its per-host limit
DNS_SECONDS = 60.0  # how long a name's addresses are used before the resolver is asked again
# what requests sent by default (the sites and CDNs were asked so until now); `User-Agent` and `Host`
# are the fetcher's own
_DEFAULT_HEADERS = {"Accept": "*/*", "Accept-Encoding": "gzip, deflate", "Connection": "keep-alive"}
T = TypeVar("T")


class ErrorKind(StrEnum):
    REFUSED = "refused"  # not attempted: scheme or address policy (not a dead link)
    INVALID = "invalid"  # not a usable URL
    DNS = "dns"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    TLS = "tls"
    INTERRUPTED = "interrupted"
    TOO_LARGE = "too_large"
    CONTENT_TYPE = "content_type"
    REDIRECTS = "redirects"


@dataclass(frozen=True)
class FetchResult:
    url: str  # as asked
    final_url: str  # after redirects, as a URL (never the address connected to)
    status: int | None = None  # the last HTTP status, None when no answer
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    error: str | None = None  # French, for the coordinator
    kind: ErrorKind | None = None
    redirects: int = 0

    @property
    def ok(self) -> bool:
        """An HTTP answer came back (whatever its status) and passed the caller's limits."""
        return self.error is None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def redact(url: str) -> str:
    """A URL fit for logs: no credentials, no query string (tokens live there), no fragment."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<URL invalide>"
    return urlunsplit((parts.scheme, host + port, parts.path, "", ""))


def human_size(size: int) -> str:
    """5_000_000 -> « 5 Mo », 1_500 -> « 1,5 ko » (decimal units, French decimal comma)."""
    for unit, factor in (("Mo", 1_000_000), ("ko", 1_000)):
        if size >= factor:
            return f"{size / factor:.1f}".rstrip("0").rstrip(".").replace(".", ",") + f"\u00a0{unit}"
    return f"{size}\u00a0octets"


class Once(Generic[T]):
    """Computes each key once, however many threads ask at the same time (once per run)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: dict[Hashable, Future[T]] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            future = self._futures.get(key)
            owner = future is None
            if future is None:
                future = self._futures[key] = Future()
        if owner:
            try:
                future.set_result(compute())
            except BaseException as exc:  # a bug: re-raised to every caller of this key
                future.set_exception(exc)
        return future.result()


@dataclass(frozen=True)
class _Target:
    scheme: str  # what we speak on the wire
    address: str  # literal IP
    port: int


class _Failure(Exception):  # noqa: N818 — internal control flow, never leaves this module
    def __init__(self, kind: ErrorKind, reason: str):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class Fetcher:
    """Thread-safe; one per run. A `session` given is used with this module's adapter mounted."""

    def __init__(
        self,
        network: NetworkSettings,
        *,
        resolve: Mapping[str, str] | None = None,
        ca_bundle: str | None = None,
        address_policy: addresses.Policy = addresses.refusal,
    ):
        self.network = network
        self.address_policy = address_policy  # which addresses may be connected to (tests name their own)
        self.resolve = {name.lower(): _parse_override(value) for name, value in (resolve or {}).items()}
        # No proxy from the environment (it would bypass the address policy), no cookies kept.
        # Pools are keyed by the address connected to (and, for HTTPS, the name its certificate
        # must carry): hosts behind one address (a CDN, or every host of the sandbox through
        # `resolve`) share a pool, so it keeps more than one host's worth of kept-alive
        # connections; the per-host limit is the semaphore of `_slot`.
        self._pools = urllib3.PoolManager(
            num_pools=32,
            maxsize=POOL_MAXSIZE,
            cert_reqs="CERT_REQUIRED",
            ca_certs=ca_bundle or certifi.where(),
        )
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._names: dict[tuple[str, int], tuple[float, list[addresses.IPAddress]]] = {}  # `_lookup`
        self._slots_lock = threading.Lock()

    # ---------------------------------------------------------------- public

    def get(self, url: str, **options) -> FetchResult:
        return self.fetch(url, method="GET", **options)

    def head(self, url: str, **options) -> FetchResult:
        return self.fetch(url, method="HEAD", **options)

    def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        accept: tuple[str, ...] | None = None,
        read_body: bool = True,
        follow_redirects: bool = True,
    ) -> FetchResult:
        """Fetch `url`; `accept` lists content-type prefixes (`"image/"`) a 2xx answer must match."""
        limit = max_bytes if max_bytes is not None else self.network.max_page_bytes
        current, seen, redirects = url, {url.split("#", 1)[0]}, 0
        while True:
            try:
                status, answer_headers, body = self._hop(method, current, headers, limit, accept, read_body)
            except _Failure as failure:
                logger.debug("fetch %s: %s", redact(current), failure.reason)
                return FetchResult(url, current, error=failure.reason, kind=failure.kind, redirects=redirects)
            location = answer_headers.get("location")
            if not (follow_redirects and status in REDIRECT_CODES and location):
                return FetchResult(url, current, status, answer_headers, body, redirects=redirects)
            following = urljoin(current, location.strip())
            failure = self._redirect_refusal(following, seen, redirects)
            if failure is not None:
                return FetchResult(
                    url,
                    current,
                    status,
                    answer_headers,
                    error=failure.reason,
                    kind=failure.kind,
                    redirects=redirects,
                )
            seen.add(following.split("#", 1)[0])
            redirects += 1
            current = following
            if status == 303 and method != "HEAD":
                method = "GET"

    # ---------------------------------------------------------------- one hop

    @staticmethod
    def _redirect_refusal(following: str, seen: set[str], redirects: int) -> _Failure | None:
        if following.split("#", 1)[0] in seen:
            return _Failure(ErrorKind.REDIRECTS, "boucle de redirections")
        if redirects >= MAX_REDIRECTS:
            return _Failure(ErrorKind.REDIRECTS, "trop de redirections")
        return None

    def _hop(self, method, url, extra_headers, limit, accept, read_body):
        scheme, host, port, path = self._parse(url)
        targets = self._targets(host, port, scheme)
        default_port = _DEFAULT_PORTS[scheme]
        headers = {
            "User-Agent": self.network.user_agent,
            **(extra_headers or {}),
            "Host": (f"[{host}]" if ":" in host else host) + ("" if port == default_port else f":{port}"),
        }
        last: _Failure | None = None
        for target in targets[:2]:  # a second address when the first refuses the connection
            try:
                with self._slot(host):
                    return self._send(target, path, method, headers, limit, accept, read_body)
            except _Failure as failure:
                if failure.kind is not ErrorKind.CONNECTION:
                    raise
                last = failure
        assert last is not None
        raise last

    def _parse(self, url: str) -> tuple[str, str, int, str]:
        try:
            parts = urlsplit(url.strip())
            scheme = parts.scheme.lower()
            if scheme not in _DEFAULT_PORTS:
                raise _Failure(ErrorKind.REFUSED, "seules les adresses http et https sont suivies")
            host = (parts.hostname or "").rstrip(".")
            if not host:
                raise _Failure(ErrorKind.INVALID, "adresse invalide")
            if addresses.parse_address(host) is None:
                host = host.encode("idna").decode("ascii").lower()
            port = parts.port or _DEFAULT_PORTS[scheme]
        except (ValueError, UnicodeError) as exc:
            raise _Failure(ErrorKind.INVALID, "adresse invalide") from exc
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return scheme, host, port, path

    def _targets(self, host: str, port: int, scheme: str) -> list[_Target]:
        """Where to connect for host:port, every address checked against the policy."""
        literal = addresses.parse_address(host) is not None  # the map is for names, never for addresses
        override = None if literal else self.resolve.get(host, self.resolve.get("*"))
        if override is not None:
            mapped_host, port = override
            found = self._lookup(mapped_host, port)
            scheme = "http"
        else:
            found = self._lookup(host, port)
            if literal and "*" in self.resolve and not all(address.is_loopback for address in found):
                # A closed world (`*` mapped to the sandbox): nothing may leave loopback, not even
                # a literal private address that `allow_private_addresses` would otherwise let through.
                raise _Failure(
                    ErrorKind.REFUSED, f"adresse hors du monde de démonstration refusée\u00a0: {host}"
                )
        reason = addresses.first_refusal(
            found, allow_private=self.network.allow_private_addresses, policy=self.address_policy
        )
        if reason is not None:
            raise _Failure(ErrorKind.REFUSED, reason)
        return [_Target(scheme, str(address), port) for address in found]

    def _lookup(self, host: str, port: int) -> list[addresses.IPAddress]:
        """The addresses of `host`, asked of the resolver at most once every DNS_SECONDS: a night
        asks one CDN host thousands of times. What was checked is what is connected to."""
        now = time.monotonic()
        with self._slots_lock:
            known = self._names.get((host, port))
        if known is not None and known[0] > now:
            return known[1]
        try:
            found = addresses.resolve_host(host, port)
        except (OSError, UnicodeError) as exc:
            raise _Failure(ErrorKind.DNS, f"nom de domaine introuvable\u00a0: {host}") from exc
        with self._slots_lock:
            self._names[(host, port)] = (now + DNS_SECONDS, found)
        return found

    def _slot(self, host: str) -> threading.BoundedSemaphore:
        with self._slots_lock:
            slot = self._slots.get(host)
            if slot is None:
                slot = self._slots[host] = threading.BoundedSemaphore(self.network.concurrency_per_host)
            return slot

    def _send(self, target: _Target, path: str, method, headers, limit, accept, read_body):
        timeout = self.network.timeout
        deadline = time.monotonic() + 3 * timeout
        pinned = pinning(target.scheme, headers["Host"])
        try:
            pool = self._pools.connection_from_host(
                target.address, target.port, target.scheme, pool_kwargs=pinned
            )
            response = pool.urlopen(
                method,
                path if path.isascii() and " " not in path else requote_uri(path),
                headers={**_DEFAULT_HEADERS, **headers},
                redirect=False,
                retries=False,
                preload_content=False,
                decode_content=True,
                assert_same_host=False,
                timeout=urllib3.Timeout(connect=timeout, read=timeout),
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _failure_from(exc) from exc
        read_to_the_end, status = False, response.status
        try:
            answer_headers = {k.lower(): v for k, v in response.headers.items()}
            if status in REDIRECT_CODES or method == "HEAD" or not read_body or status == 304:
                return status, answer_headers, b""
            if accept and 200 <= status < 300:
                _check_type(answer_headers.get("content-type", ""), accept)
            declared = answer_headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _Failure(ErrorKind.TOO_LARGE, f"réponse trop volumineuse (plus de {human_size(limit)})")
            body = _read(response, limit, deadline)
            read_to_the_end = True
            return status, answer_headers, body
        finally:
            if read_to_the_end or method == "HEAD" or status in (204, 304):
                response.release_conn()  # nothing left to read: the connection goes back to its pool
            else:
                response.close()  # a body left unread (a redirect's, a refused one): not reused


def pinning(scheme: str, host_header: str) -> dict[str, str] | None:
    """HTTPS connects to the checked address but sends the name as SNI and checks the certificate
    against it (the `Host` header's name); None for HTTP or a literal address."""
    name = "" if host_header.startswith("[") else host_header.rsplit(":", 1)[0]
    if scheme != "https" or not name or addresses.parse_address(name) is not None:
        return None
    return {"server_hostname": name, "assert_hostname": name}


def _parse_override(value: str) -> tuple[str, int]:
    """`127.0.0.1:8080` or `[::1]:8080` -> (address, port); a bad value is a programming error."""
    host, sep, port = value.strip().rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"resolve override must be HOST:PORT, not {value!r}")
    return host.strip("[]"), int(port)


def _check_type(content_type: str, accept: tuple[str, ...]) -> None:
    kind = content_type.split(";", 1)[0].strip().lower()
    if not any(kind.startswith(prefix) for prefix in accept):
        shown = kind or "aucun"
        raise _Failure(ErrorKind.CONTENT_TYPE, f"type de contenu inattendu\u00a0: {shown}")


def _read(response: urllib3.BaseHTTPResponse, limit: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.stream(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _Failure(ErrorKind.TOO_LARGE, f"réponse trop volumineuse (plus de {human_size(limit)})")
            if time.monotonic() > deadline:
                raise _Failure(ErrorKind.TIMEOUT, "délai dépassé")
            chunks.append(chunk)
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise _failure_from(exc) from exc
    return b"".join(chunks)


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (causes, contexts, urllib3 `reason`s, args)."""
    found: list[BaseException] = []
    stack = [exc]
    while stack and len(found) < 20:
        current = stack.pop()
        if any(current is known for known in found):
            continue
        found.append(current)
        linked = (current.__cause__, current.__context__, getattr(current, "reason", None), *current.args)
        stack.extend(e for e in linked if isinstance(e, BaseException))
    return found


def _failure_from(exc: BaseException) -> _Failure:
    """A French reason for what urllib3 or the socket raised."""
    causes = _causes(exc)
    timeouts = (urllib3.exceptions.TimeoutError, socket.timeout, TimeoutError)
    if any(isinstance(e, timeouts) for e in causes):
        return _Failure(ErrorKind.TIMEOUT, "délai dépassé")
    if any(isinstance(e, urllib3.exceptions.SSLError | ssl.SSLError) for e in causes):
        return _Failure(ErrorKind.TLS, "connexion sécurisée impossible (certificat invalide ou refusé)")
    interrupted = (urllib3.exceptions.ProtocolError, urllib3.exceptions.DecodeError)
    if isinstance(exc, interrupted):
        return _Failure(ErrorKind.INTERRUPTED, "réponse interrompue avant la fin")
    return _Failure(ErrorKind.CONNECTION, "connexion impossible")
