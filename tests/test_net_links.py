"""Link liveness (links.alive): once per normalised URL, HEAD then GET, French reasons."""

from __future__ import annotations

import pytest

from scanner.config.models import NetworkSettings
from scanner.net.fetch import Fetcher
from scanner.net.links import LinkChecker, status_reason
from vigie_sandbox import web
from vigie_sandbox.server import SandboxServer
from vigie_sandbox.world import World

SITES = {
    "ecole.test": {
        "/": {"title": "Accueil"},
        "/vieux": {"redirect": "/", "status": 301},
        "/disparu": {"status": 404},
        "/panne": {"status": 503},
        "/sans-head": {"head_status": 405},
        "/boucle": {"redirect": "/boucle-2"},
        "/boucle-2": {"redirect": "/boucle"},
        "/intranet": {"redirect": "http://169.254.169.254/"},
    },
}


@pytest.fixture()
def sandbox():
    with SandboxServer(World(web={"sites": SITES}), routes=[web.route]) as server:
        yield server


def checker_for(server, *, allow=True, **settings) -> LinkChecker:
    network = NetworkSettings(allow_private_addresses=allow, **settings)
    return LinkChecker(Fetcher(network, resolve={"*": f"127.0.0.1:{server.port}"}))


def test_alive_link_is_checked_with_one_head(sandbox):
    evidence = checker_for(sandbox).check(["https://ecole.test/"])["https://ecole.test"]
    assert evidence.alive is True and evidence.status_code == 200 and evidence.error is None
    assert [(r.method, r.path) for r in sandbox.log] == [("HEAD", "/")]


def test_each_normalised_url_is_checked_once_per_run(sandbox):
    checker = checker_for(sandbox)
    variants = [
        "https://ecole.test/",
        "http://ecole.test",
        "https://www.ECOLE.test/#haut",
        "https://ecole.test//",
    ]
    first = checker.check(variants)
    second = checker.check(["https://ecole.test"])
    assert list(first) == ["https://ecole.test"]
    assert second["https://ecole.test"] == first["https://ecole.test"]
    assert len(sandbox.log) == 1


def test_redirect_to_a_live_page(sandbox):
    evidence = checker_for(sandbox).check_one("https://ecole.test/vieux")
    assert evidence.alive is True
    assert evidence.final_url == "https://ecole.test/"


def test_dead_links_have_a_french_reason(sandbox):
    found = checker_for(sandbox).check(["https://ecole.test/disparu", "https://ecole.test/panne"])
    gone, down = found["https://ecole.test/disparu"], found["https://ecole.test/panne"]
    assert gone.alive is False and gone.status_code == 404
    assert gone.error == "la page répond 404 (introuvable)"
    assert down.alive is False and down.error == "la page répond 503 (service indisponible)"


def test_head_refused_falls_back_to_get(sandbox):
    evidence = checker_for(sandbox).check_one("https://ecole.test/sans-head")
    assert evidence.alive is True and evidence.status_code == 200
    assert [r.method for r in sandbox.log] == ["HEAD", "GET"]


def test_redirect_loop_is_dead(sandbox):
    evidence = checker_for(sandbox).check_one("https://ecole.test/boucle")
    assert evidence.alive is False and evidence.error == "boucle de redirections"


def test_unknown_domain_is_dead():
    checker = LinkChecker(Fetcher(NetworkSettings()))
    evidence = checker.check_one("https://nonexistent.invalid/")
    assert evidence.alive is False
    assert evidence.error == "nom de domaine introuvable\u00a0: nonexistent.invalid"


def test_timeout_is_dead(sandbox):
    sandbox.faults.set("web.page", latency=1.0)
    evidence = checker_for(sandbox, timeout=0.2).check_one("https://ecole.test/")
    assert evidence.alive is False and evidence.error == "délai dépassé"


def test_policy_refusal_is_not_checked_rather_than_dead(sandbox):
    evidence = checker_for(sandbox, allow=False).check_one("https://ecole.test/")
    assert evidence.alive is None
    assert evidence.error == "lien non vérifié\u00a0: adresse privée refusée\u00a0: 127.0.0.1"
    assert sandbox.log == []


def test_redirect_to_metadata_is_not_checked(sandbox):
    evidence = checker_for(sandbox).check_one("https://ecole.test/intranet")
    assert evidence.alive is None and "169.254.169.254" in evidence.error


@pytest.mark.parametrize("url", ["javascript:alert(1)", "mailto:eqv@csno.ab.ca", "data:text/plain,bonjour"])
def test_links_that_are_not_web_addresses_are_not_checked(sandbox, url):
    evidence = checker_for(sandbox).check_one(url)
    assert evidence.alive is None and "lien non vérifié" in evidence.error
    assert sandbox.log == []


def test_many_links_in_parallel(sandbox):
    urls = [f"https://ecole.test/page-{i}" for i in range(40)]
    found = checker_for(sandbox).check(urls)
    assert len(found) == 40
    assert all(e.alive is False and e.status_code == 404 for e in found.values())


def test_status_reasons():
    assert status_reason(410) == "la page répond 410 (supprimée)"
    assert status_reason(418) == "la page répond 418 (page inaccessible)"
    assert status_reason(599) == "la page répond 599 (erreur du serveur)"
