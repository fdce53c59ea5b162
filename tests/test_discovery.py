"""Discovery of unregistered accounts linked from the board's and schools' websites."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scanner.config.models import NetworkSettings, Registry
from scanner.discovery.sites import crawl, discover, parse_social_url, social_links
from scanner.net.fetch import Fetcher
from vigie_sandbox import web
from vigie_sandbox.server import SandboxServer
from vigie_sandbox.world import DEMO_WORLD, World

CONFIG = Path(__file__).resolve().parents[1] / "config"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.model_validate(yaml.safe_load((CONFIG / "registry.yaml").read_text(encoding="utf-8")))


def fetcher_for(server) -> Fetcher:
    return Fetcher(NetworkSettings(allow_private_addresses=True), resolve={"*": f"127.0.0.1:{server.port}"})


def test_demo_world_discovers_exactly_the_planted_look_alike(registry):
    expected = yaml.safe_load((DEMO_WORLD / "expected.yaml").read_text(encoding="utf-8"))["discovered"]
    with SandboxServer(World.demo(), routes=[web.route]) as server:
        found = discover(registry, fetcher_for(server))
    assert [(d.network, d.handle, d.found_on) for d in found] == [
        (e["network"], e["handle"], e["linked_from"]) for e in expected
    ]
    (candidate,) = found
    assert candidate.school == "eh"
    assert candidate.url == "https://www.facebook.com/ParentsEcoleHeritageCSNO"
    assert candidate.snapshot is None


def test_demo_crawl_reads_every_site_without_errors(registry):
    with SandboxServer(World.demo(), routes=[web.route]) as server:
        result = crawl(registry, fetcher_for(server))
        hosts = {r.host for r in server.log}
    assert result.errors == []
    assert hosts == {"www.csno.ab.ca", "eqv.csno.ab.ca", "eh.csno.ab.ca", "enf.csno.ab.ca"}
    assert all(r.endpoint == "web.page" for r in server.log)


def _tiny_registry(registry: Registry, website: str) -> Registry:
    school = registry.schools[0].model_copy(update={"website": website})
    board = registry.board.model_copy(update={"website": "https://conseil.test"})
    return registry.model_copy(update={"board": board, "schools": (school,)})


def test_pages_per_site_are_bounded_and_one_level_deep(registry):
    many = [f"/page-{i}" for i in range(50)]
    sites = {
        "ecole.test": {
            "/": {"links": many},
            **{p: {"links": ["/plus-profond", "https://x.com/CompteProfond"]} for p in many},
            "/plus-profond": {"links": ["https://x.com/TropProfond"]},
        },
        "conseil.test": {"/": {"links": ["https://www.instagram.com/conseil_inconnu/"]}},
    }
    with SandboxServer(World(web={"sites": sites}), routes=[web.route]) as server:
        result = crawl(_tiny_registry(registry, "https://ecole.test"), fetcher_for(server), max_pages=20)
        school_pages = [r.path for r in server.log if r.host == "ecole.test"]
    assert len(school_pages) == 20
    assert "/plus-profond" not in school_pages
    handles = {(d.handle, d.school) for d in result.candidates}
    assert handles == {("CompteProfond", registry.schools[0].id), ("conseil_inconnu", None)}
    assert result.pages == 21


def test_unreachable_site_is_an_error_not_a_crash(registry):
    sites = {"conseil.test": {"/": {"status": 500}}}
    with SandboxServer(World(web={"sites": sites}), routes=[web.route]) as server:
        result = crawl(_tiny_registry(registry, "https://ecole.test"), fetcher_for(server))
    assert result.candidates == []
    reasons = dict(result.errors)
    assert reasons["https://conseil.test/"] == "la page répond 500"
    assert "https://ecole.test/" in reasons


def test_registered_accounts_are_recognised_whatever_the_link_form(registry):
    html = """
      <a href="https://m.facebook.com/eqvcsno/posts/1">post</a>
      <a href="https://twitter.com/eqv_csno">x</a>
      <a href="https://www.instagram.com/EQV_CSNO/?hl=fr">ig</a>
      <a href="https://www.youtube.com/@eqvbibliothequecsno/videos">yt</a>
      <a href="https://www.facebook.com/groups/EQV4eCSNO/">groupe</a>
    """
    sites = {"eqv.csno.ab.ca": {"/": {"html": html}}, "conseil.test": {"/": {}}}
    with SandboxServer(World(web={"sites": sites}), routes=[web.route]) as server:
        found = discover(_tiny_registry(registry, "https://eqv.csno.ab.ca"), fetcher_for(server))
    assert found == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.facebook.com/EQVCSNO", ("facebook", "EQVCSNO")),
        ("https://facebook.com/EQVCSNO/", ("facebook", "EQVCSNO")),
        ("https://fr-ca.facebook.com/EQVCSNO/photos/123", ("facebook", "EQVCSNO")),
        ("https://www.facebook.com/profile.php?id=100012345678901", ("facebook", "100012345678901")),
        ("https://www.facebook.com/groups/123456789012345/", ("facebook_group", "123456789012345")),
        ("https://www.facebook.com/groups/eqv4ecsno", ("facebook_group", "eqv4ecsno")),
        ("https://www.facebook.com/pages/Ecole-Heritage/123456789", ("facebook", "123456789")),
        ("https://www.facebook.com/pages/category/School/Ecole-Heritage-987654321/", None),
        (
            "https://www.facebook.com/plugins/page.php?href=https%3A%2F%2Fwww.facebook.com%2FEQVCSNO&tabs=timeline",
            ("facebook", "EQVCSNO"),
        ),
        ("https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Feqv.csno.ab.ca", None),
        ("https://www.facebook.com/share.php?u=x", None),
        ("https://www.facebook.com/hashtag/csno", None),
        ("https://www.facebook.com/login.php", None),
        ("https://www.facebook.com/dialog/share?app_id=1", None),
        ("https://www.facebook.com/", None),
        ("https://www.instagram.com/eqv_csno/", ("instagram", "eqv_csno")),
        ("https://instagram.com/eqv_csno?igsh=abc", ("instagram", "eqv_csno")),
        ("https://www.instagram.com/p/Cxyz123/", None),
        ("https://www.instagram.com/explore/tags/csno/", None),
        ("https://www.instagram.com/accounts/login/", None),
        ("https://x.com/EQV_CSNO", ("x", "EQV_CSNO")),
        ("https://twitter.com/EQV_CSNO/status/1790000000000000000", ("x", "EQV_CSNO")),
        ("https://mobile.twitter.com/EQV_CSNO", ("x", "EQV_CSNO")),
        ("https://twitter.com/intent/tweet?text=bonjour", None),
        ("https://x.com/share?url=x", None),
        ("https://x.com/hashtag/CSNO", None),
        ("https://x.com/i/lists/123", None),
        ("https://www.youtube.com/@EQVBibliothequeCSNO", ("youtube", "@EQVBibliothequeCSNO")),
        ("https://m.youtube.com/@EQVBibliothequeCSNO/videos", ("youtube", "@EQVBibliothequeCSNO")),
        ("https://www.youtube.com/channel/UCq3EQVBibliothequeCSNO0", ("youtube", "UCq3EQVBibliothequeCSNO0")),
        ("https://www.youtube.com/c/BibliothequeEQV", ("youtube", "BibliothequeEQV")),
        ("https://www.youtube.com/user/bibliotheque", ("youtube", "bibliotheque")),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", None),
        ("https://youtu.be/dQw4w9WgXcQ", None),
        ("https://notfacebook.com/EQVCSNO", None),
        ("https://facebook.com.evil.test/EQVCSNO", None),
        ("javascript:alert('https://x.com/EQV')", None),
    ],
)
def test_parse_social_url(url, expected):
    link = parse_social_url(url)
    assert (None if link is None else (link.network, link.handle)) == expected


def test_social_links_of_a_page():
    html = """<html><head><base href="https://eqv.csno.ab.ca/sous/"></head><body>
      <a href="../nouvelles">Nouvelles</a>
      <a href="https://x.com/EQV_CSNO">X</a>
      <a href="javascript:void(0)">rien</a>
      <a href="mailto:eqv@csno.ab.ca">courriel</a>
      <map><area href="https://www.instagram.com/eqv_csno/"></map>
      <iframe src="https://www.facebook.com/plugins/page.php?href=https%3A%2F%2Fwww.facebook.com%2FEQVCSNO"></iframe>
    </body></html>"""
    social, others = social_links(html, "https://eqv.csno.ab.ca/")
    assert [(s.network, s.handle) for s in social] == [
        ("x", "EQV_CSNO"),
        ("instagram", "eqv_csno"),
        ("facebook", "EQVCSNO"),
    ]
    assert others == ["https://eqv.csno.ab.ca/nouvelles"]
