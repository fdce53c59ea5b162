"""TLS through the safe fetcher, against a real TLS server on loopback (a `trustme` authority).

The fetcher connects to the address it checked and names the host in `Host`; `PinnedAdapter`
must then send that name as SNI and check the certificate against it. A certificate for
another name, an unknown authority, an expired certificate or a server that does not speak
TLS is a `tls`/`connection` failure with a French reason, never a page read.
"""

from __future__ import annotations

import datetime as dt
import http.server
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import trustme

from scanner.config.models import NetworkSettings
from scanner.net.fetch import ErrorKind, Fetcher

PAGE = b"<html><head><title>Bonjour</title></head><body>ok</body></html>"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 — http.server's naming
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client refusing our certificate hangs up: that is the test


@contextmanager
def tls_server(cert: trustme.LeafCert | None) -> Iterator[tuple[int, list[str | None]]]:
    """A server on 127.0.0.1 (TLS with `cert`, or plain HTTP when None); yields its port and the
    SNI names clients sent."""
    server = _Server(("127.0.0.1", 0), _Handler)
    names: list[str | None] = []
    if cert is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(context)
        context.sni_callback = lambda sock, name, ctx: names.append(name)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], names
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def fetcher_trusting(authority: trustme.CA | None, tmp_path) -> Fetcher:
    bundle = None
    if authority is not None:
        bundle = str(tmp_path / "ca.pem")
        authority.cert_pem.write_to_path(bundle)
    return Fetcher(NetworkSettings(allow_private_addresses=True, timeout=3), ca_bundle=bundle)


def test_a_valid_certificate_is_checked_against_the_name_and_sent_as_sni(authority, tmp_path):
    with tls_server(authority.issue_cert("localhost")) as (port, names):
        result = fetcher_trusting(authority, tmp_path).get(f"https://localhost:{port}/")
    assert result.ok and result.status == 200 and result.body == PAGE, result
    assert "localhost" in names  # the name, not the address the fetcher pinned


def test_a_certificate_for_another_name_is_refused(authority, tmp_path):
    with tls_server(authority.issue_cert("autre-site.test")) as (port, _):
        result = fetcher_trusting(authority, tmp_path).get(f"https://localhost:{port}/")
    assert not result.ok and result.kind is ErrorKind.TLS
    assert result.error == "connexion sécurisée impossible (certificat invalide ou refusé)"


def test_an_unknown_authority_is_refused(authority, tmp_path):
    with tls_server(authority.issue_cert("localhost")) as (port, _):
        result = fetcher_trusting(None, tmp_path).get(f"https://localhost:{port}/")  # system roots only
    assert not result.ok and result.kind is ErrorKind.TLS


def test_an_expired_certificate_is_refused(authority, tmp_path):
    expired = authority.issue_cert(
        "localhost",
        not_before=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        not_after=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    with tls_server(expired) as (port, _):
        result = fetcher_trusting(authority, tmp_path).get(f"https://localhost:{port}/")
    assert not result.ok and result.kind is ErrorKind.TLS


def test_a_server_that_does_not_speak_tls_is_a_failure_not_a_page(authority, tmp_path):
    with tls_server(None) as (port, _):
        result = fetcher_trusting(authority, tmp_path).get(f"https://localhost:{port}/")
    assert not result.ok and result.kind in (ErrorKind.TLS, ErrorKind.CONNECTION)
    assert result.body == b""


def test_a_redirect_to_a_bad_certificate_is_refused_at_that_hop(authority, tmp_path):
    with tls_server(authority.issue_cert("autre-site.test")) as (bad_port, _):

        class Redirect(_Handler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(302)
                self.send_header("Location", f"https://localhost:{bad_port}/")
                self.send_header("Content-Length", "0")
                self.end_headers()

        server = _Server(("127.0.0.1", 0), Redirect)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            result = fetcher_trusting(authority, tmp_path).get(
                f"http://localhost:{server.server_address[1]}/"
            )
        finally:
            server.shutdown()
            server.server_close()
    assert not result.ok and result.kind is ErrorKind.TLS
