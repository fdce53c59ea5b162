"""Signed picture URLs (fbcdn, cdninstagram): rotated daily, refused once expired, never downloaded twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scanner.config.models import FacebookSettings, NetworkSettings
from scanner.net.fetch import Fetcher
from scanner.net.images import ImageFetcher, picture_key, signature_expired
from scanner.platforms.base import CallOptions
from scanner.platforms.facebook import FacebookAdapter
from scanner.platforms.retry import RetryPolicy
from vigie_sandbox import graph, signing, web
from vigie_sandbox.server import SandboxServer
from vigie_sandbox.world import World

LOGOS = Path(__file__).resolve().parents[1] / "config" / "logos"
TOKEN = "sandbox-facebook-token"
DAY1 = dt.datetime(2026, 3, 10, 3, 0, tzinfo=dt.UTC)


def test_picture_key_drops_only_the_signature():
    signed = "https://scontent.xx.fbcdn.net/v/t39.30808-1/123_n.jpg?stp=dst-jpg&_nc_cat=1&_nc_sid=7206a8&oh=00_AfB&oe=6650A1B2"
    assert picture_key(signed) == "https://scontent.xx.fbcdn.net/v/t39.30808-1/123_n.jpg?stp=dst-jpg"
    assert picture_key("https://pbs.twimg.com/a.jpg") == "https://pbs.twimg.com/a.jpg"
    assert signature_expired(signed, 0x6650A1B2) and not signature_expired(signed, 0x6650A1B1)


class Clock:
    def __init__(self, when: dt.datetime):
        self.when = when

    def __call__(self) -> dt.datetime:
        return self.when


@pytest.fixture
def world() -> World:
    page = {
        "id": "500000001",
        "username": "EcoleSigneeCSNO",
        "name": "École signée_CSNO",
        "picture": "https://scontent.sandbox.fbcdn.net/v/t39.30808-1/signee_n.jpg",
        "last_post_days_ago": 1,
    }
    media = {
        "scontent.sandbox.fbcdn.net": {
            "/v/t39.30808-1/signee_n.jpg": {"source": str(LOGOS / "eqv.png"), "size": 200, "format": "jpeg"}
        }
    }
    return World(
        facebook={"valid_tokens": [TOKEN], "role_tokens": [], "sign_pictures": True, "pages": [page]},
        web={"media": media},
    )


def test_rotated_url_of_the_same_picture_is_never_downloaded_twice(world, tmp_path):
    clock = Clock(DAY1)
    with SandboxServer(world, routes=[graph.route, web.route], now=clock) as server:
        settings = FacebookSettings(graph_url=server.url, version="v23.0")
        options = CallOptions(retry=RetryPolicy(attempts=2, base=0.01, cap=0.01), clock=clock)
        network = NetworkSettings(allow_private_addresses=True)
        fetcher = Fetcher(network, resolve={"*": f"127.0.0.1:{server.port}"})
        cache = tmp_path / "images.json"

        def night() -> tuple[str, ImageFetcher]:
            snap = FacebookAdapter(settings, TOKEN, options=options).fetch(["EcoleSigneeCSNO"])[
                "EcoleSigneeCSNO"
            ]
            assert snap.avatar_key == signing.cache_key(snap.avatar_url)
            images = ImageFetcher(fetcher, cache, now=lambda: clock().timestamp())
            images.prefetch(images.due())
            evidence = images.fetch_many([snap.avatar_url])[snap.avatar_url]
            assert evidence.error is None and evidence.fingerprint is not None
            images.close()
            images.save()
            return snap.avatar_url, images

        first_url, first = night()
        assert first.stats()["downloads"] == 1
        clock.when = DAY1 + dt.timedelta(hours=24)  # night 2: a new signature for the same picture
        second_url, second = night()
        assert second_url != first_url and picture_key(second_url) == picture_key(first_url)
        # the same CDN path: the same bytes, no request at all (kept up to a week)
        assert second.stats()["downloads"] == 0 and second.stats()["fresh"] == 1
        # the old URL has expired by night 4: the CDN refuses it, and the cache never asks it
        clock.when = DAY1 + dt.timedelta(days=3)
        media = [r for r in server.log if r.endpoint == "media"]
        assert len(media) == 1  # one download; the rotated URL is never asked
        clock.when = DAY1 + dt.timedelta(days=7, hours=1)  # past the week: asked again, once
        _, week_later = night()
        assert week_later.stats()["not_modified"] == 1 and week_later.stats()["downloads"] == 0
        refused = fetcher.get(first_url, max_bytes=10**6, accept=("image/",))
        assert refused.status == 403
        assert not signature_expired(second_url, (DAY1 + dt.timedelta(days=1)).timestamp())


def test_a_picture_graph_names_by_cache_key_is_one_picture_on_any_edge(world, tmp_path):
    """fbcdn serves a picture from another edge host another day (a new host, path and signature
    alike to nothing seen): Graph's `cache_key` names it, and it is neither downloaded again nor
    asked more than once a night."""
    world.facebook["picture_edges"] = [
        "scontent-yyz1-1.sandbox.fbcdn.net",
        "scontent-iad3-1.sandbox.fbcdn.net",
    ]
    picture = world.web["media"]["scontent.sandbox.fbcdn.net"]["/v/t39.30808-1/signee_n.jpg"]
    world.web["media"] = {
        host: {"/v/t39.30808-1/signee_n.jpg": picture} for host in world.facebook["picture_edges"]
    }
    clock = Clock(DAY1)
    with SandboxServer(world, routes=[graph.route, web.route], now=clock) as server:
        settings = FacebookSettings(graph_url=server.url, version="v23.0")
        options = CallOptions(retry=RetryPolicy(attempts=2, base=0.01, cap=0.01), clock=clock)
        fetcher = Fetcher(
            NetworkSettings(allow_private_addresses=True), resolve={"*": f"127.0.0.1:{server.port}"}
        )
        cache = tmp_path / "images.json"

        def night(identify: bool = True) -> tuple[str, ImageFetcher]:
            page = FacebookAdapter(settings, TOKEN, options=options).fetch(["EcoleSigneeCSNO"])[
                "EcoleSigneeCSNO"
            ]
            images = ImageFetcher(fetcher, cache, now=lambda: clock().timestamp())
            images.prefetch(images.due())
            if identify:
                images.identify([(page.avatar_url, page.avatar_key)])
            urls = [page.avatar_url, page.avatar_url]  # asked twice tonight (logo and look-alike checks)
            evidence = images.fetch_many(urls)[page.avatar_url]
            assert evidence.error is None and evidence.fingerprint is not None
            images.close()
            images.save()
            return page.avatar_url, images

        first_url, first = night()
        assert first.stats()["downloads"] == 1
        clock.when = DAY1 + dt.timedelta(hours=24)
        second_url, second = night()
        assert picture_key(second_url) != picture_key(first_url)  # another host: the path alone cannot tell
        assert second.stats() == {"downloads": 0, "not_modified": 0, "fresh": 1, "fingerprinted": 0}
        clock.when = DAY1 + dt.timedelta(days=8)  # past the week: one conditional request, no download
        _, week_later = night()
        assert week_later.stats()["not_modified"] == 1 and week_later.stats()["downloads"] == 0
        assert len([r for r in server.log if r.endpoint == "media"]) == 2  # one download, one 304
        clock.when = DAY1 + dt.timedelta(days=9)  # the same night without the key: a second download
        _, unidentified = night(identify=False)
        assert unidentified.stats()["downloads"] == 1
