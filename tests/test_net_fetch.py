"""The safe fetcher and its address policy, over real HTTP on loopback."""

from __future__ import annotations

import gzip
import logging
import threading
import time

import pytest

from scanner.config.models import NetworkSettings
from scanner.net import addresses
from scanner.net.fetch import ErrorKind, Fetcher, human_size, pinning, redact
from vigie_sandbox import web
from vigie_sandbox.server import SandboxServer
from vigie_sandbox.world import World

NBSP = "\u00a0"

SITES = {
    "site.test": {
        "/": {"title": "Accueil", "links": ["/a"]},
        "/html": {"html": "<html><body>" + "x" * 5000 + "</body></html>"},
        "/relatif": {"redirect": "/", "status": 302},
        "/boucle-a": {"redirect": "https://site.test/boucle-b"},
        "/boucle-b": {"redirect": "/boucle-a"},
        "/metadonnees": {"redirect": "http://169.254.169.254/latest/meta-data/"},
        "/zero": {"redirect": "http://0.0.0.0/"},
        "/javascript": {"redirect": "javascript:alert(1)"},
        "/ailleurs": {"redirect": "https://autre.test/"},
        **{f"/chaine-{i}": {"redirect": f"/chaine-{i + 1}"} for i in range(10)},
        "/chaine-10": {"title": "fin"},
    },
    "autre.test": {"*": {"title": "Autre"}},
}


@pytest.fixture()
def sandbox(tmp_path):
    (tmp_path / "bomb.gz").write_bytes(gzip.compress(b"<html>" + b"a" * 3_000_000 + b"</html>"))
    media = {"cdn.test": {"/bombe.html": {"source": "bomb.gz", "raw": True, "content_type": "text/html",
                                          "headers": {"Content-Encoding": "gzip"}}}}  # fmt: skip
    world = World(web={"sites": SITES, "media": media}, assets=tmp_path)
    with SandboxServer(world, routes=[web.route]) as server:
        yield server


def fetcher_for(server, *, allow=True, resolve=None, **settings):
    network = NetworkSettings(allow_private_addresses=allow, **settings)
    return Fetcher(network, resolve=resolve if resolve is not None else {"*": f"127.0.0.1:{server.port}"})


# ---------------------------------------------------------------- addresses (pure)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.3.4.5",
        "::1",
        "10.0.0.1",
        "10.255.255.255",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.1",
        "100.64.0.1",
        "100.127.255.254",
        "169.254.1.1",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "2002:0a00:0001::1",  # 6to4 around 10.0.0.1
        "64:ff9b::c0a8:0101",  # NAT64 around 192.168.1.1
        "0.0.0.0",
        "::",
        "224.0.0.1",
        "ff02::1",
        "240.0.0.1",
        "255.255.255.255",
    ],
)
def test_non_public_addresses_are_refused(address):
    assert addresses.classify(address) is not None
    assert addresses.refusal(address, allow_private=False) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "142.250.72.14", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert addresses.classify(address) is None
    assert addresses.refusal(address, allow_private=False) is None


def test_private_refusal_reason_is_french():
    assert addresses.refusal("10.0.0.1", allow_private=False) == f"adresse privée refusée{NBSP}: 10.0.0.1"
    assert addresses.refusal("10.0.0.1", allow_private=True) is None
    assert addresses.refusal("::1", allow_private=True) is None


def test_metadata_service_is_refused_even_when_private_addresses_are_allowed():
    for address in ("169.254.169.254", "::ffff:169.254.169.254", "fd00:ec2::254"):
        reason = addresses.refusal(address, allow_private=True)
        assert reason is not None and "métadonnées" in reason


def test_one_bad_address_refuses_the_whole_name():
    assert addresses.first_refusal(["8.8.8.8", "10.1.2.3"], allow_private=False) is not None
    assert addresses.first_refusal(["8.8.8.8", "1.1.1.1"], allow_private=False) is None


def test_literals_are_parsed_with_brackets_and_zones():
    assert str(addresses.parse_address("[::1]")) == "::1"
    assert str(addresses.parse_address("fe80::1%eth0")) == "fe80::1"
    assert addresses.parse_address("eqv.csno.ab.ca") is None
    assert [str(a) for a in addresses.resolve_host("127.0.0.1", 80)] == ["127.0.0.1"]


