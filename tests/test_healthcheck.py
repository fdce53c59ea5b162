"""Healthcheck pings: start, success, failure on a loopback server; never failing the run."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scanner.night.healthcheck import Healthcheck


class Recorder(BaseHTTPRequestHandler):
    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        self.server.hits.append((self.command, self.path, body))  # type: ignore[attr-defined]
        if "slow" in self.path:
            time.sleep(2)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"OK")

    do_GET = _record
    do_POST = _record

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    httpd.hits = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def base(httpd) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}/ping/abc-uuid"


def test_start_success_failure(server) -> None:
    check = Healthcheck(base(server) + "/", run_id="run-1")
    assert check.start()
    assert check.success("12 comptes")
    assert check.failure("boom")
    assert [(m, p.split("?")[0]) for m, p, _ in server.hits] == [
        ("GET", "/ping/abc-uuid/start"),
        ("POST", "/ping/abc-uuid"),
        ("POST", "/ping/abc-uuid/fail"),
    ]
    assert all("rid=run-1" in p for _, p, _ in server.hits)
    assert server.hits[1][2] == "12 comptes"


def test_finish_maps_exit_status(server) -> None:
    check = Healthcheck(base(server))
    check.finish(0)
    check.finish(3, "2 comptes non vérifiés")
    check.finish(1)
    paths = [p for _, p, _ in server.hits]
    assert paths == ["/ping/abc-uuid", "/ping/abc-uuid", "/ping/abc-uuid/fail"]
    assert server.hits[1][2].startswith("exit status 3\n2 comptes")


def test_no_url_does_nothing() -> None:
    check = Healthcheck(None)
    assert not check.enabled
    assert check.start() is False
    assert Healthcheck("ftp://example.org/x").enabled is False


def test_unreachable_or_slow_server_never_raises(server) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert Healthcheck(f"http://127.0.0.1:{port}/x", timeout=0.5).start() is False
    started = time.monotonic()
    assert Healthcheck(base(server) + "/slow", timeout=0.3).success("x") is False
    assert time.monotonic() - started < 1.5


def test_ping_function(server) -> None:
    from scanner.night.healthcheck import ping

    assert ping(base(server), "start", run_id="r1")
    assert ping(base(server), "fail", "boom")
    assert ping(None, "success") is False
    assert [p.split("?")[0] for _, p, _ in server.hits] == ["/ping/abc-uuid/start", "/ping/abc-uuid/fail"]
