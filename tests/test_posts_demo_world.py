"""The demo world's publications (vigie_sandbox/worlds/csno/publications.yaml): read through the
four adapters over loopback, exactly as planted, and judged by the content checks as planted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import requests
import yaml
from corpus.publications import labelled

from scanner.checks.publications import assess_post
from scanner.config.models import (
    FacebookSettings,
    InstagramSettings,
    PlatformSettings,
    XSettings,
    YouTubeSettings,
)
from scanner.platforms.base import CallOptions
from scanner.platforms.facebook import FacebookAdapter
from scanner.platforms.instagram import InstagramAdapter
from scanner.platforms.posts import PostsWanted
from scanner.platforms.x import XAdapter
from scanner.platforms.youtube import YouTubeAdapter
from scanner.publications.faces import detect_faces
from scanner.publications.post import Post, load_tools
from vigie_sandbox.server import SandboxServer
from vigie_sandbox.world import DEMO_WORLD, World

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
MANIFEST = yaml.safe_load((DEMO_WORLD / "publications.yaml").read_text(encoding="utf-8"))
CHECK_FAMILY = {"content.french", "content.personal-info", "content.conduct"}


@pytest.fixture(scope="module")
def read(request):
    """Every registry account's publications of the first night, as the stage will ask them (one
    sandbox for the module)."""
    server = SandboxServer(World.demo(), now=lambda: NOW).start()
    request.addfinalizer(server.stop)
    options = CallOptions(timeout=5.0, clock=lambda: NOW)
    facebook = FacebookSettings(graph_url=server.url)
    ig_user_id = yaml.safe_load((ROOT / "config" / "settings.yaml").read_text())["platforms"]["instagram"][
        "ig_user_id"
    ]
    adapters = {
        "facebook": FacebookAdapter(facebook, "sandbox-facebook-token", options=options),
        "instagram": InstagramAdapter(
            PlatformSettings(facebook=facebook, instagram=InstagramSettings(ig_user_id=ig_user_id)),
            "sandbox-facebook-token",
            options=options,
        ),
        "x": XAdapter(XSettings(api_url=server.url), "sandbox-x-token", options=options),
        "youtube": YouTubeAdapter(
            YouTubeSettings(api_url=server.url), "sandbox-youtube-key", options=options
        ),
    }
    registry = yaml.safe_load((ROOT / "config" / "registry.yaml").read_text(encoding="utf-8"))["accounts"]
    since = NOW - dt.timedelta(days=MANIFEST["window_days"])
    posts: dict[str, dict] = {}  # account id -> post id -> post
    for network, adapter in adapters.items():
        accounts = {a["handle"]: a["id"] for a in registry if a["network"] == network}
        snapshots = adapter.fetch(list(accounts))
        wanted = [PostsWanted(h, snapshots[h].platform_id, since) for h in accounts if snapshots[h].ok]
        for handle, answer in adapter.fetch_posts(wanted).items():
            assert answer.read, (handle, answer.reason)
            posts[accounts[handle]] = {p.id: p for p in answer.posts}
    return server, posts


def test_every_planted_and_clean_post_is_read_and_nothing_older(read):
    _, posts = read
    for plant in MANIFEST["planted"]:
        assert plant["post"] in posts[plant["account"]], plant
    for account, ids in MANIFEST["clean"].items():
        assert set(ids) <= set(posts[account]), account
    since = NOW - dt.timedelta(days=MANIFEST["window_days"])
    assert all(p.created >= since for account in posts.values() for p in account.values())
    assert "1979000000000000100" not in posts["eqv-x"]  # a retweet


def test_the_content_checks_find_exactly_the_planted_text_problems(read):
    _, posts = read
    tools = load_tools(
        ROOT / "config", published_numbers=MANIFEST["published_numbers"], board_domains=["csno.ab.ca"]
    )
    if tools.grammalecte is None:
        labelled.tools_with_grammalecte()  # fails in CI, skips elsewhere, with the command
    expected = {
        (p["account"], p["post"], p["check"], p["family"])
        for p in MANIFEST["planted"]
        if p["check"] in CHECK_FAMILY
    }
    found = set()
    for account, by_id in posts.items():
        for post in by_id.values():
            for verdict in assess_post(Post(id=post.id, text=post.text), tools):
                found |= {(account, post.id, verdict.check, f.family) for f in verdict.findings}
    assert found == expected


def test_the_pictures_with_faces_are_exactly_the_planted_ones(read):
    server, posts = read
    expected = {
        (p["account"], p["post"]): p["faces"] for p in MANIFEST["planted"] if p["check"] == "content.faces"
    }
    found = {}
    for account, by_id in posts.items():
        for post in by_id.values():
            for url in post.picture_urls:
                host, _, path = url.split("://", 1)[1].partition("/")
                answer = requests.get(f"{server.url}/{path}", headers={"Host": host}, timeout=5)
                assert answer.status_code == 200, url
                count = detect_faces(answer.content).count
                if count:
                    found[(account, post.id)] = found.get((account, post.id), 0) + count
    assert found == expected
