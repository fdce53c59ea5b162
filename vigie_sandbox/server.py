"""The sandbox's HTTP server: one loopback port answering as four platforms and the web.

Requests are dispatched in order to the route handlers of `vigie_sandbox.routes`:
an API request by its path (`/v23.0/…` Graph, `/2/…` X, `/youtube/v3/…` YouTube),
anything else by its `Host` header (the schools' sites, the platforms' image CDNs),
which is how the demo and the tests reach "https://eqv.csno.ab.ca" on loopback.

Every request is logged (`SandboxServer.log`) so tests and benchmarks can count calls.
Faults (`vigie_sandbox.faults`) are applied here for the generic knobs (latency,
5xx bursts, malformed or truncated bodies, slow bodies); platform-shaped faults
(rate limits, expired tokens) are applied by the platform handlers themselves.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from vigie_sandbox.faults import FaultPlan


@dataclass(frozen=True)
class Request:
    method: str
    host: str  # Host header without port, lower case
    path: str
    query: dict[str, str]  # first value of each parameter
    headers: dict[str, str]  # lower-case names


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    endpoint: str = "unknown"  # a name for faults and the request log: "graph", "x.users", …

    @classmethod
    def json(cls, data: object, status: int = 200, endpoint: str = "unknown", **headers: str) -> Response:
        body = json.dumps(data, ensure_ascii=False).encode()
        return cls(status, body, {"Content-Type": "application/json; charset=UTF-8", **headers}, endpoint)


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    host: str
    path: str
    query: dict[str, str]
    status: int
    endpoint: str
    at: float


# A route handler answers the requests it knows and returns None for the others.
Route = Callable[[Request, "SandboxServer"], Response | None]


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a timeout test, a closed pool) is not the sandbox's error.

    The listen backlog is a real server's, not socketserver's 5: dozens of connections
    opened at once (a pool warming up) must not see their SYNs dropped and retried a
    second later, which a platform or CDN would never do."""

    request_queue_size = 1024

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SandboxServer:
    """Start with `with SandboxServer(world) as sandbox:`; `sandbox.url` is the base URL."""

    def __init__(
        self,
        world,
        routes: list[Route] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        now: Callable[[], dt.datetime] | None = None,
    ):
        from vigie_sandbox.routes import default_routes

        self.world = world
        # The world's relative times ("last post 75 days ago") are resolved against this clock.
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.routes = routes if routes is not None else default_routes()
        self.faults = FaultPlan()
        self.log: list[LoggedRequest] = []
        self._counts: dict[str, int] = {}  # endpoint -> requests logged: `count` without a scan
        self._lock = threading.Lock()
        self._httpd = _QuietServer((host, port), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SandboxServer:
        # A short poll interval: `stop()` waits for it, once per test that starts a sandbox.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---------------------------------------------------------------- log

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.log.append(entry)
            self._counts[entry.endpoint] = self._counts.get(entry.endpoint, 0) + 1

    def count(self, endpoint_prefix: str) -> int:
        """`len(requests_to(prefix))`, without scanning the log (handlers ask it on every request)."""
        with self._lock:
            return sum(n for endpoint, n in self._counts.items() if endpoint.startswith(endpoint_prefix))

    def requests_to(self, endpoint_prefix: str) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.log if r.endpoint.startswith(endpoint_prefix)]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()
            self._counts.clear()

    # ---------------------------------------------------------------- dispatch

    def dispatch(self, request: Request) -> Response:
        for route in self.routes:
            response = route(request, self)
            if response is not None:
                return response
        return Response(404, b"Not Found", {"Content-Type": "text/plain"}, "none")


def _make_handler(server: SandboxServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: avoid 40 ms delayed-ACK stalls

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

        def do_GET(self) -> None:
            self._serve("GET")

        def do_HEAD(self) -> None:
            self._serve("HEAD")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self._serve("POST")

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            host = (self.headers.get("Host") or "").split(":")[0].lower()
            query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = Request(method, host, parts.path, query, headers)
            try:
                response = server.dispatch(request)
            except Exception as exc:  # a sandbox bug must show as a 500, not a hang
                response = Response(500, f"sandbox error: {exc!r}".encode(), {"Content-Type": "text/plain"})
            fault = server.faults.apply(response.endpoint, response)
            response = fault.response
            server.record(
                LoggedRequest(
                    method, host, parts.path, query, response.status, response.endpoint, time.time()
                )
            )
            if fault.latency:
                time.sleep(fault.latency)
            self._write(method, response, fault)

        def _write(self, method: str, response: Response, fault) -> None:
            body = response.body
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if method == "HEAD":
                return
            try:
                if fault.truncate:
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if fault.slow_body:
                    half = len(body) // 2
                    self.wfile.write(body[:half])
                    self.wfile.flush()
                    time.sleep(fault.slow_body)
                    self.wfile.write(body[half:])
                else:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    return Handler