# ---------------------------------------------------------------- fetching


def test_fetch_through_the_resolve_map_keeps_the_url_and_host(sandbox):
    result = fetcher_for(sandbox).get("https://site.test/")
    assert result.ok and result.status == 200
    assert result.final_url == "https://site.test/"
    assert b"Accueil" in result.body
    assert result.content_type == "text/html"
    assert sandbox.log[-1].host == "site.test"


def test_relative_redirect_is_followed(sandbox):
    result = fetcher_for(sandbox).get("https://site.test/relatif")
    assert result.ok and result.status == 200
    assert result.final_url == "https://site.test/"
    assert result.redirects == 1


def test_redirect_loop_is_detected(sandbox):
    result = fetcher_for(sandbox).get("https://site.test/boucle-a")
    assert result.kind is ErrorKind.REDIRECTS
    assert result.error == "boucle de redirections"
    assert len(sandbox.log) == 2


def test_too_many_redirects(sandbox):
    result = fetcher_for(sandbox).get("https://site.test/chaine-0")
    assert result.error == "trop de redirections"
    assert len(sandbox.log) == 6  # the first request and 5 redirects followed


def test_private_address_refused_unless_allowed(sandbox):
    refused = fetcher_for(sandbox, allow=False).get("https://site.test/")
    assert refused.kind is ErrorKind.REFUSED
    assert refused.error == f"adresse privée refusée{NBSP}: 127.0.0.1"
    assert sandbox.log == []  # nothing was sent
    assert fetcher_for(sandbox, allow=True).get("https://site.test/").ok


def test_each_redirect_hop_is_checked(sandbox):
    fetcher = fetcher_for(sandbox, resolve={"site.test": f"127.0.0.1:{sandbox.port}"})
    result = fetcher.get("https://site.test/metadonnees")
    assert result.kind is ErrorKind.REFUSED
    assert "169.254.169.254" in result.error and "métadonnées" in result.error
    assert [r.path for r in sandbox.log] == ["/metadonnees"]


def test_literal_private_address_refused_without_a_request(sandbox):
    result = fetcher_for(sandbox, allow=False, resolve={}).get("http://10.0.0.1/admin")
    assert result.kind is ErrorKind.REFUSED
    assert result.error == f"adresse privée refusée{NBSP}: 10.0.0.1"


def test_redirect_to_the_unspecified_address_is_refused_at_its_hop(sandbox):
    fetcher = fetcher_for(sandbox, resolve={"site.test": f"127.0.0.1:{sandbox.port}"})
    result = fetcher.get("https://site.test/zero")
    assert result.kind is ErrorKind.REFUSED and "0.0.0.0" in result.error
    assert [r.path for r in sandbox.log] == ["/zero"]


def test_redirect_to_another_host_goes_through_the_map(sandbox):
    result = fetcher_for(sandbox).get("https://site.test/ailleurs")
    assert result.ok and result.final_url == "https://autre.test/"
    assert [r.host for r in sandbox.log] == ["site.test", "autre.test"]


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,<script>1</script>", "file:///etc/passwd", "ftp://site.test/"],
)
def test_only_http_and_https(sandbox, url):
    result = fetcher_for(sandbox).get(url)
    assert result.kind is ErrorKind.REFUSED
    assert result.error == "seules les adresses http et https sont suivies"
    assert sandbox.log == []


def test_redirect_to_javascript_is_refused(sandbox):
    result = fetcher_for(sandbox).get("https://site.test/javascript")
    assert result.kind is ErrorKind.REFUSED


def test_unknown_domain(sandbox):
    result = fetcher_for(sandbox, allow=False, resolve={}).get("https://nonexistent.invalid/")
    assert result.kind is ErrorKind.DNS
    assert result.error == f"nom de domaine introuvable{NBSP}: nonexistent.invalid"


def test_size_cap_from_the_declared_length(sandbox):
    result = fetcher_for(sandbox).get("https://site.test/html", max_bytes=1000)
    assert result.kind is ErrorKind.TOO_LARGE
    assert result.error == f"réponse trop volumineuse (plus de 1{NBSP}ko)"


def test_size_cap_while_streaming_a_gzip_bomb(sandbox):
    result = fetcher_for(sandbox).get("https://cdn.test/bombe.html", max_bytes=1_000_000)
    assert result.kind is ErrorKind.TOO_LARGE
    assert result.error == f"réponse trop volumineuse (plus de 1{NBSP}Mo)"


def test_content_type_is_checked_when_asked(sandbox):
    result = fetcher_for(sandbox).get("https://site.test/", accept=("image/",))
    assert result.kind is ErrorKind.CONTENT_TYPE
    assert result.error == f"type de contenu inattendu{NBSP}: text/html"


def test_latency_times_out(sandbox):
    sandbox.faults.set("web.page", latency=1.5)
    started = time.monotonic()
    result = fetcher_for(sandbox, timeout=0.3).get("https://site.test/")
    assert result.kind is ErrorKind.TIMEOUT and result.error == "délai dépassé"
    assert time.monotonic() - started < 1.4


def test_slow_body_times_out(sandbox):
    sandbox.faults.set("web.page", slow_body=1.5)
    result = fetcher_for(sandbox, timeout=0.3).get("https://site.test/html")
    assert result.kind is ErrorKind.TIMEOUT and result.error == "délai dépassé"


def test_truncated_body(sandbox):
    sandbox.faults.set("web.page", truncated=1)
    result = fetcher_for(sandbox).get("https://site.test/html")
    assert result.kind is ErrorKind.INTERRUPTED


def test_concurrency_per_host_is_bounded(sandbox):
    sandbox.faults.set("web.page", latency=0.3)
    fetcher = fetcher_for(sandbox, concurrency_per_host=2)
    results = []
    started = time.monotonic()
    threads = [
        threading.Thread(target=lambda: results.append(fetcher.get("https://site.test/"))) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert all(r.ok for r in results) and len(results) == 6
    assert elapsed >= 0.85  # three waves of two


def test_query_strings_never_reach_the_logs(sandbox, caplog):
    caplog.set_level(logging.DEBUG, logger="scanner.net")
    fetcher_for(sandbox, allow=False).get("https://site.test/?access_token=SECRET123")
    assert "SECRET123" not in caplog.text
    assert redact("https://u:p@h.test:8443/a?access_token=SECRET#f") == "https://h.test:8443/a"


def test_human_size():
    assert human_size(5_000_000) == f"5{NBSP}Mo"
    assert human_size(2_500_000) == f"2,5{NBSP}Mo"
    assert human_size(1_500) == f"1,5{NBSP}ko"
    assert human_size(12) == f"12{NBSP}octets"


def test_https_is_pinned_to_the_name_of_the_host_header():
    assert pinning("https", "eqv.csno.ab.ca") == {
        "server_hostname": "eqv.csno.ab.ca",
        "assert_hostname": "eqv.csno.ab.ca",
    }
    assert pinning("https", "eqv.csno.ab.ca:8443")["server_hostname"] == "eqv.csno.ab.ca"
    assert pinning("http", "eqv.csno.ab.ca") is None  # plain HTTP: no certificate to check
    assert pinning("https", "203.0.113.7") is None and pinning("https", "[2001:db8::1]") is None


def test_bad_resolve_override_is_a_programming_error():
    with pytest.raises(ValueError):
        Fetcher(NetworkSettings(), resolve={"*": "127.0.0.1"})


def test_a_closed_world_never_lets_a_literal_address_leave_loopback(sandbox):
    """With `*` mapped to the sandbox (demo, tests), a literal 10.x link is refused, not requested."""
    fetcher = Fetcher(
        NetworkSettings(allow_private_addresses=True, timeout=2), resolve={"*": f"127.0.0.1:{sandbox.port}"}
    )
    result = fetcher.get("http://10.0.0.5/admin")
    assert result.kind is ErrorKind.REFUSED and "10.0.0.5" in result.error
    assert fetcher.get("http://site.test/").kind is not ErrorKind.REFUSED
